import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../testing/server.ts';

const TOKEN = 'telephone-service-token-for-tests-0123456789';
const NUMBER = '+49 361 123456-0';
type Login = Awaited<ReturnType<TestServer['loginAs']>>;
interface DialIn {
  dial_in_number: string | null;
  dial_in_id: string;
  pin: string;
}

/** The server's log, captured line by line (the real logger with its redaction). */
function captureLog() {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, text: () => raw.join('\n') };
}

/** A PIN different from `pin` in every digit (so it is wrong, whatever the room's is). */
const wrongPin = (pin: string, shift = 1) => [...pin].map((d) => String((Number(d) + shift) % 10)).join('');

describe('telephone routes', () => {
  const log = captureLog();
  let server: TestServer;
  /** Added to the real time: the throttle's waits pass when a test moves it on (nothing sleeps). */
  let offsetMs = 0;
  let owner: Login;
  let admin: Login;
  let other: Login;
  let sourceCounter = 0;
  /** A trunk address no other test used (the throttle counts per source). */
  const freshSource = () => `198.51.100.${++sourceCounter}`;

  beforeAll(async () => {
    server = await startTestServer({
      env: { TELEPHONE_SERVICE_TOKEN: TOKEN, TELEPHONE_DIAL_IN_NUMBER: NUMBER },
      logStream: log.stream,
      now: () => new Date(Date.now() + offsetMs),
    });
    owner = await server.loginAs('user', 'Olga Owner');
    admin = await server.loginAs('admin', 'Ada Admin');
    other = await server.loginAs('user', 'Udo User');
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  const newRoom = async (body: Record<string, unknown> = {}) => (await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Stadtrat', ...body }, owner)).id;
  const get = (roomId: string, who?: Login) =>
    server.app.inject({ method: 'GET', url: `/v1/rooms/${roomId}/telephone`, headers: who ? { cookie: who.cookie } : {} });
  const regenerate = (roomId: string, who?: Login, csrf = true) =>
    server.app.inject({ method: 'POST', url: `/v1/rooms/${roomId}/telephone/regenerate`, headers: who ? { cookie: who.cookie, ...(csrf ? { 'x-csrf-token': who.csrf } : {}) } : {} });
  const call = (body: Record<string, unknown>, authorization: string | null = `Bearer ${TOKEN}`) =>
    server.app.inject({
      method: 'POST',
      url: '/v1/service/telephone/calls',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      payload: JSON.stringify(body),
    });
  const callBody = (d: DialIn, extra: Record<string, unknown> = {}) => ({ dial_in_id: d.dial_in_id, pin: d.pin, caller: '+493614711212', source: freshSource(), call_id: crypto.randomUUID(), ...extra });
  const dialIn = async (roomId: string) => (await get(roomId, owner)).json<DialIn>();

  describe('GET /v1/rooms/{id}/telephone', () => {
    it('gives the owner and an admin the number, the dial-in ID and the PIN, never cached', async () => {
      const roomId = await newRoom();
      const res = await get(roomId, owner);
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.json<DialIn>();
      expect(body).toEqual({ dial_in_number: NUMBER, dial_in_id: expect.stringMatching(/^[1-9][0-9]{9}$/), pin: expect.stringMatching(/^[0-9]{6}$/) });
      expect((await get(roomId, admin)).json()).toEqual(body);
      expect((await get(roomId, owner)).json()).toEqual(body);
    });

    it('refuses everyone else like the other room routes: 403 for another user, 401 without a session, 404 for no room', async () => {
      const roomId = await newRoom();
      const refused = await get(roomId, other);
      expect(refused.statusCode).toBe(403);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.body).not.toMatch(/"pin"/);
      expect((await get(roomId)).statusCode).toBe(401);
      expect((await get(crypto.randomUUID(), owner)).statusCode).toBe(404);
    });
  });

  describe('POST /v1/rooms/{id}/telephone/regenerate', () => {
    it('gives the room a new ID and PIN; the old ones no longer let anyone in', async () => {
      const roomId = await newRoom();
      const old = await dialIn(roomId);
      const res = await regenerate(roomId, owner);
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const fresh = res.json<DialIn>();
      expect(fresh.dial_in_id).not.toBe(old.dial_in_id);
      expect(await dialIn(roomId)).toEqual(fresh);
      expect((await call(callBody(old))).statusCode).toBe(403);
      expect((await call(callBody(fresh))).statusCode).toBe(200);
      expect((await regenerate(roomId, admin)).statusCode).toBe(200);
    });

    it('needs the CSRF token, and refuses other users and anonymous callers without changing anything', async () => {
      const roomId = await newRoom();
      const before = await dialIn(roomId);
      const noCsrf = await regenerate(roomId, owner, false);
      expect(noCsrf.statusCode).toBe(403);
      expect(noCsrf.json()).toMatchObject({ code: 'PLENUM_ERR_CSRF' });
      expect((await regenerate(roomId, other)).statusCode).toBe(403);
      expect((await regenerate(roomId)).statusCode).toBe(401);
      expect(await dialIn(roomId)).toEqual(before);
    });
  });

  describe('POST /v1/service/telephone/calls', () => {
    it('answers a right ID and PIN with a sip ticket, the masked caller and the language', async () => {
      const roomId = await newRoom();
      const res = await call(callBody(await dialIn(roomId)));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        ticket: expect.any(String),
        resumption: expect.any(String),
        signaling_url: `${server.url.replace(/^http/, 'ws')}/signaling`,
        room_id: roomId,
        participant_display_name: '+49 361 ••• 12',
        language: 'de',
      });
      const admission = server.services.tickets.consume(res.json<{ ticket: string }>().ticket);
      expect(admission).toMatchObject({ roomId, kind: 'sip', displayName: '+49 361 ••• 12', isRoomOwner: false });
      expect(admission?.userId).toBeUndefined();
    });

    it('lets the same call come back as the same participant with its resumption token, and no other call', async () => {
      const d = await dialIn(await newRoom());
      const first = (await call(callBody(d, { call_id: 'call-1@trunk' }))).json<{ ticket: string; resumption: string }>();
      const participant = server.services.tickets.consume(first.ticket)!.participantId;
      const again = (await call(callBody(d, { call_id: 'call-1@trunk', resumption: first.resumption }))).json<{ ticket: string; resumption: string }>();
      expect(again.resumption).toBe(first.resumption);
      expect(server.services.tickets.consume(again.ticket)!.participantId).toBe(participant);
      const other = (await call(callBody(d, { call_id: 'call-2@trunk', resumption: first.resumption }))).json<{ ticket: string }>();
      expect(server.services.tickets.consume(other.ticket)!.participantId).not.toBe(participant);
    });

    it('names an anonymous caller "Telefon"', async () => {
      const res = await call(callBody(await dialIn(await newRoom()), { caller: 'anonymous' }));
      expect(res.json()).toMatchObject({ participant_display_name: 'Telefon' });
    });

    it('answers a wrong PIN and an unknown dial-in ID alike: 403 with the same body', async () => {
      const d = await dialIn(await newRoom());
      const wrong = await call(callBody(d, { pin: wrongPin(d.pin) }));
      const unknown = await call(callBody({ ...d, dial_in_id: '9'.repeat(12) }));
      expect(wrong.statusCode).toBe(403);
      expect(unknown.statusCode).toBe(403);
      expect(wrong.headers['content-type']).toContain('application/problem+json');
      expect(wrong.json()).toMatchObject({ code: 'PLENUM_ERR_DIAL_IN_REFUSED', status: 403 });
      expect(unknown.body).toBe(wrong.body);
    });

    it('refuses a missing or wrong service token with 401 problem+json before reading the body', async () => {
      const d = await dialIn(await newRoom());
      for (const authorization of [null, 'Bearer wrong-token-of-some-length-0123456789', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`]) {
        const res = await call(callBody(d), authorization);
        expect(res.statusCode, String(authorization)).toBe(401);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
      }
      const noBody = await server.app.inject({ method: 'POST', url: '/v1/service/telephone/calls' });
      expect(noBody.statusCode).toBe(401);
    });

    it('takes no session cookie instead of the token', async () => {
      const d = await dialIn(await newRoom());
      const res = await server.app.inject({
        method: 'POST',
        url: '/v1/service/telephone/calls',
        headers: { 'content-type': 'application/json', cookie: admin.cookie, 'x-csrf-token': admin.csrf },
        payload: JSON.stringify(callBody(d)),
      });
      expect(res.statusCode).toBe(401);
    });

    it.each([
      ['letters in the PIN', { pin: '12a456' }],
      ['a short dial-in ID', { dial_in_id: '123' }],
      ['a long PIN', { pin: '1234567890123' }],
      ['a source that is no IP address', { source: 'trunk.example' }],
      ['a long caller', { caller: '1'.repeat(129) }],
      ['a long call id', { call_id: 'c'.repeat(257) }],
      ['an unknown field', { room_id: crypto.randomUUID() }],
    ])('refuses %s with 400 problem+json', async (_what, change) => {
      const d = await dialIn(await newRoom());
      const res = await call({ ...callBody(d), ...change });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    });

    it('locks a trunk out of a room after repeated wrong PINs: 429 with Retry-After, the right PIN too, until the wait has passed', async () => {
      const d = await dialIn(await newRoom());
      const source = freshSource();
      for (let i = 0; i < 5; i++) expect((await call(callBody(d, { source, pin: wrongPin(d.pin) }))).statusCode, `failure ${i + 1}`).toBe(403);
      const locked = await call(callBody(d, { source, pin: wrongPin(d.pin) }));
      expect(locked.statusCode).toBe(429);
      expect(locked.headers['content-type']).toContain('application/problem+json');
      expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      const right = await call(callBody(d, { source }));
      expect(right.statusCode).toBe(429);
      // Another trunk is not locked out of this room (yet).
      expect((await call(callBody(d))).statusCode).toBe(200);
      offsetMs += Number(right.headers['retry-after']) * 1000;
      expect((await call(callBody(d, { source }))).statusCode).toBe(200);
    });

    it('locks a room after wrong PINs from many trunks, whichever trunk then calls', async () => {
      const d = await dialIn(await newRoom());
      for (let i = 0; i < 10; i++) expect((await call(callBody(d, { pin: wrongPin(d.pin, 1 + (i % 9)) }))).statusCode).toBe(403);
      const locked = await call(callBody(d));
      expect(locked.statusCode).toBe(429);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // Other rooms are not affected.
      expect((await call(callBody(await dialIn(await newRoom())))).statusCode).toBe(200);
      offsetMs += Number(locked.headers['retry-after']) * 1000;
      expect((await call(callBody(d))).statusCode).toBe(200);
    });

    it('slows down a trunk that tries made-up dial-in IDs, without locking its callers out of their rooms', async () => {
      const d = await dialIn(await newRoom());
      const source = freshSource();
      for (let i = 0; i < 5; i++) expect((await call(callBody(d, { source, dial_in_id: `${i + 1}`.repeat(11) }))).statusCode).toBe(403);
      expect((await call(callBody(d, { source, dial_in_id: '7'.repeat(11) }))).statusCode).toBe(429);
      expect((await call(callBody(d, { source }))).statusCode).toBe(200);
    });

    describe('with a personal phone PIN', () => {
      interface PersonalPin {
        invite_code: string;
        member_id: string;
        display_name: string;
        label: string | null;
        pin: string;
      }
      const personalPins = (roomId: string, who: Login = owner) =>
        server.app.inject({ method: 'GET', url: `/v1/rooms/${roomId}/telephone/personal-pins`, headers: { cookie: who.cookie } });
      const regeneratePersonal = (roomId: string, code?: string, who: Login = owner) =>
        server.app.inject({
          method: 'POST',
          url: `/v1/rooms/${roomId}/telephone/personal-pins/${code ? `${code}/` : ''}regenerate`,
          headers: { cookie: who.cookie, 'x-csrf-token': who.csrf },
        });

      /** A room whose roster has Anna and Bernd by personal invite, Carla without one; and a shared link nobody holds. */
      async function committeeRoom() {
        const roomId = await newRoom();
        const invite = async (label: string) => (await server.api<{ code: string }>('POST', `/v1/rooms/${roomId}/invites`, { label }, owner)).code;
        const [anna, bernd, shared] = [await invite('Link Anna'), await invite('Link Bernd'), await invite('Presse')];
        await server.api('PUT', `/v1/rooms/${roomId}/roster`, {
          members: [
            { display_name: 'Anna Amsel', invite_code: anna, role: 'member' },
            { display_name: 'Bernd Berger', invite_code: bernd, role: 'member' },
            { display_name: 'Carla Clausen', role: 'member' },
          ],
        }, owner);
        return { roomId, anna, bernd, shared, dial: await dialIn(roomId) };
      }
      const pinsOf = async (roomId: string) => (await personalPins(roomId)).json<PersonalPin[]>();

      it('lists one 8-digit PIN per roster member\u2019s invite for the owner and an admin, never cached, the same on every look', async () => {
        const { roomId, anna, bernd } = await committeeRoom();
        const res = await personalPins(roomId);
        expect(res.statusCode).toBe(200);
        expect(res.headers['cache-control']).toBe('no-store');
        const pins = res.json<PersonalPin[]>();
        expect(pins).toEqual([
          { invite_code: anna, member_id: expect.any(String), display_name: 'Anna Amsel', label: 'Link Anna', pin: expect.stringMatching(/^[0-9]{8}$/) },
          { invite_code: bernd, member_id: expect.any(String), display_name: 'Bernd Berger', label: 'Link Bernd', pin: expect.stringMatching(/^[0-9]{8}$/) },
        ]);
        expect(pins[0]!.pin).not.toBe(pins[1]!.pin);
        expect((await personalPins(roomId, admin)).json()).toEqual(pins);
        expect((await personalPins(roomId, other)).statusCode).toBe(403);
        expect((await server.app.inject({ method: 'GET', url: `/v1/rooms/${roomId}/telephone/personal-pins` })).statusCode).toBe(401);
      });

      it('admits the caller as the member: a sip ticket carrying the invite code, the member\u2019s name, one identity for all their calls', async () => {
        const { roomId, anna, dial } = await committeeRoom();
        const [pin] = await pinsOf(roomId);
        const res = await call(callBody(dial, { pin: pin!.pin, call_id: 'call-a@trunk' }));
        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({ room_id: roomId, participant_display_name: 'Anna Amsel' });
        const admission = server.services.tickets.consume(res.json<{ ticket: string }>().ticket);
        expect(admission).toMatchObject({ roomId, kind: 'sip', displayName: 'Anna Amsel', inviteCode: anna, identity: `invite:${anna}`, isRoomOwner: false });
        const again = await call(callBody(dial, { pin: pin!.pin, call_id: 'call-b@trunk' }));
        expect(server.services.tickets.consume(again.json<{ ticket: string }>().ticket)?.identity).toBe(`invite:${anna}`);
        // The room PIN still admits an anonymous caller, without an invite.
        const plain = server.services.tickets.consume((await call(callBody(dial))).json<{ ticket: string }>().ticket);
        expect(plain?.inviteCode).toBeUndefined();
        expect(plain?.identity).toMatch(/^sip:/);
      });

      it('refuses with the same 403 a revoked or expired invite\u2019s PIN, a member\u2019s PIN taken off the roster, another room\u2019s PIN and a wrong one', async () => {
        const { roomId, anna, bernd, dial } = await committeeRoom();
        const [annaPin, berndPin] = await pinsOf(roomId);
        const wrong = await call(callBody(dial, { pin: wrongPin(annaPin!.pin) }));
        expect(wrong.statusCode).toBe(403);
        expect((await server.app.inject({ method: 'DELETE', url: `/v1/rooms/${roomId}/invites/${anna}`, headers: { cookie: owner.cookie, 'x-csrf-token': owner.csrf } })).statusCode).toBe(204);
        const revoked = await call(callBody(dial, { pin: annaPin!.pin }));
        expect(revoked.statusCode).toBe(403);
        expect(revoked.body).toBe(wrong.body);
        // A revoked invite is no longer listed.
        expect((await pinsOf(roomId)).map((p) => p.invite_code)).toEqual([bernd]);

        await server.services.storage.db.updateTable('invites').set({ expires_at: new Date(Date.now() + offsetMs - 1000) }).where('code', '=', bernd).execute();
        const expired = await call(callBody(dial, { pin: berndPin!.pin }));
        expect(expired.body).toBe(wrong.body);

        const other = await committeeRoom();
        const [otherPin] = await pinsOf(other.roomId);
        expect((await call(callBody(dial, { pin: otherPin!.pin }))).body).toBe(wrong.body);
        expect((await call(callBody(other.dial, { pin: otherPin!.pin }))).statusCode).toBe(200);
        await server.api('PUT', `/v1/rooms/${other.roomId}/roster`, { members: [{ display_name: 'Carla Clausen', role: 'member' }] }, owner);
        expect((await call(callBody(other.dial, { pin: otherPin!.pin }))).body).toBe(wrong.body);
      });

      it('counts wrong personal PINs with the room\u2019s lockout: the right personal PIN is refused with 429 until the wait has passed', async () => {
        const { roomId, dial } = await committeeRoom();
        const [pin] = await pinsOf(roomId);
        const source = freshSource();
        for (let i = 0; i < 5; i++) expect((await call(callBody(dial, { source, pin: wrongPin(pin!.pin) }))).statusCode, `failure ${i + 1}`).toBe(403);
        const locked = await call(callBody(dial, { source, pin: pin!.pin }));
        expect(locked.statusCode).toBe(429);
        expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        offsetMs += Number(locked.headers['retry-after']) * 1000;
        expect((await call(callBody(dial, { source, pin: pin!.pin }))).statusCode).toBe(200);
      });

      it('writes neither a personal PIN nor the invite code to the log', async () => {
        const { roomId, anna, dial } = await committeeRoom();
        const [pin] = await pinsOf(roomId);
        expect((await call(callBody(dial, { pin: wrongPin(pin!.pin) }))).statusCode).toBe(403);
        expect((await call(callBody(dial, { pin: pin!.pin }))).statusCode).toBe(200);
        expect((await regeneratePersonal(roomId, anna)).statusCode).toBe(200);
        const text = log.text();
        expect(text).toContain('telephone personal PIN regenerated');
        for (const secret of [pin!.pin, wrongPin(pin!.pin)]) expect(text).not.toMatch(new RegExp(`(?<![0-9])${secret}(?![0-9])`));
        expect(text).not.toContain(anna);
      });

      it('regenerates one invite\u2019s PIN or all of them: the old ones stop working', async () => {
        const { roomId, anna, bernd, shared, dial } = await committeeRoom();
        const [a0, b0] = await pinsOf(roomId);
        const one = await regeneratePersonal(roomId, anna);
        expect(one.statusCode).toBe(200);
        expect(one.headers['cache-control']).toBe('no-store');
        const [a1, b1] = one.json<PersonalPin[]>();
        expect(a1!.pin).not.toBe(a0!.pin);
        expect(b1!.pin).toBe(b0!.pin);
        expect((await call(callBody(dial, { pin: a0!.pin }))).statusCode).toBe(403);
        expect((await call(callBody(dial, { pin: a1!.pin }))).statusCode).toBe(200);
        // Only a personal invite has one: the shared link and a made-up code are not found.
        expect((await regeneratePersonal(roomId, shared)).statusCode).toBe(404);
        expect((await regeneratePersonal(roomId, 'A'.repeat(22))).statusCode).toBe(404);
        expect((await regeneratePersonal(roomId, anna, other)).statusCode).toBe(403);

        const all = (await regeneratePersonal(roomId)).json<PersonalPin[]>();
        expect(all.map((p) => p.invite_code)).toEqual([anna, bernd]);
        expect(all[1]!.pin).not.toBe(b1!.pin);
        expect((await call(callBody(dial, { pin: b1!.pin }))).statusCode).toBe(403);
        expect((await call(callBody(dial, { pin: all[1]!.pin }))).statusCode).toBe(200);
        expect((await regeneratePersonal(roomId, undefined, other)).statusCode).toBe(403);
      });
    });

    it('is in the OpenAPI document with the bearer scheme and its bodies', async () => {
      const spec = (await server.app.inject({ method: 'GET', url: '/docs/json' })).json<{
        paths: Record<string, Record<string, { security?: unknown; requestBody?: unknown; responses: Record<string, unknown> }>>;
        components: { securitySchemes: Record<string, unknown> };
      }>();
      const route = spec.paths['/v1/service/telephone/calls']?.post;
      expect(route?.security).toEqual([{ telephoneService: [] }]);
      expect(route?.requestBody).toBeDefined();
      expect(Object.keys(route?.responses ?? {})).toEqual(expect.arrayContaining(['200', '401', '403', '429']));
      expect(spec.components.securitySchemes.telephoneService).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(spec.paths['/v1/rooms/{id}/telephone']?.get).toBeDefined();
      expect(spec.paths['/v1/rooms/{id}/telephone/regenerate']?.post).toBeDefined();
    });

    it('writes neither the PIN, the service token nor the caller\u2019s number to the log', async () => {
      const d = await dialIn(await newRoom());
      const bad = wrongPin(d.pin);
      expect((await call(callBody(d, { pin: bad }))).statusCode).toBe(403);
      expect((await call(callBody(d, { pin: `${d.pin}x` }))).statusCode).toBe(400);
      expect((await call(callBody(d))).statusCode).toBe(200);
      expect((await regenerate(await newRoom(), owner)).statusCode).toBe(200);
      await fetch(`${server.listenUrl}/v1/service/telephone/calls`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(callBody(d)),
      });
      const text = log.text();
      expect(text).toContain('telephone caller admitted to signaling');
      for (const secret of [d.pin, bad]) expect(text).not.toMatch(new RegExp(`(?<![0-9])${secret}(?![0-9])`));
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain('4711212');
    });
  });
});

describe('telephone routes without TELEPHONE_SERVICE_TOKEN', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  it('has no service call (404), while moderators still see the ID and PIN, without a number', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/service/telephone/calls', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.statusCode).toBe(404);
    const owner = await server.loginAs('user', 'Owner');
    const room = await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Rat' }, owner);
    const dial = await server.app.inject({ method: 'GET', url: `/v1/rooms/${room.id}/telephone`, headers: { cookie: owner.cookie } });
    expect(dial.json()).toMatchObject({ dial_in_number: null });
  });
});

describe('telephone routes with FEATURES_DISABLED=telephone (with meetings, which needs it for the dial-in in invitations)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { TELEPHONE_SERVICE_TOKEN: TOKEN, FEATURES_DISABLED: 'telephone,meetings' } });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  it('registers none of its routes', async () => {
    const owner = await server.loginAs('user', 'Owner');
    const room = await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Rat' }, owner);
    expect((await server.app.inject({ method: 'GET', url: `/v1/rooms/${room.id}/telephone`, headers: { cookie: owner.cookie } })).statusCode).toBe(404);
    expect((await server.app.inject({ method: 'POST', url: '/v1/service/telephone/calls', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(404);
  });
});
