import { featureProtocols, SIGNALING_SUBPROTOCOL } from '@plenum/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { roles, signalingPolicy, signalingRules, type Role, type Rule } from './permissions.ts';
import { sampleCommands } from './testing/commands.ts';
import { HubConnection, roomWithEveryRole, type RoleRoom } from './testing/rooms.ts';
import { startTestServer, type TestServer } from './testing/server.ts';

/** Every command the protocol defines, read from the feature list (never from the policy). */
function protocolCommands(): { namespace: string; action: string }[] {
  return featureProtocols.flatMap((p) => {
    const options = (p.commands as unknown as { options: { shape: { action: { value: string } } }[] }).options;
    return options.map((o) => ({ namespace: p.namespace, action: o.shape.action.value }));
  });
}

const policyOf = (namespace: string, action: string): Rule | undefined =>
  (signalingPolicy as unknown as Record<string, Record<string, Rule> | undefined>)[namespace]?.[action];

/** Codes that mean "your role may not do this". */
const permissionRefusals = new Set(['forbidden', 'not_permitted']);

/** State a command needs before a permitted role can use it at all (the condition in the policy's note). */
const prepare: Record<string, (r: RoleRoom, sender: HubConnection) => Promise<void>> = {
  'speaker_queue/yield': (r, sender) => r.conns.owner.send('speaker_queue', { action: 'set_speaker', participant_id: sender.id }),
  'speaker_queue/nominate': async (r, sender) => {
    await r.conns.owner.send('speaker_queue', { action: 'configure', strategy: 'nomination' });
    await r.conns.owner.send('speaker_queue', { action: 'set_speaker', participant_id: sender.id });
  },
  'timer/update_ready_status': (r) => r.conns.owner.send('timer', { action: 'start', kind: 'countdown', duration_seconds: 60, ready_check: true }),
};

let server: TestServer;
let people: Parameters<typeof roomWithEveryRole>[1];

beforeAll(async () => {
  // The same four accounts join about 150 rooms here: rate limits per identity are not what this file tests.
  server = await startTestServer({ env: { SIGNALING_IDENTITY_BURST: '100000', SIGNALING_IDENTITY_RATE: '10000' } });
  const memberEmail = `member-${crypto.randomUUID()}@example.org`;
  const member = await server.services.users.upsertFromLogin({ issuer: 'urn:plenum:test', subject: `member-${crypto.randomUUID()}`, displayName: 'Member', email: memberEmail, role: 'user' });
  const { token } = await server.services.sessions.create(member.id, null);
  const session = (await server.services.sessions.resolve(token))!;
  people = {
    owner: await server.loginAs('user', 'Owner'),
    moderator: await server.loginAs('user', 'Moderator'),
    member: { userId: member.id, cookie: `plenum_session=${token}`, csrf: session.csrfToken, token },
    user: await server.loginAs('user', 'User'),
    memberEmail,
  };
});

afterAll(async () => {
  await server?.close();
});

/** What the room holds, as the owner sees it on a fresh join_success (a resumption: no one else notices). */
async function roomState(r: RoleRoom): Promise<unknown> {
  const again = new HubConnection(server.app.signaling, r.conns.owner.admission);
  await again.join();
  const join = again.joinSuccess();
  if (!join) throw new Error('owner could not resume');
  r.conns.owner = again;
  const participants = (join.participants as { id: string; display_name: string; role: string; connection: string }[])
    .map((p) => ({ id: p.id, name: p.display_name, role: p.role, connection: p.connection }))
    .sort((a, b) => a.id.localeCompare(b.id));
  return { modules: withoutClock(join.modules), participants, role: join.role };
}

/** The snapshot without `server_time` (the real clock moves between two snapshots). */
function withoutClock(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutClock);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'server_time').map(([k, v]) => [k, withoutClock(v)]));
  return value;
}

