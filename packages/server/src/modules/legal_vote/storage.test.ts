import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { SigningKey } from '../../audit/signing.ts';
import { loadExport } from './export.ts';
import { voteParams } from './testing.ts';
import { verifyVoteExport } from './verify.ts';
import { LegalVoteRepository, VoteStoreError } from './storage.ts';
import { backends, openTestStorage } from '../../storage/testing.ts';

const key = SigningKey.generate();
const at = new Date('2026-03-02T09:00:00Z');

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof VoteStoreError ? e.code : `unexpected: ${String(e)}`),
  );

describe.each(backends)('legal vote repository on %s', (backend) => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  async function setup() {
    const storage = await openTestStorage(backend);
    close = storage.close;
    return { storage, repo: new LegalVoteRepository(storage.db) };
  }

  it('200 concurrent ballots (valid, duplicate, after close) for 50 voters: exactly the valid ones count, the chain verifies', { timeout: 240_000 }, async () => {
    const { repo } = await setup();
    const params = voteParams('roll_call', 50);
    const voteId = params.vote.id;
    await repo.create({ roomId: crypto.randomUUID(), params, at });
    const choice = (i: number) => (['yes', 'no', 'abstain'] as const)[i % 3]!;
    const cast = (i: number) => repo.castBallot(voteId, `v${i}`, { voter_id: `v${i}`, display_name: `Voter ${i}`, choices: [choice(i)], cast_by_proxy: null }, at);
    // Round 1: 40 voters once plus 80 duplicates of them (2 more each), all at once.
    const round1 = await Promise.all([...Array.from({ length: 120 }, (_, n) => code(cast(n % 40)))]);
    expect(round1.filter((c) => c === 'ok')).toHaveLength(40);
    expect(round1.filter((c) => c === 'already_voted')).toHaveLength(80);
    // Round 2: 40 more attempts (the last 10 voters, twice each, and 20 duplicates) racing with the close.
    const attempts = [...Array.from({ length: 20 }, (_, n) => 40 + (n % 10)), ...Array.from({ length: 20 }, (_, n) => n)];
    const [closeResult, ...round2] = await Promise.all([repo.close(voteId, 'chair', at, key).then((r) => r), ...attempts.map((i) => code(cast(i)))]);
    expect(round2.every((c) => ['ok', 'already_voted', 'vote_closed'].includes(c))).toBe(true);
    // 40 more fired after the close: all refused.
    const late = await Promise.all(Array.from({ length: 40 }, (_, n) => code(cast(n))));
    expect(late.every((c) => c === 'vote_closed')).toBe(true);
    expect(1 + round1.length + round2.length + late.length).toBe(201);

    const accepted = 40 + round2.filter((c) => c === 'ok').length;
    expect(closeResult.results.cast).toBe(accepted);
    expect(await repo.ballotCount(voteId)).toBe(accepted);
    const tally = closeResult.results.tally;
    expect(tally.yes! + tally.no! + tally.abstain!).toBe(accepted);
    expect(new Set(closeResult.results.ballots!.map((b) => b.voter_id)).size).toBe(accepted);
    const exp = (await loadExport(repo, voteId, key.publicKey))!;
    expect(exp.events.map((e) => e.seq)).toEqual(Array.from({ length: accepted + 3 }, (_, i) => i + 1));
    expect(verifyVoteExport(exp, key.publicKey.public_key)).toMatchObject({ ok: true, state: 'closed', events: accepted + 3, tally });
  });

  it('batches: one transaction per batch; a voter twice in a batch or already voted is refused alone; concurrent batches stay exactly-once', { timeout: 240_000 }, async () => {
    const { repo } = await setup();
    for (const kind of ['roll_call', 'secret'] as const) {
      const params = voteParams(kind, 30);
      const voteId = params.vote.id;
      await repo.create({ roomId: crypto.randomUUID(), params, at });
      const ballot = (i: number) =>
        kind === 'roll_call' ? { voterKey: `v${i}`, ballot: { voter_id: `v${i}`, display_name: `Voter ${i}`, choices: ['yes'], cast_by_proxy: null } } : { voterKey: `v${i}`, ballot: { choices: ['no'] } };
      // v0 … v9, with v3 twice in the same batch.
      const first = await repo.castBallots(voteId, [...Array.from({ length: 10 }, (_, i) => ballot(i)), ballot(3)], at);
      expect(first.filter((o) => o.ok)).toHaveLength(10);
      expect(first.filter((o) => !o.ok)).toEqual([{ ok: false, code: 'already_voted' }]);
      // Three batches at once, overlapping each other and the first: v10 … v29 count once each.
      const batches = [0, 5, 10].map((from) => Array.from({ length: 20 }, (_, n) => ballot(from + n)));
      const outcomes = (await Promise.all(batches.map((b) => repo.castBallots(voteId, b, at)))).flat();
      expect(outcomes.filter((o) => o.ok)).toHaveLength(20);
      if (kind === 'roll_call') {
        const seqs = [...first, ...outcomes].flatMap((o) => (o.ok ? [o.seq] : []));
        expect(seqs.sort((a, b) => a! - b!)).toEqual(Array.from({ length: 30 }, (_, i) => i + 2));
      } else {
        expect([...first, ...outcomes].every((o) => !o.ok || o.seq === null)).toBe(true);
      }
      const { results } = await repo.close(voteId, 'chair', at, key);
      expect(results.cast).toBe(30);
      expect(verifyVoteExport((await loadExport(repo, voteId, key.publicKey))!, key.publicKey.public_key)).toMatchObject({ ok: true, state: 'closed', events: 33 });
      await expect(code(repo.castBallots(voteId, [ballot(0)], at))).resolves.toBe('vote_closed');
    }
  });

  it('pseudonymous and secret ballots in the log carry no voter; the ballots table no time or order', { timeout: 240_000 }, async () => {
    const { repo, storage } = await setup();
    for (const kind of ['pseudonymous', 'secret'] as const) {
      const params = voteParams(kind, 3);
      await repo.create({ roomId: crypto.randomUUID(), params, at });
      await repo.castBallot(params.vote.id, 'v0', kind === 'secret' ? { choices: ['yes'] } : { token: 'tok-a', choices: ['yes'] }, at);
      await repo.castBallot(params.vote.id, 'v1', kind === 'secret' ? { choices: ['no'] } : { token: 'tok-b', choices: ['no'] }, at);
      const { results } = await repo.close(params.vote.id, 'chair', at, key);
      expect(results.tally).toEqual({ yes: 1, no: 1, abstain: 0 });
      if (kind === 'pseudonymous') expect(results.tokens).toEqual([{ token: 'tok-a', choices: ['yes'] }, { token: 'tok-b', choices: ['no'] }]);
      const events = await repo.events(params.vote.id);
      for (const e of events.filter((x) => x.type !== 'started')) expect(JSON.stringify(e.content)).not.toMatch(/v0|v1|Voter/);
      expect(verifyVoteExport(await loadExport(repo, params.vote.id, key.publicKey), key.publicKey.public_key).ok).toBe(true);
    }
    const columns = await sql<{ column_name: string }>`select column_name from information_schema.columns where table_name = 'legal_vote_ballots' order by column_name`.execute(storage.db);
    expect(columns.rows.map((r) => r.column_name)).toEqual(['vote_id', 'voter_key']);
  });

  it('the database refuses UPDATE, DELETE and TRUNCATE of vote events; a cancelled vote is signed', { timeout: 240_000 }, async () => {
    const { repo, storage } = await setup();
    const params = voteParams('secret', 2);
    await repo.create({ roomId: crypto.randomUUID(), params, at });
    await repo.castBallot(params.vote.id, 'v0', { choices: ['yes'] }, at);
    await expect(sql`update legal_vote_events set content = '{"x":1}'::jsonb where vote_id = ${params.vote.id}`.execute(storage.db)).rejects.toThrow(/append-only/);
    await expect(sql`update legal_vote_events set signature = 'x' where vote_id = ${params.vote.id} and seq = 1`.execute(storage.db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from legal_vote_events where vote_id = ${params.vote.id} and seq = 1`.execute(storage.db)).rejects.toThrow(/append-only/);
    await expect(sql`truncate legal_vote_events`.execute(storage.db)).rejects.toThrow(/append-only/);
    // Two appends cannot take the same seq.
    await expect(
      storage.db.insertInto('legal_vote_events').values({ vote_id: params.vote.id, seq: 1, type: 'ballot', content: '{}', prev_hash: 'x', hash: 'y', signature: null }).execute(),
    ).rejects.toThrow();
    // A secret ballot waits in the urn, outside the chain, until the vote ends.
    expect((await repo.events(params.vote.id)).map((e) => e.seq)).toEqual([1]);

    const event = await repo.cancel(params.vote.id, 'Wrong motion text', 'chair', at, key);
    expect(event.signature).toBeTruthy();
    await expect(code(repo.castBallot(params.vote.id, 'v1', { choices: ['no'] }, at))).resolves.toBe('vote_closed');
    await expect(code(repo.record(params.vote.id, 'issue_reported', { text: 'late' }, at))).resolves.toBe('vote_closed');
    await expect(code(repo.castBallot(crypto.randomUUID(), 'v1', { choices: ['no'] }, at))).resolves.toBe('vote_not_found');
    expect(verifyVoteExport(await loadExport(repo, params.vote.id, key.publicKey), key.publicKey.public_key)).toMatchObject({ ok: true, state: 'cancelled' });
    expect(await repo.vote(params.vote.id)).toMatchObject({ state: 'cancelled', head_seq: 3, head_hash: event.hash });
  });
});
