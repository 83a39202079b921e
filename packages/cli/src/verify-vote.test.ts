import { execFile } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { LegalVoteExport } from '@plenum/protocol';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainHash } from '../../server/src/audit/chain.ts';
import { finalResultsOf, signedMessage, type BallotData, type StopReason } from '../../server/src/modules/legal_vote/rules.ts';
import { SigningKey } from '../../server/src/audit/signing.ts';
import { loadExport } from '../../server/src/modules/legal_vote/export.ts';
import { LegalVoteRepository } from '../../server/src/modules/legal_vote/storage.ts';
import { voteParams } from '../../server/src/modules/legal_vote/testing.ts';
import { backends, openTestStorage } from '../../server/src/storage/testing.ts';
import { main } from './cli.ts';

// `plenum verify-vote` against exports of votes written by the real repository: in-process (cli.ts `main`), and
// twice as a real process for the exit codes and streams a shell sees.
const root = path.resolve(import.meta.dirname, '../../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-verify-'));
const key = SigningKey.generate();
const at = new Date('2026-03-02T09:00:00Z');

/** The real command line as a process: once, for the exit code and streams as a shell sees them. */
function spawnCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', ...args], { cwd: root, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The same command line in-process (`main` of cli.ts): what it prints, line by line as console.log would. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { out: (t) => (stdout += `${t}\n`), err: (t) => (stderr += `${t}\n`) });
  return { code, stdout, stderr };
}

let n = 0;
function write(doc: unknown): string {
  const file = path.join(dir, `export-${++n}.json`);
  fs.writeFileSync(file, typeof doc === 'string' || Buffer.isBuffer(doc) ? doc : JSON.stringify(doc, null, 2));
  return file;
}
const clone = (e: LegalVoteExport): LegalVoteExport => JSON.parse(JSON.stringify(e)) as LegalVoteExport;
const pub = key.publicKey.public_key;
const fingerprint = key.publicKey.fingerprint;
const UNTRUSTED = 'chain intact, signature NOT verified against a trusted key';

/** A key server like the deployment's /.well-known/plenum-signing-key, for --key-url. */
async function withKeyUrl<T>(publicKey: unknown, body: (url: string) => Promise<T>): Promise<T> {
  const server = http.createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify(publicKey)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await body(`http://127.0.0.1:${(server.address() as { port: number }).port}/.well-known/plenum-signing-key`);
  } finally {
    server.close();
  }
}

/**
 * What a forger with write access to an export file can do: change a ballot, recompute the result and every hash
 * after it, sign the new closing event with a key of their own and put that key in the export.
 */
function forgeAndResign(genuine: LegalVoteExport, forger: SigningKey): LegalVoteExport {
  const forged = clone(genuine);
  const contents = forged.events.map((e) => e.content as { type: string; data: Record<string, unknown> });
  const ballot = contents.find((c) => c.type === 'ballot' && (c.data.choices as string[])[0] === 'no')!;
  ballot.data.choices = ['yes'];
  const started = contents[0]!.data as { vote: Parameters<typeof finalResultsOf>[0]; eligible: unknown[] };
  const ballots = contents.filter((c) => c.type === 'ballot').map((c) => c.data as unknown as BallotData);
  const stopped = contents.find((c) => c.type === 'stopped')!.data as { reason: StopReason };
  contents.at(-1)!.data = { ...finalResultsOf(started.vote, started.eligible.length, ballots, stopped.reason) };
  let prev = forged.events[0]!.hash;
  for (const e of forged.events.slice(1)) {
    e.prev_hash = prev;
    e.hash = chainHash(prev, e.content);
    prev = e.hash;
  }
  forged.vote.head_hash = prev;
  forged.events.at(-1)!.signature = forger.sign(signedMessage(forged.vote.id, prev));
  forged.signed_message = signedMessage(forged.vote.id, prev);
  forged.public_key = { ...forger.publicKey };
  return forged;
}

