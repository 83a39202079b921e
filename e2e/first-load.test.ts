/**
 * The first page as a browser loads it (issue #14: slow first loads): Chromium against a real Plenum serving the
 * built bundle. A first visit transfers the scripts compressed, a second visit loads no script from the network
 * (hashed assets are immutable, the shell is revalidated), and the split app still works: the start page with its
 * login button, the room list (a lazy chunk), the pre-join page (the meeting screen fetched behind it).
 *
 * With FIRST_LOAD_SCREENSHOTS=<dir> the start and pre-join pages are saved there (to look at the CSS order).
 */
import path from 'node:path';
import type { Browser, BrowserContext, CDPSession, ConsoleMessage, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildWebIfStale, launchChromium } from '../packages/server/src/testing/browsers.ts';
import { startTestServer, type TestServer } from '../packages/server/src/testing/server.ts';

const screenshotDir = process.env.FIRST_LOAD_SCREENSHOTS;

let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
let problems: string[] = [];

beforeAll(async () => {
  buildWebIfStale();
  server = await startTestServer({ web: true });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
  const found = problems;
  problems = [];
  expect(found, 'console errors or page errors').toEqual([]);
});

/** "Am I logged in?" is answered 401 for a visitor; Chromium logs that as an error. Anything else is a failure. */
function isExpectedHttpError(msg: ConsoleMessage): boolean {
  return msg.text().startsWith('Failed to load resource: the server responded with a status of 401') && new URL(msg.location().url).pathname === '/v1/me';
}

/** What the network layer saw of one response (CDP), beside what the page's resource timing says. */
interface Seen {
  url: string;
  status: number;
  /** The status on the wire (a 304 is reported to the page as the cached 200). */
  wireStatus: () => number | undefined;
  encoding: string | undefined;
  fromCache: boolean;
}

/** A page of the context whose network traffic is recorded from its first request on. */
async function openPage(context: BrowserContext): Promise<{ page: Page; seen: Seen[] }> {
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !isExpectedHttpError(msg)) problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  const cdp: CDPSession = await context.newCDPSession(page);
  const seen: Seen[] = [];
  const wire = new Map<string, number>();
  cdp.on('Network.responseReceivedExtraInfo', ({ requestId, statusCode }) => wire.set(requestId, statusCode));
  cdp.on('Network.responseReceived', ({ requestId, response }) => {
    const headers = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
    seen.push({
      url: response.url,
      status: response.status,
      wireStatus: () => wire.get(requestId),
      encoding: headers['content-encoding'],
      fromCache: Boolean(response.fromDiskCache || response.fromPrefetchCache || response.fromServiceWorker),
    });
  });
  await cdp.send('Network.enable');
  return { page, seen };
}

interface Timing {
  name: string;
  transferSize: number;
  encodedBodySize: number;
  decodedBodySize: number;
}

/** The page's scripts by resource timing (same origin, so sizes are exposed). */
async function scriptTimings(page: Page): Promise<Timing[]> {
  return page.evaluate(() =>
    (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .filter((e) => new URL(e.name).pathname.endsWith('.js'))
      .map((e) => ({ name: new URL(e.name).pathname, transferSize: e.transferSize, encodedBodySize: e.encodedBodySize, decodedBodySize: e.decodedBodySize })),
  );
}

/** The scripts the shell names (entry and modulepreloads): the first page's JavaScript. */
async function shellScripts(): Promise<string[]> {
  const html = await (await fetch(`${server.url}/`)).text();
  return [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!).sort();
}

const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;

async function shoot(page: Page, name: string): Promise<void> {
  if (screenshotDir) await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true, animations: 'disabled' });
}

