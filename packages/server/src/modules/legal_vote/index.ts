import { legalVotePersonalData } from '../../gdpr/features.ts';
import { randomBytes } from 'node:crypto';
import {
  computeQuorum,
  legalVoteProtocol,
  rosterMemberFor,
  type EligibleVoter,
  type LegalVoteCancellation,
  type LegalVoteCommand,
  type LegalVoteDelegation,
  type LegalVoteInfo,
  type LegalVoteResults,
  type LegalVoteSnapshot,
  type LegalVoteYou,
  type NamedBallot,
  type RosterMember,
  type VoteQuorum,
} from '@plenum/protocol';
import { defineFeature, refusal, type FeatureRoom, type HooksOf, type Participant } from '../../signaling/feature.ts';
import { committeeChanged, type CommitteeData } from '../agenda/events.ts';
import { legalVoteFinal } from './events.ts';
import * as m0004 from './migrations/0004_legal_vote.ts';
import * as m0006 from './migrations/0006_legal_vote_urn.ts';
import { legalVoteRoutes } from './routes.ts';
import { isNamedKind, normaliseChoices, validChoices, voteOptions, type BallotData, type StopReason } from './rules.ts';
import { LegalVoteRepository, VoteStoreError, type AppendedEvent, type BallotToCast, type CastOutcome, type ClosedVote, type VoteParameters, type VoteSigner } from './storage.ts';
import { failureCode } from '../../signaling/failure.ts';

/**
 * `legal_vote`: formally valid votes with an audit log (architecture: Audit-proof voting and minutes).
 * Every step is written to the vote's hash-chained log in the database before anyone is told about it; the
 * room's memory only mirrors the log for fast answers. The chair is whoever has the `moderate` permission.
 *
 * Eligible voters are identities, never connections: a roster seat (matched by account or personal invite),
 * or without a roster an account — or a participant the chair names explicitly (a guest who came with a
 * shared link is no voter identity unless named). Two connections of one account are one voter.
 *
 * Ballots leave the room's queue: those that arrive while a write runs are gathered and written together in
 * one transaction, where the database accepts each exactly once. A vote that was open when the server
 * stopped is cancelled, with the reason recorded and signed, when its room opens again (before its first
 * task): eligibility (who is present) cannot be re-established after the fact; the ballots already accepted
 * stay in the log.
 */

/** What the feature needs from storage (LegalVoteRepository). */
export interface LegalVoteStore {
  create(input: { roomId: string; params: VoteParameters; at: Date }): Promise<AppendedEvent>;
  castBallots(voteId: string, ballots: readonly BallotToCast[], at: Date): Promise<CastOutcome[]>;
  record(voteId: string, type: 'delegated' | 'issue_reported', data: Record<string, unknown>, at: Date): Promise<AppendedEvent>;
  close(voteId: string, reason: StopReason, at: Date, signer: VoteSigner): Promise<ClosedVote>;
  cancel(voteId: string, reason: string, by: 'chair' | 'interrupted', at: Date, signer: VoteSigner): Promise<AppendedEvent>;
  openVotes(roomId: string): Promise<{ id: string; parameters: VoteParameters | string | unknown }[]>;
  /** Best effort after a vote ended (the urn's deleted rows). */
  purgeUrn?(): Promise<void>;
}

/** Most issue reports one participant may add to one vote's signed log. */
export const MAX_ISSUES_PER_PARTICIPANT = 5;

/** How a participant is recognised as an eligible voter. */
interface VoterIdentity {
  userId: string | null;
  inviteCode: string | null;
  /** Only for a participant the chair named explicitly (no account, no personal invite). */
  participantId: string | null;
}

interface PendingBallot {
  voterId: string;
  ballot: BallotData;
  who: Participant;
  choices: string[];
  token: string | undefined;
  proxy: string | null;
}

