/**
 * Losing the media server during a meeting: the embedded Janus is killed (SIGKILL); the server restarts it,
 * tells every client to `reconnect`, and the clients' fresh publications and subscriptions decode again.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JanusMediaService } from '../../media/index.ts';
import { startTestServer, type TestServer } from '../../testing/server.ts';
import { eventually, expectReceiving, launchChromium, MediaPage } from './testing/browser-client.ts';
import { meeting } from './testing/rooms.ts';

// RTP ports of this file: 43200-43399.
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([
    startTestServer({ env: { MEDIA: 'janus', JANUS_ICE_INTERFACE: 'lo', JANUS_RTP_PORTS: '43200-43399' } }),
    launchChromium(),
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it('after Janus is killed, clients are told to reconnect and receive again', async () => {
  const m = await meeting(server);
  const [a, b] = await Promise.all([MediaPage.open(browser, server.url), MediaPage.open(browser, server.url)]);
  try {
    await a.join(m.wsUrl, await m.ticket('Anna'));
    await b.join(m.wsUrl, await m.ticket('Bernd'));
    await Promise.all([a.start(), b.start()]);
    await Promise.all([expectReceiving(a, [b]), expectReceiving(b, [a])]);

    const offersBefore = await Promise.all([a, b].map(async (p) => (await p.mediaMessages('subscribe_offer')).length));
    const media = server.services.media as JanusMediaService;
    const pid = media.embeddedPid()!;
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');

    for (const p of [a, b]) await eventually('reconnect', () => p.mediaMessages('reconnect'), (r) => r.length === 1, 30_000);
    expect(media.embeddedPid()).not.toBe(pid);
    // The publications of the lost room are gone for everyone…
    for (const p of [a, b]) {
      const states = await p.mediaMessages('media_state');
      expect(states.some((s) => (s.state as { publishing: string[] }).publishing.length === 0)).toBe(true);
    }
    // …and the clients' new ones (offers of the fresh room) (the test client republishes on `reconnect`) decode again.
    await Promise.all(
      [a, b].map((p, i) => eventually('a fresh subscription', () => p.mediaMessages('subscribe_offer'), (o) => o.length > offersBefore[i]!, 30_000)),
    );
    await Promise.all([expectReceiving(a, [b], 30_000), expectReceiving(b, [a], 30_000)]);
    expect(await a.errors()).toEqual([]);
    expect(await b.errors()).toEqual([]);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}, 90_000);
