/**
 * A meeting across browsers: a logged-in user in Chromium and an invited guest in Firefox ESR (Debian's
 * /usr/bin/firefox-esr through puppeteer-core and WebDriver BiDi), against a real Plenum with the embedded Janus.
 * Both join through the real UI, see each other's tile by name and really receive each other's video (decoded
 * frames) and sound (audio energy), read from the subscriber connection's getStats() through the test hook
 * (packages/web/src/meeting/testHooks.ts). The guest's mute shows in Chromium; the guest leaving removes the tile.
 */
import { type Browser as ChromiumBrowser, type Page as ChromiumPage } from 'playwright-core';
import type { Page as FirefoxPage } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebIfStale, launchChromium } from '../packages/server/src/testing/browsers.ts';
import { startTestServer, type TestServer } from '../packages/server/src/testing/server.ts';
import { byRole, launchFirefoxEsr, newFirefoxPage, type FirefoxEsr } from './support/firefox.ts';

let server: TestServer;
let chromiumBrowser: ChromiumBrowser;
let firefox: FirefoxEsr;
const problems: string[] = [];

beforeAll(async () => {
  buildWebIfStale();
  // RTP ports of this file: 42800-42899 (meeting-three uses 42600-42799).
  [server, chromiumBrowser, firefox] = await Promise.all([
    startTestServer({ web: true, env: { MEDIA: 'janus', JANUS_ICE_INTERFACE: 'lo', JANUS_RTP_PORTS: '42800-42899' } }),
    launchChromium(),
    launchFirefoxEsr(),
  ]);
}, 180_000);

afterAll(async () => {
  await firefox?.close();
  await chromiumBrowser?.close();
  await server?.close();
});

