import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../auth/passwords.ts';
import { startTestServer, type TestServer } from '../testing/server.ts';

/** Guessing room and invite passwords, through the real HTTP stack (app.inject with a chosen peer address). */
describe('room and invite password throttle', () => {
  let server: TestServer;
  let owner: { cookie: string; csrf: string; userId: string };
  let other: { cookie: string; csrf: string };
  let clock = new Date('2026-12-01T09:00:00Z');
  const later = (seconds: number) => {
    clock = new Date(clock.getTime() + seconds * 1000);
  };

  beforeAll(async () => {
    server = await startTestServer({ now: () => clock });
    owner = await server.loginAs('user', 'Olga Owner');
    other = await server.loginAs('user', 'Otto Other');
  });
  afterAll(async () => {
    await server?.close();
  });

  async function call(from: string, method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown, who?: { cookie: string; csrf: string }) {
    const res = await server.app.inject({
      method,
      url,
      remoteAddress: from,
      headers: { 'content-type': 'application/json', ...(who ? { cookie: who.cookie, 'x-csrf-token': who.csrf } : {}) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    return { status: res.statusCode, type: String(res.headers['content-type'] ?? ''), retryAfter: res.headers['retry-after'], body: res.json() };
  }

  const newRoom = async (password: string) => {
    const res = await call('127.0.0.1', 'POST', '/v1/rooms', { name: 'Finanzausschuss', password }, owner);
    expect(res.status).toBe(201);
    return res.body as { id: string };
  };

  it('answers wrong room passwords with 429 and Retry-After after the limit; the right one works after the wait, and from elsewhere at once', async () => {
    const room = await newRoom('raumpass-2026');
    const start = (from: string, password: string) => call(from, 'POST', `/v1/rooms/${room.id}/start`, { password }, other);
    for (let i = 0; i < 5; i++) expect((await start('198.51.100.1', `guess-${i}-xx`)).status).toBe(401);
    const refused = await start('198.51.100.1', 'guess-5-xx');
    expect(refused).toMatchObject({ status: 429, body: { code: 'PLENUM_ERR_RATE_LIMITED', status: 429 } });
    expect(refused.type).toContain('application/problem+json');
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    // Refused before the password is looked at: even the right one waits.
    expect((await start('198.51.100.1', 'raumpass-2026')).status).toBe(429);

    // Someone elsewhere who knows the password is not locked out, and their success forgives nobody else.
    expect((await start('198.51.100.2', 'raumpass-2026')).status).toBe(200);
    expect((await start('198.51.100.1', 'raumpass-2026')).status).toBe(429);

    // The wait grows with each further failure.
    later(Number(refused.retryAfter));
    expect((await start('198.51.100.1', 'guess-6-xx')).status).toBe(401);
    const longer = await start('198.51.100.1', 'raumpass-2026');
    expect(longer.status).toBe(429);
    expect(Number(longer.retryAfter)).toBeGreaterThan(Number(refused.retryAfter));
    later(Number(longer.retryAfter));
    expect((await start('198.51.100.1', 'raumpass-2026')).status).toBe(200);
  });

  it('throttles invite verify and start-invited with one counter per invite password', async () => {
    const room = await newRoom('raumpass-2026');
    const invite = (await call('127.0.0.1', 'POST', `/v1/rooms/${room.id}/invites`, { password: 'linkpass-2026' }, owner)).body as { code: string };
    const verify = (from: string, password: string) => call(from, 'POST', `/v1/invites/${invite.code}/verify`, { password });
    for (let i = 0; i < 5; i++) expect((await verify('203.0.113.9', `guess-${i}-xx`)).status).toBe(401);
    const refused = await verify('203.0.113.9', 'linkpass-2026');
    expect(refused).toMatchObject({ status: 429, body: { code: 'PLENUM_ERR_RATE_LIMITED' } });
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    const startInvited = (from: string) =>
      call(from, 'POST', `/v1/rooms/${room.id}/start-invited`, { invite_code: invite.code, display_name: 'Gisela Gast', password: 'linkpass-2026' });
    expect((await startInvited('203.0.113.9')).status).toBe(429);
    expect((await verify('203.0.113.10', 'linkpass-2026')).status).toBe(200);

    later(Number(refused.retryAfter));
    expect((await verify('203.0.113.9', 'linkpass-2026')).body).toMatchObject({ room_id: room.id, password_required: true });
    expect((await startInvited('203.0.113.9')).status).toBe(200);
  });

  it('counts guesses still being checked: a burst of parallel guesses gets no more than the free ones', async () => {
    const room = await newRoom('raumpass-2026');
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, i) => call('198.51.100.99', 'POST', `/v1/rooms/${room.id}/start`, { password: `guess-${i}-xx` }, other)),
    );
    const statuses = burst.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(5).fill(401), ...Array(7).fill(429)]);
  });

  it('counts an address across rooms: many rooms with a few guesses each do not escape the limit', async () => {
    const rooms = await Promise.all([1, 2, 3, 4, 5].map(() => newRoom('raumpass-2026')));
    const statuses: number[] = [];
    for (const room of rooms) {
      for (let i = 0; i < 4; i++) statuses.push((await call('192.0.2.77', 'POST', `/v1/rooms/${room.id}/start`, { password: `guess-${i}-xx` }, other)).status);
    }
    expect(statuses).toEqual(Array(20).fill(401));
    const fresh = await newRoom('raumpass-2026');
    expect((await call('192.0.2.77', 'POST', `/v1/rooms/${fresh.id}/start`, { password: 'guess-x-xx' }, other)).status).toBe(429);
    // One IPv6 /64 is one source.
    const v6 = await newRoom('raumpass-2026');
    for (let i = 0; i < 5; i++) await call(`2001:db8:1:2::${i + 1}`, 'POST', `/v1/rooms/${v6.id}/start`, { password: `guess-${i}-xx` }, other);
    expect((await call('2001:db8:1:2::99', 'POST', `/v1/rooms/${v6.id}/start`, { password: 'raumpass-2026' }, other)).status).toBe(429);
    expect((await call('2001:db8:1:3::1', 'POST', `/v1/rooms/${v6.id}/start`, { password: 'raumpass-2026' }, other)).status).toBe(200);
  });

  it('refuses new room and invite passwords shorter than 8 characters, naming the field; old short ones still work', async () => {
    const short = await call('127.0.0.1', 'POST', '/v1/rooms', { name: 'Kurz', password: '1234' }, owner);
    expect(short).toMatchObject({ status: 400, body: { code: 'PLENUM_ERR_VALIDATION' } });
    expect(short.type).toContain('application/problem+json');
    expect(short.body.errors.map((e: { path: string }) => e.path)).toContain('/password');
    const room = await newRoom('raumpass-2026');
    const patched = await call('127.0.0.1', 'PATCH', `/v1/rooms/${room.id}`, { password: '1234567' }, owner);
    expect(patched.status).toBe(400);
    expect(patched.body.errors.map((e: { path: string }) => e.path)).toContain('/password');
    const invite = await call('127.0.0.1', 'POST', `/v1/rooms/${room.id}/invites`, { password: 'abcd' }, owner);
    expect(invite.status).toBe(400);
    expect(invite.body.errors.map((e: { path: string }) => e.path)).toContain('/password');

    // A room made before the rule keeps its 4-character password.
    const old = await server.services.rooms.create(
      { id: crypto.randomUUID(), owner_id: owner.userId, name: 'Alt', password_hash: await hashPassword('1234'), waiting_room: false, e2e_encryption: false },
      clock,
    );
    expect((await call('198.51.100.50', 'POST', `/v1/rooms/${old.id}/start`, { password: '1234' }, other)).status).toBe(200);
  });
});