/** A closed roll call: started, 3 ballots, an issue, stopped, final_results (7 events). */
async function closedVote(repo: LegalVoteRepository, kind: 'roll_call' | 'pseudonymous' = 'roll_call'): Promise<string> {
  const params = voteParams(kind, 4);
  const id = params.vote.id;
  await repo.create({ roomId: crypto.randomUUID(), params, at });
  const ballot = (i: number, choice: string) =>
    kind === 'roll_call' ? { voter_id: `v${i}`, display_name: `Voter ${i}`, choices: [choice], cast_by_proxy: null } : { token: `token-${i}`, choices: [choice] };
  await repo.castBallot(id, 'v0', ballot(0, 'yes'), at);
  await repo.castBallot(id, 'v1', ballot(1, 'no'), at);
  await repo.record(id, 'issue_reported', { participant_id: 'p', display_name: 'P', text: 'echo' }, at);
  await repo.castBallot(id, 'v2', ballot(2, 'yes'), at);
  await repo.close(id, 'chair', at, key);
  return id;
}

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('plenum verify-vote (export file tampering)', () => {
  let storage: Awaited<ReturnType<typeof openTestStorage>>;
  let good: LegalVoteExport;
  let other: LegalVoteExport;
  beforeAll(async () => {
    storage = await openTestStorage('pglite');
    const repo = new LegalVoteRepository(storage.db);
    good = (await loadExport(repo, await closedVote(repo), key.publicKey))!;
    other = (await loadExport(repo, await closedVote(repo, 'pseudonymous'), key.publicKey))!;
  }, 240_000);
  afterAll(() => storage?.close());

  it('an untouched export verifies (exit 0, OK …) against a trusted key: given, from a file, fetched from a URL, or pinned by fingerprint', { timeout: 120_000 }, async () => {
    const file = write(good);
    const given = await spawnCli(['verify-vote', file, '--public-key', pub]);
    expect(given).toMatchObject({ code: 0, stderr: '' });
    expect(given.stdout).toMatch(new RegExp(`^OK vote ${good.vote.id} \\(closed\\): 7 events, chain intact, head ${good.vote.head_hash}; tally yes=2 no=1 abstain=0; signature valid`));
    await withKeyUrl(key.publicKey, async (url) => expect(await run(['verify-vote', file, '--key-url', url])).toMatchObject({ code: 0 }));
    const pinned = await run(['verify-vote', file, '--fingerprint', fingerprint]);
    expect(pinned).toMatchObject({ code: 0, stderr: '' });
    expect(pinned.stdout).toMatch(new RegExp(`^OK vote ${good.vote.id} .*signature valid \\(key ${fingerprint}, trusted: pinned fingerprint\\)`));
    expect((await run(['verify-vote', file, '--fingerprint', `SHA256:${fingerprint.slice('SHA256:'.length).toUpperCase()}`])).code).toBe(0);
    const pem = createPublicKey({ key: Buffer.from(pub, 'base64'), format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' });
    for (const content of [pem, `${pub}\n`, JSON.stringify(key.publicKey), Buffer.from(pub, 'base64')]) {
      const keyFile = write(content);
      expect(await run(['verify-vote', file, '--public-key-file', keyFile])).toMatchObject({ code: 0, stderr: '' });
    }
    expect((await run(['verify-vote', write(other), '--public-key', pub])).stdout).toMatch(/^OK .*\(closed\): 7 events/);
  });

  it('without a trusted key an untouched export is NOT called verified: exit 3, "chain intact, signature NOT verified against a trusted key"', { timeout: 120_000 }, async () => {
    const embedded = await spawnCli(['verify-vote', write(good)]);
    expect(embedded.code).toBe(3);
    expect(embedded.stdout).toContain(UNTRUSTED);
    expect(embedded.stdout).not.toMatch(/^OK/);
    expect(embedded.stderr).toContain('--fingerprint');
  });

  it('a changed export, re-chained, re-signed with another key and carrying that key: exit 3 without a key, FAILED (key mismatch) with the real one', { timeout: 120_000 }, async () => {
    const forger = SigningKey.generate();
    const forged = forgeAndResign(good, forger);
    const file = write(forged);
    // The forgery is internally consistent: it verifies against the forger's own key.
    expect((await run(['verify-vote', file, '--public-key', forger.publicKey.public_key])).code).toBe(0);

    const bare = await run(['verify-vote', file]);
    expect(bare.code).toBe(3);
    expect(bare.stdout).toContain(UNTRUSTED);
    expect(bare.stdout).toContain(forger.publicKey.fingerprint);
    expect(bare.stdout).not.toMatch(/^OK|signature valid/);

    const pinned = await run(['verify-vote', file, '--fingerprint', fingerprint]);
    expect(pinned.code).toBe(1);
    expect(pinned.stdout).toBe(`FAILED at event seq 7 (position 7): key mismatch: the export is signed with the key ${forger.publicKey.fingerprint}, not with the trusted key ${fingerprint}\n`);

    for (const args of [['--public-key', pub], ['--public-key-file', write(JSON.stringify(key.publicKey))]]) {
      const out = await run(['verify-vote', file, ...args]);
      expect(out.code).toBe(1);
      expect(out.stdout).toMatch(/^FAILED at event seq 7 \(position 7\): signature does not verify with the trusted public key .*key mismatch: the export carries another key, SHA256:/);
    }
    await withKeyUrl(key.publicKey, async (url) => {
      const out = await run(['verify-vote', file, '--key-url', url]);
      expect(out.code).toBe(1);
      expect(out.stdout).toContain(`key mismatch: the export carries another key, ${forger.publicKey.fingerprint}`);
    });

    // The genuine signature left in place with the forger's key put in: the real key verifies the signature,
    // but the export still names another key.
    const swappedKey = clone(good);
    swappedKey.public_key = { ...forger.publicKey };
    const out = await run(['verify-vote', write(swappedKey), '--public-key', pub]);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/^FAILED at event seq 7 \(position 7\): key mismatch: the export is signed with the key SHA256:/);
    // The fingerprint field alone changed to the real one: caught as well.
    const lying = clone(forged);
    lying.public_key.fingerprint = fingerprint;
    expect((await run(['verify-vote', write(lying)])).stdout).toMatch(/^FAILED .*states the fingerprint/);
  });

  it('chain failures are reported first, with or without a key: exit 1', { timeout: 120_000 }, async () => {
    const changed = clone(good);
    (changed.events[2]!.content as { data: { display_name: string } }).data.display_name = 'Woter 1';
    const file = write(changed);
    for (const args of [[], ['--fingerprint', fingerprint], ['--fingerprint', SigningKey.generate().publicKey.fingerprint]]) {
      const out = await run(['verify-vote', file, ...args]);
      expect(out.code).toBe(1);
      expect(out.stdout).toMatch(/^FAILED at event seq 3 \(position 3\): hash mismatch/);
    }
  });

  it('one byte changed in an event: exit 1 naming that event', { timeout: 120_000 }, async () => {
    const changed = clone(good);
    const ballot = changed.events[2]!.content as { data: { display_name: string } };
    expect(ballot.data.display_name).toBe('Voter 1');
    ballot.data.display_name = 'Woter 1'; // one byte
    const out = await run(['verify-vote', write(changed), '--public-key', pub]);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/^FAILED at event seq 3 \(position 3\): hash mismatch/);
  });

  it('a ballot changed and every hash after it recomputed: the chain holds, but the tally does not', { timeout: 120_000 }, async () => {
    const forged = clone(good);
    const ballot = forged.events[1]!.content as { data: { choices: string[] } };
    ballot.data.choices = ['no'];
    let prev = forged.events[0]!.hash;
    for (const e of forged.events.slice(1)) {
      e.prev_hash = prev;
      e.hash = chainHash(prev, e.content);
      prev = e.hash;
    }
    forged.vote.head_hash = prev;
    const out = await run(['verify-vote', write(forged), '--public-key', pub]);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/^FAILED at event seq 7 \(position 7\): final_results: tally differs from the result recomputed from the ballot events/);
  });

  it('two events swapped, an event removed: exit 1 naming where the sequence breaks', { timeout: 120_000 }, async () => {
    const swapped = clone(good);
    [swapped.events[2], swapped.events[3]] = [swapped.events[3]!, swapped.events[2]!];
    const out = await run(['verify-vote', write(swapped), '--public-key', pub]);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/^FAILED at event seq 4 \(position 3\): sequence broken: expected seq 3/);
    const removed = clone(good);
    removed.events.splice(4, 1);
    expect((await run(['verify-vote', write(removed), '--public-key', pub])).stdout).toMatch(/^FAILED at event seq 6 \(position 5\): sequence broken/);
  });

  it("another vote's signature, or another key: exit 1 naming the closing event", { timeout: 120_000 }, async () => {
    const swapped = clone(good);
    swapped.events.at(-1)!.signature = other.events.at(-1)!.signature;
    const out = await run(['verify-vote', write(swapped), '--public-key', pub]);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/^FAILED at event seq 7 \(position 7\): signature does not verify/);
    const wrongKey = await run(['verify-vote', write(good), '--public-key', SigningKey.generate().publicKey.public_key]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stdout).toMatch(/^FAILED at event seq 7 \(position 7\): signature does not verify/);
  });

  it('wrong usage or an unreadable file: exit 2', { timeout: 120_000 }, async () => {
    expect((await run(['verify-vote'])).code).toBe(2);
    expect((await run(['verify-vote', path.join(dir, 'missing.json')])).code).toBe(2);
    const file = write(good);
    expect((await run(['verify-vote', file, '--fingerprint', 'SHA256:abc'])).code).toBe(2);
    expect((await run(['verify-vote', file, '--fingerprint', fingerprint, '--public-key', pub])).code).toBe(2);
    expect((await run(['verify-vote', file, '--public-key-file', path.join(dir, 'missing.pem')])).code).toBe(2);
    expect((await run(['verify-vote', file, '--public-key-file', write('not a key at all')])).code).toBe(2);
    expect((await run(['verify-vote', write('{"format":"something else"}'), '--public-key', pub])).code).toBe(1);
  });
});

