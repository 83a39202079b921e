import { Writable } from 'node:stream';
import fc from 'fast-check';
import { featureProtocols, MAX_SIGNALING_MESSAGE_BYTES, PROTOCOL_VERSION, SIGNALING_SUBPROTOCOL } from '@plenum/protocol';
import WebSocket from 'ws';
import { restPolicy, roles, type Role } from '../permissions.ts';
import { sampleCommands } from './commands.ts';
import { HubConnection, roomWithEveryRole, settleHub, type RoleRoom } from './rooms.ts';
import { startTestServer, type TestServer } from './server.ts';

/**
 * Property-based fuzzing of what a client can send: signaling frames (the envelope, every feature's commands,
 * valid ones and malformed variants) and every REST body and path parameter. The property: the server never
 * answers 5xx or `internal_error`, logs no error, leaves no rejection unhandled and keeps answering.
 * `fuzz.test.ts` runs it bounded in the suite; `bench/fuzz.ts` (npm run bench:fuzz -- RUNS SEED) runs it long.
 */

/** Text that has broken parsers and databases before: NUL, controls, bidi overrides, lone surrogates, sizes. */
export const nastyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', 'Eve\u0000', '\u202eadmin', '\ud800', '\u0007\u001b[2J', 'a'.repeat(70_000), '💥'.repeat(3_000), '../../etc/passwd', "'; drop table rooms; --", '__proto__', 'constructor', '%00', '\r\n'),
  fc.uuid(),
);

export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(-1, 0, 2 ** 53, Number.MAX_SAFE_INTEGER + 2, 1e308),
  fc.array(nastyString, { maxLength: 5 }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** A change to a valid payload: a field (by index into its keys, or a new one) set to something, or removed. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), index: fc.nat(), value: nastyValue }),
  fc.record({ kind: fc.constant('add' as const), key: nastyString, value: nastyValue }),
  fc.record({ kind: fc.constant('delete' as const), index: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

export function applyMutations(payload: Record<string, unknown>, mutations: readonly Mutation[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...payload };
  for (const m of mutations) {
    const keys = Object.keys(out);
    if (m.kind === 'add') Object.defineProperty(out, m.key, { value: m.value, enumerable: true, configurable: true, writable: true });
    else if (keys.length) {
      const key = keys[m.index % keys.length]!;
      if (m.kind === 'set') out[key] = m.value;
      else delete out[key];
    }
  }
  return out;
}

const commands = Object.entries(sampleCommands).flatMap(([namespace, actions]) => Object.keys(actions).map((action) => ({ namespace, action })));
const namespaces = featureProtocols.map((p) => p.namespace);

/** What one fuzz step sends: who sends, and a frame built from the room's ids. */
export interface FrameCase {
  role: Role;
  frame: { kind: 'command'; namespace: string; action: string; mutations: Mutation[] } | { kind: 'raw'; text: string } | { kind: 'json'; value: unknown };
}

export const frameCase: fc.Arbitrary<FrameCase> = fc.record({
  role: fc.constantFrom(...roles),
  frame: fc.oneof(
    // Valid commands (a few), and commands with fields changed, removed or added.
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('command' as const), namespace: fc.constant(''), action: fc.constant(''), mutations: fc.array(mutation, { maxLength: 3 }) }).chain((c) => fc.constantFrom(...commands).map((cmd) => ({ ...c, ...cmd }))) },
    // Envelopes with any namespace and payload.
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('json' as const), value: fc.record({ namespace: fc.oneof(fc.constantFrom(...namespaces), nastyString), payload: fc.oneof(nastyValue, fc.record({ action: nastyString }, { requiredKeys: [] })) }, { requiredKeys: [] }) }) },
    // Any JSON at all, and text that is not JSON.
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('json' as const), value: fc.jsonValue({ maxDepth: 4 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('raw' as const), text: fc.oneof(nastyString, fc.constantFrom('{', '{"namespace":', '[]', 'null', '{"namespace":"control","payload":{"action":"join","protocol_version":1e400}}', '{"__proto__":{"polluted":true},"namespace":"chat","payload":{"action":"send_message","text":"a","to":{"scope":"room"},"__proto__":{"x":1}}}', '{"namespace":"moderation","payload":{"action":"kick","target":"00000000-0000-0000-0000-000000000000","constructor":{"prototype":{"x":1}}}}', `{"namespace":"control","payload":{"action":"join","protocol_version":${PROTOCOL_VERSION},"display_name":"\\u0000"}}`)) }) },
  ),
});

