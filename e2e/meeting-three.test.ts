/**
 * A three-person meeting in real Chromium (fake camera and microphone) against a real Plenum with the embedded
 * Janus: one logged-in user and two guests from an invite link. Asserts what each person sees (tiles by name,
 * the muted icon, a screen-share tile, announcements) and what each browser really receives (decoded video
 * frames and audio energy per remote participant, read from the subscriber connection's getStats()).
 *
 * Test hook: the pages get `window.__plenumTestHooks = {}` through an init script before the app loads; the
 * app then registers `meeting.connections()` and `meeting.dropSignaling()` there (packages/web/src/meeting/testHooks.ts).
 * Screenshots for docs/screenshots/ are written only with PLENUM_SCREENSHOTS=1.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebIfStale, CHROMIUM_ARGS, launchChromium } from '../packages/server/src/testing/browsers.ts';
import { expectAccessible } from './support/a11y.ts';
import { startTestServer, type TestServer } from '../packages/server/src/testing/server.ts';
import { writeSpeechLikeWav } from '../packages/server/src/testing/wav.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const screenshotDir = process.env.PLENUM_SCREENSHOTS ? path.join(root, 'docs/screenshots') : null;
// Modest sizes: CI has two cores for three browsers encoding and decoding video.
const viewport = { width: 1280, height: 800 };

let server: TestServer;
let audioDir = '';
let browser: Browser;
const contexts: BrowserContext[] = [];
const problems: string[] = [];

beforeAll(async () => {
  buildWebIfStale();
  // RTP ports of this file: 42600-42799.
  server = await startTestServer({ web: true, env: { MEDIA: 'janus', JANUS_ICE_INTERFACE: 'lo', JANUS_RTP_PORTS: '42600-42799' } });
  audioDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-e2e-audio-'));
  writeSpeechLikeWav(path.join(audioDir, 'speech.wav'));
  browser = await launchChromium([`--use-file-for-fake-audio-capture=${path.join(audioDir, 'speech.wav')}`]);
}, 180_000);

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => {})));
  await browser?.close();
  await server?.close();
  if (audioDir) fs.rmSync(audioDir, { recursive: true, force: true });
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

/** Requests that may fail on purpose: while a page is offline, and "am I logged in?" for guests. */
function expectedFailure(text: string, url: string): boolean {
  if (text.includes('ERR_INTERNET_DISCONNECTED')) return true;
  return text.startsWith('Failed to load resource') && new URL(url).pathname === '/v1/me';
}

async function newPage(session?: string): Promise<Page> {
  const context = await browser.newContext({ viewport, locale: 'en-US' });
  contexts.push(context);
  if (session) await context.addCookies([{ name: 'plenum_session', value: session, url: server.url }]);
  await context.addInitScript(() => {
    (window as unknown as { __plenumTestHooks: object }).__plenumTestHooks = {};
  });
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !expectedFailure(msg.text(), msg.location().url || server.url)) problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  return page;
}

async function shoot(page: Page, name: string, { narrow = false } = {}): Promise<void> {
  if (!screenshotDir) return;
  fs.mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), animations: 'disabled' });
  if (!narrow) return;
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(screenshotDir, `${name}-narrow.png`), animations: 'disabled', fullPage: true });
  await page.setViewportSize(viewport);
}

