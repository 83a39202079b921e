import { Writable } from 'node:stream';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SigningKey } from '../../audit/signing.ts';
import { ModuleTester, provide, type SimulatedParticipant } from '../../signaling/testing.ts';
import { backends, openTestStorage } from '../../storage/testing.ts';
import { agendaFeature } from '../agenda/index.ts';
import { CommitteeRepository } from '../agenda/storage.ts';
import { loadExport } from './export.ts';
import { legalVoteFeature } from './index.ts';
import { LegalVoteRepository } from './storage.ts';
import { verifyVoteExport } from './verify.ts';

// Audit finding: on PostgreSQL the physical order of the "has voted" rows matched the order of the ballot
// events, so anyone with database or backup access could tell who voted what. Here 50 voters vote in a known
// order; afterwards every table is read in physical order (ctid), with sequence numbers and timestamps, and
// the server log is read too. Whatever order the ballots have at rest must say nothing about who cast them.

const VOTERS = 50;
const RUNS = 3;

/** Kendall's tau-b between the voters' order (0..n-1) and the positions their ballots have at rest. */
function kendallTau(positions: readonly number[]): number {
  let concordant = 0;
  let discordant = 0;
  let tied = 0;
  for (let i = 0; i < positions.length; i++) {
    for (let j = i + 1; j < positions.length; j++) {
      const d = positions[j]! - positions[i]!;
      if (d > 0) concordant++;
      else if (d < 0) discordant++;
      else tied++;
    }
  }
  const pairs = concordant + discordant + tied;
  if (concordant + discordant === 0) return 0;
  return (concordant - discordant) / Math.sqrt(pairs * (pairs - tied));
}

/** Every row of every table of the schema, in physical order, as text (with ctid and xmin). */
async function readEveryTable(db: Awaited<ReturnType<typeof openTestStorage>>['db'], schema: string) {
  const tables = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = ${schema} and table_type = 'BASE TABLE'`.execute(db);
  const out: { table: string; ctid: string; xmin: string; text: string }[] = [];
  for (const { table_name } of tables.rows) {
    const rows = await sql<{ ctid: string; xmin: string; text: string }>`select t.ctid::text as ctid, t.xmin::text as xmin, t::text as text from ${sql.table(`${schema}.${table_name}`)} t order by t.ctid`.execute(db);
    for (const r of rows.rows) out.push({ table: table_name, ...r });
  }
  return out;
}

describe.each(backends)('secret and pseudonymous ballots at rest on %s', (backend) => {
  let storage: Awaited<ReturnType<typeof openTestStorage>>;
  beforeAll(async () => {
    storage = await openTestStorage(backend);
  }, 240_000);
  afterAll(async () => {
    await storage?.close();
  });

  it(`${RUNS} runs of ${VOTERS} voters in a known order: no table, sequence, timestamp, transaction id or log line orders the ballots by voter`, { timeout: 240_000 }, async () => {
    const taus: number[] = [];
    const key = SigningKey.generate();
    const log: string[] = [];
    const logger = pino(
      { level: 'trace' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          log.push(chunk.toString());
          done();
        },
      }),
    );
    const votes = new LegalVoteRepository(storage.db);
    for (let run = 0; run < RUNS; run++) {
      const t = new ModuleTester({
        features: [agendaFeature, legalVoteFeature],
        provide: [provide(agendaFeature, new CommitteeRepository(storage.db)), provide(legalVoteFeature, { votes })],
        services: { signingKey: key },
        logger,
      });
      const chair = await t.join({ role: 'moderator', displayName: 'Chair' });
      const voters: SimulatedParticipant[] = [];
      for (let i = 0; i < VOTERS; i++) voters.push(await t.join({ displayName: `Voter ${run}-${i}` }));
      await chair.send(legalVoteFeature, {
        action: 'start',
        title: `Motion ${run}`,
        kind: 'pseudonymous',
        options: { type: 'yes_no' },
        auto_close: false,
        eligible_participant_ids: voters.map((v) => v.id),
      });
      const started = chair.messages(legalVoteFeature, 'started').at(-1)!;
      const voteId = started.vote.id;
      // Voter i votes i-th, each ballot written on its own (the worst case for ordering: batches of one).
      const tokens: string[] = [];
      for (const [i, v] of voters.entries()) {
        await v.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: [['yes', 'no', 'abstain'][i % 3]!] });
        const voted = v.messages(legalVoteFeature, 'voted').at(-1);
        expect(voted?.receipt_token, `voter ${i}`).toBeTruthy();
        tokens.push(voted!.receipt_token!);
      }
      await chair.send(legalVoteFeature, { action: 'stop', vote_id: voteId });
      expect(chair.messages(legalVoteFeature, 'final_results').at(-1)?.results.cast).toBe(VOTERS);
      await t.settle();

      const rows = await readEveryTable(storage.db, storage.schema);
      // The urn is empty once the vote ended: its ballots are in the chain.
      expect(rows.filter((r) => r.table === 'legal_vote_urn')).toEqual([]);
      const withTokens = rows.filter((r) => tokens.some((tok) => r.text.includes(tok)));
      const ballotRows = withTokens.filter((r) => tokens.filter((tok) => r.text.includes(tok)).length === 1);
      // Each token is in one ballot event, and all of them in the signed result's list of receipts.
      expect(ballotRows).toHaveLength(VOTERS);
      const lists = withTokens.filter((r) => !ballotRows.includes(r));
      expect(lists.map((r) => [r.table, r.text.includes('final_results')])).toEqual([['legal_vote_events', true]]);
      for (const list of lists) taus.push(kendallTau(tokens.map((tok) => list.text.indexOf(tok))));
      expect(new Set(ballotRows.map((r) => r.table))).toEqual(new Set(['legal_vote_events']));
      expect(new Set(ballotRows.map((r) => r.xmin)).size).toBe(1);

      const physical = tokens.map((tok) => ballotRows.findIndex((r) => r.text.includes(tok)));
      const events = await votes.events(voteId);
      const ballotEvents = events.filter((e) => e.type === 'ballot');
      const seqOf = tokens.map((tok) => ballotEvents.find((e) => JSON.stringify(e.content).includes(tok))!.seq);
      const stamps = await sql<{ seq: number; created_at: Date }>`select seq, created_at from ${sql.table(`${storage.schema}.legal_vote_events`)} where vote_id = ${voteId} and type = 'ballot'`.execute(storage.db);
      expect(new Set(stamps.rows.map((r) => new Date(r.created_at).getTime())).size).toBe(1);
      // The "has voted" marks hold voter keys only; no ballot content sits beside them.
      for (const mark of rows.filter((r) => r.table === 'legal_vote_ballots')) for (const tok of tokens) expect(mark.text).not.toContain(tok);

      taus.push(kendallTau(physical), kendallTau(seqOf));
      // The log names no ballot: no receipt token, no choice.
      for (const line of log) {
        for (const tok of tokens) expect(line).not.toContain(tok);
        expect(line).not.toMatch(/"choices"/);
      }
      // And the chain of the vote is intact and signed.
      expect(verifyVoteExport((await loadExport(votes, voteId, key.publicKey))!, key.publicKey.public_key)).toMatchObject({ ok: true, state: 'closed' });
    }
    // With chance ordering tau has mean 0 and a standard deviation of about 0.1 for 50 voters; cast order
    // would give 1. Every run stays well inside chance and so does the mean.
    for (const tau of taus) expect(Math.abs(tau)).toBeLessThan(0.4);
    expect(Math.abs(taus.reduce((a, b) => a + b, 0) / taus.length)).toBeLessThan(0.25);
  });
});
