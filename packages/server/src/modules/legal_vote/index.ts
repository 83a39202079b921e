import { randomBytes } from 'node:crypto';
import {
  LegalVoteCommand,
  computeQuorum,
  type AgendaItem,
  type EligibleVoter,
  type LegalVoteCancellation,
  type LegalVoteDelegation,
  type LegalVoteInfo,
  type LegalVoteResults,
  type LegalVoteSnapshot,
  type LegalVoteYou,
  type NamedBallot,
  type QuorumRule,
  type RosterMember,
  type VoteQuorum,
} from '@plenum/protocol';
import { rosterMemberFor } from '../../storage/committee.ts';
import { VoteStoreError, type AppendedEvent, type ClosedVote, type VoteParameters, type VoteSigner } from '../../storage/legal_votes.ts';
import { CommandError, defineModule, type Participant, type RoomContext } from '../types.ts';
import { isNamedKind, normaliseChoices, validChoices, voteOptions, type BallotData, type StopReason } from './rules.ts';

/**
 * `legal_vote`: formally valid votes with an audit log (architecture: Audit-proof voting and minutes).
 * Every step is appended to the vote's hash-chained log in the database before anyone is told about it; the
 * room's memory only mirrors the log for fast answers. The chair is whoever has the `moderate` permission.
 *
 * A vote that was open when the server stopped (crash, restart) is cancelled, with the reason recorded and
 * the cancellation signed, when its room opens again: eligibility (who is present) cannot be re-established
 * after the fact, and the ballots already accepted stay in the log.
 */

/** What the module needs from storage (LegalVoteRepository). */
export interface LegalVoteStore {
  create(input: { roomId: string; params: VoteParameters; at: Date }): Promise<AppendedEvent>;
  castBallot(voteId: string, voterKey: string, ballot: BallotData, at: Date): Promise<AppendedEvent>;
  record(voteId: string, type: 'delegated' | 'issue_reported', data: Record<string, unknown>, at: Date): Promise<AppendedEvent>;
  close(voteId: string, reason: StopReason, at: Date, signer: VoteSigner): Promise<ClosedVote>;
  cancel(voteId: string, reason: string, by: 'chair' | 'interrupted', at: Date, signer: VoteSigner): Promise<AppendedEvent>;
  openVotes(roomId: string): Promise<{ id: string; parameters: VoteParameters }[]>;
}

/** What the module needs of the committee (CommitteeRepository). */
export interface LegalVoteCommittee {
  listRoster(roomId: string): Promise<RosterMember[]>;
  settings(roomId: string): Promise<QuorumRule>;
  listAgenda(roomId: string): Promise<AgendaItem[]>;
}

export interface LegalVoteDeps {
  repo: LegalVoteStore;
  committee: LegalVoteCommittee;
  signingKey: VoteSigner & { publicKey: { fingerprint: string } };
}

/** How a participant is recognised as an eligible voter: by participant id, account or personal invite. */
interface VoterIdentity {
  participantId: string | null;
  userId: string | null;
  inviteCode: string | null;
}

interface OpenVote {
  info: LegalVoteInfo;
  eligible: EligibleVoter[];
  identities: Map<string, VoterIdentity>;
  voted: Set<string>;
  /** Roll-call kinds: the named ballots in the order cast. */
  named: NamedBallot[];
  cancelTimer: (() => void) | null;
  closing: boolean;
  /** Progress updates are sent at most every UPDATE_INTERVAL_MS; set while that pause runs. */
  updatePause: (() => void) | null;
  /** A ballot arrived during the pause: send the progress when it ends. */
  updateDue: boolean;
}

/**
 * Each ballot is news for everyone in the room (the counter, or the names of a live roll-call); one message
 * per ballot to every participant made a 1,000-voter vote cost a million frames. The first ballot after a
 * quiet moment goes out at once, later ones are gathered for this long.
 */
const UPDATE_INTERVAL_MS = 250;

type Delegation = LegalVoteDelegation;

export interface LegalVoteState {
  room: RoomContext;
  open: OpenVote | null;
  last: NonNullable<LegalVoteSnapshot['last']> | null;
  /** Ids of votes that ended in this meeting (a command naming one gets `vote_closed`). */
  ended: Set<string>;
  /** Proxies in effect for this meeting, by the delegator's voter id. */
  delegations: Map<string, Delegation>;
  /** Open votes left over from before a restart have been dealt with. */
  recovered: boolean;
}

const INTERRUPTED_REASON = 'The server stopped while the vote was open. The ballots accepted before are kept in the log; the vote has no result.';

