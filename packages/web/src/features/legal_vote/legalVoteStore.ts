import {
  ABSTAIN_OPTION,
  legalVoteProtocol,
  type AgendaItemView,
  type EligibleVoter,
  type ErrorOf,
  type ErrorPayloadOf,
  type LegalVoteCancellation,
  type LegalVoteDelegation,
  type LegalVoteInfo,
  type LegalVoteKind,
  type LegalVoteResults,
  type LegalVoteYou,
  type MessageOf,
  type NamedBallot,
  type SnapshotOf,
} from '@plenum/protocol';
import { FeatureStore, type FeatureConnection } from '../../meeting/featureStore.ts';
import { AgendaStore } from '../agenda/agendaStore.ts';

/** The open vote as this participant sees it. */
export interface OpenVoteView {
  vote: LegalVoteInfo;
  eligible: EligibleVoter[];
  you: LegalVoteYou;
  cast: number;
  /** live_roll_call only. */
  ballots?: NamedBallot[];
  /** Set once the vote takes no more ballots (the signed result follows). */
  stopped: 'chair' | 'expired' | 'all_voted' | null;
}

/** The last vote that ended: its signed result, or why it was cancelled. */
export interface EndedVoteView {
  vote: LegalVoteInfo;
  results: LegalVoteResults | null;
  cancellation: LegalVoteCancellation | null;
}

/** What the server confirmed for one of this participant's ballots (the `voted` message). */
export interface Receipt {
  voteId: string;
  voterId: string;
  choices: string[];
  /** Pseudonymous votes: the token that appears in the published result. */
  token: string | null;
  /** The ballot's place in the vote's log (roll-call kinds); null for ballots that enter it only at the end. */
  seq: number | null;
}

export interface IssueReport {
  voteId: string;
  participantId: string;
  displayName: string;
  text: string;
  at: string;
}

export interface LegalVoteView {
  open: OpenVoteView | null;
  last: EndedVoteView | null;
  delegations: LegalVoteDelegation[];
  /** Whether this participant has a vote of their own to give as proxy (the server decides). */
  canDelegate: boolean;
  /** This participant's confirmed ballots in this meeting, newest last (kept across reconnects). */
  receipts: Receipt[];
  /** Moderators: problems reported about votes. */
  issues: IssueReport[];
  /** Agenda items (for linking a vote to one) and the current item, as the agenda feature has them. */
  agenda: { items: AgendaItemView[]; currentItemId: string | null };
  /** The last refusal of one of this participant's commands, with the action refused. */
  error: { code: ErrorOf<typeof legalVoteProtocol>; action: string | null } | null;
}

export type LegalVoteEvent =
  | { type: 'started'; vote: LegalVoteInfo; eligible: boolean }
  | { type: 'voted'; receipt: Receipt }
  | { type: 'final'; vote: LegalVoteInfo; results: LegalVoteResults }
  | { type: 'cancelled'; vote: LegalVoteInfo; reason: string }
  | { type: 'issue'; issue: IssueReport };

export type VoteOptionsChoice = { type: 'yes_no'; abstain: boolean } | { type: 'candidates'; candidates: string[]; maxChoices: number; abstain: boolean };

export interface StartVoteInput {
  title: string;
  agendaItemId?: string | undefined;
  kind: LegalVoteKind;
  options: VoteOptionsChoice;
  durationSeconds?: number | undefined;
  autoClose: boolean;
  ignoreQuorum?: boolean;
}

/** Voter ids this participant may still cast a ballot for in the open vote: their own first, then proxies. */
export function pendingBallots(open: OpenVoteView | null): string[] {
  if (!open || open.stopped) return [];
  const ids = [...(open.you.eligible && open.you.voter_id ? [open.you.voter_id] : []), ...open.you.proxy_for];
  return ids.filter((id) => !open.you.voted.includes(id));
}

/** Whether `choices` is a complete ballot for `vote` (the server checks again). */
export function ballotComplete(vote: Pick<LegalVoteInfo, 'max_choices' | 'allow_abstain'>, choices: readonly string[]): boolean {
  if (choices.length === 0) return false;
  if (choices.includes(ABSTAIN_OPTION)) return vote.allow_abstain && choices.length === 1;
  return choices.length <= vote.max_choices;
}

/**
 * Marks the rows of a published result that are this participant's own: tokens of their receipts
 * (pseudonymous), voter ids they voted for (roll-call kinds).
 */
export function ownBallots(results: LegalVoteResults, receipts: readonly Receipt[]): { tokens: Set<string>; voterIds: Set<string> } {
  const mine = receipts.filter((r) => r.voteId === results.vote_id);
  return { tokens: new Set(mine.flatMap((r) => (r.token ? [r.token] : []))), voterIds: new Set(mine.map((r) => r.voterId)) };
}

/** Legal votes as this participant sees them; join_success (also after a resume) replaces all but the receipts. */
export class LegalVoteStore extends FeatureStore<typeof legalVoteProtocol, LegalVoteView, LegalVoteEvent> {
  constructor(connection: FeatureConnection) {
    super(connection, legalVoteProtocol, { open: null, last: null, delegations: [], canDelegate: false, receipts: [], issues: [], agenda: { items: [], currentItemId: null }, error: null });
  }

  override connect(): void {
    super.connect();
    // A vote may be linked to an agenda item: the chair picks one of the agenda feature's items.
    const agenda = this.connection.storeOf(AgendaStore);
    const follow = () => {
      const { items, currentItemId } = agenda.getSnapshot();
      if (items !== this.view.agenda.items || currentItemId !== this.view.agenda.currentItemId) this.set({ agenda: { items, currentItemId } });
    };
    agenda.subscribe(follow);
    follow();
  }