function frameText(c: FrameCase, room: RoleRoom, sender: HubConnection): string {
  const f = c.frame;
  if (f.kind === 'raw') return f.text;
  if (f.kind === 'json') return JSON.stringify(f.value) ?? 'null';
  const sample = sampleCommands[f.namespace]![f.action]!({ self: sender.id, target: room.target.id });
  return JSON.stringify({ namespace: f.namespace, payload: applyMutations(sample, f.mutations) });
}

/** Server log lines at error or fatal (pino levels 50, 60), and unhandled rejections of this process. */
export class FaultCollector {
  readonly errors: string[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer, _enc, done) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line) continue;
        try {
          if ((JSON.parse(line) as { level?: number }).level! >= 50) this.errors.push(line.slice(0, 2000));
        } catch {
          this.errors.push(`unparsable log line: ${line.slice(0, 200)}`);
        }
      }
      done();
    },
  });
  private readonly onRejection = (reason: unknown) => this.errors.push(`unhandled rejection: ${String((reason as Error)?.stack ?? reason)}`);
  start(): this {
    process.on('unhandledRejection', this.onRejection);
    return this;
  }
  stop(): void {
    process.off('unhandledRejection', this.onRejection);
  }
}

/** A server for fuzzing: the rate limits opened up (fuzzing is not flooding), its log watched for errors. */
export async function startFuzzServer(): Promise<{ server: TestServer; faults: FaultCollector }> {
  const faults = new FaultCollector().start();
  const server = await startTestServer({ logStream: faults.stream, env: { LOG_LEVEL: 'warn', SIGNALING_IDENTITY_BURST: '100000', SIGNALING_IDENTITY_RATE: '10000' } });
  Object.assign(server.app.signaling.timings, { commandsPerSecond: 100_000, commandBurst: 100_000, abuseRejections: 1_000_000 });
  return { server, faults };
}

export async function everyRole(server: TestServer): Promise<Parameters<typeof roomWithEveryRole>[1]> {
  const memberEmail = `member-${crypto.randomUUID()}@example.org`;
  const member = await server.services.users.upsertFromLogin({ issuer: 'urn:plenum:test', subject: `member-${crypto.randomUUID()}`, displayName: 'Member', email: memberEmail, role: 'user' });
  const { token } = await server.services.sessions.create(member.id, null);
  const session = (await server.services.sessions.resolve(token))!;
  return {
    owner: await server.loginAs('user', 'Owner'),
    moderator: await server.loginAs('user', 'Moderator'),
    member: { userId: member.id, cookie: `plenum_session=${token}`, csrf: session.csrfToken, token },
    user: await server.loginAs('user', 'User'),
    memberEmail,
  };
}

/** One problem the property found: what was sent, and what went wrong. */
export interface Finding {
  input: string;
  problem: string;
}

/**
 * The signaling property over `runs` frames: each from a random role of a room with every role, no answer is
 * `internal_error`/`storage_unavailable`, and the room keeps answering (a barrier round trip after each frame).
 */