const matches = (id: VoterIdentity, who: Participant) =>
  (id.participantId !== null && id.participantId === who.id) ||
  (id.userId !== null && id.userId === who.userId) ||
  (id.inviteCode !== null && who.kind === 'guest' && id.inviteCode === who.inviteCode);

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

function storeError(err: unknown): never {
  if (err instanceof VoteStoreError) throw new CommandError(err.code);
  throw err;
}

export function createLegalVoteModule({ repo, committee, signingKey }: LegalVoteDeps) {
  /** The sender's identity as a delegator: roster member with voting rights, or (no roster) the participant. */
  async function delegatorOf(room: RoomContext, who: Participant): Promise<{ voterId: string; name: string } | null> {
    const roster = await committee.listRoster(room.id);
    if (roster.length === 0) return { voterId: who.id, name: who.displayName };
    const m = rosterMemberFor(roster, who);
    if (!m || !m.voting || m.role !== 'member') return null;
    return { voterId: m.id, name: m.display_name };
  }

  async function eligibleFor(room: RoomContext, state: LegalVoteState, cmd: Extract<LegalVoteCommand, { action: 'start' }>) {
    const roster = await committee.listRoster(room.id);
    const present = room.participants().filter((p) => p.kind !== 'recorder');
    const participantOfProxy = (d: Delegation | undefined) => {
      const p = d ? room.participant(d.to_participant_id) : undefined;
      return p ? { participant_id: p.id, display_name: p.displayName } : null;
    };
    const eligible: EligibleVoter[] = [];
    const identities = new Map<string, VoterIdentity>();
    let quorum: VoteQuorum | null = null;

    if (roster.length === 0) {
      let voters = present;
      if (cmd.eligible_participant_ids) {
        const missing = cmd.eligible_participant_ids.find((id) => !room.participant(id));
        if (missing) throw new CommandError('participant_not_found');
        voters = [...new Set(cmd.eligible_participant_ids)].map((id) => room.participant(id)!);
      }
      for (const p of voters) {
        eligible.push({ voter_id: p.id, display_name: p.displayName, substitutes_for: null, proxy: participantOfProxy(state.delegations.get(p.id)) });
        identities.set(p.id, { participantId: p.id, userId: p.userId ?? null, inviteCode: null });
      }
      return { eligible, identities, quorum };
    }

    if (cmd.eligible_participant_ids) {
      throw new CommandError('invalid_command', { issues: [{ path: 'eligible_participant_ids', message: 'the room has a roster: the eligible voters are its members' }] });
    }
    const presentIds = new Set<string>();
    for (const p of present) {
      const m = rosterMemberFor(roster, p);
      if (m) presentIds.add(m.id);
    }
    const rule = await committee.settings(room.id);
    const q = computeQuorum(roster, presentIds, rule);
    quorum = { quorate: q.quorate, present: q.present, required: q.required, members: q.members, ignored: !q.quorate && cmd.ignore_quorum };
    if (!q.quorate && !cmd.ignore_quorum) throw new CommandError('not_quorate');
    const identity = (m: RosterMember): VoterIdentity => ({ participantId: null, userId: m.user_id, inviteCode: m.invite_code });
    for (const seat of roster.filter((m) => m.role === 'member' && m.voting)) {
      const delegation = state.delegations.get(seat.id);
      const proxy = participantOfProxy(delegation);
      if (presentIds.has(seat.id) || proxy) {
        eligible.push({ voter_id: seat.id, display_name: seat.display_name, substitutes_for: null, proxy });
        identities.set(seat.id, identity(seat));
        continue;
      }
      const deputy = roster.find((d) => d.role === 'deputy' && d.voting && d.substitutes_for === seat.id && presentIds.has(d.id));
      if (deputy && !identities.has(deputy.id)) {
        eligible.push({ voter_id: deputy.id, display_name: deputy.display_name, substitutes_for: seat.id, proxy: null });
        identities.set(deputy.id, identity(deputy));
      }
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
      if (!open.updateDue || open.closing || state.open !== open) return;
      open.updateDue = false;
      sendProgress(state, open);
    });
  }

  async function finish(state: LegalVoteState, open: OpenVote, reason: StopReason): Promise<void> {
    if (open.closing || state.open !== open) return;
    open.closing = true;
    open.cancelTimer?.();
    open.updatePause?.();
    const room = state.room;
    const at = room.clock.now();
    let closed: ClosedVote;
    try {
      closed = await repo.close(open.info.id, reason, at, signingKey);
    } catch (err) {
      open.closing = false;
      storeError(err);
    }
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
    room.emit('legal_vote_final', {
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
  }

  /** Votes this room left open before a restart are cancelled with a recorded, signed reason. */
  async function recover(state: LegalVoteState): Promise<void> {
    if (state.recovered) return;
    const room = state.room;
    for (const v of await repo.openVotes(room.id)) {
      if (state.open?.info.id === v.id) continue;
      const at = room.clock.now();
      const event = await repo.cancel(v.id, INTERRUPTED_REASON, 'interrupted', at, signingKey);
      const cancellation: LegalVoteCancellation = { vote_id: v.id, reason: INTERRUPTED_REASON, by: 'interrupted', cancelled_at: at.toISOString(), head_hash: event.hash, signature: event.signature! };
      state.ended.add(v.id);
      state.last = { vote: v.parameters.vote, results: null, cancellation };
      room.logger.warn({ voteId: v.id }, 'legal vote interrupted by a restart: cancelled');
      room.broadcast({ message: 'cancelled', ...cancellation });
    }
    // Only once everything left over is dealt with: a database failure is retried on the next join.
    state.recovered = true;
  }

  function sendYou(room: RoomContext, open: OpenVote, participantIds: Iterable<string>) {
    for (const id of new Set(participantIds)) {
      const p = room.participant(id);
      if (p) room.send(p, { message: 'you', vote_id: open.info.id, you: youOf(open, p) });
    }
  }

  return defineModule<LegalVoteCommand, LegalVoteState>({
    namespace: 'legal_vote',
    commands: LegalVoteCommand,

    init(room) {
      return { room, open: null, last: null, ended: new Set(), delegations: new Map(), recovered: false };
    },

    async onJoin(ctx) {
      await recover(ctx.state);
    },

    async onCommand(ctx, who, cmd) {
      const { state } = ctx;
      const chair = ctx.permissions.has('moderate');
      const room = ctx.room;
      const openNamed = (voteId: string): OpenVote => {
        if (state.open?.info.id === voteId && !state.open.closing) return state.open;
        if (state.ended.has(voteId) || state.open?.info.id === voteId) throw new CommandError('vote_closed');
        throw new CommandError('vote_not_found');
      };

      switch (cmd.action) {
        case 'start': {
          if (!chair) throw new CommandError('forbidden');
          await recover(state);
          if (state.open) throw new CommandError('vote_in_progress');
          if (cmd.agenda_item_id && !(await committee.listAgenda(room.id)).some((i) => i.id === cmd.agenda_item_id)) throw new CommandError('agenda_item_not_found');
          const { eligible, identities, quorum } = await eligibleFor(room, state, cmd);
          if (eligible.length === 0) throw new CommandError('no_eligible_voters');
          if (state.open) throw new CommandError('vote_in_progress');
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
          await repo.create({ roomId: room.id, params: { vote: info, eligible, delegations: loggedDelegations(state) }, at: now });
          const open: OpenVote = { info, eligible, identities, voted: new Set(), named: [], cancelTimer: null, closing: false, updatePause: null, updateDue: false };
          state.open = open;
          if (cmd.duration_s !== undefined) {
            open.cancelTimer = room.setTimer(cmd.duration_s * 1000, async () => {
              try {
                await finish(state, open, 'expired');
              } catch (err) {
                room.logger.error({ err, voteId: info.id }, 'closing an expired legal vote failed');
              }
            });
          }
          for (const p of room.participants()) room.send(p, { message: 'started', vote: info, eligible, you: youOf(open, p) });
          return;
        }

        case 'vote': {
          const open = openNamed(cmd.vote_id);
          let voter: EligibleVoter | undefined;
          if (cmd.on_behalf_of !== undefined) {
            voter = open.eligible.find((e) => e.voter_id === cmd.on_behalf_of);
            if (!voter || voter.proxy?.participant_id !== who.id) throw new CommandError('not_eligible');
          } else {
            voter = voterOf(open, who);
            if (!voter || voter.proxy) throw new CommandError('not_eligible');
          }
          if (open.voted.has(voter.voter_id)) throw new CommandError('already_voted');
          if (!validChoices(open.info, cmd.choices)) throw new CommandError('invalid_choice');
          const choices = normaliseChoices(open.info, cmd.choices);
          const proxy = cmd.on_behalf_of !== undefined ? who.id : null;
          let ballot: BallotData;
          let token: string | undefined;
          if (isNamedKind(open.info.kind)) ballot = { voter_id: voter.voter_id, display_name: voter.display_name, choices, cast_by_proxy: proxy };
          else if (open.info.kind === 'pseudonymous') {
            token = randomBytes(16).toString('base64url');
            ballot = { token, choices };
          } else ballot = { choices };
          let event: AppendedEvent;
          try {
            event = await repo.castBallot(open.info.id, voter.voter_id, ballot, ctx.clock.now());
          } catch (err) {
            storeError(err);
          }
          open.voted.add(voter.voter_id);
          if (isNamedKind(open.info.kind)) open.named.push({ voter_id: voter.voter_id, display_name: voter.display_name, choices, cast_by_proxy: proxy });
          ctx.send(who, { message: 'voted', vote_id: open.info.id, voter_id: voter.voter_id, choices, ...(token ? { receipt_token: token } : {}), seq: event.seq });
          ctx.send(who, { message: 'you', vote_id: open.info.id, you: youOf(open, who) });
          if (open.info.auto_close && open.voted.size === open.eligible.length) {
            // The final result follows at once and carries the counts.
            await finish(state, open, 'all_voted');
            return;
          }
          sendProgress(state, open);
          return;
        }

        case 'stop': {
          if (!chair) throw new CommandError('forbidden');
          const open = openNamed(cmd.vote_id);
          await finish(state, open, 'chair');
          return;
        }

        case 'cancel': {
          if (!chair) throw new CommandError('forbidden');
          const open = openNamed(cmd.vote_id);
          open.closing = true;
          const at = ctx.clock.now();
          let event: AppendedEvent;
          try {
            event = await repo.cancel(open.info.id, cmd.reason, 'chair', at, signingKey);
          } catch (err) {
            open.closing = false;
            storeError(err);
          }
          open.cancelTimer?.();
          state.open = null;
          state.ended.add(open.info.id);
          const cancellation: LegalVoteCancellation = { vote_id: open.info.id, reason: cmd.reason, by: 'chair', cancelled_at: at.toISOString(), head_hash: event.hash, signature: event.signature! };
          state.last = { vote: open.info, results: null, cancellation };
          ctx.broadcast({ message: 'cancelled', ...cancellation });
          return;
        }

        case 'report_issue': {
          const open = openNamed(cmd.vote_id);
          const at = ctx.clock.now();
          try {
            await repo.record(open.info.id, 'issue_reported', { participant_id: who.id, display_name: who.displayName, text: cmd.text }, at);
          } catch (err) {
            storeError(err);
          }
          const message = { message: 'issue_reported', vote_id: open.info.id, participant_id: who.id, display_name: who.displayName, text: cmd.text, at: at.toISOString() };
          ctx.sendTo('moderator', message, { except: who });
          ctx.send(who, message);
          return;
        }

        case 'delegate': {
          const from = await delegatorOf(room, who);
          if (!from) throw new CommandError('not_eligible');
          const previous = state.delegations.get(from.voterId);
          let target: Participant | undefined;
          if (cmd.to_participant_id !== null) {
            target = room.participant(cmd.to_participant_id);
            if (!target) throw new CommandError('participant_not_found');
            if (target.id === who.id) throw new CommandError('invalid_delegation');
            const targetAsDelegator = await delegatorOf(room, target);
            // No chains: the proxy holder must not have given their own vote away, and the sender must hold no proxies.
            if (targetAsDelegator && state.delegations.has(targetAsDelegator.voterId)) throw new CommandError('invalid_delegation');
            if ([...state.delegations.values()].some((d) => d.to_participant_id === who.id)) throw new CommandError('invalid_delegation');
          } else if (!previous) {
            throw new CommandError('invalid_delegation');
          }
          const open = state.open && !state.open.closing ? state.open : null;
          const entry = open?.eligible.find((e) => e.voter_id === from.voterId);
          if (entry && open?.voted.has(entry.voter_id)) throw new CommandError('already_voted');
          const at = ctx.clock.now();
          const data = { from_voter_id: from.voterId, from_name: from.name, to_participant_id: target?.id ?? null, to_name: target?.displayName ?? null };
          if (open) {
            try {
              await repo.record(open.info.id, 'delegated', data, at);
            } catch (err) {
              storeError(err);
            }
          }
          if (target) state.delegations.set(from.voterId, { from_voter_id: from.voterId, from_name: from.name, from_participant_id: who.id, to_participant_id: target.id, to_name: target.displayName });
          else state.delegations.delete(from.voterId);
          ctx.broadcast({ message: 'delegations', delegations: publicDelegations(state) });
          if (open && entry) {
            const affected = [who.id, ...(entry.proxy ? [entry.proxy.participant_id] : []), ...(target ? [target.id] : [])];
            entry.proxy = target ? { participant_id: target.id, display_name: target.displayName } : null;
            sendYou(room, open, affected);
          }
          return;
        }
      }
    },

    snapshot(ctx, forWhom): LegalVoteSnapshot {
      const { state } = ctx;
      const open = state.open;
      return {
        open: open ? { vote: open.info, eligible: open.eligible, you: youOf(open, forWhom), cast: open.voted.size, ...liveBallots(open) } : null,
        last: state.last,
        delegations: publicDelegations(state),
      };
    },
  });
}
