/**
 * Minutes in real Chromium against a real Plenum (no media server): a logged-in chair (room owner) and two
 * invited guests. The chair lets one guest write; chair and writer type at the same time and each sees the
 * other's text; the other guest's editor is read only (typing changes nothing). The chair inserts a block
 * built by the server and seals; the signed PDF is fetched, its text checked and its first page rendered.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebIfStale, launchChromium } from '../packages/server/src/testing/browsers.ts';
import { startTestServer, type TestServer } from '../packages/server/src/testing/server.ts';
import { expectAccessible } from './support/a11y.ts';
import { shoot } from './support/screenshots.ts';

let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
const problems: string[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-minutes-e2e-'));

beforeAll(async () => {
  buildWebIfStale();
  server = await startTestServer({ web: true });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => {})));
  await browser?.close();
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function newPage(session?: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-US', timezoneId: 'Europe/Berlin' });
  contexts.push(context);
  if (session) await context.addCookies([{ name: 'plenum_session', value: session, url: server.url }]);
  // The app's test hook (packages/web/src/meeting/testHooks.ts): lets a test cut the signaling connection.
  await context.addInitScript(() => {
    (window as unknown as { __plenumTestHooks: object }).__plenumTestHooks = {};
  });
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
const panel = (page: Page) => page.getByRole('complementary', { name: 'Minutes' });
const editor = (page: Page) => panel(page).getByRole('textbox', { name: 'Minutes text' });
const paragraphs = (page: Page) => editor(page).locator('p').allTextContents();

describe('minutes in the browser', () => {
  let owner: Awaited<ReturnType<TestServer['loginAs']>>;
  let roomId: string;
  let chair: Page;
  let anna: Page;
  let ben: Page;

  it('lets a chair and two invited guests join and open the minutes', async () => {
    owner = await server.loginAs('user', 'Clara Chair');
    roomId = (await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Council' }, owner)).id;
    const inviteCode = (await server.api<{ code: string }>('POST', `/v1/rooms/${roomId}/invites`, {}, owner)).code;
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
    await tile(chair, 'Ben Guest').waitFor();
    for (const page of [chair, anna, ben]) {
      await control(page, 'Minutes').click();
      await editor(page).waitFor();
    }
    await panel(chair).getByText('You can edit the minutes.').waitFor();
    for (const page of [anna, ben]) {
      await panel(page).getByText('Read only: the chair decides who writes the minutes.').waitFor();
      expect(await editor(page).getAttribute('contenteditable')).toBe('false');
      expect(await editor(page).getAttribute('aria-readonly')).toBe('true');
    }
  }, 60_000);

  it('the chair makes Anna a writer; chair and Anna type at the same time and see each other', async () => {
    await panel(chair).getByRole('checkbox', { name: 'Anna Guest (guest) may write' }).click();
    await expect.poll(() => panel(chair).getByRole('checkbox', { name: 'Anna Guest (guest) may write' }).isChecked()).toBe(true);
    await panel(anna).getByText('You can edit the minutes.').waitFor();
    expect(await editor(anna).getAttribute('contenteditable')).toBe('true');
    expect(await editor(ben).getAttribute('contenteditable')).toBe('false');

    // Two lines to write under, one each.
    await editor(chair).click();
    await chair.keyboard.type('Chair:');
    await chair.keyboard.press('Enter');
    await chair.keyboard.type('Writer:');
    await expect.poll(() => paragraphs(anna), { timeout: 8_000 }).toEqual(['Chair:', 'Writer:']);

    await editor(chair).locator('p', { hasText: 'Chair:' }).click();
    await chair.keyboard.press('End');
    await editor(anna).locator('p', { hasText: 'Writer:' }).click();
    await anna.keyboard.press('End');
    await Promise.all([
      chair.keyboard.type(' the budget 2027 is on the table.', { delay: 25 }),
      anna.keyboard.type(' Anna Guest takes the minutes.', { delay: 25 }),
    ]);
    const expected = ['Chair: the budget 2027 is on the table.', 'Writer: Anna Guest takes the minutes.'];
    for (const page of [chair, anna, ben]) await expect.poll(() => paragraphs(page), { timeout: 8_000 }).toEqual(expected);
    expect(problems).toEqual([]);
  }, 60_000);

  it("Ben's editor is read only: typing changes nothing", async () => {
    await editor(ben).click();
    await ben.keyboard.type('Forged line');
    await ben.keyboard.press('Enter');
    // A round trip through the room from Ben's connection: an edit he had sent before it would reach the
    // chair before his raised hand does.
    await control(ben, 'Raise hand').click();
    await tile(chair, 'Ben Guest').getByRole('img', { name: 'Hand raised' }).waitFor();
    await control(ben, 'Raise hand').click();
    await expect.poll(() => tile(chair, 'Ben Guest').getByRole('img', { name: 'Hand raised' }).count()).toBe(0);
    const expected = ['Chair: the budget 2027 is on the table.', 'Writer: Anna Guest takes the minutes.'];
    expect(await paragraphs(ben)).toEqual(expected);
    expect(await paragraphs(chair)).toEqual(expected);
    expect(await panel(ben).getByRole('alert').count()).toBe(0);
    await expectAccessible(ben);
  }, 30_000);

  it('Anna keeps writing through a dropped connection: her caret stays, and what she typed offline reaches the others', async () => {
    // Her line is the last one and wraps in the panel: Ctrl+End, not End, puts the caret after its last word.
    await editor(anna).locator('p', { hasText: 'Writer:' }).click();
    await anna.keyboard.press('Control+End');
    await anna.context().setOffline(true);
    await anna.evaluate(() => (window as unknown as { __plenumTestHooks: { meeting: { dropSignaling(): void } } }).__plenumTestHooks.meeting.dropSignaling());
    await anna.getByRole('status').filter({ hasText: 'Connection lost. Reconnecting…' }).waitFor();
    await anna.keyboard.type(' Typed offline.', { delay: 10 });
    await anna.context().setOffline(false);
    await anna.getByText('Connection lost. Reconnecting…').waitFor({ state: 'detached', timeout: 20_000 });
    // The same editor, still focused where she left off (it was rebuilt, and the caret lost, before).
    await anna.keyboard.type(' Back online.', { delay: 10 });
    const expected = ['Chair: the budget 2027 is on the table.', 'Writer: Anna Guest takes the minutes. Typed offline. Back online.'];
    for (const page of [anna, chair, ben]) await expect.poll(() => paragraphs(page), { timeout: 10_000 }).toEqual(expected);
    expect(problems).toEqual([]);
  }, 60_000);

  it('the chair inserts the attendance, seals, and gets a signed PDF', async () => {
    await panel(chair).getByRole('button', { name: 'Insert attendance' }).click();
    for (const page of [chair, ben]) await editor(page).getByRole('heading', { name: 'Attendance' }).waitFor();
    await editor(ben).getByText(/^Anna Guest: joined \d\d:\d\d, present$/).waitFor();
    await expectAccessible(chair);
    await chair.locator(':focus').blur();
    await panel(chair).evaluate((el) => el.scrollTo(0, 0));
    await shoot(chair, 'minutes-editor');

    await panel(chair).getByRole('button', { name: 'Seal minutes' }).click();
    await panel(chair).getByText('Seal the minutes now as version 1?', { exact: false }).waitFor();
    await panel(chair).getByRole('button', { name: 'Seal now' }).click();
    for (const page of [chair, anna, ben]) await panel(page).getByText('Sealed as version 1. Read only until the chair amends.').waitFor();
    expect(await editor(anna).getAttribute('contenteditable')).toBe('false');
    const hash = (await panel(chair).getByTestId('minutes-hash').textContent())!;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await panel(ben).getByTestId('minutes-hash').textContent()).toBe(hash);
    // Only the chair gets the link (the REST API serves it to owner and admins).
    expect(await panel(ben).getByRole('link', { name: 'PDF of version 1' }).count()).toBe(0);

    const href = await panel(chair).getByRole('link', { name: 'PDF of version 1' }).getAttribute('href');
    expect(href).toMatch(new RegExp(`^/v1/rooms/${roomId}/minutes/versions/1\\.pdf\\?lang=en&tz=Europe%2FBerlin$`));
    const res = await fetch(`${server.url}${href}`, { headers: { cookie: owner.cookie } });
    expect(res.status).toBe(200);
    const file = path.join(tmp, 'minutes.pdf');
    fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('Minutes – Council');
    expect(text).toContain('Chair: the budget 2027 is on the table.');
    expect(text).toContain('Writer: Anna Guest takes the minutes.');
    expect(text).toContain(hash);
    expect(text).not.toContain('Forged');
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', file, path.join(tmp, 'minutes-sealed')]);
    const png = path.join(tmp, 'minutes-sealed.png');
    expect(fs.statSync(png).size).toBeGreaterThan(5_000);
    const dir = process.env.PLENUM_SCREENSHOTS_DIR;
    if (dir) fs.copyFileSync(png, path.join(dir, 'minutes-sealed.png'));
    expect(problems).toEqual([]);
  }, 60_000);
});
