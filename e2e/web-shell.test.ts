/**
 * The web shell in real Chromium against a real Plenum serving the built bundle (with its production CSP):
 * start page, my rooms, invite links, the guest landing page, the pre-join summary, language switch.
 *
 * Screenshots for docs/screenshots/ are written only with PLENUM_SCREENSHOTS=1, so ordinary runs leave the tree clean.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildWebIfStale, launchChromium } from '../packages/server/src/testing/browsers.ts';
import { expectAccessible } from './support/a11y.ts';
import { startTestServer, type TestServer } from '../packages/server/src/testing/server.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const screenshotDir = process.env.PLENUM_SCREENSHOTS ? path.join(root, 'docs/screenshots') : null;
const desktop = { width: 1280, height: 800 };
const narrow = { width: 390, height: 844 };

/** Newest modification time of the files the bundle is built from. */
let server: TestServer;
let browser: Browser;
/** The server's clock runs this far ahead of real time, so invites can expire during a test. */
let clockOffsetMs = 0;
const contexts: BrowserContext[] = [];
/** Console errors and uncaught exceptions of every page, checked after each test. */
let problems: string[] = [];

beforeAll(async () => {
  buildWebIfStale();
  server = await startTestServer({ web: true, now: () => new Date(Date.now() + clockOffsetMs) });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

afterEach(async () => {
  clockOffsetMs = 0;
  await Promise.all(contexts.splice(0).map((c) => c.close()));
  const found = problems;
  problems = [];
  expect(found, 'console errors, CSP violations or page errors').toEqual([]);
});

/**
 * Chromium logs every non-2xx fetch as a console error. Those are expected where the app asks a question whose
 * answer may be "no" (am I logged in? is this invite usable?); anything else — above all a CSP violation — is a failure.
 */
function isExpectedHttpError(msg: ConsoleMessage): boolean {
  if (!msg.text().startsWith('Failed to load resource: the server responded with a status of')) return false;
  const { pathname } = new URL(msg.location().url);
  return pathname === '/v1/me' || /^\/v1\/invites\/[^/]+\/verify$/.test(pathname) || /^\/v1\/rooms\/[^/]+\/start(-invited)?$/.test(pathname);
}

async function newPage(opts: { session?: string; locale?: string; clipboard?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: desktop, locale: opts.locale ?? 'en-US' });
  contexts.push(context);
  if (opts.session) await context.addCookies([{ name: 'plenum_session', value: opts.session, url: server.url }]);
  if (opts.clipboard) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !isExpectedHttpError(msg)) problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  return page;
}

/** Desktop and narrow (phone) screenshots of the current screen, when asked for. Modal dialogs: the viewport only. */
async function shoot(page: Page, name: string, { fullPage = true } = {}): Promise<void> {
  if (!screenshotDir) return;
  fs.mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage, animations: 'disabled' });
  const size = page.viewportSize() ?? desktop;
  await page.setViewportSize(narrow);
  await page.screenshot({ path: path.join(screenshotDir, `${name}-narrow.png`), fullPage, animations: 'disabled' });
  await page.setViewportSize(size);
}

