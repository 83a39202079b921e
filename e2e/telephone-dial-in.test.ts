/**
 * Telephone dial-in in real Chromium against a real Plenum (signaling only, no media server): the chair (room
 * owner) finds "Dial in by phone" with number, meeting ID and PIN in the participants panel; a phone caller
 * comes in through the SIP gateway's service call and a WebSocket, and everyone sees the masked number; the
 * chair gives the room a new PIN after confirming, and the old one no longer lets anyone in. A guest sees no
 * dial-in details.
 */
import { PROTOCOL_VERSION, SIGNALING_SUBPROTOCOL, TICKET_SUBPROTOCOL_PREFIX } from '@plenum/protocol';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildWebIfStale, launchChromium } from '../packages/server/src/testing/browsers.ts';
import { startTestServer, type TestServer } from '../packages/server/src/testing/server.ts';
import { expectAccessible } from './support/a11y.ts';
import { openPage } from './support/pages.ts';
import { shoot } from './support/screenshots.ts';

const TOKEN = 'telephone-service-token-for-the-browser-test-01234';
const NUMBER = '+49 361 555 0100';

let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
const sockets: WebSocket[] = [];
const problems: string[] = [];

beforeAll(async () => {
  buildWebIfStale();
  server = await startTestServer({ web: true, env: { TELEPHONE_SERVICE_TOKEN: TOKEN, TELEPHONE_DIAL_IN_NUMBER: NUMBER } });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  for (const ws of sockets) ws.close();
  await Promise.all(contexts.map((c) => c.close().catch(() => {})));
  await browser?.close();
  await server?.close();
});

const newPage = (session?: string): Promise<Page> => openPage(browser, server.url, { contexts, problems }, session);

/** What the SIP gateway does for a caller who typed `dialIn` and `pin`: the service call, then the signaling socket and the join. */
async function phoneCall(dialIn: string, pin: string): Promise<number> {
  const res = await fetch(`${server.url}/v1/service/telephone/calls`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ dial_in_id: dialIn, pin, caller: '+493614711212', source: '203.0.113.9', call_id: crypto.randomUUID() }),
  });
  if (res.status !== 200) return res.status;
  const { ticket, signaling_url } = (await res.json()) as { ticket: string; signaling_url: string };
  const ws = new WebSocket(signaling_url, [SIGNALING_SUBPROTOCOL, `${TICKET_SUBPROTOCOL_PREFIX}${ticket}`]);
  sockets.push(ws);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  ws.send(JSON.stringify({ namespace: 'control', payload: { action: 'join', protocol_version: PROTOCOL_VERSION } }));
  return 200;
}

const control = (page: Page, name: string) => page.getByRole('group', { name: 'Meeting controls' }).getByRole('button', { name, exact: true });
const tile = (page: Page, name: string) => page.getByRole('figure', { name, exact: true });
const dialInRegion = (page: Page) => page.getByRole('region', { name: 'Dial in by phone' });

describe('telephone dial-in in the browser', () => {
  it('the chair sees number, meeting ID and PIN, a caller joins with them, a new PIN shuts the old one out; a guest sees none of it', { timeout: 60_000 }, async () => {
    const owner = await server.loginAs('user', 'Clara Chair');
    const roomId = (await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Stadtrat' }, owner)).id;
    const inviteCode = (await server.api<{ code: string }>('POST', `/v1/rooms/${roomId}/invites`, {}, owner)).code;

    const chair = await newPage(owner.token);
    await chair.goto(`${server.url}/rooms/${roomId}`);
    await chair.getByRole('button', { name: 'Join now' }).click();
    await tile(chair, 'Clara Chair (you)').waitFor();
    await control(chair, 'Participants').click();

    const summary = dialInRegion(chair).locator('.telephone-summary');
    await summary.waitFor();
    // The title and the line under it: "Dial in by phone: <number>, meeting ID <id>, PIN <pin>" (no break inside the number).
    const text = ((await summary.textContent()) ?? '').replaceAll('\u00a0', ' ');
    const [, id, pin] = /^\+49 361 555 0100, meeting ID (\d{10}), PIN (\d{6})$/.exec(text) ?? [];
    await dialInRegion(chair).getByRole('heading', { name: 'Dial in by phone' }).waitFor();
    expect(id, text).toBeDefined();

    expect(await phoneCall(id!, pin!)).toBe(200);
    await tile(chair, '+49 361 ••• 12').waitFor();
    await dialInRegion(chair).scrollIntoViewIfNeeded();
    await shoot(chair, 'telephone-dial-in');
    await chair.screenshot({ path: '/tmp/telephone-dial-in.png' });
    await expectAccessible(chair);

    await dialInRegion(chair).getByRole('button', { name: 'New PIN' }).click();
    const dialog = chair.getByRole('dialog', { name: 'Give the room a new meeting ID and PIN?' });
    await dialog.waitFor();
    await chair.screenshot({ path: '/tmp/telephone-new-pin-dialog.png' });
    await dialog.getByRole('button', { name: 'New meeting ID and PIN' }).click();
    await dialInRegion(chair).getByRole('status').getByText('The new meeting ID and PIN apply now; the old ones no longer work.').waitFor();
    const renewed = ((await summary.textContent()) ?? '').replaceAll('\u00a0', ' ');
    expect(renewed).not.toBe(text);
    const [, newId, newPin] = /meeting ID (\d{10}), PIN (\d{6})$/.exec(renewed) ?? [];
    expect(await phoneCall(id!, pin!)).toBe(403);
    expect(await phoneCall(newId!, newPin!)).toBe(200);
    await chair.screenshot({ path: '/tmp/telephone-renewed.png' });

    const anna = await newPage();
    await anna.goto(`${server.url}/invite/${inviteCode}`);
    await anna.getByLabel('Your name').fill('Anna Guest');
    await anna.getByRole('button', { name: 'Join' }).click();
    await anna.waitForURL(`${server.url}/rooms/${roomId}`);
    await anna.getByRole('button', { name: 'Join now' }).click();
    await tile(anna, '+49 361 ••• 12').first().waitFor();
    await control(anna, 'Participants').click();
    await anna.getByRole('heading', { name: /Participants/ }).first().waitFor();
    expect(await dialInRegion(anna).count()).toBe(0);
    expect(await anna.getByText(newPin!).count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
