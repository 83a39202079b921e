import { PROTOCOL_VERSION, SIGNALING_SUBPROTOCOL } from '@plenum/protocol';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { RecordingRepository } from './modules/recording/storage.ts';
import { restPolicy, restRoles, type RestRule } from './permissions.ts';
import { startTestServer, type TestServer } from './testing/server.ts';

const METRICS_TOKEN = 'metrics-token-for-the-permission-matrix-0123456789';
const TELEPHONE_SERVICE_TOKEN = 'telephone-token-for-the-permission-matrix-0123456789';
/** Shaped like an invite code, but issued by no one. */
const MADE_UP_CODE = 'madeUpInviteCode000000';
type RestRole = (typeof restRoles)[number] | 'admin';
type Login = Awaited<ReturnType<TestServer['loginAs']>>;

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ env: { METRICS_TOKEN, TELEPHONE_SERVICE_TOKEN } });
});
afterAll(async () => {
  await server?.close();
});

/** A room with everything its routes can name: an invite, a closed meeting, a stopped vote, sealed minutes. */
interface Fixture {
  owner: Login;
  admin: Login;
  user: Login;
  roomId: string;
  inviteCode: string;
  meetingId: string;
  voteId: string;
  recordingId: string;
  /** A planned meeting of the room (for the routes that name one). */
  plannedId: string;
}

async function fixture(key: string): Promise<Fixture> {
  const owner = await server.loginAs('user', 'Owner');
  const user = await server.loginAs('user', 'Someone');
  const admin = await server.loginAs('admin', 'Admin');
  const room = await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Council' }, owner);
  const invite = await server.api<{ code: string }>('POST', `/v1/rooms/${room.id}/invites`, {}, owner);
  const plannedId = key.includes(':plannedId')
    ? (await server.api<{ meeting: { id: string } }>('POST', `/v1/rooms/${room.id}/meetings`, { title: 'Session', start: '2030-01-08T18:00', end: '2030-01-08T20:00' }, owner)).meeting.id
    : crypto.randomUUID();
  
  const recordingId = crypto.randomUUID();
  const base = { owner, admin, user, roomId: room.id, inviteCode: invite.code, meetingId: crypto.randomUUID(), voteId: crypto.randomUUID(), recordingId, plannedId };
  if (key.includes(':recordingId')) {
    // A finished recording of the room (its file need not exist: a download is then 404, which is no refusal).
    const recordings = new RecordingRepository(server.services.storage.db);
    await recordings.create({ id: recordingId, roomId: room.id, startedAt: new Date(), filePath: `/nonexistent/${recordingId}.mp4` });
    await recordings.finish(recordingId, { endedAt: new Date(), status: 'complete', participants: [], sizeBytes: 0, sha256: null });
  }
  // A meeting and a vote only for the routes that name one (a signaling round trip each).
  if (!key.includes(':meetingId') && !key.includes(':voteId')) return base;
  const { ticket } = await server.api<{ ticket: string }>('POST', `/v1/rooms/${room.id}/start`, {}, owner);
  const ws = new WebSocket(`${server.listenUrl.replace(/^http/, 'ws')}/signaling`, [SIGNALING_SUBPROTOCOL, `ticket.${ticket}`], { origin: server.listenUrl });
  const received: { namespace: string; payload: Record<string, unknown> }[] = [];
  const waitFor = (pred: (m: (typeof received)[number]) => boolean) =>
    new Promise<(typeof received)[number]>((resolve) => {
      const hit = received.find(pred);
      if (hit) return resolve(hit);
      const on = (data: Buffer) => {
        const m = JSON.parse(data.toString()) as (typeof received)[number];
        if (pred(m)) {
          ws.off('message', on);
          resolve(m);
        }
      };
      ws.on('message', on);
    });
  ws.on('message', (data: Buffer) => received.push(JSON.parse(data.toString()) as (typeof received)[number]));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const send = (namespace: string, payload: object) => ws.send(JSON.stringify({ namespace, payload }));
  send('control', { action: 'join', protocol_version: PROTOCOL_VERSION });
  const join = await waitFor((m) => m.payload.message === 'join_success');
  const meetingId = ((join.payload.modules as Record<string, { meeting_id?: string }>).attendance?.meeting_id ?? '') as string;
  send('legal_vote', { action: 'start', title: 'Budget', kind: 'roll_call', options: { type: 'yes_no' }, auto_close: false });
  const started = await waitFor((m) => m.namespace === 'legal_vote' && (m.payload.message === 'started' || m.payload.message === 'error'));
  const voteId = ((started.payload.vote as { id?: string } | undefined)?.id ?? '') as string;
  send('legal_vote', { action: 'stop', vote_id: voteId });
  await waitFor((m) => m.namespace === 'legal_vote' && (m.payload.message === 'stopped' || m.payload.message === 'error'));
  ws.close();
  await new Promise((resolve) => ws.once('close', resolve));
  if (!meetingId || !voteId) throw new Error(`fixture incomplete: ${JSON.stringify(received.map((m) => m.payload))}`);
  return { ...base, meetingId, voteId };
}

