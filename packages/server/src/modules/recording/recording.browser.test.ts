/**
 * Acceptance of the recording slice (issue #13) with the real embedded Janus, real Chromium and the real
 * GStreamer recorder: three participants, each with a camera of its own colour (with a moving bar, so the
 * picture is never still) and a microphone of its own tone. One declines consent. After ~20 s the MP4 must be
 * H.264 + AAC of 20 ± 2 s, neither black nor frozen, with the colours and tones of the two who consented and
 * neither the colour nor the tone of the one who declined. One of the two withdraws at 12 s: neither their colour
 * nor their tone is in the rest of the file.
 *
 * Chromium's `--use-file-for-fake-video-capture` / `--use-file-for-fake-audio-capture` are per browser process,
 * so three distinct cameras would take three Chromium processes (too much for this 2-core machine beside Janus
 * and x264). Instead the participants share one Chromium (a context each) and publish a canvas stream and an
 * oscillator generated in their page — the same role as the fake files, with distinct content per context.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../testing/server.ts';
import { eventually, launchChromium, MediaPage, type ReceivedEnvelope } from '../media/testing/browser-client.ts';
import { meeting } from '../media/testing/rooms.ts';
import { RecordingRepository } from './storage.ts';

const run = promisify(execFile);

interface Person {
  name: string;
  rgb: [number, number, number];
  tone: number;
  consents: boolean;
}

const PEOPLE: Person[] = [
  { name: 'Chair', rgb: [220, 30, 30], tone: 500, consents: true },
  { name: 'Anna', rgb: [30, 200, 30], tone: 1200, consents: true },
  { name: 'Bert', rgb: [30, 30, 220], tone: 2600, consents: false },
];

/** In the page: a 320×240 canvas of one colour with a white bar moving across, and a sine tone; published without simulcast. */
const SOURCE = String.raw`
window.publishGenerated = async (rgb, tone) => {
  const media = window.media;
  const canvas = document.createElement('canvas');
  canvas.width = 320; canvas.height = 240;
  document.body.appendChild(canvas);
  const g = canvas.getContext('2d');
  let x = 0;
  setInterval(() => {
    g.fillStyle = 'rgb(' + rgb.join(',') + ')';
    g.fillRect(0, 0, 320, 240);
    g.fillStyle = '#fff';
    g.fillRect(x, 100, 24, 40);
    x = (x + 6) % 300;
  }, 40);
  const video = canvas.captureStream(25).getVideoTracks()[0];
  const ctx = new AudioContext();
  const osc = ctx.createOscillator();
  osc.frequency.value = tone;
  const gain = ctx.createGain();
  gain.gain.value = 0.3;
  const dest = ctx.createMediaStreamDestination();
  osc.connect(gain).connect(dest);
  osc.start();
  const audio = dest.stream.getAudioTracks()[0];
  const stream = new MediaStream([audio, video]);
  const pc = new RTCPeerConnection();
  media.pub = pc;
  pc.addTransceiver(audio, { direction: 'sendonly', streams: [stream] });
  pc.addTransceiver(video, { direction: 'sendonly', streams: [stream] });
  await pc.setLocalDescription(await pc.createOffer());
  await media.gathered(pc);
  const before = media.received.length;
  media.send('media', { action: 'publish', source: 'camera', sdp: pc.localDescription.sdp });
  const answer = await media.waitFor((m, i) => i >= before && m.namespace === 'media' && (m.payload.message === 'publish_answer' || m.payload.message === 'error'));
  if (answer.payload.message === 'error') throw new Error('publish refused: ' + answer.payload.error);
  await pc.setRemoteDescription({ type: 'answer', sdp: answer.payload.sdp });
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('publisher not connected')), 15000);
    const check = () => { if (pc.connectionState === 'connected') { clearTimeout(t); resolve(); } };
    pc.addEventListener('connectionstatechange', check);
    check();
  });
};
`;

const received = (p: MediaPage) => p.page.evaluate(() => (globalThis as unknown as { media: { received: ReceivedEnvelope[] } }).media.received);
const recordingMessages = async (p: MediaPage, message: string) => (await received(p)).filter((m) => m.namespace === 'recording' && m.payload.message === message).map((m) => m.payload);