/** WCAG reflow: at 320 CSS px (1280 px at 400 % zoom) nothing may need horizontal scrolling. */
async function expectNoHorizontalScroll(page: Page): Promise<void> {
  const size = page.viewportSize() ?? desktop;
  for (const width of [640, 320]) {
    await page.setViewportSize({ width, height: 720 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `horizontal overflow at ${width}px`).toBeLessThanOrEqual(0);
  }
  await page.setViewportSize(size);
}

async function api<T>(user: { cookie: string; csrf: string }, method: string, urlPath: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.url}${urlPath}`, {
    method,
    headers: { cookie: user.cookie, 'x-csrf-token': user.csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${urlPath}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

describe('web shell', () => {
  it('shows the start page with a login button to a logged-out visitor', async () => {
    const page = await newPage();
    await page.goto(server.url);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toContain('Meetings for councils');
    const login = page.getByRole('link', { name: 'Log in' });
    expect(await login.getAttribute('href')).toBe('/auth/login?return_to=%2F');
    expect(await page.title()).toBe('Plenum');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    await shoot(page, 'start');
    await expectNoHorizontalScroll(page);
    await expectAccessible(page);
  });

  it('follows the browser language and remembers an explicit switch', async () => {
    const page = await newPage({ locale: 'de-DE' });
    await page.goto(server.url);
    await page.getByRole('link', { name: 'Anmelden' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('de');

    await page.getByRole('group', { name: 'Sprache' }).getByRole('button', { name: 'English' }).click();
    await page.getByRole('link', { name: 'Log in' }).waitFor();
    expect(await page.getByRole('button', { name: 'English' }).getAttribute('aria-pressed')).toBe('true');
    await page.reload();
    await page.getByRole('link', { name: 'Log in' }).waitFor();
  });

  it('lets a user create a room (with validation), copy an invite link and join it', async () => {
    const user = await server.loginAs('user', 'Erika Mustermann');
    const page = await newPage({ session: user.token, clipboard: true });
    await page.goto(server.url);
    await page.getByRole('heading', { level: 1, name: 'My rooms' }).waitFor();
    await page.getByText('Erika Mustermann').waitFor();
    await page.getByText('You have no rooms yet').waitFor();
    await page.getByRole('button', { name: 'Log out' }).waitFor();

    // Validation: empty name and a too short password are refused at the field, with the focus on the first one.
    await page.getByLabel('Password (optional)').fill('abc');
    await page.getByRole('button', { name: 'Create room' }).click();
    await page.getByText('Enter a name for the room.').waitFor();
    await page.getByText('The password must be at least 8 characters long.').waitFor();
    expect(await page.getByLabel('Room name').evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await page.getByLabel('Room name').getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page);

    await page.getByLabel('Room name').fill('Finance committee');
    await page.getByLabel('Password (optional)').fill('secret-42');
    await page.getByLabel('Waiting room').check();
    await page.getByRole('button', { name: 'Create room' }).click();
    await page.getByText('Room “Finance committee” was created.').waitFor();
    const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Finance committee' }) });
    await card.getByText('Password', { exact: true }).waitFor();
    await card.getByText('Waiting room', { exact: true }).waitFor();
    expect((await api<{ rooms: { name: string }[] }>(user, 'GET', '/v1/rooms')).rooms.map((r) => r.name)).toEqual(['Finance committee']);

    // Copy invite link: creates the first invite, copies it and shows it.
    await card.getByRole('button', { name: 'Copy invite link for Finance committee' }).click();
    await card.getByText('Invite link copied to the clipboard:').waitFor();
    const link = (await card.locator('code.invite-link').textContent()) ?? '';
    expect(link).toMatch(new RegExp(`^${server.url}/invite/[A-Za-z0-9_-]{22}$`));
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);

    // Copying again hands out the same active link instead of creating another one.
    await card.getByRole('button', { name: 'Copy invite link for Finance committee' }).click();
    await card.getByRole('button', { name: 'Invite links for Finance committee' }).click();
    await card.getByText('Active', { exact: true }).waitFor();
    expect(await card.locator('.invites > li').count()).toBe(1);
    await shoot(page, 'rooms');
    await expectNoHorizontalScroll(page);
    await expectAccessible(page);

    // Join as the owner: the pre-join page (this browser has no camera or microphone; the meeting itself is e2e/meeting-three.test.ts).
    await card.getByRole('button', { name: 'Join Finance committee' }).click();
    await page.waitForURL(/\/rooms\/[0-9a-f-]{36}$/);
    await page.getByText('Ready to join').waitFor();
    await page.getByRole('heading', { level: 1, name: 'Finance committee' }).waitFor();
    await page.getByText('Erika Mustermann (logged in)').waitFor();
    await page.getByRole('button', { name: 'Join now' }).waitFor();
    await shoot(page, 'prejoin-user');

    // Opened directly (no entry granted in this page yet): the same pre-join page.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Finance committee' }).waitFor();
    await page.getByText('Erika Mustermann (logged in)').waitFor();
    await page.getByRole('button', { name: 'Join now' }).waitFor();
  });

  it('lets a guest open the invite link, fails a wrong password and joins with a name', async () => {
    const owner = await server.loginAs('user', 'Chair');
    const room = await api<{ id: string }>(owner, 'POST', '/v1/rooms', { name: 'Council meeting', password: 'open-sesame' });
    const invite = await api<{ code: string }>(owner, 'POST', `/v1/rooms/${room.id}/invites`, {});

    const page = await newPage();
    await page.goto(`${server.url}/invite/${invite.code}`);
    await page.getByRole('heading', { level: 1, name: 'Council meeting' }).waitFor();
    await page.getByText('You are invited to').waitFor();
    await shoot(page, 'invite');
    await expectNoHorizontalScroll(page);
    await expectAccessible(page);

    await page.getByRole('button', { name: 'Join' }).click();
    await page.getByText('Enter your name.').waitFor();
    await page.getByLabel('Your name').fill('Max Guest');
    // Switching the language keeps what was typed (no re-check of the invite, no reset of the form).
    await page.getByRole('button', { name: 'Deutsch' }).click();
    await page.getByText('Sie sind eingeladen zu').waitFor();
    expect(await page.getByLabel('Ihr Name').inputValue()).toBe('Max Guest');
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('button', { name: 'Join' }).click();
    await page.getByText('Enter the room password.').waitFor();
    await page.getByLabel('Room password').fill('wrong-password');
    await page.getByRole('button', { name: 'Join' }).click();
    await page.getByText('The password is wrong.').waitFor();
    await shoot(page, 'invite-wrong-password');
    await expectAccessible(page);

    await page.getByLabel('Room password').fill('open-sesame');
    await page.getByRole('button', { name: 'Join' }).click();
    await page.waitForURL(`${server.url}/rooms/${room.id}`);
    await page.getByText('Ready to join').waitFor();
    await page.getByRole('heading', { level: 1, name: 'Council meeting' }).waitFor();
    expect(await page.getByLabel('Your name').inputValue()).toBe('Max Guest');
    await page.getByRole('button', { name: 'Join now' }).waitFor();
    // A guest has no "my rooms" to go back to.
    expect(await page.getByRole('link', { name: 'Back to my rooms' }).count()).toBe(0);
    await shoot(page, 'prejoin-guest');
    await expectAccessible(page);

    // Reloaded, the single-use entry is gone: the guest is told how to get in, nothing is faked.
    await page.reload();
    await page.getByText('open the invitation link you received').waitFor();
  });

  it('explains revoked, expired and unknown invites', async () => {
    const owner = await server.loginAs('user', 'Clerk');
    const room = await api<{ id: string }>(owner, 'POST', '/v1/rooms', { name: 'Building committee' });
    const toRevoke = await api<{ code: string }>(owner, 'POST', `/v1/rooms/${room.id}/invites`, {});
    const expiring = await api<{ code: string }>(owner, 'POST', `/v1/rooms/${room.id}/invites`, {
      expires_at: new Date(Date.now() + 10 * 60_000).toISOString(),
    });

    // Revoke through the owner's invite list.
    const ownerPage = await newPage({ session: owner.token });
    await ownerPage.goto(server.url);
    await ownerPage.getByRole('button', { name: 'Invite links for Building committee' }).click();
    await ownerPage.getByRole('button', { name: `Revoke invite link ${server.url}/invite/${toRevoke.code}` }).click();
    await ownerPage.getByText('The invite link was revoked.').waitFor();
    await ownerPage.getByText('Revoked', { exact: true }).waitFor();

    const guest = await newPage();
    await guest.goto(`${server.url}/invite/${toRevoke.code}`);
    await guest.getByRole('heading', { level: 1, name: 'Invitation withdrawn' }).waitFor();
    await guest.getByText('withdrawn by the organiser').waitFor();

    await guest.goto(`${server.url}/invite/${expiring.code}`);
    await guest.getByRole('heading', { level: 1, name: 'Building committee' }).waitFor();
    await guest.getByText('This invitation is valid until').waitFor();
    clockOffsetMs = 20 * 60_000;
    await guest.reload();
    await guest.getByRole('heading', { level: 1, name: 'Invitation expired' }).waitFor();
    await shoot(guest, 'invite-expired');
    await expectAccessible(guest);

    await guest.goto(`${server.url}/invite/AAAAAAAAAAAAAAAAAAAAAA`);
    await guest.getByRole('heading', { level: 1, name: 'Invitation not found' }).waitFor();
    await guest.goto(`${server.url}/invite/not-a-code`);
    await guest.getByRole('heading', { level: 1, name: 'Invitation not found' }).waitFor();
  });

  it('deletes a room only after confirmation', async () => {
    const user = await server.loginAs('user', 'Mayor');
    await api(user, 'POST', '/v1/rooms', { name: 'Old working group' });
    await api(user, 'POST', '/v1/rooms', { name: 'Council' });
    const page = await newPage({ session: user.token });
    await page.goto(server.url);

    await page.getByRole('button', { name: 'Delete Old working group' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete “Old working group”?' });
    await dialog.waitFor();
    // The harmless choice has the focus.
    expect(await dialog.getByRole('button', { name: 'Cancel' }).evaluate((el) => el === document.activeElement)).toBe(true);
    await shoot(page, 'delete-dialog', { fullPage: false });
    await expectAccessible(page);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('heading', { name: 'Old working group' }).waitFor();

    // Escape cancels too.
    await page.getByRole('button', { name: 'Delete Old working group' }).click();
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    await page.getByRole('button', { name: 'Delete Old working group' }).click();
    await dialog.getByRole('button', { name: 'Delete room' }).click();
    await page.getByText('Room “Old working group” was deleted.').waitFor();
    expect(await page.getByRole('heading', { name: 'Old working group' }).count()).toBe(0);
    await page.getByRole('heading', { name: 'Council', exact: true }).waitFor();
    expect((await api<{ rooms: { name: string }[] }>(user, 'GET', '/v1/rooms')).rooms.map((r) => r.name)).toEqual(['Council']);
  });

  it('switches the language to Deutsch and logs out', async () => {
    const user = await server.loginAs('user', 'Ratsmitglied');
    await api(user, 'POST', '/v1/rooms', { name: 'Hauptausschuss', password: 'geheim-2026', waiting_room: true });
    const page = await newPage({ session: user.token });
    await page.goto(server.url);
    await page.getByRole('heading', { level: 1, name: 'My rooms' }).waitFor();

    await page.getByRole('button', { name: 'Deutsch' }).click();
    await page.getByRole('heading', { level: 1, name: 'Meine Räume' }).waitFor();
    await page.getByRole('button', { name: 'Abmelden' }).waitFor();
    await page.getByRole('button', { name: 'Raum anlegen' }).waitFor();
    await page.getByRole('button', { name: 'Einladungslink kopieren für Hauptausschuss' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('de');
    expect(await page.title()).toBe('Meine Räume – Plenum');
    await shoot(page, 'rooms-de');
    await expectAccessible(page);

    await page.getByRole('button', { name: 'Abmelden' }).click();
    await page.getByRole('link', { name: 'Anmelden' }).waitFor();
    const me = await fetch(`${server.url}/v1/me`, { headers: { cookie: user.cookie } });
    expect(me.status).toBe(401);
  });

  it('has a not-found page', async () => {
    const page = await newPage();
    await page.goto(`${server.url}/no/such/page`);
    await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
    await shoot(page, 'not-found');
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Go to the start page' }).click();
    await page.getByRole('link', { name: 'Log in' }).waitFor();
  });

  it('is keyboard operable: skip link and visible focus', async () => {
    const page = await newPage();
    await page.goto(server.url);
    await page.getByRole('link', { name: 'Log in' }).waitFor();
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to main content' });
    expect(await skip.evaluate((el) => el === document.activeElement)).toBe(true);
    // A visible focus indicator: an outline is drawn on the focused control.
    expect(await skip.evaluate((el) => getComputedStyle(el).outlineStyle)).not.toBe('none');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
  });
});