export async function fuzzSignaling(server: TestServer, opts: { runs: number; seed?: number }): Promise<void> {
  const people = await everyRole(server);
  let room = await roomWithEveryRole(server, people);
  await fc.assert(
    fc.asyncProperty(frameCase, async (c) => {
      if (Object.values(room.conns).some((x) => x !== room.conns.anonymous && (x.closedWith || !x.session.port.isOpen())) || room.target.closedWith || room.conns.anonymous.session.state !== 'new') {
        room = await roomWithEveryRole(server, people);
      }
      const sender = room.conns[c.role];
      const text = frameText(c, room, sender);
      const before = sender.received.length;
      await sender.sendRaw(text);
      const bad = sender.received.slice(before).filter((m) => m.payload.message === 'error' && (m.payload.error === 'internal_error' || m.payload.error === 'storage_unavailable'));
      if (bad.length) throw new Error(`${c.role} sent ${text.slice(0, 300)} → ${JSON.stringify(bad[0]!.payload)}`);
    }),
    { numRuns: opts.runs, ...(opts.seed !== undefined ? { seed: opts.seed } : {}), endOnFailure: true },
  );
  await settleHub(server.app.signaling);
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

const restBody = fc.oneof(
  fc.record({ kind: fc.constant('json' as const), value: fc.oneof(nastyValue, fc.dictionary(nastyString, nastyValue, { maxKeys: 5 })) }),
  fc.record({ kind: fc.constant('raw' as const), text: nastyString, type: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'multipart/form-data') }),
  fc.record({ kind: fc.constant('none' as const) }),
);

export const restCase = fc.record({
  route: fc.constantFrom(...Object.keys(restPolicy).filter((k) => k !== 'GET /signaling')),
  as: fc.constantFrom('owner' as const, 'anonymous' as const),
  /** Per path parameter: keep the real value, or put something else there. */
  params: fc.array(fc.option(nastyString, { freq: 2 }), { minLength: 3, maxLength: 3 }),
  body: restBody,
});

/** Every UTF-8 byte percent-encoded (also what encodeURIComponent refuses, e.g. a lone surrogate). */
function percentEncoded(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}

/** The REST property over `runs` requests: never a 5xx, and every 4xx is problem+json. */
export async function fuzzRest(server: TestServer, opts: { runs: number; seed?: number }): Promise<void> {
  const owner = await server.loginAs('user', 'Owner');
  const room = await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Fuzzed' }, owner);
  const invite = await server.api<{ code: string }>('POST', `/v1/rooms/${room.id}/invites`, {}, owner);
  const real: Record<string, string> = { ':id': room.id, ':code': invite.code, ':meetingId': crypto.randomUUID(), ':version': '1', ':voteId': crypto.randomUUID(), ':uid': 'x', '*': 'x' };
  await fc.assert(
    fc.asyncProperty(restCase, async (c) => {
      const [method, pattern] = c.route.split(' ') as [Method, string];
      let i = 0;
      const url = pattern.replace(/:[A-Za-z]+|\*/g, (name) => {
        const replacement = c.params[i++ % 3];
        return replacement === null || replacement === undefined ? (real[name] ?? 'x') : percentEncoded(replacement);
      });
      const headers: Record<string, string> = c.as === 'owner' ? { cookie: owner.cookie, 'x-csrf-token': owner.csrf } : {};
      let payload: string | undefined;
      if (c.body.kind === 'json') {
        payload = JSON.stringify(c.body.value) ?? 'null';
        headers['content-type'] = 'application/json';
      } else if (c.body.kind === 'raw') {
        payload = c.body.text;
        headers['content-type'] = c.body.type;
      }
      const res = await server.app.inject({ method, url, headers, ...(payload !== undefined && method !== 'GET' && method !== 'OPTIONS' ? { payload } : {}) });
      if (res.statusCode >= 500) throw new Error(`${method} ${url} as ${c.as} with ${String(payload).slice(0, 300)} → ${res.statusCode} ${res.body.slice(0, 500)}`);
      if (res.statusCode >= 400 && url.startsWith('/v1/') && !String(res.headers['content-type']).includes('application/problem+json')) {
        throw new Error(`${method} ${url} → ${res.statusCode} is not problem+json: ${res.headers['content-type']}`);
      }
    }),
    { numRuns: opts.runs, ...(opts.seed !== undefined ? { seed: opts.seed } : {}), endOnFailure: true },
  );
}

