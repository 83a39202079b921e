/**
 * Phone callers and browsers hear each other through the real embedded Janus: a Chromium participant whose fake
 * microphone plays 1000 Hz, and a test caller (kind `sip`, a Node UDP socket in place of the SIP gateway) that
 * sends 440 Hz as PCMU. Both directions are checked by the spectrum of what arrives, and the moderator's mute
 * of the caller silences them for the browser.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebIfStale } from '../../testing/browsers.ts';
import { startTestServer, type TestServer } from '../../testing/server.ts';
import { eventually, launchChromium, MediaPage } from './testing/browser-client.ts';
import { dominant, powerAt, TestCaller } from './testing/phone-caller.ts';
import { meeting } from './testing/rooms.ts';
import { writeToneWav } from '../../testing/wav.ts';

/**
 * In the page, next to the minimal media client: receives the phone mix whenever the server announces it
 * (`phone_mix` → `subscribe_phone_mix` → `phone_mix_offer` → `phone_mix_answer`), plays it and reads its spectrum.
 */
const PHONE_SOURCE = String.raw`
(() => {
  const media = window.media;
  const phone = { pc: null, offers: 0, analyser: null, ctx: null, errors: [] };
  const original = media.onMessage.bind(media);
  media.onMessage = (m) => {
    original(m);
    if (m.namespace !== 'media') return;
    const p = m.payload;
    if (p.message === 'phone_mix' && p.available) media.send('media', { action: 'subscribe_phone_mix' });
    if (p.message === 'phone_mix' && !p.available) { phone.pc?.close(); phone.pc = null; phone.analyser = null; }
    if (p.message === 'phone_mix_offer') media.run(() => phone.answer(p.sdp));
  };
  phone.answer = async (sdp) => {
    phone.pc?.close();
    const pc = new RTCPeerConnection();
    phone.pc = pc;
    pc.ontrack = (ev) => {
      const stream = new MediaStream([ev.track]);
      // Chromium feeds remote WebRTC audio to WebAudio only while a media element plays it.
      const el = new Audio();
      el.srcObject = stream;
      el.play().catch((e) => phone.errors.push('playout: ' + e));
      const ctx = phone.ctx || new AudioContext();
      phone.ctx = ctx;
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 8192;
      analyser.smoothingTimeConstant = 0;
      ctx.createMediaStreamSource(stream).connect(analyser);
      phone.analyser = analyser;
    };
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await media.gathered(pc);
    phone.offers++;
    media.send('media', { action: 'phone_mix_answer', sdp: pc.localDescription.sdp });
  };
  /** dB levels: the strongest frequency between 100 and 4000 Hz, and the levels around 440 and 1000 Hz. */
  phone.spectrum = () => {
    const an = phone.analyser;
    if (!an) return null;
    const data = new Float32Array(an.frequencyBinCount);
    an.getFloatFrequencyData(data);
    const hz = phone.ctx.sampleRate / an.fftSize;
    const level = (f) => { let m = -1000; for (let i = Math.floor((f - 15) / hz); i <= Math.ceil((f + 15) / hz); i++) m = Math.max(m, data[i]); return m; };
    let peak = 0, peakDb = -1000;
    for (let i = Math.floor(100 / hz); i < Math.floor(4000 / hz); i++) if (data[i] > peakDb) { peakDb = data[i]; peak = i * hz; }
    return { peak: Math.round(peak), peakDb, at440: level(440), at1000: level(1000) };
  };
  window.phone = phone;
})();
`;

interface Spectrum {
  peak: number;
  peakDb: number;
  at440: number;
  at1000: number;
}

const spectrum = (p: MediaPage) => p.page.evaluate(() => (globalThis as unknown as { phone: { spectrum(): Spectrum | null } }).phone.spectrum());

// RTP ports of this file: 45600-45799.
let server: TestServer;
let browser: Browser;
let audioDir = '';

