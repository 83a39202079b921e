import type { LegalVoteInfo, LegalVoteKind, LegalVoteState } from '@plenum/protocol';
import { randomInt, randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import { sql, type ColumnType, type Selectable, type Transaction } from 'kysely';
import { chainHash } from '../../audit/chain.ts';
import { finalResultsOf, isNamedKind, signedMessage, type BallotData, type FinalResultsData, type StopReason, type VoteEventContent, type VoteEventType } from './rules.ts';
import type { Database } from '../../storage/schema.ts';
import type { Db } from '../../storage/database.ts';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface LegalVotesTable {
  id: string;
  room_id: string;
  title: string;
  agenda_item_id: string | null;
  kind: LegalVoteKind;
  /** The vote's parameters and eligible list, as in its `started` event. */
  parameters: Json<VoteParameters>;
  state: LegalVoteState;
  opened_at: Timestamp;
  closed_at: Timestamp | null;
  head_seq: number;
  head_hash: string;
}

export interface LegalVoteEventsTable {
  vote_id: string;
  seq: number;
  type: VoteEventType;
  /** Exactly what is hashed. */
  content: Json<VoteEventContent>;
  prev_hash: string;
  hash: string;
  signature: string | null;
  created_at: DefaultedTimestamp;
}

export interface LegalVoteBallotsTable {
  vote_id: string;
  voter_key: string;
}

/** Accepted ballots of anonymous kinds, not yet chained (migration 0006). */
export interface LegalVoteUrnTable {
  id: string;
  vote_id: string;
  content: ColumnType<unknown, string, never>;
}

// The tables of migrations 0004 and 0006, added to the database type where they are used.
declare module '../../storage/schema.ts' {
  interface Database {
    legal_votes: LegalVotesTable;
    legal_vote_events: LegalVoteEventsTable;
    legal_vote_ballots: LegalVoteBallotsTable;
    legal_vote_urn: LegalVoteUrnTable;
  }
}

export type LegalVoteRow = Selectable<LegalVotesTable>;
export type LegalVoteEventRow = Selectable<LegalVoteEventsTable>;

export interface VoteParameters {
  vote: LegalVoteInfo;
  eligible: { voter_id: string; display_name: string; substitutes_for: string | null; proxy: { participant_id: string; display_name: string } | null }[];
  delegations: unknown[];
}

/** What a signer must offer (SigningKey). */
export interface VoteSigner {
  sign(message: string): string;
  /** Picks up a key rotated elsewhere before signing (the keyring); see audit/keyring.ts. */
  refresh?(): Promise<void>;
}

/** A refusal the module turns into a typed signaling error. */
export class VoteStoreError extends Error {
  constructor(readonly code: 'vote_not_found' | 'vote_closed' | 'already_voted') {
    super(code);
    this.name = 'VoteStoreError';
  }
}

export interface AppendedEvent {
  seq: number;
  hash: string;
  signature: string | null;
  content: VoteEventContent;
}

export interface ClosedVote {
  results: FinalResultsData;
  finalEvent: AppendedEvent;
}

/** One ballot of a batch and its outcome. */
export interface BallotToCast {
  voterKey: string;
  ballot: BallotData;
}
export type CastOutcome = { ok: true; seq: number | null } | { ok: false; code: 'already_voted' };

/**
 * The legal votes' log. `legal_vote_events` is insert-only (a trigger refuses UPDATE/DELETE/TRUNCATE); every
 * append takes a row lock on the vote (`select … for update`), reads the head (seq and hash) there, appends
 * the next event and moves the head — all in one transaction, so concurrent writers chain in order and a
 * crash leaves either everything or nothing. `legal_vote_ballots` holds who voted (one row per voter, no
 * time, no order), which makes a second ballot of the same voter a conflict (`already_voted`).
 *
 * Ballots come in batches (the room gathers those that arrive while a write is running): one transaction
 * for many ballots, each still accepted exactly once by the database. Named ballots (roll-call kinds) are
 * chained as they come; ballots of pseudonymous and secret votes go into `legal_vote_urn` and are chained
 * only when the vote ends, sorted by their content, so that neither row order, sequence numbers, timestamps
 * nor transaction ids at rest say who cast which (docs/security.md).
 */
export class LegalVoteRepository {
  constructor(private readonly db: Db) {}

  /** Opens a vote: its row and its `started` event (seq 1). */
  async create(input: { roomId: string; params: VoteParameters; at: Date }): Promise<AppendedEvent> {
    const { vote } = input.params;
    return this.db.transaction().execute(async (trx) => {
      const content: VoteEventContent = { vote_id: vote.id, seq: 1, type: 'started', at: input.at.toISOString(), data: { ...input.params } };
      const hash = chainHash('0'.repeat(64), content);
      await trx
        .insertInto('legal_votes')
        .values({
          id: vote.id,
          room_id: input.roomId,
          title: vote.title,
          agenda_item_id: vote.agenda_item_id,
          kind: vote.kind,
          parameters: JSON.stringify(input.params),
          state: 'open',
          opened_at: input.at,
          closed_at: null,
          head_seq: 1,
          head_hash: hash,
        })
        .execute();
      await trx
        .insertInto('legal_vote_events')
        .values({ vote_id: vote.id, seq: 1, type: 'started', content: JSON.stringify(content), prev_hash: '0'.repeat(64), hash, signature: null, created_at: input.at })
        .execute();
      return { seq: 1, hash, signature: null, content };
    });
  }

  /**
   * Accepts a batch of ballots in one transaction, in a shuffled order: each voter is recorded in
   * `legal_vote_ballots` (a second ballot of the same voter is `already_voted` and writes nothing for it), and
   * its ballot is appended to the chain (named kinds) or put into the urn (pseudonymous, secret). Throws
   * VoteStoreError and writes nothing when the vote is not open.
   */
  async castBallots(voteId: string, ballots: readonly BallotToCast[], at: Date): Promise<CastOutcome[]> {
    if (ballots.length === 0) return [];
    return this.db.transaction().execute(async (trx) => {
      // The kind decides the lock, taken once (upgrading a shared lock would deadlock two batches).
      const kind = await trx.selectFrom('legal_votes').select('kind').where('id', '=', voteId).executeTakeFirst();
      if (!kind) throw new VoteStoreError('vote_not_found');
      const named = isNamedKind(kind.kind);
      const row = await this.lockOpen(trx, voteId, named ? 'update' : 'share');
      const outcomes: CastOutcome[] = new Array<CastOutcome>(ballots.length);
      // A few statements per batch, not per ballot: the whole batch's marks in one insert, its ballots in another.
      const candidates: number[] = [];
      const inBatch = new Set<string>();
      for (const i of shuffled(ballots.length)) {
        const key = ballots[i]!.voterKey;
        if (inBatch.has(key)) {
          outcomes[i] = { ok: false, code: 'already_voted' };
          continue;
        }
        inBatch.add(key);
        candidates.push(i);
      }
      const marked = new Set<string>();
      // Marks in voter-key order: two batches that overlap take the unique index's locks in the same order
      // and cannot deadlock (seen on PostgreSQL); key order says nothing about who cast which ballot.
      const byKey = [...candidates].sort((x, y) => (ballots[x]!.voterKey < ballots[y]!.voterKey ? -1 : 1));
      for (const chunk of chunks(byKey, ROWS_PER_INSERT)) {
        const rows = await trx
          .insertInto('legal_vote_ballots')
          .values(chunk.map((i) => ({ vote_id: voteId, voter_key: ballots[i]!.voterKey })))
          .onConflict((oc) => oc.columns(['vote_id', 'voter_key']).doNothing())
          .returning('voter_key')
          .execute();
        for (const r of rows) marked.add(r.voter_key);
      }
      const accepted: number[] = [];
      for (const i of candidates) {
        if (marked.has(ballots[i]!.voterKey)) accepted.push(i);
        else outcomes[i] = { ok: false, code: 'already_voted' };
      }
      if (named) {
        const events = await this.appendAll(trx, voteId, row, accepted.map((i) => ({ type: 'ballot' as const, data: ballots[i]!.ballot as Record<string, unknown> })), at);
        accepted.forEach((i, n) => (outcomes[i] = { ok: true, seq: events[n]!.seq }));
      } else {
        // Shuffled again, so the urn's insertion order is not the marks' order either.
        const urn = shuffled(accepted.length).map((n) => accepted[n]!);
        for (const chunk of chunks(urn, ROWS_PER_INSERT)) {
          await trx
            .insertInto('legal_vote_urn')
            .values(chunk.map((i) => ({ id: randomUUID(), vote_id: voteId, content: JSON.stringify(ballots[i]!.ballot) })))
            .execute();
        }
        for (const i of accepted) outcomes[i] = { ok: true, seq: null };
      }
      return outcomes;
    });
  }

  /** One ballot (tests and tools): `castBallots` with one entry; a second ballot of the voter throws `already_voted`. */
  async castBallot(voteId: string, voterKey: string, ballot: BallotData, at: Date): Promise<{ seq: number | null }> {
    const [outcome] = await this.castBallots(voteId, [{ voterKey, ballot }], at);
    if (!outcome?.ok) throw new VoteStoreError('already_voted');
    return { seq: outcome.seq };
  }

  /** Chains the urn's ballots, sorted by their canonical content (so the order says nothing of time), and empties it. */
  private async chainUrn(trx: Transaction<Database>, voteId: string, at: Date): Promise<void> {
    const rows = await trx.selectFrom('legal_vote_urn').select(['content']).where('vote_id', '=', voteId).execute();
    if (rows.length === 0) return;
    const ballots = rows.map((r) => parse<Record<string, unknown>>(r.content)).map((b) => ({ b, key: canonicalize(b) ?? '' }));
    ballots.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
    const head = await trx.selectFrom('legal_votes').select(['head_seq', 'head_hash']).where('id', '=', voteId).executeTakeFirstOrThrow();
    await this.appendAll(trx, voteId, head, ballots.map(({ b }) => ({ type: 'ballot' as const, data: b })), at);
    await trx.deleteFrom('legal_vote_urn').where('vote_id', '=', voteId).execute();
  }

  /** After a vote ended: the urn's deleted rows are vacuumed away (best effort; outside any transaction). */
  async purgeUrn(): Promise<void> {
    await sql`vacuum legal_vote_urn`.execute(this.db);
  }

  /** Appends a `delegated` or `issue_reported` event to an open vote. */
  async record(voteId: string, type: 'delegated' | 'issue_reported', data: Record<string, unknown>, at: Date): Promise<AppendedEvent> {
    return this.db.transaction().execute(async (trx) => {
      await this.lockOpen(trx, voteId);
      return this.append(trx, voteId, type, data, at);
    });
  }

  /**
   * Closes a vote: appends `stopped`, recomputes the result from the ballot events stored in the log (not from
   * anyone's memory), appends `final_results` signed over `plenum-vote:<id>:<its hash>` and marks the vote closed.
   */
  async close(voteId: string, reason: StopReason, at: Date, signer: VoteSigner): Promise<ClosedVote> {
    await signer.refresh?.();
    return this.db.transaction().execute(async (trx) => {
      const row = await this.lockOpen(trx, voteId);
      await this.chainUrn(trx, voteId, at);
      await this.append(trx, voteId, 'stopped', { reason }, at);
      const params = parse<VoteParameters>(row.parameters);
      const events = await trx.selectFrom('legal_vote_events').select(['content']).where('vote_id', '=', voteId).where('type', '=', 'ballot').orderBy('seq').execute();
      const ballots = events.map((e) => parse<VoteEventContent>(e.content).data as unknown as BallotData);
      const results = finalResultsOf(params.vote, params.eligible.length, ballots, reason);
      const finalEvent = await this.append(trx, voteId, 'final_results', results as unknown as Record<string, unknown>, at, signer);
      await trx.updateTable('legal_votes').set({ state: 'closed', closed_at: at }).where('id', '=', voteId).execute();
      return { results, finalEvent };
    });
  }

  /** Ends a vote without a result; the `cancelled` event (with the reason) is signed. */
  async cancel(voteId: string, reason: string, by: 'chair' | 'interrupted', at: Date, signer: VoteSigner): Promise<AppendedEvent> {
    await signer.refresh?.();
    return this.db.transaction().execute(async (trx) => {
      await this.lockOpen(trx, voteId);
      // The ballots accepted before stay in the log, in the same order-free way.
      await this.chainUrn(trx, voteId, at);
      const event = await this.append(trx, voteId, 'cancelled', { reason, by }, at, signer);
      await trx.updateTable('legal_votes').set({ state: 'cancelled', closed_at: at }).where('id', '=', voteId).execute();
      return event;
    });
  }

  /** Votes of a room still open in the database (after a crash: interrupted). */
  openVotes(roomId: string): Promise<LegalVoteRow[]> {
    return this.db.selectFrom('legal_votes').selectAll().where('room_id', '=', roomId).where('state', '=', 'open').orderBy('opened_at').execute();
  }

  /** A room's votes, newest first. */
  listVotes(roomId: string): Promise<LegalVoteRow[]> {
    return this.db.selectFrom('legal_votes').selectAll().where('room_id', '=', roomId).orderBy('opened_at', 'desc').orderBy('id').execute();
  }

  vote(voteId: string): Promise<LegalVoteRow | undefined> {
    return this.db.selectFrom('legal_votes').selectAll().where('id', '=', voteId).executeTakeFirst();
  }

  /** The log in seq order. */
  events(voteId: string): Promise<LegalVoteEventRow[]> {
    return this.db.selectFrom('legal_vote_events').selectAll().where('vote_id', '=', voteId).orderBy('seq').execute();
  }

  /** Number of voters recorded (who voted), for checks. */
  async ballotCount(voteId: string): Promise<number> {
    const row = await this.db.selectFrom('legal_vote_ballots').select((eb) => eb.fn.countAll<string | number>().as('n')).where('vote_id', '=', voteId).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The open vote's row, locked: `share` lets ballots of anonymous kinds go in side by side; closing takes `update`. */
  private async lockOpen(trx: Transaction<Database>, voteId: string, mode: 'update' | 'share' = 'update'): Promise<LegalVoteRow> {
    const query = trx.selectFrom('legal_votes').selectAll().where('id', '=', voteId);
    const row = await (mode === 'update' ? query.forUpdate() : query.forShare()).executeTakeFirst();
    if (!row) throw new VoteStoreError('vote_not_found');
    if (row.state !== 'open') throw new VoteStoreError('vote_closed');
    return row;
  }

  /** Appends events in order after `head` (read under the row lock), in multi-row inserts, and moves the head once. */
  private async appendAll(
    trx: Transaction<Database>,
    voteId: string,
    head: { head_seq: number; head_hash: string },
    entries: readonly { type: VoteEventType; data: Record<string, unknown> }[],
    at: Date,
  ): Promise<{ seq: number; hash: string }[]> {
    if (entries.length === 0) return [];
    let seq = head.head_seq;
    let prev = head.head_hash;
    const rows = entries.map(({ type, data }) => {
      seq++;
      const content: VoteEventContent = { vote_id: voteId, seq, type, at: at.toISOString(), data };
      const hash = chainHash(prev, content);
      const row = { vote_id: voteId, seq, type, content: JSON.stringify(content), prev_hash: prev, hash, signature: null, created_at: at };
      prev = hash;
      return row;
    });
    for (const chunk of chunks(rows, ROWS_PER_INSERT)) await trx.insertInto('legal_vote_events').values(chunk).execute();
    await trx.updateTable('legal_votes').set({ head_seq: seq, head_hash: prev }).where('id', '=', voteId).execute();
    return rows.map((r) => ({ seq: r.seq, hash: r.hash }));
  }

  /** Appends the next event after the head read under the row lock, and moves the head. */
  private async append(trx: Transaction<Database>, voteId: string, type: VoteEventType, data: Record<string, unknown>, at: Date, signer?: VoteSigner): Promise<AppendedEvent> {
    const head = await trx.selectFrom('legal_votes').select(['head_seq', 'head_hash']).where('id', '=', voteId).executeTakeFirstOrThrow();
    const seq = head.head_seq + 1;
    const content: VoteEventContent = { vote_id: voteId, seq, type, at: at.toISOString(), data };
    const hash = chainHash(head.head_hash, content);
    const signature = signer ? signer.sign(signedMessage(voteId, hash)) : null;
    await trx
      .insertInto('legal_vote_events')
      .values({ vote_id: voteId, seq, type, content: JSON.stringify(content), prev_hash: head.head_hash, hash, signature, created_at: at })
      .execute();
    await trx.updateTable('legal_votes').set({ head_seq: seq, head_hash: hash }).where('id', '=', voteId).execute();
    return { seq, hash, signature, content };
  }
}

/** jsonb comes back parsed from pg and PGlite; a string (from other drivers) is parsed here. */
function parse<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

export { parse as parseJsonColumn };

/** Rows per INSERT: well below PostgreSQL's 65,535 bind parameters for the widest row (8 columns). */
const ROWS_PER_INSERT = 1000;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** 0 … n-1 in a random order (Fisher–Yates with the CSPRNG). */
function shuffled(n: number): number[] {
  const order = [...Array(n).keys()];
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
