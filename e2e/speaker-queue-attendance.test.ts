/**
 * Speaker queue and attendance report in real Chromium against a real Plenum (signaling only, no media
 * server): a chair (room owner) and an invited guest. The guest's raised hand puts her on the list, the
 * chair gives her the floor with a time limit both see counting down, she passes the floor on; afterwards
 * the chair finds the meeting in the room card on "My rooms" and downloads its reports.
 */
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebIfStale, launchChromium } from '../packages/server/src/testing/browsers.ts';
import { expectAccessible } from './support/a11y.ts';
import { shoot } from './support/screenshots.ts';
import { startTestServer, type TestServer } from '../packages/server/src/testing/server.ts';

let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
const problems: string[] = [];

beforeAll(async () => {
  buildWebIfStale();
  server = await startTestServer({ web: true });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => {})));
  await browser?.close();
  await server?.close();
});

async function api<T>(method: string, urlPath: string, body: unknown, user: { cookie: string; csrf: string }): Promise<T> {
  const res = await fetch(`${server.url}${urlPath}`, {
    method,
    headers: { 'content-type': 'application/json', cookie: user.cookie, 'x-csrf-token': user.csrf },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${urlPath}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function newPage(session?: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', acceptDownloads: true });
  contexts.push(context);
  if (session) await context.addCookies([{ name: 'plenum_session', value: session, url: server.url }]);
  const page = await context.newPage();
  page.setDefaultTimeout(8_000);
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  return page;
}

const control = (page: Page, name: string) => page.getByRole('group', { name: 'Meeting controls' }).getByRole('button', { name, exact: true });
const tile = (page: Page, name: string) => page.getByRole('figure', { name, exact: true });
const speakers = (page: Page) => page.getByRole('region', { name: 'Speakers' });

describe('speaker queue and attendance in the browser', () => {
  it('raised hand → list → floor with countdown → yield; then the report from My rooms', async () => {
    const owner = await server.loginAs('user', 'Clara Chair');
    const roomId = (await api<{ id: string }>('POST', '/v1/rooms', { name: 'Finance committee' }, owner)).id;
    const inviteCode = (await api<{ code: string }>('POST', `/v1/rooms/${roomId}/invites`, {}, owner)).code;

    const chair = await newPage(owner.token);
    await chair.goto(`${server.url}/rooms/${roomId}`);
    await chair.getByRole('button', { name: 'Join now' }).click();
    await tile(chair, 'Clara Chair (you)').waitFor();

    const anna = await newPage();
    await anna.goto(`${server.url}/invite/${inviteCode}`);
    await anna.getByLabel('Your name').fill('Anna Guest');
    await anna.getByRole('button', { name: 'Join' }).click();
    await anna.waitForURL(`${server.url}/rooms/${roomId}`);
    await anna.getByRole('button', { name: 'Join now' }).click();
    await tile(chair, 'Anna Guest').waitFor();

    await control(chair, 'Participants').click();
    // The box reflects the room's state, which changes only when the server confirms: click, then wait for it.
    await speakers(chair).getByLabel('Add raised hands to the list').click();
    await expect.poll(() => speakers(chair).getByLabel('Add raised hands to the list').isChecked(), { timeout: 10_000 }).toBe(true);
    await speakers(chair).getByLabel('Time per speaker (minutes)').fill('1');
    await speakers(chair).getByRole('button', { name: 'Set', exact: true }).click();
    await speakers(chair).getByText('Time per speaker: 1:00').waitFor();

    await control(anna, 'Raise hand').click();
    await speakers(chair).getByRole('list', { name: 'Waiting to speak' }).getByText('Anna Guest').waitFor();
    await speakers(chair).getByRole('button', { name: 'Next speaker' }).click();
    await speakers(chair).getByText('Speaking: Anna Guest').waitFor();
    // Anna is told that the chair gave her the floor (#15 defect 4).
    await anna.getByRole('log', { name: 'Notices' }).getByText('A moderator gave you the floor.').waitFor();
    // Everyone sees who speaks and the time left in the header, counting down.
    await anna.getByText('Speaking: Anna Guest').waitFor();
    const countdown = anna.getByLabel(/left$/).first();
    const first = await countdown.textContent();
    expect(first).toMatch(/^[01]:\d\d$/);
    await expect.poll(async () => await countdown.textContent(), { timeout: 5_000 }).not.toBe(first);
    await shoot(chair, 'speaker-queue');
    await expectAccessible(chair);

    await control(anna, 'Participants').click();
    await speakers(anna).getByRole('button', { name: 'Pass the floor on' }).click();
    await speakers(chair).getByText('Nobody has the floor.').waitFor();
    // The guest has no moderator controls and no attendance links.
    expect(await speakers(anna).getByRole('button', { name: 'Next speaker' }).count()).toBe(0);
    expect(await anna.getByRole('link', { name: 'PDF' }).count()).toBe(0);

    // In the meeting, the chair downloads the running meeting's CSV.
    const [csvDownload] = await Promise.all([chair.waitForEvent('download'), chair.getByRole('region', { name: 'Attendance' }).getByRole('link', { name: 'CSV' }).click()]);
    const csv = await (await csvDownload.createReadStream()).toArray();
    expect(Buffer.concat(csv).toString('utf8')).toMatch(/Anna Guest,Guest,/);

    await control(anna, 'Leave').click();
    await control(chair, 'Leave').click();

    const home = await newPage(owner.token);
    await home.goto(`${server.url}/`);
    await home.getByRole('button', { name: 'Attendance of Finance committee' }).click();
    const pdfLink = home.getByRole('link', { name: /^Attendance of .* as PDF$/ });
    await pdfLink.waitFor();
    await home.getByText(/ – .*\(2 people\)/).waitFor();
    await shoot(home, 'attendance-room-card');
    await expectAccessible(home);
    const [pdfDownload] = await Promise.all([home.waitForEvent('download'), pdfLink.click()]);
    const pdf = Buffer.concat(await (await pdfDownload.createReadStream()).toArray());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(problems).toEqual([]);
  }, 60_000);
});