/** A valid body for every route that takes one. */
function bodyFor(key: string, f: Fixture): unknown {
  const bodies: Record<string, unknown> = {
    'POST /v1/rooms': { name: 'Another room' },
    'POST /v1/admin/signing-key/rotate': { reason: 'permission matrix' },
    'PATCH /v1/rooms/:id': { name: 'Renamed council' },
    'POST /v1/rooms/:id/invites': { label: 'Press' },
    'POST /v1/rooms/:id/start': {},
    'POST /v1/rooms/:id/start-invited': { invite_code: f.inviteCode, display_name: 'Guest' },
    'PUT /v1/rooms/:id/roster': { members: [{ display_name: 'Member', role: 'member', voting: true }] },
    'PUT /v1/rooms/:id/agenda': { items: [{ title: 'Budget' }] },
    'PUT /v1/rooms/:id/committee-settings': { quorum: { rule: 'at_least_two_thirds' } },
    'POST /v1/invites/:code/verify': {},
    'POST /v1/rooms/:id/meetings': { title: 'Council session', start: '2030-01-08T18:00', end: '2030-01-08T20:00', invitees: [{ email: 'guest@example.org' }] },
    'PATCH /v1/meetings/:plannedId': { title: 'Moved session' },
    'POST /v1/service/telephone/calls': { dial_in_id: '1234567890', pin: '000000', caller: 'anonymous', source: '192.0.2.1', call_id: 'matrix' },
  };
  return bodies[key];
}

/** The URL of a route pattern, its parameters filled from the fixture; anonymous callers do not know the invite code. */
function urlFor(pattern: string, f: Fixture, role: RestRole): string {
  return pattern
    .replace(':id', f.roomId)
    .replace(':code', role === 'anonymous' ? MADE_UP_CODE : f.inviteCode)
    .replace(':meetingId', f.meetingId)
    .replace(':version', '1')
    .replace(':voteId', f.voteId)
    .replace(':recordingId', f.recordingId)
    .replace(':plannedId', f.plannedId)
    .replace(':uid', 'no-such-interaction')
    .replace('*', 'nothing-here');
}

