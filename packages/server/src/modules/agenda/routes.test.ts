import { Agenda, CommitteeSettings, PROTOCOL_VERSION, Roster, SIGNALING_SUBPROTOCOL, computeQuorum, rosterMemberFor } from '@plenum/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { backends } from '../../storage/testing.ts';
import { SignalingClient } from '../../testing/signaling-client.ts';
import { startTestServer, type TestServer } from '../../testing/server.ts';
import { CommitteeRepository } from './storage.ts';

type Who = { cookie?: string; csrf?: string };

describe.each(backends)('committee API on %s', (backend) => {
  let server: TestServer;
  let owner: Who & { userId: string };
  let other: Who & { userId: string };
  let admin: Who & { userId: string };
  const anonymous: Who = {};
  let roomId: string;
  let otherRoomId: string;
  let inviteCode: string;
  let foreignInvite: string;

  async function call(who: Who, method: string, path: string, body?: unknown) {
    const h: Record<string, string> = {};
    if (who.cookie) h.cookie = who.cookie;
    if (who.csrf && method !== 'GET') h['x-csrf-token'] = who.csrf;
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await fetch(`${server.url}${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', text, body: text ? JSON.parse(text) : undefined };
  }

  beforeAll(async () => {
    server = await startTestServer({ backend });
    owner = await server.loginAs('user', 'Olga Owner');
    other = await server.loginAs('user', 'Otto Other');
    admin = await server.loginAs('admin', 'Ada Admin');
    roomId = (await call(owner, 'POST', '/v1/rooms', { name: 'Bauausschuss' })).body.id;
    otherRoomId = (await call(other, 'POST', '/v1/rooms', { name: 'Elsewhere' })).body.id;
    inviteCode = (await call(owner, 'POST', `/v1/rooms/${roomId}/invites`, { label: 'Bernd Bürger' })).body.code;
    foreignInvite = (await call(other, 'POST', `/v1/rooms/${otherRoomId}/invites`, {})).body.code;
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  describe('permission matrix', () => {
    const requests: [string, string, (room: string) => string, unknown][] = [
      ['GET roster', 'GET', (r) => `/v1/rooms/${r}/roster`, undefined],
      ['PUT roster', 'PUT', (r) => `/v1/rooms/${r}/roster`, { members: [{ display_name: 'Secret Sam', role: 'member' }] }],
      ['GET agenda', 'GET', (r) => `/v1/rooms/${r}/agenda`, undefined],
      ['PUT agenda', 'PUT', (r) => `/v1/rooms/${r}/agenda`, { items: [{ title: 'Secret item' }] }],
      ['GET settings', 'GET', (r) => `/v1/rooms/${r}/committee-settings`, undefined],
      ['PUT settings', 'PUT', (r) => `/v1/rooms/${r}/committee-settings`, { quorum: { rule: 'at_least_two_thirds' } }],
    ];
    const expected = { owner: 200, admin: 200, other: 403, anonymous: 401 } as const;
    for (const [name, method, path, body] of requests) {
      for (const [role, status] of Object.entries(expected) as [keyof typeof expected, number][]) {
        it(`${name} as ${role} → ${status}`, async () => {
          const who = { owner, admin, other, anonymous }[role];
          const room = (await call(owner, 'POST', '/v1/rooms', { name: 'Matrix' })).body.id as string;
          const res = await call(who, method, path(room), body);
          expect(res.status).toBe(status);
          const repo = new CommitteeRepository(server.services.storage.db);
          if (status !== 200) {
            expect(res.type).toContain('application/problem+json');
            expect(res.body).toMatchObject({ status, code: status === 401 ? 'PLENUM_ERR_UNAUTHENTICATED' : 'PLENUM_ERR_FORBIDDEN' });
            // A refused write changed nothing.
            expect(await repo.listRoster(room)).toEqual([]);
            expect(await repo.listAgenda(room)).toEqual([]);
            expect(await repo.settings(room)).toEqual({ rule: 'more_than_half', count: null });
          } else if (method === 'PUT') {
            const changed = (await repo.listRoster(room)).length + (await repo.listAgenda(room)).length + ((await repo.settings(room)).rule === 'more_than_half' ? 0 : 1);
            expect(changed).toBe(1);
          }
        });
      }
    }
    it('PUT without the CSRF token → 403 and nothing changes', async () => {
      const res = await call({ cookie: owner.cookie! }, 'PUT', `/v1/rooms/${roomId}/agenda`, { items: [{ title: 'x' }] });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('PLENUM_ERR_CSRF');
    });
  });

  it('roster: members by account, e-mail and personal invite, a deputy for a new member, ids kept across edits', async () => {
    const alice = await server.loginAs('user', 'Alice Account');
    await server.services.storage.db.updateTable('users').set({ email: 'Alice@Example.org' }).where('id', '=', alice.userId).execute();
    const chairId = crypto.randomUUID();
    const res = await call(owner, 'PUT', `/v1/rooms/${roomId}/roster`, {
      members: [
        { id: chairId, display_name: 'Olga Owner', user_id: owner.userId, role: 'member' },
        { display_name: 'Alice', user_email: 'alice@example.org', role: 'member' },
        { display_name: 'Bernd', invite_code: inviteCode, role: 'member', voting: true },
        { display_name: 'Deputy Dora', role: 'deputy', substitutes_for: chairId },
        { display_name: 'Guest expert', role: 'member', voting: false },
      ],
    });
    expect(res.status).toBe(200);
    const roster = Roster.parse(res.body).members;
    expect(roster.map((m) => [m.display_name, m.position, m.role, m.voting])).toEqual([
      ['Olga Owner', 0, 'member', true],
      ['Alice', 1, 'member', true],
      ['Bernd', 2, 'member', true],
      ['Deputy Dora', 3, 'deputy', true],
      ['Guest expert', 4, 'member', false],
    ]);
    // What the editor wrote, nothing of the accounts: the own account by id, Alice by the address as written.
    expect(roster[0]).toMatchObject({ id: chairId, user_id: owner.userId, user_email: null });
    expect(roster[1]).toMatchObject({ user_id: null, user_email: 'alice@example.org' });
    expect(res.text).not.toContain('Alice Account');
    expect(res.text).not.toContain('Alice@Example.org');
    expect(res.text).not.toContain(alice.userId);
    expect(roster[2]).toMatchObject({ invite_code: inviteCode, invite_label: 'Bernd Bürger', user_id: null });
    expect(roster[3]).toMatchObject({ substitutes_for: chairId });

    // Reorder and drop one: kept ids stay, the deputy's reference survives.
    const again = await call(owner, 'PUT', `/v1/rooms/${roomId}/roster`, {
      members: [roster[3], roster[2], roster[1], roster[0]].map((m) => ({
        id: m!.id,
        display_name: m!.display_name,
        ...(m!.user_email ? { user_email: m!.user_email } : { user_id: m!.user_id }),
        invite_code: m!.invite_code,
        role: m!.role,
        voting: m!.voting,
        substitutes_for: m!.substitutes_for,
      })),
    });
    expect(again.status).toBe(200);
    const reordered = Roster.parse(again.body).members;
    expect(reordered.map((m) => m.id)).toEqual([roster[3]!.id, roster[2]!.id, roster[1]!.id, roster[0]!.id]);
    expect(reordered.map((m) => m.position)).toEqual([0, 1, 2, 3]);
    expect(reordered[0]!.substitutes_for).toBe(chairId);
    expect(Roster.parse((await call(admin, 'GET', `/v1/rooms/${roomId}/roster`)).body).members).toEqual(reordered);

    // What the legal_vote module uses.
    const repo = new CommitteeRepository(server.services.storage.db);
    const listed = await repo.listRoster(roomId);
    expect(rosterMemberFor(listed, { userId: alice.userId })?.display_name).toBe('Alice');
    expect(rosterMemberFor(listed, { inviteCode })?.display_name).toBe('Bernd');
    expect(rosterMemberFor(listed, { userId: other.userId })).toBeUndefined();
    const present = new Set([rosterMemberFor(listed, { inviteCode })!.id, roster[3]!.id]);
    expect(computeQuorum(listed, present, await repo.settings(roomId))).toEqual({ quorate: true, present: 2, required: 2, members: 3 });
  });

  it('roster validation: foreign invites, other accounts by id, bad substitutions, duplicates → 400 and nothing changes', async () => {
    const before = (await call(owner, 'GET', `/v1/rooms/${roomId}/roster`)).body;
    const memberId = crypto.randomUUID();
    const bad: [unknown[], string][] = [
      [[{ display_name: 'X', invite_code: foreignInvite, role: 'member' }], 'members.0.invite_code'],
      [[{ display_name: 'X', invite_code: 'does-not-exist', role: 'member' }], 'members.0.invite_code'],
      [[{ display_name: 'X', user_id: crypto.randomUUID(), role: 'member' }], 'members.0.user_id'],
      [[{ display_name: 'X', user_id: other.userId, role: 'member' }], 'members.0.user_id'],
      [
        [
          { display_name: 'A', user_email: 'same@example.org', role: 'member' },
          { display_name: 'B', user_email: 'Same@Example.org', role: 'member' },
        ],
        'members.1.user_email',
      ],
      [[{ display_name: 'D', role: 'deputy', substitutes_for: crypto.randomUUID() }], 'members.0.substitutes_for'],
      [
        [
          { id: memberId, display_name: 'D1', role: 'deputy' },
          { display_name: 'D2', role: 'deputy', substitutes_for: memberId },
        ],
        'members.1.substitutes_for',
      ],
      [
        [
          { display_name: 'A', user_id: owner.userId, role: 'member' },
          { display_name: 'B', user_id: owner.userId, role: 'member' },
        ],
        'members.1.user_id',
      ],
      [
        [
          { display_name: 'A', invite_code: inviteCode, role: 'member' },
          { display_name: 'B', invite_code: inviteCode, role: 'member' },
        ],
        'members.1.invite_code',
      ],
      [
        [
          { id: memberId, display_name: 'A', role: 'member' },
          { id: memberId, display_name: 'B', role: 'member' },
        ],
        'members.1.id',
      ],
    ];
    for (const [members, path] of bad) {
      const res = await call(owner, 'PUT', `/v1/rooms/${roomId}/roster`, { members });
      expect(res.status, path).toBe(400);
      expect(res.type).toContain('application/problem+json');
      expect(res.body.errors, path).toEqual([expect.objectContaining({ path })]);
    }
    // Schema refusals: a member substituting, an unknown role.
    expect((await call(owner, 'PUT', `/v1/rooms/${roomId}/roster`, { members: [{ display_name: 'X', role: 'member', substitutes_for: memberId }] })).status).toBe(400);
    expect((await call(owner, 'PUT', `/v1/rooms/${roomId}/roster`, { members: [{ display_name: 'X', role: 'chair' }] })).status).toBe(400);
    // An id of another room's member cannot be taken over.
    const foreign = await call(other, 'PUT', `/v1/rooms/${otherRoomId}/roster`, { members: [{ display_name: 'Theirs', role: 'member' }] });
    const theirId = foreign.body.members[0].id;
    expect((await call(owner, 'PUT', `/v1/rooms/${roomId}/roster`, { members: [{ id: theirId, display_name: 'Mine', role: 'member' }] })).status).toBe(400);
    expect((await call(owner, 'GET', `/v1/rooms/${roomId}/roster`)).body).toEqual(before);
    expect((await call(other, 'GET', `/v1/rooms/${otherRoomId}/roster`)).body.members[0].display_name).toBe('Theirs');
  });

  it('no account enumeration: a known and an unknown e-mail (or account id) get the same answer, and no answer shows an account', async () => {
    const db = server.services.storage.db;
    const vera = await server.loginAs('user', 'Vera Verborgen');
    await db.updateTable('users').set({ email: 'vera@example.org' }).where('id', '=', vera.userId).execute();
    // Any logged-in user can own a room: Otto probes from his own.
    const room = (await call(other, 'POST', '/v1/rooms', { name: 'Probe' })).body.id as string;
    const memberId = crypto.randomUUID();
    const byEmail = async (email: string) => {
      const put = await call(other, 'PUT', `/v1/rooms/${room}/roster`, { members: [{ id: memberId, display_name: 'Probe', user_email: email, role: 'member' }] });
      const get = await call(other, 'GET', `/v1/rooms/${room}/roster`);
      return { put, get, shown: (r: { status: number; text: string }) => `${r.status} ${r.text.replaceAll(email, '<email>')}` };
    };
    const known = await byEmail('Vera@Example.org');
    const repo = new CommitteeRepository(db);
    // The link works: in the meeting Vera is this member.
    expect(rosterMemberFor(await repo.listRoster(room), { userId: vera.userId })?.id).toBe(memberId);
    const unknown = await byEmail('nobody-has-this@example.org');
    expect(known.put.status).toBe(200);
    expect(known.shown(known.put)).toBe(unknown.shown(unknown.put));
    expect(known.shown(known.get)).toBe(unknown.shown(unknown.get));
    for (const r of [known.put, known.get]) {
      expect(r.text).not.toContain('vera@example.org');
      expect(r.text).not.toContain('Vera Verborgen');
      expect(r.text).not.toContain(vera.userId);
    }

    // By id: another person's existing account and an id nobody has get the same refusal.
    const byId = async (userId: string) => {
      const r = await call(other, 'PUT', `/v1/rooms/${room}/roster`, { members: [{ display_name: 'Probe', user_id: userId, role: 'member' }] });
      return { status: r.status, body: { ...r.body, instance: undefined } };
    };
    const existing = await byId(vera.userId);
    expect(existing.status).toBe(400);
    expect(existing).toEqual(await byId(crypto.randomUUID()));
    expect(JSON.stringify(existing)).not.toContain('Vera');

    // Several accounts with one address: still no hint, and no link (nobody can tell which person it is).
    const twin = await server.loginAs('user', 'Vera Twin');
    await db.updateTable('users').set({ email: 'twins@example.org' }).where('id', '=', vera.userId).execute();
    await db.updateTable('users').set({ email: 'twins@example.org' }).where('id', '=', twin.userId).execute();
    const twins = await byEmail('twins@example.org');
    expect(twins.shown(twins.put)).toBe(unknown.shown(unknown.put));
    expect(rosterMemberFor(await repo.listRoster(room), { userId: twin.userId })).toBeUndefined();

    // An address without an account yet: the person who signs up with it later is the member.
    const pending = await byEmail('later@example.org');
    expect(pending.put.status).toBe(200);
    expect(await repo.listRoster(room)).toEqual([expect.objectContaining({ id: memberId, user_id: null })]);
    const late = await server.services.users.upsertFromLogin({ issuer: 'urn:plenum:test', subject: `late-${crypto.randomUUID()}`, displayName: 'Lena Late', email: 'Later@example.org', role: 'user' });
    expect(rosterMemberFor(await repo.listRoster(room), { userId: late.id })?.id).toBe(memberId);
    // Saving the roster again keeps her link, and still shows only the address as written.
    const again = await call(other, 'PUT', `/v1/rooms/${room}/roster`, { members: [{ id: memberId, display_name: 'Probe', user_email: 'later@example.org', role: 'member' }] });
    expect(again.text).not.toContain(late.id);
    expect(rosterMemberFor(await repo.listRoster(room), { userId: late.id })?.id).toBe(memberId);
  });

  it('agenda: ordered items with public flag and motion, reorder keeps ids, unknown room → 404', async () => {
    const res = await call(owner, 'PUT', `/v1/rooms/${roomId}/agenda`, {
      items: [
        { title: 'Eröffnung', description: '   ' },
        { title: 'Haushalt 2027', description: 'Entwurf', motion: 'Der Ausschuss empfiehlt den Haushalt.' },
        { title: 'Personalsache', public: false },
      ],
    });
    expect(res.status).toBe(200);
    const items = Agenda.parse(res.body).items;
    expect(items.map((i) => [i.position, i.title, i.public, i.motion])).toEqual([
      [0, 'Eröffnung', true, null],
      [1, 'Haushalt 2027', true, 'Der Ausschuss empfiehlt den Haushalt.'],
      [2, 'Personalsache', false, null],
    ]);
    expect(items[0]!.description).toBeNull();
    expect(items[1]!.description).toBe('Entwurf');
    const swapped = await call(owner, 'PUT', `/v1/rooms/${roomId}/agenda`, { items: [items[1]!, items[0]!, items[2]!].map(({ position: _p, ...i }) => i) });
    expect(Agenda.parse(swapped.body).items.map((i) => [i.id, i.position])).toEqual([
      [items[1]!.id, 0],
      [items[0]!.id, 1],
      [items[2]!.id, 2],
    ]);
    expect((await call(owner, 'PUT', `/v1/rooms/${roomId}/agenda`, { items: [{ title: '' }] })).status).toBe(400);
    expect((await call(owner, 'GET', `/v1/rooms/${crypto.randomUUID()}/agenda`)).status).toBe(404);
    expect(Agenda.parse((await call(owner, 'GET', `/v1/rooms/${roomId}/agenda`)).body).items).toHaveLength(3);
  });

  it('committee settings: default more than half; a count is kept only for at_least_count and required for it', async () => {
    const room = (await call(owner, 'POST', '/v1/rooms', { name: 'Settings' })).body.id;
    expect(CommitteeSettings.parse((await call(owner, 'GET', `/v1/rooms/${room}/committee-settings`)).body)).toEqual({ quorum: { rule: 'more_than_half', count: null } });
    expect((await call(owner, 'PUT', `/v1/rooms/${room}/committee-settings`, { quorum: { rule: 'at_least_count' } })).status).toBe(400);
    expect((await call(owner, 'PUT', `/v1/rooms/${room}/committee-settings`, { quorum: { rule: 'at_least_count', count: 5 } })).body).toEqual({ quorum: { rule: 'at_least_count', count: 5 } });
    expect((await call(owner, 'PUT', `/v1/rooms/${room}/committee-settings`, { quorum: { rule: 'at_least_two_thirds', count: 5 } })).body).toEqual({
      quorum: { rule: 'at_least_two_thirds', count: null },
    });
    expect((await call(owner, 'GET', `/v1/rooms/${room}/committee-settings`)).body).toEqual({ quorum: { rule: 'at_least_two_thirds', count: null } });
  });

  it('the running server loads roster and agenda into the meeting: join_success has the agenda and the quorum', async () => {
    const room = (await call(owner, 'POST', '/v1/rooms', { name: 'Live' })).body.id as string;
    await call(owner, 'PUT', `/v1/rooms/${room}/roster`, { members: [{ display_name: 'Olga', user_id: owner.userId, role: 'member' }] });
    await call(owner, 'PUT', `/v1/rooms/${room}/agenda`, { items: [{ title: 'TOP 1' }, { title: 'TOP 2' }] });
    const start = (await call(owner, 'POST', `/v1/rooms/${room}/start`, {})).body;
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/signaling`, [SIGNALING_SUBPROTOCOL, `ticket.${start.ticket}`], { origin: server.url });
    const received: { namespace: string; payload: { message: string; [k: string]: unknown } }[] = [];
    ws.on('message', (data: Buffer) => received.push(JSON.parse(data.toString())));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ namespace: 'control', payload: { action: 'join', protocol_version: PROTOCOL_VERSION } }));
    await expect.poll(() => received.some((m) => m.payload.message === 'join_success'), { timeout: 10_000 }).toBe(true);
    const join = received.find((m) => m.payload.message === 'join_success')!.payload as unknown as {
      modules: { agenda: { items: { title: string }[]; quorum: { quorate: boolean; present: number; members: number } } };
    };
    expect(join.modules.agenda.items.map((i) => i.title)).toEqual(['TOP 1', 'TOP 2']);
    expect(join.modules.agenda.quorum).toMatchObject({ quorate: true, present: 1, members: 1 });
    ws.send(JSON.stringify({ namespace: 'agenda', payload: { action: 'next' } }));
    await expect.poll(() => received.some((m) => m.namespace === 'agenda' && m.payload.message === 'current'), { timeout: 10_000 }).toBe(true);
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    ws.send(JSON.stringify({ namespace: 'control', payload: { action: 'leave' } }));
    await closed;
  });

  it('edits saved while the meeting runs reach it at once: agenda, quorum, the vote\'s quorum check and later joins (#15 defect 3)', async () => {
    const room = (await call(owner, 'POST', '/v1/rooms', { name: 'Running' })).body.id as string;
    const signalingUrl = `${server.url.replace(/^http/, 'ws')}/signaling`;
    const chair = await SignalingClient.open(signalingUrl, (await call(owner, 'POST', `/v1/rooms/${room}/start`, {})).body.ticket);
    chair.join();
    const join = (await chair.next('control', 'join_success')) as unknown as { modules: { agenda: { items: unknown[]; quorum: { members: number } } } };
    expect(join.modules.agenda.items).toEqual([]);
    expect(join.modules.agenda.quorum.members).toBe(0);

    // The committee page saves while the meeting runs; nobody presses "Reload agenda".
    const agendaSaved = await call(owner, 'PUT', `/v1/rooms/${room}/agenda`, { items: [{ title: 'TOP 1 Haushalt' }, { title: 'TOP 2 Bauantrag' }] });
    expect(agendaSaved.status).toBe(200);
    const agenda = await chair.next('agenda', 'agenda', (p) => (p.items as unknown[]).length === 2);
    expect((agenda.items as { title: string }[]).map((i) => i.title)).toEqual(['TOP 1 Haushalt', 'TOP 2 Bauantrag']);

    const rosterSaved = await call(owner, 'PUT', `/v1/rooms/${room}/roster`, {
      members: [
        { display_name: 'Olga', user_id: owner.userId, role: 'member' },
        { display_name: 'Abwesend A', role: 'member' },
        { display_name: 'Abwesend B', role: 'member' },
      ],
    });
    expect(rosterSaved.status).toBe(200);
    const quorum = await chair.next('agenda', 'quorum', (p) => p.members === 3);
    expect(quorum).toMatchObject({ quorate: false, present: 1, required: 2, members: 3 });

    // legal_vote reads the same room-level data: without a roster this vote would start; now it is not quorate.
    chair.send('legal_vote', { action: 'start', title: 'Haushalt', kind: 'roll_call', options: { type: 'yes_no' } });
    expect(await chair.next('legal_vote', 'error')).toMatchObject({ error: 'not_quorate', action: 'start' });

    // The quorum rule too; and someone joining now gets it all in join_success.
    expect((await call(owner, 'PUT', `/v1/rooms/${room}/committee-settings`, { quorum: { rule: 'at_least_count', count: 1 } })).status).toBe(200);
    expect(await chair.next('agenda', 'quorum', (p) => p.quorate === true)).toMatchObject({ quorate: true, present: 1, required: 1, members: 3 });
    const admin2 = await SignalingClient.open(signalingUrl, (await call(admin, 'POST', `/v1/rooms/${room}/start`, {})).body.ticket);
    admin2.join();
    const late = (await admin2.next('control', 'join_success')) as unknown as { modules: { agenda: { items: { title: string }[]; quorum: { quorate: boolean; members: number } } } };
    expect(late.modules.agenda.items.map((i) => i.title)).toEqual(['TOP 1 Haushalt', 'TOP 2 Bauantrag']);
    expect(late.modules.agenda.quorum).toMatchObject({ quorate: true, members: 3 });
    chair.close();
    admin2.close();
    await Promise.all([chair.closed, admin2.closed]);
  });

  it('is documented in the OpenAPI description', async () => {
    const spec = (await call(anonymous, 'GET', '/docs/json')).body;
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/v1/rooms/{id}/roster', '/v1/rooms/{id}/agenda', '/v1/rooms/{id}/committee-settings']));
    expect(Object.keys(spec.paths['/v1/rooms/{id}/roster'])).toEqual(expect.arrayContaining(['get', 'put']));
  });
});