beforeAll(async () => {
  audioDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-phone-'));
  writeToneWav(path.join(audioDir, 'tone-1000.wav'), 1000);
  buildWebIfStale();
  [server, browser] = await Promise.all([
    startTestServer({ web: true, env: { MEDIA: 'janus', JANUS_ICE_INTERFACE: 'lo', JANUS_RTP_PORTS: '45600-45799' } }),
    launchChromium([`--use-file-for-fake-audio-capture=${path.join(audioDir, 'tone-1000.wav')}`]),
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (audioDir) fs.rmSync(audioDir, { recursive: true, force: true });
});

describe('phone callers through Janus', () => {
  it('a caller hears the browser (not itself), the browser hears the caller, and the moderator’s mute silences the caller', async () => {
    const m = await meeting(server);
    const chair = await MediaPage.open(browser, server.url);
    await chair.page.evaluate(PHONE_SOURCE);
    let caller: TestCaller | undefined;
    let late: MediaPage | undefined;
    try {
      await chair.join(m.wsUrl, await m.ticket('Chair'));
      await chair.start();

      const ticket = server.services.tickets.issue({ roomId: m.roomId, kind: 'sip', displayName: '+49 30 1234', isRoomOwner: false }, `sip:${crypto.randomUUID()}`).ticket;
      caller = await TestCaller.connect(m.wsUrl, ticket);
      const janusRtp = await caller.attach();
      expect(janusRtp.ip).toBe('127.0.0.1');
      expect(janusRtp.payloadType).toBe(0);
      caller.startTone(440, janusRtp);

      // The browser: told that a phone mix exists, receives it, hears ≈440 Hz — and not its own 1000 Hz.
      await eventually('phone_mix at the browser', () => chair.mediaMessages('phone_mix'), (ms) => ms.some((x) => x.available === true));
      const heard = await eventually(
        '440 Hz in the phone mix',
        () => spectrum(chair),
        (s) => !!s && Math.abs(s.peak - 440) <= 20 && s.peakDb > -70,
        30_000,
      );
      expect(heard!.at1000).toBeLessThan(heard!.at440 - 30);

      // The caller: hears the browser's 1000 Hz; its own 440 Hz is not in what it gets back.
      const fromJanus = await eventually(
        'the browser’s tone at the caller',
        async () => {
          const block = caller!.lastSamples(4000);
          return block.length < 4000 ? null : { ...dominant(block, 8000), at440: powerAt(block, 8000, 440), at1000: powerAt(block, 8000, 1000) };
        },
        (d) => !!d && Math.abs(d.freq - 1000) <= 10 && d.power > 1000,
        30_000,
      );
      expect(fromJanus!.at440).toBeLessThan(fromJanus!.at1000 / 100);

      // The caller's talking (as the gateway detects it) reaches the browser like a browser's does.
      caller.send('media', { action: 'phone_talking', talking: true });
      await eventually('the caller talking', () => chair.mediaMessages('talking'), (ts) => ts.some((t) => t.participant_id === caller!.id && t.talking === true));

      // The chair mutes the caller: the caller is told, everyone sees it, and the browser hears (near) silence.
      await chair.send('moderation', { action: 'mute', targets: [caller.id] });
      await caller.waitFor((e) => e.namespace === 'media' && e.payload.message === 'force_muted');
      await eventually(
        'the caller muted in the phone mix',
        () => spectrum(chair),
        (s) => !!s && s.at440 < heard!.at440 - 40,
        20_000,
      );

      // Publications come and go while the caller stays: the chair stops publishing, the caller hears it go;
      // a browser that publishes later is heard by the caller.
      const toneAtCaller = () => {
        const block = caller!.lastSamples(4000);
        return Promise.resolve(block.length < 4000 ? 0 : powerAt(block, 8000, 1000));
      };
      await chair.send('media', { action: 'unpublish', source: 'camera' });
      await eventually('the chair’s tone gone at the caller', toneAtCaller, (p) => p < fromJanus!.at1000 / 1000);
      late = await MediaPage.open(browser, server.url);
      await late.join(m.wsUrl, await m.ticket('Bernd'));
      await late.start();
      // Present well above the "gone" level below. Not compared with the first tone: since Debian's Chromium
      // 156.0.8078.114 the late page's steady fake tone arrives about 20 dB weaker (its capture processing), seen
      // in every run on this machine at an earlier commit too.
      await eventually('the late publisher’s tone at the caller', toneAtCaller, (p) => p > (fromJanus!.at1000 / 1000) * 30, 30_000);
      // The moderator mutes that browser: the caller no longer hears it either.
      await chair.send('moderation', { action: 'mute', targets: [late.id] });
      await eventually('the muted browser gone at the caller', toneAtCaller, (p) => p < fromJanus!.at1000 / 1000);

      // The last caller leaves: the mix is gone for everyone.
      caller.close();
      for (const p of [chair, late]) {
        await eventually('phone_mix gone', () => p.mediaMessages('phone_mix'), (ms) => ms.at(-1)?.available === false);
      }
      expect(await chair.errors()).toEqual([]);
      expect(await late.errors()).toEqual([]);
    } finally {
      caller?.close();
      await chair.close();
      await late?.close();
    }
  }, 60_000);

  it('the web client receives the callers’ mix and plays it, and drops it when the last caller leaves', async () => {
    const owner = await server.loginAs('user', 'Clara Chair');
    const room = await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Council' }, owner);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    let caller: TestCaller | undefined;
    try {
      await context.addCookies([{ name: 'plenum_session', value: owner.token, url: server.url }]);
      await context.addInitScript(() => {
        (window as unknown as { __plenumTestHooks: object }).__plenumTestHooks = {};
      });
      const page = await context.newPage();
      await page.goto(`${server.url}/rooms/${room.id}`);
      await page.getByRole('button', { name: 'Join now' }).click();
      await page.getByRole('figure', { name: 'Clara Chair (you)', exact: true }).waitFor();

      const ticket = server.services.tickets.issue({ roomId: room.id, kind: 'sip', displayName: '+49 30 5678', isRoomOwner: false }, `sip:${crypto.randomUUID()}`).ticket;
      caller = await TestCaller.connect(`${server.url.replace(/^http/, 'ws')}/signaling`, ticket);
      caller.startTone(440, await caller.attach());

      // The app's phone mix connection: audio arrives and is played out (totalAudioEnergy counts played audio only).
      await eventually('the phone mix played in the app', () => phoneMixEnergy(page), (e) => e > 0.01, 30_000);
      caller.close();
      await eventually('the phone mix connection closed', () => phoneMixEnergy(page), (e) => e === -1);
    } finally {
      caller?.close();
      await context.close();
    }
  }, 40_000);
});

type Hooks = { meeting?: { connections(): { phoneMix: RTCPeerConnection | null } } };

/** Audio energy received on the web app's phone mix connection; -1 without one. */
function phoneMixEnergy(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const pc = (window as unknown as { __plenumTestHooks: Hooks }).__plenumTestHooks.meeting?.connections().phoneMix;
    if (!pc) return -1;
    let energy = 0;
    (await pc.getStats()).forEach((r: Record<string, unknown>) => {
      if (r.type === 'inbound-rtp' && r.kind === 'audio') energy += Number(r.totalAudioEnergy ?? 0);
    });
    return energy;
  });
}