describe.each(backends)('plenum verify-vote (rows tampered in the database, %s)', (backend) => {
  let storage: Awaited<ReturnType<typeof openTestStorage>>;
  let repo: LegalVoteRepository;
  beforeAll(async () => {
    storage = await openTestStorage(backend);
    repo = new LegalVoteRepository(storage.db);
  }, 240_000);
  afterAll(() => storage?.close());

  /** Lifts the append-only trigger for one statement, as an attacker with table-owner rights could. */
  async function bypassTrigger(statement: ReturnType<typeof sql>) {
    await sql`alter table legal_vote_events disable trigger legal_vote_events_no_change`.execute(storage.db);
    try {
      await statement.execute(storage.db);
    } finally {
      await sql`alter table legal_vote_events enable trigger legal_vote_events_no_change`.execute(storage.db);
    }
  }
  const exportFile = async (id: string) => write(await loadExport(repo, id, key.publicKey));

  it('a stored event changed: exit 1 naming it; the untouched vote still verifies', { timeout: 120_000 }, async () => {
    const id = await closedVote(repo);
    const untouched = await closedVote(repo);
    await expect(sql`update legal_vote_events set content = jsonb_set(content, '{data,choices}', '["no"]') where vote_id = ${id} and seq = 4`.execute(storage.db)).rejects.toThrow(/append-only/);
    await bypassTrigger(sql`update legal_vote_events set content = jsonb_set(content, '{data,choices}', '["no"]') where vote_id = ${id} and seq = 4`);
    const out = await run(['verify-vote', await exportFile(id), '--public-key', pub]);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/^FAILED at event seq 4 \(position 4\): hash mismatch/);
    expect((await run(['verify-vote', await exportFile(untouched), '--public-key', pub])).code).toBe(0);
  });

  it('a stored event deleted: exit 1 naming the gap', { timeout: 120_000 }, async () => {
    const id = await closedVote(repo);
    await bypassTrigger(sql`delete from legal_vote_events where vote_id = ${id} and seq = 2`);
    const out = await run(['verify-vote', await exportFile(id), '--public-key', pub]);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/^FAILED at event seq 3 \(position 2\): sequence broken: expected seq 2/);
  });
});
