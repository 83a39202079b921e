/**
 * Moderation in real Chromium against a real Plenum with the embedded Janus: the chair (room owner) admits
 * guests from the waiting room, mutes everyone and forbids unmuting — proven by the audio energy the chair's
 * browser receives, also when a guest's browser sends audio anyway and when a raw WebSocket client sends the
 * unmute command itself — then removes one guest and bans the other, whose rejoin is refused.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROTOCOL_VERSION, SIGNALING_SUBPROTOCOL } from '@plenum/protocol';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildWebIfStale, launchChromium } from '../packages/server/src/testing/browsers.ts';
import { expectAccessible } from './support/a11y.ts';
import { shoot } from './support/screenshots.ts';
import { startTestServer, type TestServer } from '../packages/server/src/testing/server.ts';
import { writeSpeechLikeWav } from '../packages/server/src/testing/wav.ts';

let server: TestServer;
let browser: Browser;
let audioDir = '';
const contexts: BrowserContext[] = [];
const problems: string[] = [];

beforeAll(async () => {
  buildWebIfStale();
  // RTP ports of this file: 44100-44299.
  server = await startTestServer({ web: true, env: { MEDIA: 'janus', JANUS_ICE_INTERFACE: 'lo', JANUS_RTP_PORTS: '44100-44299' } });
  audioDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-e2e-moderation-'));
  writeSpeechLikeWav(path.join(audioDir, 'tone.wav'));
  browser = await launchChromium([`--use-file-for-fake-audio-capture=${path.join(audioDir, 'tone.wav')}`]);
}, 180_000);

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => {})));
  await browser?.close();
  await server?.close();
  if (audioDir) fs.rmSync(audioDir, { recursive: true, force: true });
});

const api = <T>(method: string, urlPath: string, body: unknown, user?: { cookie: string; csrf: string }) => server.api<T>(method, urlPath, body, user);

async function newPage(session?: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  contexts.push(context);
  if (session) await context.addCookies([{ name: 'plenum_session', value: session, url: server.url }]);
  await context.addInitScript(() => {
    (window as unknown as { __plenumTestHooks: object }).__plenumTestHooks = {};
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  return page;
}

type Hooks = { meeting?: { participantId(): string | null; connections(): { camera: RTCPeerConnection | null; subscriber: RTCPeerConnection | null; streams: { mid: string; participant_id: string; kind: string }[] } } };

/** Total audio energy this page has received from one participant's camera publication. */
async function audioEnergyFrom(page: Page, participantId: string): Promise<number> {
  return page.evaluate(async (from) => {
    const hooks = (window as unknown as { __plenumTestHooks: Hooks }).__plenumTestHooks;
    const connections = hooks.meeting?.connections();
    if (!connections?.subscriber) return 0;
    const mids = new Set(connections.streams.filter((s) => s.participant_id === from && s.kind === 'audio').map((s) => s.mid));
    let energy = 0;
    (await connections.subscriber.getStats()).forEach((r: Record<string, unknown>) => {
      if (r.type === 'inbound-rtp' && mids.has(String(r.mid))) energy += Number(r.totalAudioEnergy ?? 0);
    });
    return energy;
  }, participantId);
}

async function energyStep(page: Page, from: string, ms: number): Promise<number> {
  const before = await audioEnergyFrom(page, from);
  await page.waitForTimeout(ms);
  return (await audioEnergyFrom(page, from)) - before;
}

const participantId = (page: Page) => page.evaluate(() => (window as unknown as { __plenumTestHooks: Hooks }).__plenumTestHooks.meeting?.participantId() ?? '');
const tile = (page: Page, name: string) => page.getByRole('figure', { name, exact: true });
const control = (page: Page, name: string) => page.getByRole('group', { name: 'Meeting controls' }).getByRole('button', { name, exact: true });
/** The meeting's notices: the toasts, one live region (#15 defect 4). */
const notices = (page: Page) => page.getByRole('log', { name: 'Notices' });

