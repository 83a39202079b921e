/**
 * Telephone dial-in end to end: a real softphone (Debian's baresip) calls the SIP gateway, enters the room's
 * meeting ID and PIN by RFC 4733, and talks with the browsers through the real embedded Janus. The chair (the
 * real web app in Chromium) sees the caller under a masked number, hears the phone's 440 Hz (found by the
 * spectrum of the received audio), sees the hand raised with *9 and mutes the caller, after which the 440 Hz is
 * gone. What the phone heard (baresip's recording) carries the browser's 1000 Hz and not its own tone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebIfStale, launchChromium } from '../packages/server/src/testing/browsers.ts';
import { startTestServer, type TestServer } from '../packages/server/src/testing/server.ts';
import { MediaPage } from '../packages/server/src/modules/media/testing/browser-client.ts';
import { powerAt } from '../packages/server/src/modules/media/testing/phone-caller.ts';
import { press, readWav, startBaresip, type BaresipPhone } from '../packages/sip-gateway/src/baresip-phone.ts';
import type { SipGateway } from '../packages/sip-gateway/src/gateway.ts';
import { silentLogger } from '../packages/sip-gateway/src/log.ts';
import { HttpPlenumLink } from '../packages/sip-gateway/src/plenum.ts';
import { roomBridgeHooks } from '../packages/sip-gateway/src/room-bridge.ts';
import { startTestGateway } from '../packages/sip-gateway/src/testing.ts';
import { shoot } from './support/screenshots.ts';
import { writeToneWav } from '../packages/server/src/testing/wav.ts';

const TOKEN = 'e2e-telephone-service-token-0123456789abcdef';
const CALLER = '+493615551234';

/**
 * In the page before the app loads: every remote audio track any RTCPeerConnection receives gets an analyser;
 * `__audioProbe.level(f)` is the loudest level (dB) at frequency f over all live remote tracks.
 */
function installAudioProbe(): void {
  const tracks: MediaStreamTrack[] = [];
  const analysers = new Map<MediaStreamTrack, AnalyserNode>();
  let ctx: AudioContext | undefined;
  const Original = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Original {
    constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
      super(...args);
      this.addEventListener('track', (ev) => {
        if (ev.track.kind === 'audio') tracks.push(ev.track);
      });
    }
  };
  (window as unknown as { __audioProbe: object }).__audioProbe = {
    level(freq: number): number {
      ctx ??= new AudioContext();
      let best = -Infinity;
      for (const track of tracks) {
        if (track.readyState !== 'live') continue;
        let analyser = analysers.get(track);
        if (!analyser) {
          analyser = ctx.createAnalyser();
          analyser.fftSize = 8192;
          analyser.smoothingTimeConstant = 0;
          ctx.createMediaStreamSource(new MediaStream([track])).connect(analyser);
          analysers.set(track, analyser);
        }
        const bins = new Float32Array(analyser.frequencyBinCount);
        analyser.getFloatFrequencyData(bins);
        const at = Math.round(freq / (ctx.sampleRate / analyser.fftSize));
        for (let i = at - 2; i <= at + 2; i++) best = Math.max(best, bins[i] ?? -Infinity);
      }
      return best;
    },
  };
}

let server: TestServer;
let browser: Browser;
let gateway: { gw: SipGateway; port: number };
let phone: BaresipPhone;
let audioDir = '';
const contexts: BrowserContext[] = [];
/** Prompts the gateway started playing to the phone in the meeting, in order. */
const prompts: string[] = [];

beforeAll(async () => {
  buildWebIfStale();
  audioDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-e2e-telephone-'));
  writeToneWav(path.join(audioDir, 'browser-1000.wav'), 1000);
  // RTP ports of this file: Janus 46000-46199, the gateway 41700-41799.
  [server, browser, phone] = await Promise.all([
    startTestServer({
      web: true,
      env: { MEDIA: 'janus', JANUS_ICE_INTERFACE: 'lo', JANUS_RTP_PORTS: '46000-46199', TELEPHONE_SERVICE_TOKEN: TOKEN, TELEPHONE_DIAL_IN_NUMBER: '+49 361 555 0100' },
    }),
    launchChromium([`--use-file-for-fake-audio-capture=${path.join(audioDir, 'browser-1000.wav')}`]),
    startBaresip({ user: CALLER, toneHz: 440 }),
  ]);
  gateway = await startTestGateway({ SIP_RTP_PORTS: '41700-41799' }, new HttpPlenumLink(server.url, TOKEN, silentLogger), roomBridgeHooks(silentLogger));
  gateway.gw.onCallEvent((_id, e) => {
    if (e.type === 'prompt') prompts.push(e.prompt);
  });
}, 180_000);

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => {})));
  await phone?.stop();
  await gateway?.gw.stop();
  await browser?.close();
  await server?.close();
  if (audioDir) fs.rmSync(audioDir, { recursive: true, force: true });
});

const level = (page: Page, freq: number) => page.evaluate((f) => (window as unknown as { __audioProbe: { level(f: number): number } }).__audioProbe.level(f), freq);

/** Level at `freq` above its neighbourhood (a tone, not broadband sound), sampled until `accept` or timeout. */
async function toneUntil(page: Page, freq: number, accept: (db: { at: number; prominence: number }) => boolean, timeoutMs = 20_000): Promise<{ at: number; prominence: number }> {
  const deadline = Date.now() + timeoutMs;
  let last = { at: -Infinity, prominence: -Infinity };
  while (Date.now() < deadline) {
    const [at, below, above] = await Promise.all([level(page, freq), level(page, freq * 0.7), level(page, freq * 1.35)]);
    last = { at, prominence: at - Math.max(below, above) };
    if (accept(last)) return last;
    await page.waitForTimeout(250);
  }
  throw new Error(`tone ${freq} Hz: last ${JSON.stringify(last)}`);
}