/** After fuzzing: the server still answers REST and signaling as it should. */
export async function stillAnswers(server: TestServer): Promise<void> {
  const health = await server.app.inject({ method: 'GET', url: '/health' });
  if (health.statusCode !== 200) throw new Error(`/health answered ${health.statusCode}`);
  const people = await everyRole(server);
  const room = await roomWithEveryRole(server, people);
  await room.conns.guest.send('chat', { action: 'send_message', text: 'still here', to: { scope: 'room' } });
  if (!room.conns.owner.received.some((m) => m.namespace === 'chat' && m.payload.message !== 'error')) throw new Error('chat no longer reaches the others');
}

/** One WebSocket frame: text (JSON or not), binary, or over the size limit. */
const wsFrame = fc.oneof(
  { weight: 4, arbitrary: frameCase.filter((c) => c.frame.kind !== 'command').map((c) => ({ binary: false as const, text: c.frame.kind === 'raw' ? c.frame.text : (JSON.stringify(c.frame.kind === 'json' ? c.frame.value : null) ?? 'null') })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ binary: true as const, bytes })) },
  { weight: 1, arbitrary: fc.constant({ binary: false as const, text: 'x'.repeat(MAX_SIGNALING_MESSAGE_BYTES + 1) }) },
);

/**
 * The same over real sockets: a guest joins, sends a few fuzzed frames, then a chat message. Either that message
 * comes back (the connection survived) or the server closed the socket with a protocol code (1000 after a leave,
 * 1002/1007 for bad frames, 1008 for abuse, 1009 for size) — never silence, never a crash.
 */
export async function fuzzWebSocket(server: TestServer, opts: { runs: number; seed?: number }): Promise<void> {
  const owner = await server.loginAs('user', 'Owner');
  const room = await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Fuzzed sockets' }, owner);
  const invite = await server.api<{ code: string }>('POST', `/v1/rooms/${room.id}/invites`, {}, owner);
  await fc.assert(
    fc.asyncProperty(fc.array(wsFrame, { minLength: 1, maxLength: 5 }), async (frames) => {
      const { ticket } = await server.api<{ ticket: string }>('POST', `/v1/rooms/${room.id}/start-invited`, { invite_code: invite.code, display_name: 'Fuzzer' });
      const ws = new WebSocket(`${server.listenUrl.replace(/^http/, 'ws')}/signaling`, [SIGNALING_SUBPROTOCOL, `ticket.${ticket}`], { origin: server.listenUrl });
      const marker = `still here ${crypto.randomUUID()}`;
      const outcome = new Promise<string>((resolve) => {
        const timer = setTimeout(() => resolve('no answer within 10 s'), 10_000);
        ws.on('message', (data: Buffer) => {
          const m = JSON.parse(data.toString()) as { namespace: string; payload: { message: string; entry?: { text?: string } } };
          if (m.namespace === 'chat' && m.payload.entry?.text === marker) {
            clearTimeout(timer);
            resolve('answered');
          }
        });
        ws.on('close', (code) => {
          clearTimeout(timer);
          resolve([1000, 1002, 1007, 1008, 1009].includes(code) ? 'closed by protocol' : `closed with ${code}`);
        });
        ws.on('error', () => undefined);
      });
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      ws.send(JSON.stringify({ namespace: 'control', payload: { action: 'join', protocol_version: PROTOCOL_VERSION } }));
      for (const f of frames) ws.send(f.binary ? f.bytes : f.text, { binary: f.binary });
      ws.send(JSON.stringify({ namespace: 'chat', payload: { action: 'send_message', text: marker, to: { scope: 'room' } } }));
      const result = await outcome;
      ws.terminate();
      if (result !== 'answered' && result !== 'closed by protocol') throw new Error(`${result} after ${JSON.stringify(frames.map((f) => (f.binary ? `<${f.bytes.length} bytes>` : f.text.slice(0, 100))))}`);
    }),
    { numRuns: opts.runs, ...(opts.seed !== undefined ? { seed: opts.seed } : {}), endOnFailure: true },
  );
}
