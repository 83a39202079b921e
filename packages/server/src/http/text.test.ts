import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../storage/testing.ts';
import { startTestServer, type TestServer } from '../testing/server.ts';

/**
 * Audit finding 4 (issue #11): U+0000 and other control characters in human text used to reach the database
 * (PostgreSQL text and jsonb cannot hold U+0000: 500) or the room (a guest named "Eve\u0000" broke every vote).
 * Every free-text field of a request body is a 400 problem+json naming the field, and nothing is stored.
 */
describe.each(backends)('human text in REST bodies on %s', (backend) => {
  let server: TestServer;
  let owner: { cookie: string; csrf: string };
  let roomId: string;
  let inviteCode: string;

  async function call(method: string, path: string, body: unknown, who: { cookie?: string; csrf?: string } = owner) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (who.cookie) headers.cookie = who.cookie;
    if (who.csrf) headers['x-csrf-token'] = who.csrf;
    const res = await fetch(`${server.url}${path}`, { method, headers, body: JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : null };
  }

  async function count(table: 'rooms' | 'invites' | 'committee_members' | 'agenda_items'): Promise<number> {
    const row = await server.services.storage.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  function expectRefused(res: Awaited<ReturnType<typeof call>>, field: string) {
    expect(res.status).toBe(400);
    expect(res.type).toContain('application/problem+json');
    expect(res.body).toMatchObject({ code: 'PLENUM_ERR_VALIDATION', status: 400 });
    expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: field, message: expect.stringMatching(/must not contain/) })]));
  }

  beforeAll(async () => {
    server = await startTestServer({ backend });
    owner = await server.loginAs('user', 'Olga Owner');
    roomId = (await call('POST', '/v1/rooms', { name: 'Bauausschuss' })).body.id;
    inviteCode = (await call('POST', `/v1/rooms/${roomId}/invites`, { label: 'Presse' })).body.code;
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  it('refuses U+0000 in a room name (create and rename) and stores nothing', async () => {
    const before = await count('rooms');
    expectRefused(await call('POST', '/v1/rooms', { name: 'Rat\u0000' }), '/name');
    expectRefused(await call('POST', '/v1/rooms', { name: 'Rat\u202Egeheim' }), '/name');
    expectRefused(await call('PATCH', `/v1/rooms/${roomId}`, { name: 'Rat\u0000' }), '/name');
    expect(await count('rooms')).toBe(before);
    expect((await call('GET', `/v1/rooms/${roomId}`, undefined)).body.name).toBe('Bauausschuss');
  });

  it('stores an accepted room name in NFC', async () => {
    const created = await call('POST', '/v1/rooms', { name: 'Re\u0301union' });
    expect(created.status).toBe(201);
    expect(created.body.name).toBe('R\u00e9union');
  });

  it('refuses U+0000 in an invite label and stores nothing', async () => {
    const before = await count('invites');
    expectRefused(await call('POST', `/v1/rooms/${roomId}/invites`, { label: 'Presse\u0000' }), '/label');
    expectRefused(await call('POST', `/v1/rooms/${roomId}/invites`, { label: 'Presse\u0085' }), '/label');
    expect(await count('invites')).toBe(before);
  });

  it('refuses U+0000 in a roster name and keeps the roster', async () => {
    const kept = await call('PUT', `/v1/rooms/${roomId}/roster`, { members: [{ display_name: 'Anna Amt', role: 'member' }] });
    expect(kept.status).toBe(200);
    const res = await call('PUT', `/v1/rooms/${roomId}/roster`, { members: [{ display_name: 'Bert', role: 'member' }, { display_name: 'Eve\u0000', role: 'member' }] });
    expectRefused(res, '/members/1/display_name');
    expect(await count('committee_members')).toBe(1);
    expect((await call('GET', `/v1/rooms/${roomId}/roster`, undefined)).body.members.map((m: { display_name: string }) => m.display_name)).toEqual(['Anna Amt']);
  });

  it('refuses U+0000 in an agenda title and bidi controls in its texts, and keeps the agenda', async () => {
    expect((await call('PUT', `/v1/rooms/${roomId}/agenda`, { items: [{ title: 'Eröffnung', description: 'Zeile 1\nZeile 2' }] })).status).toBe(200);
    expectRefused(await call('PUT', `/v1/rooms/${roomId}/agenda`, { items: [{ title: 'Haushalt\u0000' }] }), '/items/0/title');
    expectRefused(await call('PUT', `/v1/rooms/${roomId}/agenda`, { items: [{ title: 'Haushalt', description: 'a\u0000b' }] }), '/items/0/description');
    expectRefused(await call('PUT', `/v1/rooms/${roomId}/agenda`, { items: [{ title: 'Haushalt', motion: 'Wir \u202Enelhelba\u202C' }] }), '/items/0/motion');
    expect(await count('agenda_items')).toBe(1);
    const agenda = (await call('GET', `/v1/rooms/${roomId}/agenda`, undefined)).body;
    expect(agenda.items).toMatchObject([{ title: 'Eröffnung', description: 'Zeile 1\nZeile 2' }]);
  });

  it('refuses a guest named "Eve\\u0000" at /start-invited: no ticket; "Eve" is welcome', async () => {
    const refused = await call('POST', `/v1/rooms/${roomId}/start-invited`, { invite_code: inviteCode, display_name: 'Eve\u0000' }, {});
    expectRefused(refused, '/display_name');
    expect(refused.body).not.toHaveProperty('ticket');
    expectRefused(await call('POST', `/v1/rooms/${roomId}/start-invited`, { invite_code: inviteCode, display_name: '\u202EEve' }, {}), '/display_name');
    const welcome = await call('POST', `/v1/rooms/${roomId}/start-invited`, { invite_code: inviteCode, display_name: 'E\u0301ve' }, {});
    expect(welcome.status).toBe(200);
    expect(server.services.tickets.consume(welcome.body.ticket)).toMatchObject({ kind: 'guest', displayName: '\u00c9ve' });
  });
});