describe('telephone dial-in', () => {
  it('a phone joins by meeting ID and PIN, is heard and hears the room, raises its hand and is muted by the chair', async () => {
    const owner = await server.loginAs('user', 'Clara Chair');
    const room = await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Stadtrat' }, owner);
    const dialIn = await server.api<{ dial_in_id: string; pin: string; dial_in_number: string }>('GET', `/v1/rooms/${room.id}/telephone`, undefined, owner);
    expect(dialIn.dial_in_number).toBe('+49 361 555 0100');

    // The chair in the real web app.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    contexts.push(context);
    await context.addCookies([{ name: 'plenum_session', value: owner.token, url: server.url }]);
    await context.addInitScript(installAudioProbe);
    const chair = await context.newPage();
    chair.setDefaultTimeout(20_000);
    await chair.goto(`${server.url}/rooms/${room.id}`);
    await chair.getByRole('button', { name: 'Join now' }).click();
    await chair.getByRole('figure', { name: 'Clara Chair (you)', exact: true }).waitFor();
    // A second browser participant whose microphone plays 1000 Hz unprocessed: what the phone should hear.
    const bernd = await MediaPage.open(browser, server.url);
    const berndUser = await server.loginAs('user', 'Bernd');
    const started = await server.api<{ ticket: string }>('POST', `/v1/rooms/${room.id}/start`, {}, berndUser);
    await bernd.join(`${server.url.replace(/^http/, 'ws')}/signaling`, started.ticket);
    await bernd.start();

    // The phone dials in: meeting ID and PIN by RFC 4733, each followed by #.
    const from = phone.ctrl.events.length;
    phone.ctrl.send('dial', `sip:plenum@127.0.0.1:${gateway.port}`);
    await phone.ctrl.waitEvent('CALL_ESTABLISHED', from);
    await press(gateway.gw, phone.ctrl, `${dialIn.dial_in_id}#`);
    await press(gateway.gw, phone.ctrl, `${dialIn.pin}#`);

    // The chair sees the caller under the masked number and hears the phone's 440 Hz.
    const callerTile = chair.getByRole('figure', { name: /^\+49 361 ••• 34/ });
    await callerTile.waitFor();
    const heard = await toneUntil(chair, 440, (t) => t.at > -75 && t.prominence > 15);
    console.log(`chair hears the phone: 440 Hz at ${heard.at.toFixed(1)} dB, ${heard.prominence.toFixed(1)} dB above its neighbours`);

    // *9 raises the caller's hand: the chair sees it in the list of raised hands.
    await chair.getByRole('group', { name: 'Meeting controls' }).getByRole('button', { name: 'Participants', exact: true }).click();
    const panel = chair.getByRole('complementary', { name: /Participants/ });
    await press(gateway.gw, phone.ctrl, '*9');
    await panel.getByRole('button', { name: /^Lower hand of \+49 361 ••• 34/ }).waitFor();
    await shoot(chair, 'telephone-caller-hand');

    // The chair mutes the caller: the 440 Hz is gone from what the chair receives.
    await panel.getByRole('button', { name: /^Moderate \+49 361 ••• 34/ }).click();
    await panel.getByRole('group', { name: /^Moderation for \+49 361 ••• 34/ }).getByRole('button', { name: 'Mute', exact: true }).click();
    const muted = await toneUntil(chair, 440, (t) => t.at < heard.at - 30 || t.prominence < 3);
    console.log(`after the mute: 440 Hz at ${muted.at.toFixed(1)} dB (${muted.prominence.toFixed(1)} dB above its neighbours)`);

    // The phone is told (the prompts of the hand and the mute queue behind each other; remote audio waits
    // meanwhile). Once "you are muted" has started, let it end and the phone hear the room, then hang up.
    await expect.poll(() => prompts.includes('muted'), { timeout: 20_000 }).toBe(true);
    await chair.waitForTimeout(6_000);
    const before = phone.ctrl.events.length;
    phone.ctrl.send('hangup');
    await phone.ctrl.waitEvent('CALL_CLOSED', before);
    // The gateway's hang-up reaches the room: the caller's tile goes.
    await callerTile.waitFor({ state: 'detached' });
    const dump = (await phone.heard()).at(-1);
    expect(dump).toBeDefined();
    const { rate, samples } = await readWav(dump!);
    // Somewhere in the last 4 s, a half-second window where the browser's 1000 Hz dominates and the phone's own 440 Hz is far below.
    const win = Math.round(rate / 2);
    let best = { p1000: 0, p440: 0 };
    for (let end = samples.length; end - win >= Math.max(0, samples.length - 4 * rate); end -= Math.round(win / 2)) {
      const w = samples.subarray(end - win, end);
      const p1000 = powerAt(w, rate, 1000);
      if (p1000 > best.p1000) best = { p1000, p440: powerAt(w, rate, 440) };
    }
    const ratioDb = 10 * Math.log10(best.p1000 / Math.max(best.p440, 1e-12));
    console.log(`the phone heard 1000 Hz ${ratioDb.toFixed(1)} dB above its own 440 Hz`);
    expect(ratioDb).toBeGreaterThan(20);
    await bernd.close();
  }, 150_000);
});
