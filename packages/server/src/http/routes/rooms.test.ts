import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../../storage/testing.ts';
import { startTestServer, type TestServer } from '../../testing/server.ts';

type Who = { cookie?: string; csrf?: string };

describe.each(backends)('rooms API on %s', (backend) => {
  let server: TestServer;
  let owner: Who & { userId: string };
  let other: Who & { userId: string };
  let admin: Who & { userId: string };
  const anonymous: Who = {};
  let clock = new Date('2026-11-24T10:00:00Z');

  beforeAll(async () => {
    server = await startTestServer({ backend, now: () => clock });
    owner = await server.loginAs('user', 'Olga Owner');
    other = await server.loginAs('user', 'Otto Other');
    admin = await server.loginAs('admin', 'Ada Admin');
  });
  afterAll(async () => {
    await server?.close();
  });

  async function call(who: Who, method: string, path: string, body?: unknown, extra: Record<string, string> = {}) {
    const headers: Record<string, string> = { ...extra };
    if (who.cookie) headers.cookie = who.cookie;
    if (who.csrf && method !== 'GET') headers['x-csrf-token'] = who.csrf;
    if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const res = await fetch(`${server.url}${path}`, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : null };
  }

  async function countRows(table: 'rooms' | 'invites') {
    const row = await server.services.storage.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async function newRoom(who: Who = owner, body: Record<string, unknown> = {}) {
    const res = await call(who, 'POST', '/v1/rooms', { name: 'Hauptausschuss', ...body });
    expect(res.status).toBe(201);
    return res.body as { id: string; name: string; has_password: boolean };
  }

  it('creates, lists, reads, updates and deletes a room for its owner', async () => {
    const room = await newRoom(owner, { password: 'geheim123', waiting_room: true });
    expect(room).toMatchObject({ name: 'Hauptausschuss', has_password: true, waiting_room: true, can_manage: true, owner_name: 'Olga Owner' });
    expect(room).not.toHaveProperty('password');
    expect(room).not.toHaveProperty('password_hash');
    const list = await call(owner, 'GET', '/v1/rooms');
    expect(list.body.rooms.map((r: { id: string }) => r.id)).toContain(room.id);
    const patched = await call(owner, 'PATCH', `/v1/rooms/${room.id}`, { name: 'Bauausschuss', password: null });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Bauausschuss', has_password: false });
    expect((await call(owner, 'DELETE', `/v1/rooms/${room.id}`)).status).toBe(204);
    expect((await call(owner, 'GET', `/v1/rooms/${room.id}`)).status).toBe(404);
  });

  it('lists only my rooms; only admins may list all', async () => {
    const mine = await newRoom(owner);
    const theirs = await newRoom(other);
    const ownList = (await call(owner, 'GET', '/v1/rooms')).body.rooms.map((r: { id: string }) => r.id);
    expect(ownList).toContain(mine.id);
    expect(ownList).not.toContain(theirs.id);
    expect((await call(owner, 'GET', '/v1/rooms?scope=all')).status).toBe(403);
    const all = (await call(admin, 'GET', '/v1/rooms?scope=all')).body.rooms.map((r: { id: string }) => r.id);
    expect(all).toEqual(expect.arrayContaining([mine.id, theirs.id]));
  });

  describe('permission matrix', () => {
    // Each endpoint, called by owner / other user / admin / anonymous (a guest has no session: same as anonymous).
    const cases: { name: string; method: string; path: (room: string, code: string) => string; body?: unknown; expect: Record<'owner' | 'other' | 'admin' | 'anonymous', number> }[] = [
      { name: 'list rooms', method: 'GET', path: () => '/v1/rooms', expect: { owner: 200, other: 200, admin: 200, anonymous: 401 } },
      { name: 'create room', method: 'POST', path: () => '/v1/rooms', body: { name: 'X' }, expect: { owner: 201, other: 201, admin: 201, anonymous: 401 } },
      { name: 'read room', method: 'GET', path: (r) => `/v1/rooms/${r}`, expect: { owner: 200, other: 200, admin: 200, anonymous: 401 } },
      { name: 'update room', method: 'PATCH', path: (r) => `/v1/rooms/${r}`, body: { name: 'Y' }, expect: { owner: 200, other: 403, admin: 200, anonymous: 401 } },
      { name: 'list invites', method: 'GET', path: (r) => `/v1/rooms/${r}/invites`, expect: { owner: 200, other: 403, admin: 200, anonymous: 401 } },
      { name: 'create invite', method: 'POST', path: (r) => `/v1/rooms/${r}/invites`, body: {}, expect: { owner: 201, other: 403, admin: 201, anonymous: 401 } },
      { name: 'revoke invite', method: 'DELETE', path: (r, c) => `/v1/rooms/${r}/invites/${c}`, expect: { owner: 204, other: 403, admin: 204, anonymous: 401 } },
      { name: 'start as user', method: 'POST', path: (r) => `/v1/rooms/${r}/start`, body: {}, expect: { owner: 200, other: 200, admin: 200, anonymous: 401 } },
      { name: 'delete room', method: 'DELETE', path: (r) => `/v1/rooms/${r}`, expect: { owner: 204, other: 403, admin: 204, anonymous: 401 } },
    ];
    for (const c of cases) {
      for (const role of ['owner', 'other', 'admin', 'anonymous'] as const) {
        it(`${c.name} as ${role} → ${c.expect[role]}`, async () => {
          const room = await newRoom(owner);
          const invite = await call(owner, 'POST', `/v1/rooms/${room.id}/invites`, {});
          const who = { owner, other, admin, anonymous }[role];
          const before = { rooms: await countRows('rooms'), invites: await countRows('invites') };
          const res = await call(who, c.method, c.path(room.id, invite.body.code), c.body);
          expect(res.status).toBe(c.expect[role]);
          if (res.status >= 400) {
            expect(res.type).toContain('application/problem+json');
            expect(res.body.type).toMatch(/^urn:plenum:problem:/);
            // A refused request writes nothing.
            expect({ rooms: await countRows('rooms'), invites: await countRows('invites') }).toEqual(before);
            expect((await call(owner, 'GET', `/v1/rooms/${room.id}`)).body.name).toBe('Hauptausschuss');
          }
        });
      }
    }
  });

  it('refuses a state-changing request without the CSRF token and writes nothing', async () => {
    const before = await countRows('rooms');
    const res = await call({ cookie: owner.cookie }, 'POST', '/v1/rooms', { name: 'CSRF' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('PLENUM_ERR_CSRF');
    const wrong = await call({ cookie: owner.cookie, csrf: 'x'.repeat(32) }, 'POST', '/v1/rooms', { name: 'CSRF' });
    expect(wrong.status).toBe(403);
    expect(await countRows('rooms')).toBe(before);
  });

  it('answers malformed bodies with 400 problem+json and writes nothing', async () => {
    const room = await newRoom(owner);
    const before = await countRows('rooms');
    const bad: [string, string, unknown, Record<string, string>?][] = [
      ['POST', '/v1/rooms', '{"name": '],
      ['POST', '/v1/rooms', { name: '' }],
      ['POST', '/v1/rooms', { name: 'x'.repeat(500) }],
      ['POST', '/v1/rooms', { name: 'A', password: '12' }],
      ['POST', '/v1/rooms', { name: 'A', is_admin: true }],
      ['POST', '/v1/rooms', { name: 42 }],
      ['POST', '/v1/rooms', 'name=A', { 'content-type': 'text/plain' }],
      ['PATCH', `/v1/rooms/${room.id}`, {}],
      ['PATCH', `/v1/rooms/${room.id}`, { waiting_room: 'yes' }],
      ['POST', `/v1/rooms/${room.id}/invites`, { expires_at: 'tomorrow' }],
      ['POST', `/v1/rooms/${room.id}/invites`, { expires_at: '2020-01-01T00:00:00Z' }],
      ['GET', '/v1/rooms/not-a-uuid', undefined],
      ['GET', '/v1/rooms?scope=everything', undefined],
    ];
    for (const [method, path, body, headers] of bad) {
      const res = await call(owner, method, path, body, headers);
      expect([400, 415], `${method} ${path} ${JSON.stringify(body)}`).toContain(res.status);
      expect(res.type).toContain('application/problem+json');
      expect(res.body).toMatchObject({ status: res.status, type: expect.stringMatching(/^urn:plenum:problem:/) });
    }
    expect(await countRows('rooms')).toBe(before);
    expect((await call(owner, 'GET', `/v1/rooms/${room.id}`)).body.name).toBe('Hauptausschuss');
  });

  it('answers an unknown room with 404 and an unknown route with 404', async () => {
    const res = await call(owner, 'GET', `/v1/rooms/${crypto.randomUUID()}`);
    expect(res).toMatchObject({ status: 404, body: { code: 'PLENUM_ERR_ROOM_NOT_FOUND', type: 'urn:plenum:problem:room-not-found' } });
    expect((await call(owner, 'PATCH', `/v1/rooms/${crypto.randomUUID()}`, { name: 'Z' })).status).toBe(404);
    expect((await call(owner, 'GET', '/v1/nothing-here')).status).toBe(404);
  });

  describe('invites', () => {
    it('lets a guest verify and start with a valid invite', async () => {
      const room = await newRoom(owner);
      const invite = (await call(owner, 'POST', `/v1/rooms/${room.id}/invites`, { label: 'Presse' })).body;
      expect(invite.code).toMatch(/^[A-Za-z0-9_-]{22}$/);
      const verify = await call(anonymous, 'POST', `/v1/invites/${invite.code}/verify`, {});
      expect(verify.body).toEqual({ room_id: room.id, room_name: 'Hauptausschuss', password_required: false, expires_at: null });
      const start = await call(anonymous, 'POST', `/v1/rooms/${room.id}/start-invited`, { invite_code: invite.code, display_name: 'Gisela Gast' });
      expect(start.status).toBe(200);
      expect(start.body.signaling_url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/signaling$/);
      const admission = server.services.tickets.consume(start.body.ticket);
      expect(admission).toMatchObject({ roomId: room.id, kind: 'guest', displayName: 'Gisela Gast', isRoomOwner: false, inviteCode: invite.code });
      expect(server.services.tickets.consume(start.body.ticket)).toBeNull();
    });

    it('gives each guest browser its own identity (HttpOnly cookie), kept across starts; the invite stays shared', async () => {
      const room = await newRoom(owner);
      const invite = (await call(owner, 'POST', `/v1/rooms/${room.id}/invites`, {})).body;
      const start = (cookie?: string) =>
        fetch(`${server.url}/v1/rooms/${room.id}/start-invited`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
          body: JSON.stringify({ invite_code: invite.code, display_name: 'G' }),
        });
      const first = await start();
      const setCookie = first.headers.get('set-cookie') ?? '';
      expect(setCookie).toMatch(/^plenum_guest=[A-Za-z0-9_-]{22};/);
      expect(setCookie).toMatch(/HttpOnly/);
      expect(setCookie).toMatch(/SameSite=Lax/);
      expect(setCookie).toMatch(/Path=\/v1\//);
      const guestId = /^plenum_guest=([^;]+)/.exec(setCookie)![1]!;
      const firstAdmission = server.services.tickets.consume(((await first.json()) as { ticket: string }).ticket);
      expect(firstAdmission).toMatchObject({ inviteCode: invite.code, guestId });
      // The same browser again: the same person.
      const again = server.services.tickets.consume(((await (await start(`plenum_guest=${guestId}`)).json()) as { ticket: string }).ticket);
      expect(again?.guestId).toBe(guestId);
      // Another browser with the same link: another person. A forged cookie value is replaced.
      const other = server.services.tickets.consume(((await (await start()).json()) as { ticket: string }).ticket);
      expect(other?.guestId).not.toBe(guestId);
      const forged = await start('plenum_guest=../../etc');
      expect(forged.headers.get('set-cookie')).not.toContain('../../etc');
    });

    it('refuses an expired invite, and one used for another room', async () => {
      const room = await newRoom(owner);
      const otherRoom = await newRoom(owner);
      const invite = (await call(owner, 'POST', `/v1/rooms/${room.id}/invites`, { expires_at: new Date(clock.getTime() + 3600_000).toISOString() })).body;
      expect(invite.active).toBe(true);
      expect((await call(anonymous, 'POST', `/v1/rooms/${otherRoom.id}/start-invited`, { invite_code: invite.code, display_name: 'G' })).status).toBe(404);
      clock = new Date(clock.getTime() + 2 * 3600_000);
      const verify = await call(anonymous, 'POST', `/v1/invites/${invite.code}/verify`, {});
      expect(verify).toMatchObject({ status: 410, body: { type: 'urn:plenum:problem:invite-expired' } });
      const start = await call(anonymous, 'POST', `/v1/rooms/${room.id}/start-invited`, { invite_code: invite.code, display_name: 'G' });
      expect(start.status).toBe(410);
      const listed = (await call(owner, 'GET', `/v1/rooms/${room.id}/invites`)).body.invites[0];
      expect(listed).toMatchObject({ code: invite.code, active: false });
    });

    it('refuses a revoked invite; revoking twice is 404', async () => {
      const room = await newRoom(owner);
      const invite = (await call(owner, 'POST', `/v1/rooms/${room.id}/invites`, {})).body;
      expect((await call(owner, 'DELETE', `/v1/rooms/${room.id}/invites/${invite.code}`)).status).toBe(204);
      expect((await call(owner, 'DELETE', `/v1/rooms/${room.id}/invites/${invite.code}`)).status).toBe(404);
      expect((await call(anonymous, 'POST', `/v1/invites/${invite.code}/verify`, {})).body.type).toBe('urn:plenum:problem:invite-revoked');
      expect((await call(anonymous, 'POST', `/v1/rooms/${room.id}/start-invited`, { invite_code: invite.code, display_name: 'G' })).status).toBe(410);
    });

    it('requires the invite password when set, and the room password otherwise', async () => {
      const room = await newRoom(owner, { password: 'raumpass' });
      const plain = (await call(owner, 'POST', `/v1/rooms/${room.id}/invites`, {})).body;
      const guarded = (await call(owner, 'POST', `/v1/rooms/${room.id}/invites`, { password: 'linkpass' })).body;
      expect(guarded.has_password).toBe(true);
      const start = (code: string, password?: string) =>
        call(anonymous, 'POST', `/v1/rooms/${room.id}/start-invited`, { invite_code: code, display_name: 'G', ...(password ? { password } : {}) });
      expect((await start(plain.code)).status).toBe(401);
      expect((await start(plain.code, 'falsch!!')).body.code).toBe('PLENUM_ERR_WRONG_PASSWORD');
      expect((await start(plain.code, 'raumpass')).status).toBe(200);
      expect((await start(guarded.code, 'raumpass')).status).toBe(401);
      expect((await start(guarded.code, 'linkpass')).status).toBe(200);
      expect((await call(anonymous, 'POST', `/v1/invites/${guarded.code}/verify`, {})).body.password_required).toBe(true);
      expect((await call(anonymous, 'POST', `/v1/invites/${guarded.code}/verify`, { password: 'nope1' })).status).toBe(401);
    });

    it('answers unknown and malformed invite codes clearly', async () => {
      expect((await call(anonymous, 'POST', `/v1/invites/${'A'.repeat(22)}/verify`, {})).body.code).toBe('PLENUM_ERR_INVITE_NOT_FOUND');
      expect((await call(anonymous, 'POST', '/v1/invites/short/verify', {})).status).toBe(400);
    });
  });

  describe('start', () => {
    it('asks other users for the room password but not the owner; resumption keeps the participant', async () => {
      const room = await newRoom(owner, { password: 'raumpass' });
      expect((await call(other, 'POST', `/v1/rooms/${room.id}/start`, {})).status).toBe(401);
      const ok = await call(other, 'POST', `/v1/rooms/${room.id}/start`, { password: 'raumpass' });
      expect(ok.status).toBe(200);
      const own = await call(owner, 'POST', `/v1/rooms/${room.id}/start`, {});
      expect(own.status).toBe(200);
      expect(server.services.tickets.consume(own.body.ticket)).toMatchObject({ kind: 'user', isRoomOwner: true, userId: owner.userId });
      const first = server.services.tickets.consume(ok.body.ticket)!;
      const again = await call(other, 'POST', `/v1/rooms/${room.id}/start`, { password: 'raumpass', resumption: ok.body.resumption });
      expect(server.services.tickets.consume(again.body.ticket)!.participantId).toBe(first.participantId);
      // Another user cannot hijack the participant with a leaked resumption token.
      const hijack = await call(admin, 'POST', `/v1/rooms/${room.id}/start`, { resumption: ok.body.resumption });
      expect(server.services.tickets.consume(hijack.body.ticket)!.participantId).not.toBe(first.participantId);
    });
  });
});
