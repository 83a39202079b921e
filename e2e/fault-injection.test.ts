// Faults with real processes: the test runs its own PostgreSQL cluster and its own Redis server, so it can stop
// and restart them under a running Plenum (`node … main.ts`) without touching the shared services.
// While PostgreSQL is down, REST answers 503 problem+json and a ballot is refused with a typed error (nothing
// half-written); the meeting itself goes on (chat lives in the room). When PostgreSQL is back, the same requests
// succeed, and every ballot that was accepted before, during or after is in the verified export.
// While Redis is down, /ready says so; when it is back, new meetings start again.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionService } from '../packages/server/src/auth/sessions.ts';
import { WsClient } from '../packages/server/src/modules/legal_vote/testing.ts';
import { openStorage, type Storage } from '../packages/server/src/storage/database.ts';
import { UsersRepository } from '../packages/server/src/storage/users.ts';
import { startPlenumProcess } from './support/plenum-process.ts';

const repo = path.resolve(import.meta.dirname, '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-faults-'));
const pgBin = path.join('/usr/lib/postgresql', fs.readdirSync('/usr/lib/postgresql').sort().at(-1)!, 'bin');
const procs: ChildProcess[] = [];
let storage: Storage | undefined;

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout))),
  );
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A PostgreSQL cluster of this test's own, run as the `postgres` user (the server refuses to run as root). */
class OwnPostgres {
  // Its own folder in /tmp (not inside the test's 0700 folder, which the postgres user cannot enter).
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-faults-pg-'));
  constructor(readonly port: number) {}
  private pgCtl(...args: string[]) {
    return run('runuser', ['-u', 'postgres', '--', path.join(pgBin, 'pg_ctl'), '-D', path.join(this.dir, 'data'), ...args]);
  }
  async init(): Promise<void> {
    fs.chownSync(this.dir, Number(await run('id', ['-u', 'postgres'])), Number(await run('id', ['-g', 'postgres'])));
    await run('runuser', ['-u', 'postgres', '--', path.join(pgBin, 'initdb'), '-D', path.join(this.dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  }
  start() {
    return this.pgCtl('-o', `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-l', path.join(this.dir, 'log'), '-w', 'start');
  }
  /** As a crash looks to its clients: every connection is cut at once. */
  stop() {
    return this.pgCtl('-m', 'immediate', '-w', 'stop');
  }
  get url() {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }
}

class OwnRedis {
  proc: ChildProcess | null = null;
  constructor(readonly port: number) {}
  async start(): Promise<void> {
    const proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    procs.push(proc);
    this.proc = proc;
    await new Promise<void>((resolve, reject) => {
      readline.createInterface({ input: proc.stdout! }).on('line', (line) => line.includes('Ready to accept connections') && resolve());
      proc.once('exit', (code) => reject(new Error(`redis-server exited ${code}`)));
    });
  }
  async kill(): Promise<void> {
    const proc = this.proc!;
    proc.kill('SIGKILL');
    if (proc.exitCode === null && proc.signalCode === null) await new Promise((resolve) => proc.once('exit', resolve));
  }
  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }
}

const postgres = new OwnPostgres(0);
const redis = new OwnRedis(0);

beforeAll(async () => {
  Object.assign(postgres, { port: await freePort() });
  Object.assign(redis, { port: await freePort() });
  await postgres.init();
  await postgres.start();
  await redis.start();
}, 120_000);

afterAll(async () => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  await storage?.close().catch(() => {});
  await postgres.stop().catch(() => {});
  fs.rmSync(postgres.dir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

const METRICS_TOKEN = 'fault-injection-metrics-token-0123456789';

function startMain() {
  const started = startPlenumProcess({
    DATA_DIR: path.join(work, 'data'),
    HOST: '127.0.0.1',
    MEDIA: 'off',
    DATABASE_URL: postgres.url,
    REDIS_URL: redis.url,
    METRICS_TOKEN,
  });
  procs.push(started.proc);
  return started;
}

type Who = { cookie: string; csrf: string };

async function request(base: string, who: Who, method: string, urlPath: string, body?: unknown) {
  const res = await fetch(`${base}${urlPath}`, {
    method,
    headers: { cookie: who.cookie, 'x-csrf-token': who.csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get('content-type'), retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
}

async function eventually<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`not in ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('faults of the database and of Redis under a running server', () => {
  it('PostgreSQL stops and comes back: 503 problem+json meanwhile, the meeting goes on, no accepted ballot lost', { timeout: 240_000 }, async () => {
    const main = startMain();
    const url = await main.listening;
    storage = await openStorage({ databaseUrl: postgres.url });
    const users = new UsersRepository(storage.db);
    const sessions = new SessionService(storage.db, 3600_000);
    const login = async (name: string): Promise<Who> => {
      const user = await users.upsertFromLogin({ issuer: 'urn:plenum:test', subject: crypto.randomUUID(), displayName: name, email: null, role: 'user' });
      const { token } = await sessions.create(user.id, null);
      return { cookie: `plenum_session=${token}`, csrf: (await sessions.resolve(token))!.csrfToken };
    };
    const owner = await login('Olga Owner');
    const people = [await login('Anna'), await login('Ben'), await login('Cleo')];
    await storage.close();
    storage = undefined;
    const created = await request(url, owner, 'POST', '/v1/rooms', { name: 'Rat' });
    expect(created.status).toBe(201);
    const roomId = created.body.id as string;
    const ticket = async (who: Who) => (await request(url, who, 'POST', `/v1/rooms/${roomId}/start`, {})).body.ticket as string;

    const chair = await WsClient.join(url, await ticket(owner));
    const voters: WsClient[] = [];
    for (const p of people) voters.push(await WsClient.join(url, await ticket(p)));
    chair.send('legal_vote', { action: 'start', title: 'Haushalt 2027', kind: 'roll_call', options: { type: 'yes_no' } });
    const voteId = ((await voters[0]!.waitFor((m) => m.payload.message === 'started')).payload as unknown as { vote: { id: string } }).vote.id;
    voters[0]!.send('legal_vote', { action: 'vote', vote_id: voteId, choices: ['yes'] });
    await voters[0]!.waitFor((m) => m.payload.message === 'voted');

    await postgres.stop();

    // REST: a clear, retryable refusal, the same shape as every other error.
    const during = await eventually('503 while the database is down', async () => {
      const r = await request(url, owner, 'GET', '/v1/rooms');
      return r.status === 503 ? r : undefined;
    });
    expect(during.type).toMatch(/^application\/problem\+json/);
    expect(during.body).toMatchObject({ status: 503, code: 'PLENUM_ERR_STORAGE_UNAVAILABLE' });
    expect(Number(during.retryAfter)).toBeGreaterThan(0);
    expect((await fetch(`${url}/ready`)).status).toBe(503);

    // Signaling: the meeting itself goes on (chat is in the room's memory) …
    voters[2]!.send('chat', { action: 'send_message', text: 'Is the database down?', to: { scope: 'room' } });
    await chair.waitFor((m) => m.payload.message === 'message_sent' && (m.payload as unknown as { entry: { text: string } }).entry.text === 'Is the database down?');
    // … and a ballot that cannot be written is refused as such: the voter may cast it again.
    voters[1]!.send('legal_vote', { action: 'vote', vote_id: voteId, choices: ['no'] });
    const refused = await voters[1]!.waitFor((m) => m.namespace === 'legal_vote' && (m.payload.message === 'error' || m.payload.message === 'voted'));
    expect(refused.payload).toMatchObject({ message: 'error', error: 'storage_unavailable' });

    await postgres.start();
    const after = await eventually('200 after the database is back', async () => {
      const r = await request(url, owner, 'GET', '/v1/rooms');
      return r.status === 200 ? r : undefined;
    });
    expect(after.status).toBe(200);
    await eventually('ready again', async () => ((await fetch(`${url}/ready`)).status === 200 ? true : undefined));

    voters[1]!.send('legal_vote', { action: 'vote', vote_id: voteId, choices: ['no'] });
    await voters[1]!.waitFor((m) => m.payload.message === 'voted');
    voters[2]!.send('legal_vote', { action: 'vote', vote_id: voteId, choices: ['abstain'] });
    await voters[2]!.waitFor((m) => m.payload.message === 'voted');
    chair.send('legal_vote', { action: 'stop', vote_id: voteId });
    await chair.waitFor((m) => m.payload.message === 'final_results');

    const exp = await request(url, owner, 'GET', `/v1/votes/${voteId}/export.json`);
    expect(exp.status).toBe(200);
    const events = exp.body.events as { type: string; content: { data: { display_name?: string; choices?: string[] } } }[];
    const ballots = events.filter((e) => e.type === 'ballot').map((e) => `${e.content.data.display_name}:${e.content.data.choices?.join()}`);
    expect(ballots.sort()).toEqual(['Anna:yes', 'Ben:no', 'Cleo:abstain']);
    const file = path.join(work, 'export.json');
    fs.writeFileSync(file, JSON.stringify(exp.body));
    const cli = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', 'verify-vote', file, '--key-url', `${url}/.well-known/plenum-signing-key`], { cwd: repo, timeout: 60_000 }, (err, stdout) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }),
      ),
    );
    expect(cli.stdout).toMatch(new RegExp(`^OK vote ${voteId}`));
    expect(cli.code).toBe(0);
    // Nothing the server logged while the database was down carries a password or a session.
    expect(main.lines.join('\n')).not.toMatch(/plenum_session=|csrf/i);

    // Redis dies: /ready names it to the operator; the open meeting goes on; when it is back, meetings start again.
    await redis.kill();
    const readyDown = await eventually('redis not ready', async () => {
      const res = await fetch(`${url}/ready`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      return res.status === 503 ? ((await res.json()) as { detail?: string }) : undefined;
    });
    expect(readyDown.detail).toContain('redis');
    voters[0]!.send('chat', { action: 'send_message', text: 'Still here without Redis', to: { scope: 'room' } });
    await chair.waitFor((m) => m.payload.message === 'message_sent' && (m.payload as unknown as { entry: { text: string } }).entry.text === 'Still here without Redis');
    await redis.start();
    await eventually('ready with redis again', async () => ((await fetch(`${url}/ready`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status === 200 ? true : undefined));
    const other = await request(url, owner, 'POST', '/v1/rooms', { name: 'Ausschuss' });
    expect(other.status).toBe(201);
    const started = await eventually('a new meeting starts', async () => {
      const r = await request(url, people[0]!, 'POST', `/v1/rooms/${other.body.id as string}/start`, {});
      return r.status === 200 ? r : undefined;
    });
    const late = await WsClient.join(url, started.body.ticket as string);
    late.close();

    for (const c of [chair, ...voters]) c.close();
    main.proc.kill('SIGTERM');
    await new Promise((resolve) => main.proc.once('exit', resolve));
  });
});
