/**
 * TURN in the real web client (Chromium, fake camera) against a real Plenum with the embedded Janus and the
 * embedded coturn: the browser's connections carry this participant's short-lived credentials from
 * join_success, and they work — the relay hands out a relayed candidate for them.
 *
 * Not here yet: the participant in a network namespace with UDP dropped (relay over TCP selected) and the
 * pre-join connection check.
 */
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebIfStale, launchChromium } from '../packages/server/src/testing/browsers.ts';
import { startTestServer, type TestServer } from '../packages/server/src/testing/server.ts';
import { freeLoopbackPort } from '../packages/server/src/free-port.ts';


let server: TestServer;
let browser: Browser;
let turnPort = 0;

beforeAll(async () => {
  buildWebIfStale();
  turnPort = await freeLoopbackPort();
  // RTP ports of this file: 43400-43599; relay ports 43600-43799.
  server = await startTestServer({
    web: true,
    env: {
      MEDIA: 'janus',
      JANUS_ICE_INTERFACE: 'lo',
      JANUS_RTP_PORTS: '43400-43599',
      TURN_EMBEDDED: 'true',
      TURN_LISTEN_IP: '127.0.0.1',
      TURN_PORT: String(turnPort),
      TURN_RELAY_PORTS: '43600-43799',
    },
  });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

interface TurnView {
  participantId: string;
  iceServers: RTCIceServer[];
  relayCandidates: number;
}

async function turnView(page: Page): Promise<TurnView> {
  return page.evaluate(async () => {
    type Hooks = { meeting?: { participantId(): string | null; connections(): { camera: RTCPeerConnection | null } } };
    const hooks = (window as unknown as { __plenumTestHooks: Hooks }).__plenumTestHooks;
    const camera = hooks.meeting?.connections().camera ?? null;
    let relayCandidates = 0;
    if (camera) (await camera.getStats()).forEach((r: Record<string, unknown>) => {
      if (r.type === 'local-candidate' && r.candidateType === 'relay') relayCandidates++;
    });
    return { participantId: hooks.meeting?.participantId() ?? '', iceServers: camera?.getConfiguration().iceServers ?? [], relayCandidates };
  });
}

describe('TURN in the web client', () => {
  it('uses the participant’s own TURN credentials for its connections, and the relay accepts them', async () => {
    const owner = await server.loginAs('user', 'Tara Turn');
    const res = await fetch(`${server.url}/v1/rooms`, {
      method: 'POST',
      headers: { cookie: owner.cookie, 'x-csrf-token': owner.csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Relay room' }),
    });
    const room = (await res.json()) as { id: string };
    const context = await browser.newContext({ locale: 'en-US' });
    try {
      await context.addCookies([{ name: 'plenum_session', value: owner.token, url: server.url }]);
      await context.addInitScript(() => {
        (window as unknown as { __plenumTestHooks: object }).__plenumTestHooks = {};
      });
      const page = await context.newPage();
      await page.goto(`${server.url}/rooms/${room.id}`);
      await page.getByRole('heading', { level: 1, name: 'Relay room' }).waitFor();
      await page.getByRole('button', { name: 'Join now' }).click();
      await page.getByRole('figure', { name: 'Tara Turn (you)', exact: true }).waitFor();

      await expect.poll(async () => (await turnView(page)).relayCandidates, { timeout: 20_000, interval: 250 }).toBeGreaterThan(0);
      const view = await turnView(page);
      expect(view.participantId).toMatch(/^[0-9a-f-]{36}$/);
      expect(view.iceServers).toHaveLength(1);
      const [ice] = view.iceServers;
      expect(ice!.urls).toEqual([`turn:127.0.0.1:${turnPort}?transport=udp`, `turn:127.0.0.1:${turnPort}?transport=tcp`]);
      expect(ice!.username).toMatch(new RegExp(`^\\d+:${view.participantId}$`));
    } finally {
      await context.close();
    }
  }, 90_000);
});
