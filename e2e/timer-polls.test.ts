/**
 * Timer and polls in real Chromium against a real Plenum (no media server: both run over signaling only):
 * a logged-in chair (room owner, moderator) and two guests who join through an invite link. A countdown
 * appears for everyone and ends by the server's clock; a coffee break takes over the screen and switches the
 * microphone off; a poll is answered by both guests and its result is shown to all.
 */
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebIfStale, launchChromium } from '../packages/server/src/testing/browsers.ts';
import { expectAccessible } from './support/a11y.ts';
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

const api = <T>(method: string, urlPath: string, body: unknown, user?: { cookie: string; csrf: string }) => server.api<T>(method, urlPath, body, user);

async function newPage(session?: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  contexts.push(context);
  if (session) await context.addCookies([{ name: 'plenum_session', value: session, url: server.url }]);
  const page = await context.newPage();
  page.setDefaultTimeout(8_000);
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.type()} ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  return page;
}

const control = (page: Page, name: string) => page.getByRole('group', { name: 'Meeting controls' }).getByRole('button', { name, exact: true });
const tile = (page: Page, name: string) => page.getByRole('figure', { name, exact: true });
const timerPanel = (page: Page) => page.getByRole('complementary', { name: 'Timer' });
const pollsPanel = (page: Page) => page.getByRole('complementary', { name: 'Polls' });