/** Frames at 2 fps, 160×90 RGB. */
async function frames(file: string): Promise<Buffer[]> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', file, '-vf', 'fps=2,scale=160:90', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { encoding: 'buffer', maxBuffer: 64 << 20 });
  const size = 160 * 90 * 3;
  return Array.from({ length: Math.floor(stdout.length / size) }, (_, i) => stdout.subarray(i * size, (i + 1) * size));
}

/** Share of a frame's pixels within 60 of the colour in every channel. */
function share(frame: Buffer, rgb: [number, number, number]): number {
  let hits = 0;
  for (let i = 0; i < frame.length; i += 3) {
    if (Math.abs(frame[i]! - rgb[0]) < 60 && Math.abs(frame[i + 1]! - rgb[1]) < 60 && Math.abs(frame[i + 2]! - rgb[2]) < 60) hits++;
  }
  return hits / (frame.length / 3);
}

const meanLuma = (f: Buffer) => {
  let sum = 0;
  for (let i = 0; i < f.length; i += 3) sum += 0.299 * f[i]! + 0.587 * f[i + 1]! + 0.114 * f[i + 2]!;
  return sum / (f.length / 3);
};
const meanAbsDiff = (a: Buffer, b: Buffer) => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
};

/** The audio as mono 16 kHz samples. */
async function samples(file: string): Promise<Float32Array> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', file, '-ac', '1', '-ar', '16000', '-f', 's16le', '-'], { encoding: 'buffer', maxBuffer: 64 << 20 });
  const out = new Float32Array(stdout.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = stdout.readInt16LE(i * 2) / 32768;
  return out;
}