async function api<T>(user: { cookie: string; csrf: string }, method: string, urlPath: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.url}${urlPath}`, {
    method,
    headers: { cookie: user.cookie, 'x-csrf-token': user.csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${urlPath}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/** "Am I logged in?" fails for guests on purpose. */
function expectedFailure(text: string, url: string): boolean {
  return /^Failed to load resource/.test(text) && new URL(url).pathname === '/v1/me';
}

interface ReceivedStat {
  participantId: string;
  source: string;
  kind: string;
  framesDecoded: number;
  totalAudioEnergy: number;
  packetsReceived: number;
}

/**
 * Runs in the page (Chromium and Firefox alike): the inbound-rtp of each remote stream, found through its
 * transceiver's receiver rather than the stats' `mid` field, so both browsers' stats are read the same way.
 */
async function readReceived(): Promise<ReceivedStat[]> {
  type Hooks = { meeting?: { connections(): { subscriber: RTCPeerConnection | null; streams: { mid: string; participant_id: string; source: string; kind: string }[] } } };
  const hooks = (window as unknown as { __plenumTestHooks: Hooks }).__plenumTestHooks;
  const connections = hooks.meeting?.connections();
  if (!connections?.subscriber) return [];
  const byMid = new Map(connections.streams.map((s) => [s.mid, s]));
  const out: ReceivedStat[] = [];
  for (const transceiver of connections.subscriber.getTransceivers()) {
    const s = transceiver.mid === null ? undefined : byMid.get(transceiver.mid);
    if (!s) continue;
    (await transceiver.receiver.getStats()).forEach((r: Record<string, unknown>) => {
      if (r.type !== 'inbound-rtp') return;
      out.push({
        participantId: s.participant_id,
        source: s.source,
        kind: s.kind,
        framesDecoded: Number(r.framesDecoded ?? 0),
        totalAudioEnergy: Number(r.totalAudioEnergy ?? 0),
        packetsReceived: Number(r.packetsReceived ?? 0),
      });
    });
  }
  return out;
}

function readParticipantId(): string {
  const hooks = (window as unknown as { __plenumTestHooks: { meeting?: { participantId(): string | null } } }).__plenumTestHooks;
  return hooks.meeting?.participantId() ?? '';
}

type AnyPage = ChromiumPage | FirefoxPage;
// Both drivers take a function and run it in the page; their typings differ only in generics.
const received = (page: AnyPage) => (page as ChromiumPage).evaluate(readReceived);
const participantId = (page: AnyPage) => (page as ChromiumPage).evaluate(readParticipantId);

type Field = 'framesDecoded' | 'totalAudioEnergy' | 'packetsReceived';

/** How much one remote stream's counter advanced within `ms` (NaN while that stream is not received at all). */
async function progress(page: AnyPage, ms: number): Promise<(participantId: string, kind: 'audio' | 'video', field: Field) => number> {
  const before = await received(page);
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = await received(page);
  const pick = (stats: ReceivedStat[], id: string, kind: string) => stats.find((s) => s.participantId === id && s.source === 'camera' && s.kind === kind);
  return (id, kind, field) => {
    const a = pick(after, id, kind);
    if (!a) return Number.NaN;
    return a[field] - (pick(before, id, kind)?.[field] ?? 0);
  };
}

const tile = (page: ChromiumPage, name: string) => page.getByRole('figure', { name, exact: true });
/** The same controls in Firefox: the button with this accessible name inside the "Meeting controls" group. */
const firefoxControl = (name: string) => `${byRole('group', 'Meeting controls')} >>> ${byRole('button', name)}`;

describe('a meeting between Chromium and Firefox ESR', () => {
  let chris: ChromiumPage;
  let fiona: FirefoxPage;
  let chrisId = '';
  let fionaId = '';

  it('lets a Chromium user and a Firefox guest join, see each other by name, and receive video and sound', async () => {
    expect(firefox.version).toMatch(/^firefox\/\d+/);
    const owner = await server.loginAs('user', 'Chris Chromium');
    const room = await api<{ id: string }>(owner, 'POST', '/v1/rooms', { name: 'Cross-browser council' });
    const invite = await api<{ code: string }>(owner, 'POST', `/v1/rooms/${room.id}/invites`, {});

    const context = await chromiumBrowser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    await context.addCookies([{ name: 'plenum_session', value: owner.token, url: server.url }]);
    await context.addInitScript(() => {
      (window as unknown as { __plenumTestHooks: object }).__plenumTestHooks = {};
    });
    chris = await context.newPage();
    chris.on('console', (msg) => {
      if (msg.type() === 'error' && !expectedFailure(msg.text(), msg.location().url || server.url)) problems.push(`chromium console: ${msg.text()}`);
    });
    chris.on('pageerror', (err) => problems.push(`chromium pageerror: ${err.message}`));
    await chris.goto(`${server.url}/rooms/${room.id}`);
    await chris.getByRole('heading', { level: 1, name: 'Cross-browser council' }).waitFor();
    await chris.getByRole('meter', { name: 'Microphone level' }).waitFor();
    await chris.getByRole('button', { name: 'Join now' }).click();
    await tile(chris, 'Chris Chromium (you)').waitFor();

    // The guest in Firefox: invite page, name, pre-join page (with a level meter from Firefox's fake microphone), join.
    fiona = await newFirefoxPage(firefox.browser, problems);
    await fiona.goto(`${server.url}/invite/${invite.code}`);
    await fiona.locator(byRole('textbox', 'Your name')).fill('Fiona Firefox');
    await fiona.locator(byRole('button', 'Join')).click();
    await fiona.waitForFunction((url) => location.href === url, { timeout: 10_000 }, `${server.url}/rooms/${room.id}`);
    await fiona.locator(byRole('heading', 'Cross-browser council')).wait();
    await fiona.locator(byRole('meter', 'Microphone level')).wait();
    // Firefox's fake microphone and camera were granted: the pre-join page has both switched on.
    for (const device of ['Microphone', 'Camera']) {
      await fiona
        .locator(byRole('button', device))
        .filter((button) => button.getAttribute('aria-pressed') === 'true')
        .setTimeout(10_000)
        .wait();
    }
    await fiona.locator(byRole('button', 'Join now')).click();

    // Each sees the other's tile by name, and their own.
    await fiona.locator(byRole('figure', 'Fiona Firefox (you)')).setTimeout(15_000).wait();
    await fiona.locator(byRole('figure', 'Chris Chromium')).setTimeout(15_000).wait();
    await tile(chris, 'Fiona Firefox').waitFor({ timeout: 15_000 });

    chrisId = await participantId(chris);
    fionaId = await participantId(fiona);
    expect(chrisId).toMatch(/^[0-9a-f-]{36}$/);
    expect(fionaId).toMatch(/^[0-9a-f-]{36}$/);
    expect(fionaId).not.toBe(chrisId);

    // Both ways: the video is decoded and the sound carries energy (Firefox's fake microphone is a quiet tone).
    for (const [page, otherId] of [[chris, fionaId], [fiona, chrisId]] as const) {
      await expect
        .poll(async () => {
          const step = await progress(page, 1_000);
          return step(otherId, 'video', 'framesDecoded') > 0 && step(otherId, 'audio', 'totalAudioEnergy') > 0;
        }, { timeout: 20_000, interval: 200 })
        .toBe(true);
    }
    expect(problems).toEqual([]);
  }, 60_000);

  it('shows the Firefox guest muted in Chromium', async () => {
    // Firefox's fake tone is quiet (about 0.01 energy per second here): measure it before muting, to compare.
    const audible = (await progress(chris, 1_500))(fionaId, 'audio', 'totalAudioEnergy');
    expect(audible).toBeGreaterThan(0);
    await fiona.locator(firefoxControl('Microphone')).click();
    await fiona
      .locator(firefoxControl('Microphone'))
      .filter((button) => button.getAttribute('aria-pressed') === 'false')
      .setTimeout(5_000)
      .wait();
    await tile(chris, 'Fiona Firefox').getByRole('img', { name: 'Microphone off' }).waitFor({ timeout: 10_000 });
    expect(await tile(chris, 'Chris Chromium (you)').getByRole('img', { name: 'Microphone off' }).count()).toBe(0);
    // And silence arrives: once the mute has taken effect, her audio adds (next to) no energy; video goes on.
    await chris.waitForTimeout(500);
    const step = await progress(chris, 1_500);
    expect(step(fionaId, 'audio', 'totalAudioEnergy')).toBeLessThan(audible / 10);
    expect(step(fionaId, 'video', 'framesDecoded')).toBeGreaterThan(0);
  }, 30_000);

  it('removes the Firefox guest\'s tile in Chromium when she leaves', async () => {
    await fiona.locator(firefoxControl('Leave')).click();
    await fiona.locator(byRole('heading', 'You have left the meeting')).setTimeout(10_000).wait();
    await tile(chris, 'Fiona Firefox').waitFor({ state: 'detached', timeout: 10_000 });
    await chris.getByRole('log').getByText('Fiona Firefox left').waitFor({ state: 'attached' });
    expect(problems).toEqual([]);
  }, 30_000);
});