/** WCAG reflow: at 320 CSS px nothing may need horizontal scrolling. */
async function expectNoHorizontalScroll(page: Page): Promise<void> {
  await page.setViewportSize({ width: 320, height: 640 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await page.setViewportSize(viewport);
  expect(overflow, 'horizontal overflow at 320px').toBeLessThanOrEqual(0);
}

interface ReceivedStat {
  participantId: string;
  source: string;
  kind: string;
  framesDecoded: number;
  totalAudioEnergy: number;
}

/** What this page receives, per remote stream: the subscriber connection's inbound-rtp, mapped by mid. */
async function received(page: Page): Promise<ReceivedStat[]> {
  return page.evaluate(async () => {
    type Hooks = { meeting?: { connections(): { subscriber: RTCPeerConnection | null; streams: { mid: string; participant_id: string; source: string; kind: string }[] } } };
    const hooks = (window as unknown as { __plenumTestHooks: Hooks }).__plenumTestHooks;
    const connections = hooks.meeting?.connections();
    if (!connections?.subscriber) return [];
    const byMid = new Map(connections.streams.map((s) => [s.mid, s]));
    const out: ReceivedStat[] = [];
    (await connections.subscriber.getStats()).forEach((r: Record<string, unknown>) => {
      if (r.type !== 'inbound-rtp') return;
      const s = byMid.get(String(r.mid));
      if (!s) return;
      out.push({
        participantId: s.participant_id,
        source: s.source,
        kind: s.kind,
        framesDecoded: Number(r.framesDecoded ?? 0),
        totalAudioEnergy: Number(r.totalAudioEnergy ?? 0),
      });
    });
    return out;
  });
}

const pick = (stats: ReceivedStat[], participantId: string, source: string, kind: string) =>
  stats.find((s) => s.participantId === participantId && s.source === source && s.kind === kind);

/** How much each remote stream advanced within `ms`: frames for video, audio energy for audio. */
async function progress(page: Page, ms: number): Promise<(participantId: string, source: string, kind: 'audio' | 'video') => number> {
  const before = await received(page);
  await page.waitForTimeout(ms);
  const after = await received(page);
  return (participantId, source, kind) => {
    const a = pick(after, participantId, source, kind);
    const b = pick(before, participantId, source, kind);
    if (!a) return Number.NaN;
    const field = kind === 'video' ? 'framesDecoded' : 'totalAudioEnergy';
    return a[field] - (b?.[field] ?? 0);
  };
}

async function participantId(page: Page): Promise<string> {
  return page.evaluate(() => {
    const hooks = (window as unknown as { __plenumTestHooks: { meeting?: { participantId(): string | null } } }).__plenumTestHooks;
    return hooks.meeting?.participantId() ?? '';
  });
}

const tile = (page: Page, name: string) => page.getByRole('figure', { name, exact: true });
const control = (page: Page, name: string) => page.getByRole('group', { name: 'Meeting controls' }).getByRole('button', { name, exact: true });
const announcements = (page: Page) => page.getByRole('log', { name: 'Participants' });

describe('a meeting of three in the browser', () => {
  const people: { name: string; page: Page; id: string }[] = [];
  let chair: Page;
  let anna: Page;
  let ben: Page;
  let inviteCode = '';

  it('lets a user and two invited guests join and see and hear each other', async () => {
    const owner = await server.loginAs('user', 'Clara Chair');
    const room = await api<{ id: string }>(owner, 'POST', '/v1/rooms', { name: 'Finance committee' });
    const invite = await api<{ code: string }>(owner, 'POST', `/v1/rooms/${room.id}/invites`, {});
    inviteCode = invite.code;

    chair = await newPage(owner.token);
    await chair.goto(`${server.url}/rooms/${room.id}`);
    await chair.getByRole('heading', { level: 1, name: 'Finance committee' }).waitFor();
    await chair.getByText('Clara Chair (logged in)').waitFor();
    await chair.getByRole('meter', { name: 'Microphone level' }).waitFor();
    await chair.getByRole('button', { name: 'Join now' }).click();
    await tile(chair, 'Clara Chair (you)').waitFor();

    async function guestJoins(name: string): Promise<Page> {
      const page = await newPage();
      await page.goto(`${server.url}/invite/${invite.code}`);
      await page.getByLabel('Your name').fill(name);
      await page.getByRole('button', { name: 'Join' }).click();
      await page.waitForURL(`${server.url}/rooms/${room.id}`);
      // The pre-join page: preview, level meter, the name from the invite page.
      await page.getByRole('meter', { name: 'Microphone level' }).waitFor();
      expect(await page.getByLabel('Your name').inputValue()).toBe(name);
      await expect.poll(() => page.getByRole('button', { name: 'Microphone' }).getAttribute('aria-pressed'), { timeout: 10_000 }).toBe('true');
      return page;
    }
    anna = await guestJoins('Anna Guest');
    await page_video_ready(anna);
    await shoot(anna, 'prejoin', { narrow: true });
    await expectAccessible(anna);
    await anna.getByRole('button', { name: 'Join now' }).click();
    ben = await guestJoins('Ben Guest');
    await ben.getByRole('button', { name: 'Join now' }).click();

    people.push({ name: 'Clara Chair', page: chair, id: '' }, { name: 'Anna Guest', page: anna, id: '' }, { name: 'Ben Guest', page: ben, id: '' });
    // The meeting screen is loaded lazily and joins after "Join now": wait for the id rather than read it once.
    for (const p of people) {
      await expect.poll(() => participantId(p.page), { timeout: 15_000 }).toMatch(/^[0-9a-f-]{36}$/);
      p.id = await participantId(p.page);
    }
    // Everyone sees the two others by name.
    for (const me of people) {
      for (const other of people.filter((o) => o !== me)) await tile(me.page, other.name).waitFor();
      await tile(me.page, `${me.name} (you)`).waitFor();
    }
    await chair.getByText('Anna Guest joined').waitFor({ state: 'attached' });
    // Active speakers (from the media server's audio levels) are highlighted, with a text for screen readers.
    for (const me of people) {
      for (const other of people.filter((o) => o !== me)) await tile(me.page, other.name).getByText('(speaking)').waitFor({ state: 'attached', timeout: 15_000 });
    }

    // Each browser decodes video and plays audio of each other participant.
    for (const me of people) {
      await expect
        .poll(async () => {
          const step = await progress(me.page, 1_000);
          return people.filter((o) => o !== me).every((o) => step(o.id, 'camera', 'video') > 0 && step(o.id, 'camera', 'audio') > 0);
        }, { timeout: 20_000, interval: 200 })
        .toBe(true);
    }
    expect(problems).toEqual([]);
  }, 90_000);

  it('shows a muted microphone to everyone, and no sound arrives from it', async () => {
    const [, annaP, benP] = people;
    await control(anna, 'Microphone').click();
    expect(await control(anna, 'Microphone').getAttribute('aria-pressed')).toBe('false');
    for (const page of [chair, ben]) await tile(page, 'Anna Guest').getByRole('img', { name: 'Microphone off' }).waitFor();
    expect(await tile(chair, 'Ben Guest').getByRole('img', { name: 'Microphone off' }).count()).toBe(0);
    // The participant list says the same, by name.
    await control(chair, 'Participants').click();
    expect(await control(chair, 'Participants').getAttribute('aria-pressed')).toBe('true');
    const list = chair.getByRole('complementary', { name: /Participants/ });
    await list.getByRole('listitem').filter({ hasText: 'Anna Guest' }).getByRole('img', { name: 'Microphone off' }).waitFor();
    expect(await list.getByRole('listitem').filter({ hasText: 'Clara Chair (you)' }).getByText('Moderator').count()).toBe(1);
    await shoot(chair, 'meeting-3', { narrow: true });
    await expectAccessible(chair);
    await expectNoHorizontalScroll(chair);
    await control(chair, 'Participants').click();

    // Give the silence a moment to arrive, then compare what Anna's and Ben's audio add.
    await chair.waitForTimeout(500);
    const step = await progress(chair, 2_000);
    const fromAnna = step(annaP!.id, 'camera', 'audio');
    const fromBen = step(benP!.id, 'camera', 'audio');
    expect(fromBen).toBeGreaterThan(0);
    expect(fromAnna).toBeLessThan(fromBen / 100);

    // A muted microphone is not an active speaker.
    expect(await tile(chair, 'Anna Guest').getByText('(speaking)').count()).toBe(0);
    expect(await tile(chair, 'Ben Guest').getByText('(speaking)').count()).toBe(1);

    await control(anna, 'Microphone').click();
    await expect.poll(() => tile(chair, 'Anna Guest').getByRole('img', { name: 'Microphone off' }).count(), { timeout: 5_000 }).toBe(0);

    // Camera off: the others see her initials instead of video; on again, her video is decoded again.
    await control(anna, 'Camera').click();
    expect(await control(anna, 'Camera').getAttribute('aria-pressed')).toBe('false');
    await expect.poll(() => tile(ben, 'Anna Guest').locator('video').count(), { timeout: 5_000 }).toBe(0);
    await control(anna, 'Camera').click();
    await expect.poll(() => tile(ben, 'Anna Guest').locator('video').count(), { timeout: 5_000 }).toBe(1);
    await expect.poll(async () => (await progress(ben, 1_000))(annaP!.id, 'camera', 'video'), { timeout: 15_000, interval: 200 }).toBeGreaterThan(0);
  }, 30_000);

  it('switches the microphone during the meeting without interrupting what the others hear', async () => {
    const [, annaP] = people;
    await control(anna, 'Devices').click();
    const panel = anna.getByRole('complementary', { name: 'Microphone and camera' });
    await panel.getByRole('combobox', { name: 'Microphone' }).selectOption({ label: 'Fake Audio Input 1' });
    // The publisher now sends the new microphone's track (replaceTrack, no renegotiation) ...
    await expect
      .poll(
        () =>
          anna.evaluate(() => {
            const hooks = (window as unknown as { __plenumTestHooks: { meeting: { connections(): { camera: RTCPeerConnection | null } } } }).__plenumTestHooks;
            return hooks.meeting.connections().camera?.getSenders().find((s) => s.track?.kind === 'audio')?.track?.label ?? '';
          }),
        { timeout: 5_000 },
      )
      .toBe('Fake Audio Input 1');
    // ... and the others keep hearing her.
    await expect.poll(async () => (await progress(chair, 1_000))(annaP!.id, 'camera', 'audio'), { timeout: 10_000, interval: 200 }).toBeGreaterThan(0);
    await control(anna, 'Devices').click();
    expect(await panel.count()).toBe(0);
  }, 30_000);

  it('shows a screen share as an extra tile to the others', async () => {
    const [, , benP] = people;
    await control(ben, 'Share screen').click();
    await expect.poll(() => control(ben, 'Share screen').getAttribute('aria-pressed'), { timeout: 10_000 }).toBe('true');
    for (const page of [chair, anna]) await tile(page, 'Screen of Ben Guest').waitFor({ timeout: 15_000 });
    // Speaker view, operated with the keyboard: the shared screen takes the stage.
    await control(chair, 'Speaker view').focus();
    await chair.keyboard.press('Enter');
    expect(await control(chair, 'Speaker view').getAttribute('aria-pressed')).toBe('true');
    await chair.locator('.stage-main').getByRole('figure', { name: 'Screen of Ben Guest' }).waitFor();
    if (screenshotDir) {
      // The strip's tiles switch to the small simulcast layer, which starts with the next key frame.
      for (const name of ['Anna Guest', 'Ben Guest']) {
        await expect.poll(() => tile(chair, name).locator('video').evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
      }
      await shoot(chair, 'meeting-speaker-view');
    }
    await chair.keyboard.press('Space');
    expect(await control(chair, 'Speaker view').getAttribute('aria-pressed')).toBe('false');
    await expect
      .poll(async () => (await progress(anna, 1_000))(benP!.id, 'screen', 'video'), { timeout: 15_000, interval: 200 })
      .toBeGreaterThan(0);
    await control(ben, 'Share screen').click();
    for (const page of [chair, anna]) await tile(page, 'Screen of Ben Guest').waitFor({ state: 'detached', timeout: 15_000 });
  }, 45_000);

  it('brings a participant back as the same person after 5 s without network; the others never see them leave', async () => {
    const [, annaP] = people;
    const context = anna.context();
    await context.setOffline(true);
    await anna.evaluate(() => (window as unknown as { __plenumTestHooks: { meeting: { dropSignaling(): void } } }).__plenumTestHooks.meeting.dropSignaling());
    await anna.getByRole('status').filter({ hasText: 'Connection lost. Reconnecting…' }).waitFor();
    await tile(chair, 'Anna Guest').getByText('Connection lost').waitFor();
    await anna.waitForTimeout(5_000);
    await context.setOffline(false);
    await anna.getByText('Connection lost. Reconnecting…').waitFor({ state: 'detached', timeout: 20_000 });
    expect(await participantId(anna)).toBe(annaP!.id);
    await tile(chair, 'Anna Guest').getByText('Connection lost').waitFor({ state: 'detached', timeout: 10_000 });

    for (const page of [chair, ben]) {
      expect(await tile(page, 'Anna Guest').count()).toBe(1);
      expect(await announcements(page).textContent()).not.toContain('Anna Guest left');
    }
    // Media flows again both ways (the resumed participant subscribes over a fresh connection).
    await expect
      .poll(async () => {
        const step = await progress(anna, 1_000);
        return step(people[0]!.id, 'camera', 'video') > 0 && step(people[2]!.id, 'camera', 'video') > 0;
      }, { timeout: 30_000, interval: 200 })
      .toBe(true);
    await expect.poll(async () => (await progress(chair, 1_000))(annaP!.id, 'camera', 'video'), { timeout: 30_000, interval: 200 }).toBeGreaterThan(0);
  }, 120_000);

  it('publishes and subscribes again when the media server is lost and restarted', async () => {
    const media = server.services.media as unknown as { embeddedPid(): number | undefined };
    const pid = media.embeddedPid();
    expect(pid).toBeGreaterThan(0);
    const subscribersBefore = await Promise.all(people.map((p) => p.page.evaluateHandle(() => (window as unknown as { __plenumTestHooks: { meeting: { connections(): { subscriber: RTCPeerConnection | null } } } }).__plenumTestHooks.meeting.connections().subscriber)));
    process.kill(pid!, 'SIGKILL');
    await expect.poll(() => media.embeddedPid() !== undefined && media.embeddedPid() !== pid, { timeout: 20_000, interval: 200 }).toBe(true);
    // Everyone sees and hears everyone again, over new connections; nobody left.
    for (const me of people) {
      await expect
        .poll(async () => {
          const step = await progress(me.page, 1_000);
          return people.filter((o) => o !== me).every((o) => step(o.id, 'camera', 'video') > 0 && step(o.id, 'camera', 'audio') > 0);
        }, { timeout: 30_000, interval: 200 })
        .toBe(true);
      for (const other of people.filter((o) => o !== me)) expect(await tile(me.page, other.name).count()).toBe(1);
    }
    for (const [i, p] of people.entries()) {
      const replaced = await p.page.evaluate(
        (old) => (window as unknown as { __plenumTestHooks: { meeting: { connections(): { subscriber: RTCPeerConnection | null } } } }).__plenumTestHooks.meeting.connections().subscriber !== old,
        subscribersBefore[i]!,
      );
      expect(replaced).toBe(true);
    }
  }, 60_000);

  it('lets someone who refuses camera and microphone join listen-only, with a clear explanation', async () => {
    // A browser that has devices but no permission to use them (no fake-UI auto-accept).
    // Without --use-fake-ui-for-media-stream, headless Chromium refuses camera and microphone.
    const refusing = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS.filter((a) => a !== '--use-fake-ui-for-media-stream') });
    try {
      const context = await refusing.newContext({ viewport, locale: 'en-US' });
      await context.addInitScript(() => {
        (window as unknown as { __plenumTestHooks: object }).__plenumTestHooks = {};
      });
      const dora = await context.newPage();
      dora.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
      await dora.goto(`${server.url}/invite/${inviteCode}`);
      await dora.getByRole('heading', { level: 1, name: 'Finance committee' }).waitFor({ timeout: 10_000 }).catch(async (err: unknown) => {
        console.error('invite page did not load:', await dora.locator('main').textContent().catch(() => '?'));
        throw err;
      });
      await dora.getByLabel('Your name').fill('Dora Listener');
      await dora.getByRole('button', { name: 'Join' }).click();
      await dora.getByText('Plenum is not allowed to use your microphone. You can still join and listen.').waitFor();
      await dora.getByText('Plenum is not allowed to use your camera. You can join without video.').waitFor();
      await dora.getByText('You will join listen-only').waitFor();
      await expectAccessible(dora);
      await dora.getByRole('button', { name: 'Join now' }).click();
      for (const name of ['Clara Chair', 'Anna Guest', 'Ben Guest']) await tile(dora, name).waitFor();
      // The others see her, muted; she receives everyone's video and sound.
      await tile(chair, 'Dora Listener').getByRole('img', { name: 'Microphone off' }).waitFor();
      await expect
        .poll(async () => {
          const step = await progress(dora, 1_000);
          return people.every((o) => step(o.id, 'camera', 'video') > 0 && step(o.id, 'camera', 'audio') > 0);
        }, { timeout: 20_000, interval: 200 })
        .toBe(true);
      await control(dora, 'Leave').click();
      await tile(chair, 'Dora Listener').waitFor({ state: 'detached', timeout: 10_000 });
    } finally {
      await refusing.close();
    }
  }, 45_000);

  it('removes the tile of a participant who leaves, for everyone', async () => {
    await control(ben, 'Leave').click();
    await ben.getByRole('heading', { name: 'You have left the meeting' }).waitFor();
    for (const page of [chair, anna]) {
      await tile(page, 'Ben Guest').waitFor({ state: 'detached', timeout: 10_000 });
      await announcements(page).getByText('Ben Guest left').waitFor({ state: 'attached' });
    }
    expect(problems).toEqual([]);
  }, 30_000);
});

/** Waits until the pre-join preview shows camera frames (for the screenshot). */
async function page_video_ready(page: Page): Promise<void> {
  await expect.poll(() => page.evaluate(() => document.querySelector('video')?.readyState ?? 0), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
}