/** Power at `freq` (Goertzel over the window), in dB relative to full scale. */
function powerDb(x: Float32Array, freq: number, rate = 16000): number {
  const k = (2 * Math.PI * freq) / rate;
  const c = 2 * Math.cos(k);
  let s1 = 0;
  let s2 = 0;
  for (const v of x) {
    const s0 = v + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const p = s1 * s1 + s2 * s2 - c * s1 * s2;
  return 10 * Math.log10(p / ((x.length * x.length) / 4) + 1e-20);
}

// RTP ports of this file: 46200-46399.
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([
    startTestServer({ env: { MEDIA: 'janus', JANUS_ICE_INTERFACE: 'lo', JANUS_RTP_PORTS: '46200-46399' } }),
    launchChromium(),
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('recording through Janus and GStreamer', () => {
  it('records those who consented for 20 s — H.264 + AAC, moving picture — neither the colour nor the tone of the one who declined, and nothing of one who withdrew from then on', async () => {
    const m = await meeting(server);
    const pages = await Promise.all(PEOPLE.map(() => MediaPage.open(browser, server.url)));
    try {
      for (const [i, p] of pages.entries()) {
        await p.join(m.wsUrl, await m.ticket(PEOPLE[i]!.name));
        await p.page.evaluate(SOURCE);
      }
      await Promise.all(pages.map((p, i) => p.page.evaluate(([rgb, tone]) => (globalThis as unknown as { publishGenerated(rgb: number[], tone: number): Promise<void> }).publishGenerated(rgb, tone), [PEOPLE[i]!.rgb, PEOPLE[i]!.tone] as const)));

      const [chair] = pages;
      await chair!.send('recording', { action: 'start' });
      for (const p of pages) await eventually('consent prompt', () => recordingMessages(p, 'consent_request'), (ms) => ms.length === 1);
      const started = Date.now();
      const [state] = await recordingMessages(chair!, 'recording_state');
      expect(state).toMatchObject({ active: true, paused: false });
      for (const [i, p] of pages.entries()) await p.send('recording', { action: 'consent', given: PEOPLE[i]!.consents });
      for (const p of pages) await eventually('consent state', () => recordingMessages(p, 'consent_state'), (ms) => ms.length === 1);

      // At 12 s Anna withdraws: from then on she is not forwarded; at ~20 s (the duration the file must show) a clean stop.
      await new Promise((r) => setTimeout(r, 12_000 - (Date.now() - started)));
      await pages[1]!.send('recording', { action: 'consent', given: false });
      await new Promise((r) => setTimeout(r, 20_000 - (Date.now() - started)));
      await chair!.send('recording', { action: 'stop' });
      for (const p of pages) await eventually('indicator off', () => recordingMessages(p, 'recording_state'), (ms) => ms.at(-1)?.active === false);

      const repo = new RecordingRepository(server.services.storage.db);
      const [row] = await eventually('the stored recording', () => repo.forRoom(m.roomId), (rows) => rows.length === 1 && rows[0]!.status !== 'recording', 30_000);
      expect(row!.status).toBe('complete');
      expect(row!.participants.map((p) => p.display_name).sort()).toEqual(['Anna', 'Chair']);
      expect(row!.sha256).toMatch(/^[0-9a-f]{64}$/);

      const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name:format=duration', '-of', 'json', row!.file_path]);
      const probe = JSON.parse(stdout) as { streams: { codec_type: string; codec_name: string }[]; format: { duration: string } };
      expect(Object.fromEntries(probe.streams.map((s) => [s.codec_type, s.codec_name]))).toEqual({ video: 'h264', audio: 'aac' });
      expect(Math.abs(Number(probe.format.duration) - 20)).toBeLessThanOrEqual(2);

      // Picture (2 frames a second): from 5 s on (forwards and first keyframes have arrived) the consenting colours are
      // there — Anna's until she withdrew, none of hers from 14.5 s on — and the declined one never.
      const all = await frames(row!.file_path);
      const later = all.slice(10, -2);
      expect(later.length).toBeGreaterThan(20);
      const [red, green] = PEOPLE.map((p) => later.map((f) => share(f, p.rgb)));
      expect(Math.min(...red!), `red ${red}`).toBeGreaterThan(0.1);
      const greenBefore = all.slice(10, 21).map((f) => share(f, PEOPLE[1]!.rgb));
      const greenAfter = all.slice(29, -1).map((f) => share(f, PEOPLE[1]!.rgb));
      expect(Math.min(...greenBefore), `green before the withdrawal ${greenBefore}`).toBeGreaterThan(0.1);
      expect(Math.max(...greenAfter), `green after the withdrawal ${greenAfter} (all: ${green})`).toBeLessThan(0.005);
      expect(Math.max(...all.map((f) => share(f, PEOPLE[2]!.rgb))), 'the decliner\u2019s colour').toBeLessThan(0.005);
      // Neither black nor frozen: bright enough, and every second frame differs from the one before (the moving bars).
      for (const f of later) expect(meanLuma(f)).toBeGreaterThan(8); // black is 0; one red tile of four gives about 13
      const diffs = later.slice(1).map((f, i) => meanAbsDiff(f, later[i]!));
      expect(Math.min(...diffs), `frame differences ${diffs.map((d) => d.toFixed(2))}`).toBeGreaterThan(0.05);

      // Sound: the tones of those who consented stand out (Anna's until she withdrew); the decliner's is at the noise floor.
      const audio = await samples(row!.file_path);
      const floorOf = (w: Float32Array) => Math.max(powerDb(w, 3300), powerDb(w, 1900), powerDb(w, 800));
      const before = audio.subarray(5 * 16000, Math.round(10.5 * 16000));
      const after = audio.subarray(15 * 16000, 19 * 16000);
      const [p500, p1200, p2600] = PEOPLE.map((p) => powerDb(before, p.tone));
      const floor = floorOf(before);
      expect(p500! - floor, `500 Hz ${p500} floor ${floor}`).toBeGreaterThan(30);
      expect(p1200! - floor, `1200 Hz ${p1200} floor ${floor}`).toBeGreaterThan(30);
      expect(p2600! - floor, `2600 Hz ${p2600} floor ${floor}`).toBeLessThan(10);
      const afterFloor = floorOf(after);
      expect(powerDb(after, 500) - afterFloor, 'the chair after Anna withdrew').toBeGreaterThan(30);
      expect(powerDb(after, 1200) - afterFloor, 'Anna after she withdrew').toBeLessThan(10);
      expect(powerDb(after, 2600) - afterFloor, 'the decliner').toBeLessThan(10);
    } finally {
      await Promise.all(pages.map((p) => p.close()));
    }
  }, 180_000);
});