describe('the permission policy covers the protocol', () => {
  it('has an entry and a sample payload for every command of every feature, and nothing else', () => {
    const commands = protocolCommands().map((c) => `${c.namespace}/${c.action}`);
    const missing = commands.filter((c) => !policyOf(...(c.split('/') as [string, string])));
    expect(missing, 'commands without a policy entry in permissions.ts').toEqual([]);
    const unsampled = commands.filter((c) => !sampleCommands[c.split('/')[0]!]?.[c.split('/')[1]!]);
    expect(unsampled, 'commands without a sample payload in testing/commands.ts').toEqual([]);
    const stale = signalingRules()
      .map((r) => `${r.namespace}/${r.action}`)
      .filter((c) => !commands.includes(c));
    expect(stale, 'policy entries for commands the protocol does not have').toEqual([]);
  });

  it('an anonymous caller cannot open signaling at all: no ticket, 401 problem+json', async () => {
    const ws = new WebSocket(`${server.listenUrl.replace(/^http/, 'ws')}/signaling`, [SIGNALING_SUBPROTOCOL]);
    const status = await new Promise<{ code: number; type: string }>((resolve, reject) => {
      ws.on('unexpected-response', (_req, res) => resolve({ code: res.statusCode ?? 0, type: String(res.headers['content-type']) }));
      ws.on('open', () => reject(new Error('opened without a ticket')));
      ws.on('error', () => undefined);
    });
    ws.terminate();
    expect(status.code).toBe(401);
    expect(status.type).toContain('application/problem+json');
  });
});

describe.each(protocolCommands())('signaling $namespace/$action × every role', ({ namespace, action }) => {
  const rule = policyOf(namespace, action);
  const sample = sampleCommands[namespace]?.[action];
  const key = `${namespace}/${action}`;
  /** The refusals leave the room as it was, so the allowed roles continue in it. */
  let shared: RoleRoom | undefined;

  it('is refused with a typed error and changes nothing for the roles the policy does not allow', async () => {
    expect(rule, `${key} has no entry in permissions.ts`).toBeDefined();
    expect(sample, `${key} has no sample in testing/commands.ts`).toBeDefined();
    const refused = roles.filter((role) => !rule!.allowed.includes(role));
    if (key === 'control/join') {
      // The ticket is the gate (test above); a connection with a ticket that has not joined is what join is for.
      expect(refused).toEqual(['anonymous']);
      return;
    }
    const r = await roomWithEveryRole(server, people);
    shared = r;
    for (const role of refused) {
      const before = await roomState(r);
      const sender = r.conns[role];
      const others = Object.values(r.conns).filter((c) => c !== sender);
      const seen = new Map([...others, r.target].map((c) => [c, c.received.length]));
      sender.received.length = 0;
      await sender.send(namespace, sample!({ self: sender.id, target: r.target.id }));
      const expected = role === 'anonymous' ? 'not_joined' : (rule!.refusal ?? 'forbidden');
      expect(sender.errors().map((e) => e.error), `${key} by ${role}`).toContain(expected);
      for (const [c, n] of seen) expect(c.received.slice(n), `${key} by ${role}: others must hear nothing`).toEqual([]);
      expect(await roomState(r), `${key} by ${role} changed the room`).toEqual(before);
    }
  });

  it('is not refused for its role for the roles the policy allows', async () => {
    expect(rule).toBeDefined();
    // Least privileged first, so an owner's end_meeting or kick comes last; a closed sender gets a fresh room.
    const allowed = [...rule!.allowed].filter((role): role is Exclude<Role, 'anonymous'> => role !== 'anonymous').reverse();
    let r = shared ?? (await roomWithEveryRole(server, people));
    for (const role of allowed) {
      if (Object.values(r.conns).some((c) => c !== r.conns.anonymous && c.closedWith) || r.target.closedWith || key === 'control/leave') r = await roomWithEveryRole(server, people);
      const sender = r.conns[role];
      await prepare[key]?.(r, sender);
      sender.received.length = 0;
      await sender.send(namespace, sample!({ self: sender.id, target: r.target.id }));
      const refusals = sender.errors().filter((e) => permissionRefusals.has(String(e.error)) || e.error === rule!.refusal);
      expect(refusals, `${key} by ${role}`).toEqual([]);
      expect(sender.errors().map((e) => e.error), `${key} by ${role}`).not.toContain('not_joined');
    }
  });
});