  clearError(): void {
    if (this.view.error) this.set({ error: null });
  }

  start(input: StartVoteInput): boolean {
    this.set({ error: null });
    const options =
      input.options.type === 'yes_no'
        ? { type: 'yes_no' as const, abstain: input.options.abstain }
        : { type: 'candidates' as const, candidates: input.options.candidates, max_choices: input.options.maxChoices, abstain: input.options.abstain };
    return this.send({
      action: 'start',
      title: input.title,
      ...(input.agendaItemId ? { agenda_item_id: input.agendaItemId } : {}),
      kind: input.kind,
      options,
      ...(input.durationSeconds !== undefined ? { duration_s: input.durationSeconds } : {}),
      auto_close: input.autoClose,
      ...(input.ignoreQuorum ? { ignore_quorum: true } : {}),
    });
  }

  /** Casts a ballot; `onBehalfOf` is the delegator's voter id when casting as their proxy. */
  vote(voteId: string, choices: string[], onBehalfOf?: string): boolean {
    this.set({ error: null });
    return this.send({ action: 'vote', vote_id: voteId, choices, ...(onBehalfOf ? { on_behalf_of: onBehalfOf } : {}) });
  }

  stop(voteId: string): boolean {
    this.set({ error: null });
    return this.send({ action: 'stop', vote_id: voteId });
  }

  cancel(voteId: string, reason: string): boolean {
    this.set({ error: null });
    return this.send({ action: 'cancel', vote_id: voteId, reason });
  }

  /** Gives this participant's vote to another participant for the rest of the meeting (null: takes it back). */
  delegate(toParticipantId: string | null): boolean {
    this.set({ error: null });
    return this.send({ action: 'delegate', to_participant_id: toParticipantId });
  }

  reportIssue(voteId: string, text: string): boolean {
    this.set({ error: null });
    return this.send({ action: 'report_issue', vote_id: voteId, text });
  }

  protected joined(snapshot: SnapshotOf<typeof legalVoteProtocol>): void {
    const { open, last, delegations, can_delegate } = snapshot;
    this.set({
      canDelegate: can_delegate,
      open: open ? { vote: open.vote, eligible: open.eligible, you: open.you, cast: open.cast, ...(open.ballots ? { ballots: open.ballots } : {}), stopped: null } : null,
      last,
      delegations,
      error: null,
    });
  }

  protected override refused(error: ErrorPayloadOf<typeof legalVoteProtocol>): void {
    this.set({ error: { code: error.error, action: error.action ?? null } });
  }

  protected handle(message: MessageOf<typeof legalVoteProtocol>): void {
    const open = this.view.open;
    switch (message.message) {
      case 'started':
        this.set({ open: { vote: message.vote, eligible: message.eligible, you: message.you, cast: 0, ...(message.vote.kind === 'live_roll_call' ? { ballots: [] } : {}), stopped: null }, error: null });
        this.emit({ type: 'started', vote: message.vote, eligible: message.you.eligible || message.you.proxy_for.length > 0 });
        return;
      case 'voted': {
        const receipt: Receipt = { voteId: message.vote_id, voterId: message.voter_id, choices: message.choices, token: message.receipt_token ?? null, seq: message.seq };
        const receipts = [...this.view.receipts.filter((r) => !(r.voteId === receipt.voteId && r.voterId === receipt.voterId)), receipt];
        const change: Partial<LegalVoteView> = { receipts, error: null };
        if (open?.vote.id === message.vote_id && !open.you.voted.includes(message.voter_id)) {
          change.open = { ...open, you: { ...open.you, voted: [...open.you.voted, message.voter_id] } };
        }
        this.set(change);
        this.emit({ type: 'voted', receipt });
        return;
      }
      case 'updated':
        if (open?.vote.id !== message.vote_id) return;
        this.set({ open: { ...open, cast: message.cast, ...(message.ballots ? { ballots: message.ballots } : {}) } });
        return;
      case 'stopped':
        if (open?.vote.id !== message.vote_id) return;
        this.set({ open: { ...open, stopped: message.reason } });
        return;
      case 'final_results': {
        const vote = open?.vote.id === message.results.vote_id ? open.vote : this.view.last?.vote.id === message.results.vote_id ? this.view.last.vote : null;
        if (!vote) return;
        this.set({ open: open?.vote.id === vote.id ? null : open, last: { vote, results: message.results, cancellation: null } });
        this.emit({ type: 'final', vote, results: message.results });
        return;
      }
      case 'cancelled': {
        if (open?.vote.id !== message.vote_id) return;
        const { message: _m, ...cancellation } = message;
        this.set({ open: null, last: { vote: open.vote, results: null, cancellation } });
        this.emit({ type: 'cancelled', vote: open.vote, reason: message.reason });
        return;
      }
      case 'issue_reported': {
        const issue: IssueReport = { voteId: message.vote_id, participantId: message.participant_id, displayName: message.display_name, text: message.text, at: message.at };
        this.set({ issues: [...this.view.issues.slice(-49), issue] });
        this.emit({ type: 'issue', issue });
        return;
      }
      case 'delegations':
        this.set({ delegations: message.delegations });
        return;
      case 'rights':
        this.set({ canDelegate: message.can_delegate });
        return;
      case 'you':
        // What this participant may do changed: they voted, or a proxy was given to or taken from them.
        if (open?.vote.id === message.vote_id) this.set({ open: { ...open, you: message.you } });
        return;
    }
  }
}