describe('first load', () => {
  it('transfers the scripts compressed on a first visit, loads none from the network on a second, and the start page works', async () => {
    const initial = await shellScripts();
    expect(initial.length).toBeGreaterThan(0);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    contexts.push(context);

    const first = await openPage(context);
    await first.page.goto(`${server.url}/`);
    await first.page.getByRole('heading', { level: 1, name: /Meetings for councils/ }).waitFor();
    await first.page.getByRole('link', { name: 'Log in' }).waitFor();
    await shoot(first.page, 'first-load-start');

    const firstScripts = await scriptTimings(first.page);
    expect(firstScripts.map((s) => s.name).sort()).toEqual(initial);
    for (const script of firstScripts) {
      expect(script.transferSize, script.name).toBeGreaterThan(0);
      const response = first.seen.find((r) => new URL(r.url).pathname === script.name);
      expect(response?.status, script.name).toBe(200);
      // Compressed on the wire: a fraction of the script's size. The build precompresses files of 1 kB and more
      // (packages/web/precompress.ts); smaller ones (Rolldown's runtime helpers, 0.7 kB) gain nothing from it.
      if (script.decodedBodySize < 1024) continue;
      expect(script.encodedBodySize, script.name).toBeLessThan(script.decodedBodySize * 0.5);
      expect(['br', 'gzip'], script.name).toContain(response?.encoding);
    }
    const sum = (key: keyof Omit<Timing, 'name'>, list: Timing[]) => list.reduce((total, s) => total + s[key], 0);
    console.log(
      `first visit: ${firstScripts.length} scripts, ${kB(sum('transferSize', firstScripts))} transferred (${first.seen.find((r) => r.url.endsWith('.js'))?.encoding}) for ${kB(sum('decodedBodySize', firstScripts))} of JavaScript`,
    );

    // Second visit, same browser cache: the shell is asked for again (304), no script is.
    const second = await openPage(context);
    await second.page.goto(`${server.url}/`);
    await second.page.getByRole('heading', { level: 1, name: /Meetings for councils/ }).waitFor();
    await second.page.getByRole('link', { name: 'Log in' }).waitFor();
    const secondScripts = await scriptTimings(second.page);
    expect(secondScripts.map((s) => s.name).sort()).toEqual(initial);
    for (const script of secondScripts) expect(script.transferSize, `${script.name} came from the cache`).toBe(0);
    for (const response of second.seen.filter((r) => r.url.endsWith('.js'))) expect(response.status === 304 || response.fromCache, response.url).toBe(true);
    const shell = second.seen.find((r) => new URL(r.url).pathname === '/');
    await expect.poll(() => shell?.wireStatus(), { message: 'the shell is revalidated' }).toBe(304);
    console.log(`second visit: ${secondScripts.length} scripts, ${sum('transferSize', secondScripts)} bytes transferred; the shell answered ${shell?.wireStatus()}`);
  });

  it('shows the room list and the pre-join page from lazy chunks, on a first and a second visit', async () => {
    const user = await server.loginAs('user', 'Erika Mustermann');
    const room = await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Finance committee' }, user);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    contexts.push(context);
    await context.addCookies([{ name: 'plenum_session', value: user.token, url: server.url }]);

    const first = await openPage(context);
    await first.page.goto(`${server.url}/`);
    await first.page.getByRole('heading', { level: 1, name: 'My rooms' }).waitFor();
    await first.page.getByRole('heading', { name: 'Finance committee' }).waitFor();
    expect((await scriptTimings(first.page)).some((s) => /\/MyRoomsPage-[\w-]+\.js$/.test(s.name)), 'the room list is its own chunk').toBe(true);

    await first.page.goto(`${server.url}/rooms/${room.id}`);
    await first.page.getByRole('heading', { level: 1, name: 'Finance committee' }).waitFor();
    await first.page.getByText('Erika Mustermann (logged in)').waitFor();
    await first.page.getByRole('button', { name: 'Join now' }).waitFor();
    await shoot(first.page, 'first-load-prejoin');
    const prejoinScripts = await scriptTimings(first.page);
    const initial = await shellScripts();
    // The pre-join page renders from the first page's scripts; the meeting screen is fetched behind it.
    expect(initial.some((s) => /MeetingScreen/.test(s))).toBe(false);
    await expect.poll(async () => (await scriptTimings(first.page)).some((s) => /\/MeetingScreen-[\w-]+\.js$/.test(s.name))).toBe(true);
    expect(prejoinScripts.some((s) => /MinutesEditor/.test(s.name)), 'the minutes editor waits for the minutes panel').toBe(false);

    const second = await openPage(context);
    await second.page.goto(`${server.url}/rooms/${room.id}`);
    await second.page.getByRole('button', { name: 'Join now' }).waitFor();
    await expect.poll(async () => (await scriptTimings(second.page)).some((s) => /\/MeetingScreen-[\w-]+\.js$/.test(s.name))).toBe(true);
    for (const script of await scriptTimings(second.page)) expect(script.transferSize, `${script.name} came from the cache`).toBe(0);
  });
});