interface OpenVote {
  info: LegalVoteInfo;
  eligible: EligibleVoter[];
  identities: Map<string, VoterIdentity>;
  voted: Set<string>;
  /** Ballots on their way to the database (or waiting for the running write). */
  pending: Set<string>;
  queue: PendingBallot[];
  writing: boolean;
  /** Roll-call kinds: the named ballots in the order confirmed. */
  named: NamedBallot[];
  cancelTimer: (() => void) | null;
  /** `starting` until its `started` event is in the log; `closing` from stop or cancel on. */
  phase: 'starting' | 'open' | 'closing';
  /** Progress updates are sent at most every UPDATE_INTERVAL_MS; set while that pause runs. */
  updatePause: (() => void) | null;
  /** A ballot arrived during the pause: send the progress when it ends. */
  updateDue: boolean;
  /** Issue reports per participant. */
  issues: Map<string, number>;
}

/**
 * Each ballot is news for everyone in the room (the counter, or the names of a live roll-call); one message
 * per ballot to every participant made a 1,000-voter vote cost a million frames. The first ballot after a
 * quiet moment goes out at once, later ones are gathered for this long.
 */
const UPDATE_INTERVAL_MS = 250;

interface Loaded {
  /** The last vote interrupted by a restart, cancelled while the room opened. */
  interrupted: { vote: LegalVoteInfo; cancellation: LegalVoteCancellation }[];
}

export interface LegalVoteState {
  room: FeatureRoom<typeof legalVoteProtocol, typeof legalVoteFinal, typeof committeeChanged>;
  committee: CommitteeData;
  open: OpenVote | null;
  last: NonNullable<LegalVoteSnapshot['last']> | null;
  /** Ids of votes that ended in this meeting (a command naming one gets `vote_closed`). */
  ended: Set<string>;
  /** Proxies in effect for this meeting, by the delegator's voter id. */
  delegations: Map<string, LegalVoteDelegation>;
  /** Open votes left over from before a restart have been dealt with. */
  recovered: boolean;
  recovering: boolean;
}

const INTERRUPTED_REASON = 'The server stopped while the vote was open. The ballots accepted before are kept in the log; the vote has no result.';

const refuse = refusal(legalVoteProtocol);

const matches = (id: VoterIdentity, who: Participant) =>
  (id.userId !== null && id.userId === who.userId) ||
  // A personal invite is carried by a guest with the link or a caller with its personal phone PIN.
  (id.inviteCode !== null && (who.kind === 'guest' || who.kind === 'sip') && id.inviteCode === who.inviteCode) ||
  (id.participantId !== null && id.participantId === who.id);

function voterOf(open: OpenVote, who: Participant): EligibleVoter | undefined {
  for (const e of open.eligible) {
    const id = open.identities.get(e.voter_id);
    if (id && matches(id, who)) return e;
  }
  return undefined;
}

function youOf(open: OpenVote, who: Participant): LegalVoteYou {
  const own = voterOf(open, who);
  const proxyFor = open.eligible.filter((e) => e.proxy?.participant_id === who.id).map((e) => e.voter_id);
  const mine = [...(own && !own.proxy ? [own.voter_id] : []), ...proxyFor];
  return { eligible: !!own && !own.proxy, voter_id: own?.voter_id ?? null, proxy_for: proxyFor, voted: mine.filter((v) => open.voted.has(v)) };
}

const publicDelegations = (state: LegalVoteState): LegalVoteDelegation[] => [...state.delegations.values()].map((d) => ({ ...d }));
/** What the `started` event records of the proxies: who for whom, without this meeting's participant ids of the givers. */
const loggedDelegations = (state: LegalVoteState) =>
  [...state.delegations.values()].map(({ from_voter_id, from_name, to_participant_id, to_name }) => ({ from_voter_id, from_name, to_participant_id, to_name }));

const liveBallots = (open: OpenVote) => (open.info.kind === 'live_roll_call' ? { ballots: open.named.map((b) => ({ ...b, choices: [...b.choices] })) } : {});

const nextEventLoopTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const storeCode = (err: unknown) => (err instanceof VoteStoreError ? err.code : null);
/** A refusal of the store itself, or the database being unreachable (retryable); null for a defect. */
const expectedCode = (err: unknown) => storeCode(err) ?? (failureCode(err) === 'storage_unavailable' ? 'storage_unavailable' : null);

/**
 * A participant as a voter identity of their own, without a roster: their account. Guests and phone callers
 * without an account have none (a shared link is not a person) unless the chair names them.
 */
function accountVoter(who: Participant): { voterId: string; identity: VoterIdentity } | null {
  if (who.kind === 'recorder' || !who.userId) return null;
  return { voterId: `user:${who.userId}`, identity: { userId: who.userId, inviteCode: null, participantId: null } };
}

interface Deps {
  store: LegalVoteStore;
  signingKey: VoteSigner & { publicKey: { fingerprint: string } };
}

type Start = Extract<LegalVoteCommand, { action: 'start' }>;

function hooks({ store, signingKey }: Deps): HooksOf<typeof legalVoteProtocol, LegalVoteState, Loaded, typeof legalVoteFinal, typeof committeeChanged> {
  /** The sender as a delegator: a roster member with voting rights, or (no roster) their account. */
  function delegatorOf(state: LegalVoteState, who: Participant): { voterId: string; name: string } | null {
    const roster = state.committee.roster;
    if (roster.length === 0) {
      const account = accountVoter(who);
      return account ? { voterId: account.voterId, name: who.displayName } : null;
    }
    const m = rosterMemberFor(roster, who);
    if (!m || !m.voting || m.role !== 'member') return null;
    return { voterId: m.id, name: m.display_name };
  }

  function eligibleFor(state: LegalVoteState, cmd: Start) {
    const room = state.room;
    const roster = state.committee.roster;
    const present = room.participants().filter((p) => p.kind !== 'recorder');
    const participantOfProxy = (d: LegalVoteDelegation | undefined) => {
      const p = d ? room.participant(d.to_participant_id) : undefined;
      return p ? { participant_id: p.id, display_name: p.displayName } : null;
    };
    const eligible: EligibleVoter[] = [];
    const identities = new Map<string, VoterIdentity>();
    const add = (voterId: string, name: string, identity: VoterIdentity, substitutesFor: string | null) => {
      if (identities.has(voterId)) return;
      eligible.push({ voter_id: voterId, display_name: name, substitutes_for: substitutesFor, proxy: substitutesFor ? null : participantOfProxy(state.delegations.get(voterId)) });
      identities.set(voterId, identity);
    };

    if (roster.length === 0) {
      if (cmd.eligible_participant_ids) {
        for (const id of cmd.eligible_participant_ids) {
          const p = room.participant(id);
          if (!p || p.kind === 'recorder') throw refuse('participant_not_found');
          // Named by the chair: an account counts once however many connections it has; anyone else as this participant.
          const account = accountVoter(p);
          if (account) add(account.voterId, p.displayName, account.identity, null);
          else add(`participant:${p.id}`, p.displayName, { userId: null, inviteCode: null, participantId: p.id }, null);
        }
      } else {
        for (const p of present) {
          const account = accountVoter(p);
          if (account) add(account.voterId, p.displayName, account.identity, null);
        }
      }
      return { eligible, identities, quorum: null };
    }

    if (cmd.eligible_participant_ids) {
      throw refuse('invalid_command', { issues: [{ path: 'eligible_participant_ids', message: 'the room has a roster: the eligible voters are its members' }] });
    }
    const presentIds = new Set<string>();
    for (const p of present) {
      const m = rosterMemberFor(roster, p);
      if (m) presentIds.add(m.id);
    }
    const q = computeQuorum(roster, presentIds, state.committee.rule);
    const quorum: VoteQuorum = { quorate: q.quorate, present: q.present, required: q.required, members: q.members, ignored: !q.quorate && cmd.ignore_quorum };
    if (!q.quorate && !cmd.ignore_quorum) throw refuse('not_quorate');
    const identity = (m: RosterMember): VoterIdentity => ({ userId: m.user_id, inviteCode: m.invite_code, participantId: null });
    for (const seat of roster.filter((m) => m.role === 'member' && m.voting)) {
      if (presentIds.has(seat.id) || participantOfProxy(state.delegations.get(seat.id))) {
        add(seat.id, seat.display_name, identity(seat), null);
        continue;
      }
      const deputy = roster.find((d) => d.role === 'deputy' && d.voting && d.substitutes_for === seat.id && presentIds.has(d.id));
      if (deputy) add(deputy.id, deputy.display_name, identity(deputy), seat.id);
    }
    return { eligible, identities, quorum };
  }

  /** Tells everyone how far the vote is, at most every UPDATE_INTERVAL_MS (see there). */
  function sendProgress(state: LegalVoteState, open: OpenVote): void {
    if (open.updatePause) {
      open.updateDue = true;
      return;
    }
    state.room.broadcast({ message: 'updated', vote_id: open.info.id, cast: open.voted.size, eligible: open.eligible.length, ...liveBallots(open) });
    open.updatePause = state.room.setTimer(UPDATE_INTERVAL_MS, () => {
      open.updatePause = null;
      if (!open.updateDue || open.phase !== 'open' || state.open !== open) return;
      open.updateDue = false;
      sendProgress(state, open);
    });
  }

  /** Ballots still waiting for the write when the vote ends are refused: the log is sealed. */
  function refuseQueued(state: LegalVoteState, open: OpenVote): void {
    for (const b of open.queue.splice(0)) {
      open.pending.delete(b.voterId);
      state.room.sendError(b.who, 'vote_closed', { action: 'vote' });
    }
  }

  function finish(state: LegalVoteState, open: OpenVote, reason: StopReason, chair?: Participant): void {
    if (open.phase !== 'open' || state.open !== open) return;
    open.phase = 'closing';
    open.cancelTimer?.();
    open.updatePause?.();
    refuseQueued(state, open);
    const room = state.room;
    const at = room.clock.now();
    room.spawn(
      store.close(open.info.id, reason, at, signingKey),
      (closed) => {
        state.open = null;
        state.ended.add(open.info.id);
        const results: LegalVoteResults = {
          vote_id: open.info.id,
          tally: closed.results.tally,
          cast: closed.results.cast,
          eligible: closed.results.eligible,
          ...(closed.results.ballots ? { ballots: closed.results.ballots } : {}),
          ...(closed.results.tokens ? { tokens: closed.results.tokens } : {}),
          stop_reason: reason,
          closed_at: at.toISOString(),
          head_hash: closed.finalEvent.hash,
          signature: closed.finalEvent.signature!,
          key_fingerprint: signingKey.publicKey.fingerprint,
        };
        state.last = { vote: open.info, results, cancellation: null };
        room.broadcast({ message: 'stopped', vote_id: open.info.id, reason, stopped_at: at.toISOString() });
        room.broadcast({ message: 'final_results', results });
        room.emit(legalVoteFinal, {
          voteId: open.info.id,
          title: open.info.title,
          agendaItemId: open.info.agenda_item_id,
          kind: open.info.kind,
          tally: results.tally,
          options: open.info.options.map((o) => ({ ...o })),
          eligible: results.eligible,
          cast: results.cast,
          chainHead: results.head_hash,
          signature: results.signature,
          closedAt: at,
        });
        if (store.purgeUrn && !isNamedKind(open.info.kind)) room.spawn(store.purgeUrn(), undefined, (err) => room.logger.warn({ err }, 'legal vote: vacuuming the urn failed'));
      },
      (err) => {
        // Still open in the database: the chair may try again.
        open.phase = 'open';
        room.logger.error({ err, voteId: open.info.id }, 'closing a legal vote failed');
        if (chair) room.sendError(chair, expectedCode(err) ?? 'internal_error', { action: 'stop' });
      },
    );
  }

  /** Writes what is queued, one batch at a time; the database accepts each ballot exactly once. */
  function flush(state: LegalVoteState, open: OpenVote): void {
    if (open.writing || open.queue.length === 0 || open.phase !== 'open') return;
    open.writing = true;
    // One turn of the event loop first, so that every ballot already received joins this batch: a batch of
    // one costs a whole transaction per ballot (bench/vote: ~6 ms each on PGlite, ~0.15 ms in batches of 100).
    state.room.spawn(nextEventLoopTurn(), () => write(state, open));
  }

  function write(state: LegalVoteState, open: OpenVote): void {
    if (open.phase !== 'open' || state.open !== open || open.queue.length === 0) {
      open.writing = false;
      return;
    }
    const batch = open.queue.splice(0);
    const room = state.room;
    room.spawn(
      store.castBallots(
        open.info.id,
        batch.map((b) => ({ voterKey: b.voterId, ballot: b.ballot })),
        room.clock.now(),
      ),
      (outcomes) => {
        open.writing = false;
        // The account's other connections (a laptop and a phone) learn that the account has voted.
        const connectionsOf = new Map<string, Participant[]>();
        for (const p of room.participants()) if (p.userId) connectionsOf.set(p.userId, [...(connectionsOf.get(p.userId) ?? []), p]);
        batch.forEach((b, i) => {
          open.pending.delete(b.voterId);
          const outcome = outcomes[i];
          if (!outcome?.ok) return room.sendError(b.who, 'already_voted', { action: 'vote' });
          open.voted.add(b.voterId);
          if (isNamedKind(open.info.kind)) {
            const named = b.ballot as Extract<BallotData, { voter_id: string }>;
            open.named.push({ voter_id: named.voter_id, display_name: named.display_name, choices: [...named.choices], cast_by_proxy: named.cast_by_proxy });
          }
          room.send(b.who, { message: 'voted', vote_id: open.info.id, voter_id: b.voterId, choices: b.choices, ...(b.token ? { receipt_token: b.token } : {}), seq: outcome.seq });
          room.send(b.who, { message: 'you', vote_id: open.info.id, you: youOf(open, b.who) });
          for (const other of b.who.userId ? (connectionsOf.get(b.who.userId) ?? []) : []) {
            if (other.id !== b.who.id && voterOf(open, other)?.voter_id === b.voterId) room.send(other, { message: 'you', vote_id: open.info.id, you: youOf(open, other) });
          }
        });
        if (state.open !== open) return;
        if (open.info.auto_close && open.voted.size === open.eligible.length) {
          // The final result follows at once and carries the counts.
          finish(state, open, 'all_voted');
          return;
        }
        sendProgress(state, open);
        flush(state, open);
      },
      (err) => {
        open.writing = false;
        const code = expectedCode(err) ?? 'internal_error';
        if (code === 'internal_error') room.logger.error({ err, voteId: open.info.id, ballots: batch.length }, 'writing ballots failed');
        for (const b of batch) {
          open.pending.delete(b.voterId);
          room.sendError(b.who, code, { action: 'vote' });
        }
        flush(state, open);
      },
    );
  }

  /** Votes this room left open before a restart are cancelled with a recorded, signed reason. */
  async function recover(roomId: string): Promise<Loaded> {
    const interrupted: Loaded['interrupted'] = [];
    for (const v of await store.openVotes(roomId)) {
      const parameters = (typeof v.parameters === 'string' ? JSON.parse(v.parameters) : v.parameters) as VoteParameters;
      const at = new Date();
      const event = await store.cancel(v.id, INTERRUPTED_REASON, 'interrupted', at, signingKey);
      interrupted.push({
        vote: parameters.vote,
        cancellation: { vote_id: v.id, reason: INTERRUPTED_REASON, by: 'interrupted', cancelled_at: at.toISOString(), head_hash: event.hash, signature: event.signature! },
      });
    }
    return { interrupted };
  }

  function applyRecovered(state: LegalVoteState, loaded: Loaded): void {
    state.recovered = true;
    for (const { vote, cancellation } of loaded.interrupted) {
      state.ended.add(vote.id);
      state.last = { vote, results: null, cancellation };
      state.room.logger.warn({ voteId: vote.id }, 'legal vote interrupted by a restart: cancelled');
      state.room.broadcast({ message: 'cancelled', ...cancellation });
    }
  }

  return {
    load: (room) => recover(room.id),

    init(room, loaded) {
      const state: LegalVoteState = {
        room,
        committee: { roster: [], items: [], rule: { rule: 'more_than_half', count: null } },
        open: null,
        last: null,
        ended: new Set(),
        delegations: new Map(),
        recovered: false,
        recovering: false,
      };
      room.on(committeeChanged, (committee) => {
        const before = new Map(room.participants().map((p) => [p.id, delegatorOf(state, p) !== null]));
        state.committee = committee;
        // Who has a vote to give may have changed with the roster: tell those whose answer changed.
        for (const p of room.participants()) {
          const can = delegatorOf(state, p) !== null;
          if (before.get(p.id) !== can) room.send(p, { message: 'rights', can_delegate: can });
        }
      });
      if (loaded) applyRecovered(state, loaded);
      return state;
    },

    onJoin(ctx) {
      const state = ctx.state;
      // Recovery failed when the room opened (database away): tried again, and votes wait for it.
      if (state.recovered || state.recovering) return;
      state.recovering = true;
      ctx.spawn(
        recover(ctx.room.id),
        (loaded) => {
          state.recovering = false;
          applyRecovered(state, loaded);
        },
        (err) => {
          state.recovering = false;
          ctx.room.logger.error({ err }, 'legal vote: cancelling interrupted votes failed');
        },
      );
    },

    onCommand(ctx, who, cmd) {
      const { state } = ctx;
      const chair = ctx.permissions.has('moderate');
      const room = ctx.room;
      const openNamed = (voteId: string): OpenVote => {
        if (state.open?.info.id === voteId && state.open.phase === 'open') return state.open;
        if (state.ended.has(voteId) || state.open?.info.id === voteId) throw refuse('vote_closed');
        throw refuse('vote_not_found');
      };

      switch (cmd.action) {
        case 'start': {
          if (!chair) throw refuse('forbidden');
          if (!state.recovered) throw refuse('internal_error');
          if (state.open) throw refuse('vote_in_progress');
          if (cmd.agenda_item_id && !state.committee.items.some((i) => i.id === cmd.agenda_item_id)) throw refuse('agenda_item_not_found');
          const { eligible, identities, quorum } = eligibleFor(state, cmd);
          if (eligible.length === 0) throw refuse('no_eligible_voters');
          const now = ctx.clock.now();
          const { options, maxChoices } = voteOptions(cmd.options);
          const info: LegalVoteInfo = {
            id: crypto.randomUUID(),
            title: cmd.title,
            agenda_item_id: cmd.agenda_item_id ?? null,
            kind: cmd.kind,
            options,
            max_choices: maxChoices,
            allow_abstain: cmd.options.abstain,
            duration_s: cmd.duration_s ?? null,
            auto_close: cmd.auto_close,
            started_at: now.toISOString(),
            ends_at: cmd.duration_s !== undefined ? new Date(now.getTime() + cmd.duration_s * 1000).toISOString() : null,
            quorum,
            chair: { participant_id: who.id, display_name: who.displayName },
          };
          const open: OpenVote = {
            info,
            eligible,
            identities,
            voted: new Set(),
            pending: new Set(),
            queue: [],
            writing: false,
            named: [],
            cancelTimer: null,
            phase: 'starting',
            updatePause: null,
            updateDue: false,
            issues: new Map(),
          };
          state.open = open;
          ctx.spawn(
            store.create({ roomId: room.id, params: { vote: info, eligible, delegations: loggedDelegations(state) }, at: now }),
            () => {
              if (state.open !== open) return;
              open.phase = 'open';
              if (cmd.duration_s !== undefined) open.cancelTimer = room.setTimer(cmd.duration_s * 1000, () => finish(state, open, 'expired'));
              for (const p of room.participants()) room.send(p, { message: 'started', vote: info, eligible: open.eligible, you: youOf(open, p) });
            },
            (err) => {
              if (state.open === open) state.open = null;
              room.logger.error({ err }, 'starting a legal vote failed');
              room.sendError(who, failureCode(err), { action: 'start' });
            },
          );
          return;
        }

        case 'vote': {
          const open = openNamed(cmd.vote_id);
          let voter: EligibleVoter | undefined;
          if (cmd.on_behalf_of !== undefined) {
            voter = open.eligible.find((e) => e.voter_id === cmd.on_behalf_of);
            if (!voter || voter.proxy?.participant_id !== who.id) throw refuse('not_eligible');
          } else {
            voter = voterOf(open, who);
            if (!voter || voter.proxy) throw refuse('not_eligible');
          }
          if (open.voted.has(voter.voter_id) || open.pending.has(voter.voter_id)) throw refuse('already_voted');
          if (!validChoices(open.info, cmd.choices)) throw refuse('invalid_choice');
          const choices = normaliseChoices(open.info, cmd.choices);
          const proxy = cmd.on_behalf_of !== undefined ? who.id : null;
          let ballot: BallotData;
          let token: string | undefined;
          if (isNamedKind(open.info.kind)) ballot = { voter_id: voter.voter_id, display_name: voter.display_name, choices, cast_by_proxy: proxy };
          else if (open.info.kind === 'pseudonymous') {
            token = randomBytes(16).toString('base64url');
            ballot = { token, choices };
          } else ballot = { choices };
          open.pending.add(voter.voter_id);
          open.queue.push({ voterId: voter.voter_id, ballot, who, choices, token, proxy });
          flush(state, open);
          return;
        }

        case 'stop': {
          if (!chair) throw refuse('forbidden');
          finish(state, openNamed(cmd.vote_id), 'chair', who);
          return;
        }

        case 'cancel': {
          if (!chair) throw refuse('forbidden');
          const open = openNamed(cmd.vote_id);
          open.phase = 'closing';
          open.cancelTimer?.();
          open.updatePause?.();
          refuseQueued(state, open);
          const at = ctx.clock.now();
          ctx.spawn(
            store.cancel(open.info.id, cmd.reason, 'chair', at, signingKey),
            (event) => {
              state.open = null;
              state.ended.add(open.info.id);
              const cancellation: LegalVoteCancellation = { vote_id: open.info.id, reason: cmd.reason, by: 'chair', cancelled_at: at.toISOString(), head_hash: event.hash, signature: event.signature! };
              state.last = { vote: open.info, results: null, cancellation };
              room.broadcast({ message: 'cancelled', ...cancellation });
              if (store.purgeUrn && !isNamedKind(open.info.kind)) room.spawn(store.purgeUrn(), undefined, (err) => room.logger.warn({ err }, 'legal vote: vacuuming the urn failed'));
            },
            (err) => {
              open.phase = 'open';
              room.sendError(who, expectedCode(err) ?? 'internal_error', { action: 'cancel' });
              if (!expectedCode(err)) room.logger.error({ err }, 'cancelling a legal vote failed');
            },
          );
          return;
        }

        case 'report_issue': {
          const open = openNamed(cmd.vote_id);
          // The log is signed evidence: one person cannot fill it without bound.
          // Counted per person (an account's connections together), so reconnecting does not reset it.
          const reporter = who.userId ? `user:${who.userId}` : `participant:${who.id}`;
          const count = open.issues.get(reporter) ?? 0;
          if (count >= MAX_ISSUES_PER_PARTICIPANT) throw refuse('rate_limited');
          open.issues.set(reporter, count + 1);
          const at = ctx.clock.now();
          ctx.spawn(store.record(open.info.id, 'issue_reported', { participant_id: who.id, display_name: who.displayName, text: cmd.text }, at), () => {
            const message = { message: 'issue_reported' as const, vote_id: open.info.id, participant_id: who.id, display_name: who.displayName, text: cmd.text, at: at.toISOString() };
            room.sendTo('moderator', message, { except: who });
            room.send(who, message);
          });
          return;
        }

        case 'delegate': {
          const from = delegatorOf(state, who);
          if (!from) throw refuse('not_eligible');
          const previous = state.delegations.get(from.voterId);
          let target: Participant | undefined;
          if (cmd.to_participant_id !== null) {
            target = room.participant(cmd.to_participant_id);
            if (!target) throw refuse('participant_not_found');
            const targetAsDelegator = delegatorOf(state, target);
            // To oneself in any form (the same connection, another connection of one's account, one's own seat) is no proxy.
            if (target.id === who.id || targetAsDelegator?.voterId === from.voterId) throw refuse('invalid_delegation');
            // No chains: the proxy holder must not have given their own vote away, and the sender must hold no proxies.
            if (targetAsDelegator && state.delegations.has(targetAsDelegator.voterId)) throw refuse('invalid_delegation');
            if ([...state.delegations.values()].some((d) => d.to_participant_id === who.id)) throw refuse('invalid_delegation');
          } else if (!previous) {
            throw refuse('invalid_delegation');
          }
          const open = state.open?.phase === 'open' ? state.open : null;
          const entry = open?.eligible.find((e) => e.voter_id === from.voterId);
          if (entry && (open?.voted.has(entry.voter_id) || open?.pending.has(entry.voter_id))) throw refuse('already_voted');
          const apply = () => {
            if (target) state.delegations.set(from.voterId, { from_voter_id: from.voterId, from_name: from.name, from_participant_id: who.id, to_participant_id: target.id, to_name: target.displayName });
            else state.delegations.delete(from.voterId);
            room.broadcast({ message: 'delegations', delegations: publicDelegations(state) });
            if (open && entry && state.open === open) {
              const affected = new Set([who.id, ...(entry.proxy ? [entry.proxy.participant_id] : []), ...(target ? [target.id] : [])]);
              entry.proxy = target ? { participant_id: target.id, display_name: target.displayName } : null;
              for (const id of affected) {
                const p = room.participant(id);
                if (p) room.send(p, { message: 'you', vote_id: open.info.id, you: youOf(open, p) });
              }
            }
          };
          if (!open) return apply();
          const data = { from_voter_id: from.voterId, from_name: from.name, to_participant_id: target?.id ?? null, to_name: target?.displayName ?? null };
          ctx.spawn(store.record(open.info.id, 'delegated', data, ctx.clock.now()), apply);
          return;
        }
      }
    },

    snapshot(ctx, forWhom): LegalVoteSnapshot {
      const { state } = ctx;
      // A vote whose `started` is not in the log yet is nobody's news.
      const open = state.open && state.open.phase !== 'starting' ? state.open : null;
      return {
        open: open ? { vote: open.info, eligible: open.eligible, you: youOf(open, forWhom), cast: open.voted.size, ...liveBallots(open) } : null,
        last: state.last,
        delegations: publicDelegations(state),
        can_delegate: delegatorOf(state, forWhom) !== null,
      };
    },
  };
}

export const legalVoteFeature = defineFeature({
  ...legalVoteProtocol,
  requires: ['agenda'],
  emits: [legalVoteFinal],
  consumes: [committeeChanged],
  repositories: (db) => ({ votes: new LegalVoteRepository(db) }),
  migrations: { '0004_legal_vote': m0004, '0006_legal_vote_urn': m0006 },
  personalData: legalVotePersonalData,
  routes: legalVoteRoutes,
  setup: ({ repos, services }) => hooks({ store: repos.votes, signingKey: services.signingKey }),
});