async function call(key: string, f: Fixture, role: RestRole, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  const [method, pattern] = key.split(' ') as [string, string];
  const who = role === 'owner' ? f.owner : role === 'user' ? f.user : role === 'admin' ? f.admin : undefined;
  let body = bodyFor(key, f);
  if (body && role === 'anonymous' && key === 'POST /v1/rooms/:id/start-invited') body = { ...(body as object), invite_code: MADE_UP_CODE };
  return server.app.inject({
    method: method as 'GET',
    url: urlFor(pattern, f, role),
    headers: { ...(who ? { cookie: who.cookie, 'x-csrf-token': who.csrf } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
}

/** Everything the routes can change, as the owner and an admin read it back. */
async function state(f: Fixture): Promise<unknown> {
  const read = async (url: string, who: Login) => {
    const res = await server.app.inject({ method: 'GET', url, headers: { cookie: who.cookie } });
    return { status: res.statusCode, body: res.body };
  };
  const room = `/v1/rooms/${f.roomId}`;
  return {
    recording: (await new RecordingRepository(server.services.storage.db).byId(f.recordingId))?.id ?? null,
    room: await read(room, f.owner),
    rooms: await read('/v1/rooms', f.owner),
    invites: await read(`${room}/invites`, f.owner),
    roster: await read(`${room}/roster`, f.owner),
    agenda: await read(`${room}/agenda`, f.owner),
    settings: await read(`${room}/committee-settings`, f.owner),
    me: await read('/v1/me', f.user),
  };
}

const rolesOf = (rule: RestRule): RestRole[] => [...restRoles, 'admin'].filter((r) => (r === 'admin' ? rule.adminOnly === true || rule.allowed.includes('owner') || rule.allowed.includes('user') : rule.allowed.includes(r as never))) as RestRole[];

describe('the REST permission policy covers the route table', () => {
  it('has an entry for every registered route, and none for a route that does not exist', () => {
    const registered = server.app.routeTable.map((r) => `${r.method} ${r.url}`);
    expect(registered.filter((k) => !restPolicy[k]), 'routes without an entry in permissions.ts').toEqual([]);
    expect(Object.keys(restPolicy).filter((k) => !registered.includes(k)), 'policy entries for routes that do not exist').toEqual([]);
  });
});

describe.each(Object.keys(restPolicy).filter((k) => k !== 'GET /signaling'))('REST %s × every role', (key) => {
  const rule = restPolicy[key]!;
  /** Refusals change nothing (checked), so the allowed roles continue with the same fixture. */
  let shared: Fixture | undefined;

  it('refuses the other roles with 401/403 problem+json and changes nothing', async () => {
    const f = await fixture(key);
    shared = f;
    const allowed = rolesOf(rule);
    // Safe methods change nothing by HTTP's rules (and none of ours does); the others are compared before/after.
    const safe = key.startsWith('GET ') || key.startsWith('OPTIONS ');
    for (const role of [...restRoles, 'admin' as const].filter((r) => !allowed.includes(r))) {
      const before = safe ? null : await state(f);
      const res = await call(key, f, role);
      const expected = rule.refusalStatus ?? (role === 'anonymous' || role === 'guest' || (rule.allowed.length === 0 && !rule.adminOnly) ? 401 : 403);
      expect(res.statusCode, `${key} as ${role}: ${res.body}`).toBe(expected);
      expect(res.headers['content-type'], `${key} as ${role}`).toContain('application/problem+json');
      if (!safe) expect(await state(f), `${key} as ${role} changed something`).toEqual(before);
    }
  });

  it('lets the allowed roles through (no 401/403, no 5xx)', async () => {
    const f = shared ?? (await fixture(key));
    // Least privileged first: an owner's DELETE comes last.
    for (const role of [...rolesOf(rule)].reverse()) {
      const res = await call(key, f, role, key === 'GET /metrics' ? { authorization: `Bearer ${METRICS_TOKEN}` } : {});
      expect([401, 403], `${key} as ${role}: ${res.statusCode} ${res.body}`).not.toContain(res.statusCode);
      expect(res.statusCode, `${key} as ${role}: ${res.body}`).toBeLessThan(500);
    }
    if (key === 'GET /metrics') expect((await call(key, f, 'anonymous', { authorization: `Bearer ${METRICS_TOKEN}` })).statusCode).toBe(200);
    // The gateway's token gets past the gate: a made-up dial-in ID is then the ordinary refusal.
    if (key === 'POST /v1/service/telephone/calls') expect((await call(key, f, 'anonymous', { authorization: `Bearer ${TELEPHONE_SERVICE_TOKEN}` })).statusCode).toBe(403);
  });
});

describe('REST GET /signaling × every role', () => {
  it('opens only with a ticket: 401 problem+json without one, a socket with a guest or user ticket', async () => {
    const f = await fixture('GET /signaling');
    const open = (protocols: string[]) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${server.listenUrl.replace(/^http/, 'ws')}/signaling`, protocols, { origin: server.listenUrl });
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          ws.terminate();
        });
        ws.on('open', () => {
          resolve(101);
          ws.close();
        });
        ws.on('error', () => undefined);
      });
    expect(await open([SIGNALING_SUBPROTOCOL])).toBe(401);
    expect(await open([SIGNALING_SUBPROTOCOL, 'ticket.made-up'])).toBe(401);
    const guest = await server.api<{ ticket: string }>('POST', `/v1/rooms/${f.roomId}/start-invited`, { invite_code: f.inviteCode, display_name: 'Guest' });
    expect(await open([SIGNALING_SUBPROTOCOL, `ticket.${guest.ticket}`])).toBe(101);
    const user = await server.api<{ ticket: string }>('POST', `/v1/rooms/${f.roomId}/start`, {}, f.user);
    expect(await open([SIGNALING_SUBPROTOCOL, `ticket.${user.ticket}`])).toBe(101);
  });
});