describe('timer and polls in the browser', () => {
  let chair: Page;
  let anna: Page;
  let ben: Page;
  let everyone: Page[] = [];

  it('lets a chair and two invited guests join', async () => {
    const owner = await server.loginAs('user', 'Clara Chair');
    const roomId = (await api<{ id: string }>('POST', '/v1/rooms', { name: 'Council' }, owner)).id;
    const inviteCode = (await api<{ code: string }>('POST', `/v1/rooms/${roomId}/invites`, {}, owner)).code;

    chair = await newPage(owner.token);
    await chair.goto(`${server.url}/rooms/${roomId}`);
    await chair.getByRole('button', { name: 'Join now' }).click();
    await tile(chair, 'Clara Chair (you)').waitFor();

    async function guestJoins(name: string): Promise<Page> {
      const page = await newPage();
      await page.goto(`${server.url}/invite/${inviteCode}`);
      await page.getByLabel('Your name').fill(name);
      await page.getByRole('button', { name: 'Join' }).click();
      await page.waitForURL(`${server.url}/rooms/${roomId}`);
      await page.getByRole('button', { name: 'Join now' }).click();
      await tile(page, `${name} (you)`).waitFor();
      return page;
    }
    anna = await guestJoins('Anna Guest');
    ben = await guestJoins('Ben Guest');
    everyone = [chair, anna, ben];
    for (const page of [chair, anna]) await tile(page, 'Ben Guest').waitFor();
  }, 40_000);

  it('shows a countdown to everyone, which ends by itself', async () => {
    // Guests have no start form.
    await control(anna, 'Timer').click();
    await timerPanel(anna).getByText('No timer is running.').waitFor();
    expect(await timerPanel(anna).getByRole('button', { name: 'Start timer' }).count()).toBe(0);

    await control(chair, 'Timer').click();
    const panel = timerPanel(chair);
    await panel.getByRole('radio', { name: 'Countdown' }).check();
    await panel.getByLabel('Minutes').fill('0');
    await panel.getByLabel('Seconds').fill('5');
    await panel.getByLabel('Title (optional)').fill('Speaking time');
    await expectAccessible(chair);
    await panel.getByRole('button', { name: 'Start timer' }).click();

    await Promise.all(
      everyone.map(async (page) => {
        const shown = page.getByRole('timer', { name: /remaining$/ }).first();
        await shown.waitFor();
        expect(await shown.textContent()).toMatch(/^0:0[1-5]$/);
        await page.getByText('Speaking time', { exact: true }).first().waitFor();
      }),
    );
    await timerPanel(anna).getByRole('button', { name: 'Start timer' }).waitFor({ state: 'detached' });
    await panel.getByRole('button', { name: 'Stop timer' }).waitFor();
    for (const page of everyone) {
      await page.getByText('Speaking time: time is up').waitFor({ timeout: 8_000 });
      await page.getByText('Timer ended: Speaking time. Time is up.').waitFor({ state: 'attached' });
      expect(await page.getByRole('timer').count()).toBe(0);
    }
    await panel.getByRole('button', { name: 'Start timer' }).waitFor();
    expect(problems).toEqual([]);
  }, 25_000);

  it('a coffee break covers the screen and switches the microphone off; ready check; "Back now" returns to the meeting', async () => {
    expect(await control(anna, 'Microphone').getAttribute('aria-pressed')).toBe('true');
    const panel = timerPanel(chair);
    await panel.getByRole('radio', { name: 'Coffee break' }).check();
    await panel.getByLabel('Minutes').fill('5');
    await panel.getByLabel('Seconds').fill('0');
    await panel.getByLabel('Title (optional)').fill('');
    await panel.getByLabel('Ask participants to mark themselves ready').check();
    await panel.getByRole('button', { name: 'Start timer' }).click();

    const breakView = anna.getByRole('dialog', { name: 'Coffee break' });
    await breakView.getByRole('timer').waitFor();
    await breakView.getByText('Your camera and microphone are off.', { exact: false }).waitFor();
    await expect.poll(() => control(anna, 'Microphone').getAttribute('aria-pressed')).toBe('false');
    await expectAccessible(anna);
    const ready = breakView.getByRole('button', { name: 'I am ready' });
    await ready.click();
    await expect.poll(() => ready.getAttribute('aria-pressed')).toBe('true');
    await breakView.getByRole('button', { name: 'Back now' }).click();
    await breakView.waitFor({ state: 'detached' });
    // Still running in the header.
    await anna.getByRole('timer', { name: /remaining$/ }).waitFor();

    // The chair sees who is ready, then ends the break for everyone.
    const chairBreak = chair.getByRole('dialog', { name: 'Coffee break' });
    await chairBreak.getByRole('button', { name: 'End break for everyone' }).waitFor();
    await chairBreak.getByRole('button', { name: 'Back now' }).click();
    const readyList = panel.getByRole('region', { name: 'Ready: 1 of 2' });
    await readyList.waitFor();
    expect(await readyList.getByRole('listitem').allTextContents()).toEqual(['Anna Guest Ready', 'Ben Guest Not ready yet']);
    await panel.getByRole('button', { name: 'Stop timer' }).click();
    for (const page of everyone) await expect.poll(() => page.getByRole('timer').count()).toBe(0);
    await ben.getByRole('dialog', { name: 'Coffee break' }).waitFor({ state: 'detached' });
    await control(chair, 'Timer').click();
    expect(problems).toEqual([]);
  }, 20_000);

  it('a poll is answered by both guests and the result is shown to everyone', async () => {
    await control(chair, 'Polls').click();
    const create = pollsPanel(chair);
    await create.getByLabel('Question').fill('Coffee or tea?');
    await create.getByLabel('Answer 1', { exact: true }).fill('Coffee');
    await create.getByLabel('Answer 2', { exact: true }).fill('Tea');
    await create.getByRole('button', { name: 'Add answer' }).click();
    await create.getByLabel('Answer 3', { exact: true }).fill('Water');
    await create.getByRole('button', { name: 'Start poll' }).click();
    await create.getByText('0 votes so far').waitFor();

    for (const [page, answer] of [
      [anna, 'Tea'],
      [ben, 'Coffee'],
    ] as const) {
      await page.getByText('A poll was opened: Coffee or tea?').waitFor({ state: 'attached' });
      await control(page, 'Polls').click();
      const panel = pollsPanel(page);
      const form = panel.getByRole('group', { name: 'Coffee or tea?' });
      await form.getByRole('radio', { name: answer }).check();
      await panel.getByRole('button', { name: 'Vote' }).click();
      await panel.getByRole('status').filter({ hasText: 'Your vote was counted.' }).waitFor();
      expect(await panel.getByRole('radio').count()).toBe(0);
    }
    // Live results, as counts.
    await create.getByText('2 votes so far').waitFor();
    await expectAccessible(anna);
    await create.getByRole('button', { name: 'Close poll', exact: true }).click();

    for (const page of everyone) {
      const result = pollsPanel(page).getByRole('region', { name: 'Result' });
      await result.getByText('Closed by a moderator. 2 people voted.').waitFor();
      const rows = await result.getByRole('listitem').allTextContents();
      expect(rows).toEqual(['Coffee1 vote (50 %)', 'Tea1 vote (50 %)', 'Water0 votes (0 %)']);
      expect(await result.getByRole('meter', { name: 'Tea' }).getAttribute('value')).toBe('1');
    }
    await ben.getByText('The poll has ended, the result is shown: Coffee or tea?').waitFor({ state: 'attached' });
    await expectAccessible(ben);
    expect(problems).toEqual([]);
  }, 25_000);
});