describe('moderation in the browser', () => {
  let roomId = '';
  let inviteCode = '';
  let chair: Page;
  let anna: Page;
  let ben: Page;
  let annaId = '';
  let benId = '';
  /** Audio energy per second the chair receives from Anna while she speaks: the reference for "silent". */
  let annaPerSecond = 0;

  async function guestJoins(name: string): Promise<Page> {
    const page = await newPage();
    await page.goto(`${server.url}/invite/${inviteCode}`);
    await page.getByLabel('Your name').fill(name);
    await page.getByRole('button', { name: 'Join' }).click();
    await page.waitForURL(`${server.url}/rooms/${roomId}`);
    await expect.poll(() => page.getByRole('button', { name: 'Microphone' }).getAttribute('aria-pressed'), { timeout: 10_000 }).toBe('true');
    await page.getByRole('button', { name: 'Join now' }).click();
    return page;
  }

  it('guests wait in the waiting room until the chair admits them', async () => {
    const owner = await server.loginAs('user', 'Clara Chair');
    const room = await api<{ id: string }>('POST', '/v1/rooms', { name: 'Council', waiting_room: true }, owner);
    roomId = room.id;
    inviteCode = (await api<{ code: string }>('POST', `/v1/rooms/${room.id}/invites`, {}, owner)).code;

    chair = await newPage(owner.token);
    await chair.goto(`${server.url}/rooms/${room.id}`);
    await chair.getByRole('button', { name: 'Join now' }).click();
    await tile(chair, 'Clara Chair (you)').waitFor();
    await control(chair, 'Participants').click();
    const panel = chair.getByRole('complementary', { name: /Participants/ });
    await panel.getByText('Nobody is waiting.').waitFor();

    anna = await guestJoins('Anna Guest');
    await anna.getByText('Please wait, the moderator will let you in.').waitFor();
    expect(await tile(anna, 'Anna Guest (you)').count()).toBe(0);
    await expectAccessible(anna);
    // The chair sees her waiting (and hears it announced) and lets her in.
    await chair.getByText('Anna Guest is waiting to be admitted').waitFor({ state: 'attached' });
    await panel.getByRole('button', { name: 'Admit Anna Guest' }).click();
    await tile(anna, 'Clara Chair').waitFor();
    await tile(chair, 'Anna Guest').waitFor();

    ben = await guestJoins('Ben Guest');
    await ben.getByText('Please wait, the moderator will let you in.').waitFor();
    await panel.getByRole('button', { name: 'Admit Ben Guest' }).waitFor();
    await shoot(chair, 'moderator-waiting-room');
    await panel.getByRole('button', { name: 'Admit all' }).click();
    await tile(ben, 'Anna Guest').waitFor();
    // #15 defect 1: at 1280×800 the people list comes first and each name is on one line, not one letter per line.
    await chair.setViewportSize({ width: 1280, height: 800 });
    const benName = panel.getByRole('listitem').filter({ hasText: 'Ben Guest' }).getByTitle('Ben Guest', { exact: true });
    await benName.waitFor();
    const box = await benName.boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(60);
    expect(box?.height ?? 999).toBeLessThan(30);
    const peopleFirst = await panel.evaluate((aside) => {
      const list = aside.querySelector('.participant-list');
      const heading = [...aside.querySelectorAll('h3')][0];
      return !!list && !!heading && (list.compareDocumentPosition(heading) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
    });
    expect(peopleFirst).toBe(true);
    await shoot(chair, 'participants-panel-1280');
    annaId = await participantId(anna);
    benId = await participantId(ben);
    // Both are heard before anyone is muted.
    await expect.poll(async () => Math.min(await energyStep(chair, annaId, 500), await energyStep(chair, benId, 500)), { timeout: 20_000, interval: 100 }).toBeGreaterThan(0);
    annaPerSecond = await energyStep(chair, annaId, 1_000);
    expect(annaPerSecond).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  }, 60_000);

  it('"only moderators may unmute" mutes everyone and holds, even when a client sends audio or the command anyway', async () => {
    const panel = chair.getByRole('complementary', { name: /Participants/ });
    // The box reflects the room's state, which changes only when the server confirms: click, then wait for it.
    await panel.getByRole('checkbox', { name: 'Only moderators may unmute' }).click();
    await expect.poll(() => panel.getByRole('checkbox', { name: 'Only moderators may unmute' }).isChecked(), { timeout: 10_000 }).toBe(true);
    for (const page of [anna, ben]) await expect.poll(() => control(page, 'Microphone').getAttribute('aria-pressed')).toBe('false');
    expect(await control(anna, 'Microphone').isDisabled()).toBe(true);
    await tile(chair, 'Anna Guest').getByRole('img', { name: 'Microphone off' }).waitFor();
    // Each guest is told, not only by a red button: a visible notice in the notices' live region (#15 defect 4).
    for (const page of [anna, ben]) await notices(page).getByText('A moderator muted your microphone.').waitFor();
    await shoot(anna, 'notice-muted');
    await expectAccessible(anna);

    // Anna's browser cheats: it switches its microphone track back on without asking.
    await anna.evaluate(() => {
      const hooks = (window as unknown as { __plenumTestHooks: Hooks }).__plenumTestHooks;
      const sender = hooks.meeting?.connections().camera?.getSenders().find((s) => s.track?.kind === 'audio');
      if (sender?.track) sender.track.enabled = true;
    });
    // And a raw signaling client (another guest) sends the unmute command itself: refused.
    const start = await api<{ ticket: string }>('POST', `/v1/rooms/${roomId}/start-invited`, { invite_code: inviteCode, display_name: 'Raw Client' });
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/signaling`, [SIGNALING_SUBPROTOCOL, `ticket.${start.ticket}`], { origin: server.url });
    const frames: { namespace: string; payload: { message: string; error?: string; action?: string } }[] = [];
    ws.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString('utf8')) as (typeof frames)[number]));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ namespace: 'control', payload: { action: 'join', protocol_version: PROTOCOL_VERSION } }));
    // The waiting room is on: the raw client waits, and while waiting can do nothing.
    await expect.poll(() => frames.some((f) => f.namespace === 'control' && f.payload.message === 'waiting')).toBe(true);
    await panel.getByRole('button', { name: 'Admit Raw Client' }).click();
    await expect.poll(() => frames.some((f) => f.payload.message === 'join_success')).toBe(true);
    ws.send(JSON.stringify({ namespace: 'media', payload: { action: 'update_state', audio: true, video: false } }));
    await expect.poll(() => frames.find((f) => f.namespace === 'media' && f.payload.message === 'error')?.payload).toMatchObject({ error: 'forbidden', action: 'update_state' });
    ws.close();

    // The media server drops Anna's audio although her browser sends it: the chair receives (about) nothing from her,
    // while the chair's own voice still reaches Anna.
    await chair.waitForTimeout(500);
    const fromAnna = await energyStep(chair, annaId, 1_500);
    const chairToAnna = await energyStep(anna, await participantId(chair), 1_000);
    expect(fromAnna).toBeLessThan(annaPerSecond / 100);
    expect(chairToAnna).toBeGreaterThan(0);

    // Policy off: Anna may unmute herself again and is heard.
    // The box reflects the room's state, which changes only when the server confirms: click, then wait for it.
    await panel.getByRole('checkbox', { name: 'Only moderators may unmute' }).click();
    await expect.poll(() => panel.getByRole('checkbox', { name: 'Only moderators may unmute' }).isChecked(), { timeout: 10_000 }).toBe(false);
    await expect.poll(() => control(anna, 'Microphone').isDisabled()).toBe(false);
    await control(anna, 'Microphone').click();
    await expect.poll(() => energyStep(chair, annaId, 1_000), { timeout: 10_000, interval: 100 }).toBeGreaterThan(annaPerSecond / 5);

    // Mute all: both go quiet at the chair.
    await panel.getByRole('button', { name: 'Mute all' }).click();
    await expect.poll(() => control(anna, 'Microphone').getAttribute('aria-pressed')).toBe('false');
    await chair.waitForTimeout(500);
    expect(await energyStep(chair, annaId, 1_000)).toBeLessThan(annaPerSecond / 100);
    expect(problems).toEqual([]);
  }, 45_000);

  it('tells a guest when a moderator makes them a moderator and takes the role away again (#15 defect 4)', async () => {
    const panel = chair.getByRole('complementary', { name: /Participants/ });
    const row = (name: string) => panel.getByRole('listitem').filter({ hasText: name });
    await row('Ben Guest').getByRole('button', { name: 'Moderate Ben Guest' }).click();
    await row('Ben Guest').getByRole('button', { name: 'Make moderator' }).click();
    await notices(ben).getByText('A moderator made you a moderator.').waitFor();
    await row('Ben Guest').getByRole('button', { name: 'Moderate Ben Guest' }).click();
    await row('Ben Guest').getByRole('button', { name: 'Revoke moderator role' }).click();
    await notices(ben).getByText('You are no longer a moderator.').waitFor();
    await shoot(ben, 'notice-role');
    // In the language chosen now: switching to German turns the shown notice German too.
    await ben.getByRole('button', { name: 'Deutsch' }).click();
    await ben.getByRole('log', { name: 'Hinweise' }).getByText('Sie moderieren nicht mehr.').waitFor();
    await ben.getByRole('button', { name: 'English' }).click();
    await notices(ben).getByText('You are no longer a moderator.').waitFor();
    // Only Ben was told: Anna's notices say nothing of it.
    expect(await notices(anna).getByText(/moderator\.$/).count()).toBe(0);
    expect(problems).toEqual([]);
  }, 30_000);

  it('removes one guest; bans the other, whose rejoin is refused while the other guest of the same link may return', async () => {
    const panel = chair.getByRole('complementary', { name: /Participants/ });
    const row = (name: string) => panel.getByRole('listitem').filter({ hasText: name });

    await row('Anna Guest').getByRole('button', { name: 'Moderate Anna Guest' }).click();
    await expectAccessible(chair);
    await row('Anna Guest').getByRole('button', { name: 'Remove' }).click();
    const kickDialog = chair.getByRole('dialog', { name: 'Remove Anna Guest from the meeting?' });
    await kickDialog.getByRole('button', { name: 'Remove' }).click();
    await anna.getByText('A moderator removed you from the meeting.').waitFor();
    await expect.poll(() => tile(chair, 'Anna Guest').count()).toBe(0);

    await row('Ben Guest').getByRole('button', { name: 'Moderate Ben Guest' }).click();
    await row('Ben Guest').getByRole('button', { name: 'Ban' }).click();
    await chair.getByRole('dialog', { name: 'Ban Ben Guest?' }).getByRole('button', { name: 'Ban' }).click();
    await ben.getByText('A moderator banned you from this meeting.').waitFor();

    // Ben is not offered to join again; opening the invite link again in his browser is refused, and the chair never sees him.
    expect(await ben.getByRole('button', { name: 'Join again' }).count()).toBe(0);
    await ben.goto(`${server.url}/invite/${inviteCode}`);
    await ben.getByLabel('Your name').fill('Ben Guest');
    await ben.getByRole('button', { name: 'Join' }).click();
    await ben.getByRole('button', { name: 'Join now' }).click();
    await ben.getByText('A moderator banned you from this meeting.').waitFor();
    expect(await panel.getByRole('button', { name: 'Admit Ben Guest' }).count()).toBe(0);
    expect(await tile(chair, 'Ben Guest').count()).toBe(0);

    // The ban is on Ben, not on the invite link he shared with Anna (#15 defect 9): Anna, only removed, comes back to the waiting room.
    await anna.getByRole('button', { name: 'Join again' }).click();
    await anna.getByRole('button', { name: 'Join now' }).click();
    await panel.getByRole('button', { name: 'Admit Anna Guest' }).waitFor();
    expect(await anna.getByText('A moderator banned you from this meeting.').count()).toBe(0);

    // The chair lifts Ben's ban from the "Banned" list (stored, #11): Ben can come back to the waiting room.
    const banned = panel.getByRole('region', { name: /Banned/ });
    await banned.getByRole('listitem').filter({ hasText: 'Ben Guest' }).waitFor();
    await expectAccessible(chair);
    await banned.getByRole('button', { name: 'Allow again Ben Guest' }).click();
    await chair.getByRole('dialog', { name: 'Allow Ben Guest again?' }).getByRole('button', { name: 'Allow again' }).click();
    await expect.poll(() => panel.getByRole('region', { name: /Banned/ }).count()).toBe(0);
    await ben.goto(`${server.url}/invite/${inviteCode}`);
    await ben.getByLabel('Your name').fill('Ben Guest');
    await ben.getByRole('button', { name: 'Join' }).click();
    await ben.getByRole('button', { name: 'Join now' }).click();
    await panel.getByRole('button', { name: 'Admit Ben Guest' }).waitFor();
    expect(problems).toEqual([]);
  }, 45_000);
});
