/**
 * The media module with the real embedded Janus and real Chromium (fake camera and microphone): participants
 * publish and subscribe through signaling, and the test asserts on decoded frames and audio energy.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../testing/server.ts';
import { eventually, expectReceiving, launchChromium, MediaPage } from './testing/browser-client.ts';
import { meeting } from './testing/rooms.ts';

// RTP ports of this file: 43000-43199.
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([
    startTestServer({ env: { MEDIA: 'janus', JANUS_ICE_INTERFACE: 'lo', JANUS_RTP_PORTS: '43000-43199' } }),
    launchChromium(),
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('media through Janus in Chromium', () => {
  it('two, then three participants see and hear each other; state, layers and leaving reach the others', async () => {
    const m = await meeting(server);
    const [a, b, c] = await Promise.all([MediaPage.open(browser, server.url), MediaPage.open(browser, server.url), MediaPage.open(browser, server.url)]);
    try {
      await a.join(m.wsUrl, await m.ticket('Anna'));
      await b.join(m.wsUrl, await m.ticket('Bernd'));
      await Promise.all([a.start(), b.start()]);
      await Promise.all([expectReceiving(a, [b]), expectReceiving(b, [a])]);

      // A third one: everyone renegotiates and receives both others.
      await c.join(m.wsUrl, await m.ticket('Carla'));
      await c.useTone();
      await c.start();
      await Promise.all([expectReceiving(a, [b, c]), expectReceiving(b, [a, c]), expectReceiving(c, [a, b])]);
      // Never one's own streams.
      for (const p of [a, b, c]) expect((await p.streams()).map((s) => s.participant_id)).not.toContain(p.id);

      // Active speaker from Janus's audio levels: c speaks steadily, the fake microphones only beep.
      for (const p of [a, b, c]) {
        await eventually('c talking', () => p.mediaMessages('talking'), (ts) => ts.some((t) => t.talking === true && t.participant_id === c.id));
      }

      // Microphone off: the others are told.
      await a.send('media', { action: 'update_state', audio: false, video: true });
      for (const p of [b, c]) {
        await eventually(
          'media_state of a',
          () => p.mediaMessages('media_state'),
          (ms) => ms.some((x) => (x.state as { participant_id: string; audio: boolean }).participant_id === a.id && !(x.state as { audio: boolean }).audio),
        );
      }

      // Tile size picks the simulcast layer: large → the full 720p layer, small → the quarter layer.
      await b.send('media', { action: 'tile_size', participant_id: a.id, source: 'camera', width: 1280, height: 720 });
      await eventually('the high layer of a at b', () => b.inbound(), (s) => (s[a.id]?.frameHeight ?? 0) >= 540, 30_000);
      await b.send('media', { action: 'tile_size', participant_id: a.id, source: 'camera', width: 160, height: 90 });
      await eventually('the low layer of a at b', () => b.inbound(), (s) => (s[a.id]?.frameHeight ?? 1000) > 0 && s[a.id]!.frameHeight <= 180);
      // A tile for a stream one does not receive (one's own) is refused.
      await b.send('media', { action: 'tile_size', participant_id: b.id, source: 'camera', width: 10, height: 10 });
      await eventually('media_not_found', () => b.mediaMessages('error'), (es) => es.some((e) => e.error === 'media_not_found' && e.action === 'tile_size'));

      // C leaves: a and b get a new offer without c, and c's transceivers go inactive.
      const cMids = (await a.streams()).filter((s) => s.participant_id === c.id).map((s) => s.mid);
      expect(cMids.length).toBe(2);
      await c.leave();
      for (const p of [a, b]) {
        await eventually('an offer without c', () => p.streams(), (ss) => ss.length === 2 && ss.every((s) => s.participant_id !== c.id));
      }
      await eventually('c inactive at a', () => a.directions(), (d) => cMids.every((mid) => d[mid] === 'inactive'));
      await Promise.all([expectReceiving(a, [b]), expectReceiving(b, [a])]);
      expect(await a.errors()).toEqual([]);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  }, 90_000);
});
