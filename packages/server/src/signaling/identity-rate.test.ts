import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubConnection } from '../testing/rooms.ts';
import { startTestServer, type TestServer } from '../testing/server.ts';

/** Ten commands per identity, and (in test time) none flowing back. */
const BURST = 10;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ env: { SIGNALING_IDENTITY_BURST: String(BURST), SIGNALING_IDENTITY_RATE: '0.001' } });
  // Each connection alone may send as much as the identity (the identity bucket is never smaller than a connection's).
  Object.assign(server.app.signaling.timings, { commandBurst: BURST, commandsPerSecond: 0.001 });
});
afterAll(async () => {
  await server?.close();
});

const limited = (c: HubConnection) => c.errors().filter((e) => e.error === 'rate_limited').length;

async function room() {
  const owner = await server.loginAs('user', 'Owner');
  const { id } = await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Council' }, owner);
  const invite = async () => (await server.api<{ code: string }>('POST', `/v1/rooms/${id}/invites`, {}, owner)).code;
  /** A guest start from one browser: `browser` is its guest cookie (`plenum_guest=…`); none: a new browser. */
  const guest = async (code: string, browser?: string) => {
    const res = await fetch(`${server.url}/v1/rooms/${id}/start-invited`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(browser ? { cookie: browser } : {}) },
      body: JSON.stringify({ invite_code: code, display_name: 'Guest' }),
    });
    const { ticket } = (await res.json()) as { ticket: string };
    const c = new HubConnection(server.app.signaling, server.services.tickets.consume(ticket)!);
    c.browser = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    await c.join();
    return c;
  };
  return { id, owner, invite, guest };
}

describe('the signaling rate limit counts per identity (SIGNALING_IDENTITY_RATE / _BURST)', () => {
  it('five connections of one guest browser share one budget; another guest of the same shared link has its own', async () => {
    const r = await room();
    const shared = await r.invite();
    const five = [await r.guest(shared)];
    for (let i = 1; i < 5; i++) five.push(await r.guest(shared, five[0]!.browser));
    expect(five.every((c) => c.joinSuccess())).toBe(true);
    // The five joins took five commands of the budget; five more go through, whichever connection sends them.
    for (const c of five) await c.send('hands', { action: 'lower_hand' });
    expect(five.map(limited)).toEqual([0, 0, 0, 0, 0]);
    await five[2]!.send('hands', { action: 'lower_hand' });
    expect(limited(five[2]!)).toBe(1);
    await five[4]!.send('hands', { action: 'lower_hand' });
    expect(limited(five[4]!)).toBe(1);
    // Per connection this would have been 5 × BURST.
    const other = await r.guest(shared);
    for (let i = 0; i < BURST - 1; i++) await other.send('hands', { action: 'lower_hand' });
    expect(limited(other)).toBe(0);
  });

  it('reconnecting with the resumption token starts with what was left, not a fresh burst', async () => {
    const r = await room();
    const user = await server.loginAs('user', 'Member');
    const first = await server.api<{ ticket: string; resumption: string }>('POST', `/v1/rooms/${r.id}/start`, {}, user);
    const a = new HubConnection(server.app.signaling, server.services.tickets.consume(first.ticket)!);
    await a.join();
    for (let i = 0; i < BURST - 2; i++) await a.send('hands', { action: 'lower_hand' });
    expect(limited(a)).toBe(0);
    a.session.transportClosed();
    const again = await server.api<{ ticket: string }>('POST', `/v1/rooms/${r.id}/start`, { resumption: first.resumption }, user);
    const b = new HubConnection(server.app.signaling, server.services.tickets.consume(again.ticket)!);
    await b.join();
    expect(b.joinSuccess()?.resumed).toBe(true);
    await b.send('hands', { action: 'lower_hand' });
    expect(limited(b)).toBe(1);
    // A second tab of the same account is the same identity too.
    const tab = await server.api<{ ticket: string }>('POST', `/v1/rooms/${r.id}/start`, {}, user);
    const c = new HubConnection(server.app.signaling, server.services.tickets.consume(tab.ticket)!);
    await c.join();
    expect(limited(c)).toBe(1);
    expect(c.joinSuccess()).toBeUndefined();
  });
});
