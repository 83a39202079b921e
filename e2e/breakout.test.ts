/**
 * Breakout rooms in real Chromium against a real Plenum with the embedded Janus: a chair (logged-in user,
 * moderator) and four guests. The chair opens two rooms with automatic distribution and a short duration;
 * each guest sees the name of their room, receives (decoded frames) the video of their room-mate and has no
 * tile of the people in the other room; room chat stays in the room; the chair's timer is visible in the
 * rooms; the warning comes before the end; at the end everyone is back in the main room and sees everyone.
 *
 * Test hook: `window.__plenumTestHooks = {}` before the app loads (packages/web/src/meeting/testHooks.ts).
 */
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebIfStale, launchChromium } from '../packages/server/src/testing/browsers.ts';
import { startTestServer, type TestServer } from '../packages/server/src/testing/server.ts';
import { expectAccessible } from './support/a11y.ts';
import { shoot } from './support/screenshots.ts';

let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
const problems: string[] = [];

beforeAll(async () => {
  buildWebIfStale();
  // RTP ports of this file: 44300-44499.
  server = await startTestServer({ web: true, env: { MEDIA: 'janus', JANUS_ICE_INTERFACE: 'lo', JANUS_RTP_PORTS: '44300-44499' } });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => {})));
  await browser?.close();
  await server?.close();
});

async function newPage(session?: string): Promise<Page> {
  // Small windows: two cores decode and encode the video of five browsers.
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 }, locale: 'en-US' });
  contexts.push(context);
  if (session) await context.addCookies([{ name: 'plenum_session', value: session, url: server.url }]);
  await context.addInitScript(() => {
    (window as unknown as { __plenumTestHooks: object }).__plenumTestHooks = {};
  });
  const page = await context.newPage();
  // Generous: five pages encode and decode video, and the test machine may be busy with other work.
  page.setDefaultTimeout(30_000);
  page.setDefaultNavigationTimeout(60_000);
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  return page;
}

type Hooks = { meeting?: { participantId(): string | null; connections(): { subscriber: RTCPeerConnection | null; streams: { mid: string; participant_id: string; kind: string }[] } } };

/** Decoded video frames per remote participant, from the subscriber connection's inbound-rtp by mid. */
async function framesByParticipant(page: Page): Promise<Record<string, number>> {
  return page.evaluate(async () => {
    const hooks = (window as unknown as { __plenumTestHooks: Hooks }).__plenumTestHooks;
    const connections = hooks.meeting?.connections();
    const out: Record<string, number> = {};
    if (!connections?.subscriber) return out;
    const byMid = new Map(connections.streams.filter((s) => s.kind === 'video').map((s) => [s.mid, s.participant_id]));
    (await connections.subscriber.getStats()).forEach((r: Record<string, unknown>) => {
      const who = r.type === 'inbound-rtp' ? byMid.get(String(r.mid)) : undefined;
      if (who) out[who] = (out[who] ?? 0) + Number(r.framesDecoded ?? 0);
    });
    return out;
  });
}

/** Whose streams the server has put into this page's subscription now. */
const subscribedTo = (page: Page) =>
  page.evaluate(() => {
    const streams = (window as unknown as { __plenumTestHooks: Hooks }).__plenumTestHooks.meeting?.connections().streams ?? [];
    return [...new Set(streams.map((s) => s.participant_id))].sort();
  });

/** Whether `page` decoded new frames of `from`'s camera within about a second. */
async function framesIncrease(page: Page, from: string): Promise<boolean> {
  const before = (await framesByParticipant(page))[from] ?? 0;
  await page.waitForTimeout(1_000);
  return ((await framesByParticipant(page))[from] ?? 0) > before;
}

const participantId = (page: Page) => page.evaluate(() => (window as unknown as { __plenumTestHooks: Hooks }).__plenumTestHooks.meeting?.participantId() ?? '');
const tile = (page: Page, name: string) => page.getByRole('figure', { name, exact: true });
const control = (page: Page, name: string) => page.getByRole('group', { name: 'Meeting controls' }).getByRole('button', { name, exact: true });
const chatPanel = (page: Page) => page.getByRole('complementary', { name: 'Chat' });

interface Person {
  name: string;
  page: Page;
  id: string;
}

