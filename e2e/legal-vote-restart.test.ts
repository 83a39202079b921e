// A legal vote survives a crash of the real process: `node … main.ts` on PostgreSQL is killed with SIGKILL while
// a vote is open; after the restart every accepted ballot is still in the log, and the vote is cancelled with a
// recorded, signed reason when its room opens again (never silently lost). The export verifies with the CLI.
import { execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { SessionService } from '../packages/server/src/auth/sessions.ts';
import { WsClient } from '../packages/server/src/modules/legal_vote/testing.ts';
import { openStorage, type Storage } from '../packages/server/src/storage/database.ts';
import { dropTestSchema, testDatabaseUrl } from '../packages/server/src/storage/testing.ts';
import { UsersRepository } from '../packages/server/src/storage/users.ts';
import { startPlenumProcess } from './support/plenum-process.ts';

const repo = path.resolve(import.meta.dirname, '..');
const schema = `t_${randomBytes(6).toString('hex')}`;
const databaseUrl = `${testDatabaseUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-vote-restart-'));
const procs: ChildProcess[] = [];
let storage: Storage | undefined;

afterAll(async () => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  await storage?.close();
  await dropTestSchema(schema);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function startMain() {
  const started = startPlenumProcess({ DATA_DIR: dataDir, HOST: '127.0.0.1', MEDIA: 'off', DATABASE_URL: databaseUrl });
  procs.push(started.proc);
  return started;
}

describe('legal vote across a crash of the server process', () => {
  it('SIGKILL while a vote is open: accepted ballots stay, the vote is cancelled with a signed reason after the restart', { timeout: 300_000 }, async () => {
    const setup = new pg.Client({ connectionString: testDatabaseUrl });
    await setup.connect();
    await setup.query(`create schema "${schema}"`);
    await setup.end();

    const first = startMain();
    let url = await first.listening;
    // Accounts and sessions straight into the same database (the login flow has its own tests).
    storage = await openStorage({ databaseUrl: testDatabaseUrl, schema });
    const users = new UsersRepository(storage.db);
    const sessions = new SessionService(storage.db, 3600_000);
    const login = async (name: string) => {
      const user = await users.upsertFromLogin({ issuer: 'urn:plenum:test', subject: crypto.randomUUID(), displayName: name, email: null, role: 'user' });
      const { token } = await sessions.create(user.id, null);
      const csrf = (await sessions.resolve(token))!.csrfToken;
      return { cookie: `plenum_session=${token}`, csrf };
    };
    const api = async <T>(base: string, who: { cookie: string; csrf: string }, method: string, urlPath: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${base}${urlPath}`, {
        method,
        headers: { cookie: who.cookie, 'x-csrf-token': who.csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${urlPath}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    const owner = await login('Olga Owner');
    const people = [await login('Anna'), await login('Ben'), await login('Cleo')];
    const roomId = (await api<{ id: string }>(url, owner, 'POST', '/v1/rooms', { name: 'Rat' })).id;
    const ticket = async (base: string, who: { cookie: string; csrf: string }) => (await api<{ ticket: string }>(base, who, 'POST', `/v1/rooms/${roomId}/start`, {})).ticket;

    const chair = await WsClient.join(url, await ticket(url, owner));
    const voters = [];
    for (const p of people) voters.push(await WsClient.join(url, await ticket(url, p)));
    chair.send('legal_vote', { action: 'start', title: 'Bebauungsplan Nord', kind: 'roll_call', options: { type: 'yes_no' } });
    const voteId = ((await voters[0]!.waitFor((m) => m.payload.message === 'started')).payload as unknown as { vote: { id: string } }).vote.id;
    voters[0]!.send('legal_vote', { action: 'vote', vote_id: voteId, choices: ['yes'] });
    voters[1]!.send('legal_vote', { action: 'vote', vote_id: voteId, choices: ['no'] });
    await voters[0]!.waitFor((m) => m.payload.message === 'voted');
    await voters[1]!.waitFor((m) => m.payload.message === 'voted');

    first.proc.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    for (const c of [chair, ...voters]) c.close();
    // Nothing was closed: the vote is still open in the database with both ballots.
    const before = await storage.db.selectFrom('legal_votes').selectAll().where('id', '=', voteId).executeTakeFirstOrThrow();
    expect(before.state).toBe('open');
    expect(await storage.db.selectFrom('legal_vote_ballots').select('voter_key').where('vote_id', '=', voteId).execute()).toHaveLength(2);

    const second = startMain();
    url = await second.listening;
    const again = await WsClient.join(url, await ticket(url, owner));
    const snapshot = (again.received.find((m) => m.payload.message === 'join_success')!.payload as unknown as { modules: { legal_vote: { open: unknown; last: { cancellation: { by: string; reason: string } } } } }).modules
      .legal_vote;
    expect(snapshot.open).toBeNull();
    expect(snapshot.last.cancellation).toMatchObject({ by: 'interrupted' });
    expect(snapshot.last.cancellation.reason).toContain('ballots accepted before are kept');
    again.send('legal_vote', { action: 'vote', vote_id: voteId, choices: ['yes'] });
    expect((await again.waitFor((m) => m.payload.message === 'error')).payload.error).toBe('vote_closed');

    const exp = await api<{ events: { type: string; content: { data: { display_name?: string; choices?: string[] } } }[] }>(url, owner, 'GET', `/v1/votes/${voteId}/export.json`);
    expect(exp.events.map((e) => e.type)).toEqual(['started', 'ballot', 'ballot', 'cancelled']);
    // Ballots that reach the room together are written in one batch, in no particular order.
    const ballots = exp.events.filter((e) => e.type === 'ballot').map((e) => [e.content.data.display_name, e.content.data.choices]);
    expect(ballots.sort((x, y) => String(x[0]).localeCompare(String(y[0])))).toEqual([
      ['Anna', ['yes']],
      ['Ben', ['no']],
    ]);
    const file = path.join(dataDir, 'export.json');
    fs.writeFileSync(file, JSON.stringify(exp));
    const cli = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', 'verify-vote', file, '--key-url', `${url}/.well-known/plenum-signing-key`], { cwd: repo, timeout: 60_000 }, (err, stdout) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout }),
      ),
    );
    expect(cli.stdout).toMatch(new RegExp(`^OK vote ${voteId} \\(cancelled\\): 4 events, chain intact`));
    expect(cli.code).toBe(0);
    again.close();
    second.proc.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