describe('breakout rooms in the browser', () => {
  let chair: Person;
  const guests: Person[] = [];
  const rooms = new Map<string, Person[]>();
  const everyone = () => [chair, ...guests];

  it('lets a chair and four invited guests join and see each other', async () => {
    const owner = await server.loginAs('user', 'Clara Chair');
    const roomId = (await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Council' }, owner)).id;
    const inviteCode = (await server.api<{ code: string }>('POST', `/v1/rooms/${roomId}/invites`, {}, owner)).code;

    const chairPage = await newPage(owner.token);
    await chairPage.goto(`${server.url}/rooms/${roomId}`);
    await chairPage.getByRole('button', { name: 'Join now' }).click();
    await tile(chairPage, 'Clara Chair (you)').waitFor();
    chair = { name: 'Clara Chair', page: chairPage, id: await participantId(chairPage) };

    for (const name of ['Anna Guest', 'Ben Guest', 'Cleo Guest', 'Dan Guest']) {
      const page = await newPage();
      await page.goto(`${server.url}/invite/${inviteCode}`);
      await page.getByLabel('Your name').fill(name);
      await page.getByRole('button', { name: 'Join' }).click();
      await page.waitForURL(`${server.url}/rooms/${roomId}`);
      await expect.poll(() => page.getByRole('button', { name: 'Camera' }).getAttribute('aria-pressed'), { timeout: 30_000 }).toBe('true');
      await page.getByRole('button', { name: 'Join now' }).click();
      await tile(page, `${name} (you)`).waitFor();
      guests.push({ name, page, id: await participantId(page) });
    }
    for (const me of everyone()) {
      for (const other of everyone().filter((o) => o !== me)) await tile(me.page, other.name).waitFor();
    }
    // Everyone receives everyone's video before the breakout.
    await expect.poll(async () => (await subscribedTo(guests[0]!.page)).length, { timeout: 40_000 }).toBe(4);
    expect(problems).toEqual([]);
  }, 240_000);

  it('the chair opens two rooms with automatic distribution; each guest sees only their room', async () => {
    await control(chair.page, 'Breakout rooms').click();
    const panel = chair.page.getByRole('complementary', { name: 'Breakout rooms' });
    expect(await panel.getByLabel('Number of rooms').inputValue()).toBe('2');
    expect(await panel.getByLabel('Name of room 1').inputValue()).toBe('Room 1');
    expect(await panel.getByLabel('Name of room 2').inputValue()).toBe('Room 2');
    await panel.getByRole('radio', { name: 'Automatically, in equal groups' }).check();
    await panel.getByLabel('Limit the time').check();
    await panel.getByLabel('Minutes', { exact: true }).fill('0');
    await panel.getByLabel('Seconds', { exact: true }).fill('90');
    await panel.getByLabel('Warning before the end (seconds)').fill('20');
    await expectAccessible(chair.page);
    // The whole form, from the top. A screenshot of five pages decoding video can take a while on a busy machine.
    chair.page.setDefaultTimeout(60_000);
    await chair.page.setViewportSize({ width: 1100, height: 1150 });
    await panel.evaluate((el) => el.scrollTo(0, 0));
    await shoot(chair.page, 'breakout-dialog');
    await chair.page.setViewportSize({ width: 1100, height: 760 });
    chair.page.setDefaultTimeout(30_000);
    await panel.getByRole('button', { name: 'Open breakout rooms' }).click();
    await panel.getByRole('button', { name: 'End breakout rooms' }).waitFor();

    // Every guest is told their room; the chair stays in the main room.
    for (const g of guests) {
      const banner = g.page.getByText(/^You are in Room [12]$/);
      await banner.waitFor();
      const room = ((await banner.textContent()) ?? '').replace('You are in ', '');
      rooms.set(room, [...(rooms.get(room) ?? []), g]);
    }
    await chair.page.getByText('You are in Main room').waitFor();
    expect([...rooms.keys()].sort()).toEqual(['Room 1', 'Room 2']);
    expect(rooms.get('Room 1')).toHaveLength(2);
    expect(rooms.get('Room 2')).toHaveLength(2);
    const [a, b] = rooms.get('Room 1')!;
    const [c, d] = rooms.get('Room 2')!;

    // Room 1: each sees (decoded frames) the other, and has neither a tile nor a stream of room 2 or the chair.
    for (const [me, mate] of [
      [a!, b!],
      [b!, a!],
    ] as const) {
      await expect.poll(() => subscribedTo(me.page), { timeout: 30_000 }).toEqual([mate.id]);
      await expect.poll(() => framesIncrease(me.page, mate.id), { timeout: 30_000, interval: 100 }).toBe(true);
      await tile(me.page, mate.name).waitFor();
      for (const other of [c!, d!, chair]) expect(await tile(me.page, other.name).count()).toBe(0);
    }
    for (const me of [c!, d!]) {
      await expect.poll(() => subscribedTo(me.page), { timeout: 30_000 }).toEqual([(me === c ? d! : c!).id]);
      for (const other of [a!, b!, chair]) expect(await tile(me.page, other.name).count()).toBe(0);
    }
    await expect.poll(() => subscribedTo(chair.page), { timeout: 30_000 }).toEqual([]);
    await expectAccessible(a!.page);

    // Room chat stays in room 1.
    await control(a!.page, 'Chat').click();
    await chatPanel(a!.page).getByLabel('Message to Everyone').fill('Hello from room 1');
    await chatPanel(a!.page).getByRole('button', { name: 'Send' }).click();
    await control(b!.page, 'Chat').click();
    await chatPanel(b!.page).getByText('Hello from room 1').waitFor();
    await control(c!.page, 'Chat').click();
    await chatPanel(c!.page).getByRole('list', { name: 'Messages – Everyone' }).waitFor();
    expect(await chatPanel(c!.page).getByText('Hello from room 1').count()).toBe(0);

    // The chair's timer runs during the breakout and is visible in the rooms.
    await control(chair.page, 'Timer').click();
    const timerPanel = chair.page.getByRole('complementary', { name: 'Timer' });
    await timerPanel.getByRole('radio', { name: 'Countdown' }).check();
    await timerPanel.getByLabel('Minutes').fill('5');
    await timerPanel.getByLabel('Seconds').fill('0');
    await timerPanel.getByLabel('Title (optional)').fill('Group work');
    await timerPanel.getByRole('button', { name: 'Start timer' }).click();
    for (const g of guests) {
      await g.page.getByRole('timer', { name: /remaining$/ }).waitFor();
      await g.page.getByText('Group work', { exact: true }).waitFor();
    }
    // A message to all rooms.
    await control(chair.page, 'Breakout rooms').click();
    await panel.getByLabel('Message to all rooms').fill('Please come to a conclusion');
    await panel.getByRole('button', { name: 'Send to all rooms' }).click();
    for (const g of guests) await g.page.getByRole('status').filter({ hasText: 'Please come to a conclusion' }).waitFor();
    // Everything above must have happened before the warning, or the test says nothing about it: nobody
    // sees the warning yet (what a person sees, not the wall clock).
    for (const g of guests) expect(await g.page.getByRole('alert').filter({ hasText: 'The breakout rooms close soon.' }).count()).toBe(0);
    a!.page.setDefaultTimeout(60_000);
    await shoot(a!.page, 'breakout-room');
    a!.page.setDefaultTimeout(30_000);
    expect(problems).toEqual([]);
  }, 150_000);

  it('warns before the end, then everyone is back in the main room and sees everyone', async () => {
    // In parallel: the notice that everyone is back hides itself after a while.
    // The warning comes 70 s after the rooms opened, however quickly the step before got through them.
    await Promise.all(guests.map((g) => g.page.getByRole('alert').filter({ hasText: 'The breakout rooms close soon.' }).waitFor({ timeout: 100_000 })));
    await Promise.all(guests.map((g) => g.page.getByText('The breakout rooms have ended. You are back in the main room.').waitFor({ timeout: 40_000 })));
    for (const me of everyone()) {
      for (const other of everyone().filter((o) => o !== me)) await tile(me.page, other.name).waitFor();
      expect(await me.page.getByText(/^You are in /).count()).toBe(0);
    }
    const [a] = rooms.get('Room 1')!;
    const [c] = rooms.get('Room 2')!;
    await expect.poll(async () => (await subscribedTo(a!.page)).length, { timeout: 30_000 }).toBe(4);
    await expect.poll(() => framesIncrease(a!.page, c!.id), { timeout: 30_000, interval: 100 }).toBe(true);
    await expect.poll(() => framesIncrease(chair.page, a!.id), { timeout: 30_000, interval: 100 }).toBe(true);
    // The timer keeps running in the main room.
    await a!.page.getByRole('timer', { name: /remaining$/ }).waitFor();
    expect(problems).toEqual([]);
  }, 180_000);
});
