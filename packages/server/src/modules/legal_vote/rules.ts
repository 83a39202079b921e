import { ABSTAIN_OPTION, type LegalVoteInfo, type LegalVoteKind, type LegalVoteOption, type NamedBallot, type TokenBallot } from '@plenum/protocol';

/**
 * The pure rules of a legal vote, shared by the module (which accepts ballots), the repository (which
 * recomputes the tally from the stored log when closing) and the offline verifier (`plenum verify-vote`).
 * Nothing here touches a database, a clock or the network.
 */

/** Event types of a vote's log, in the order they may appear. */
export const EVENT_TYPES = ['started', 'ballot', 'delegated', 'issue_reported', 'stopped', 'final_results', 'cancelled'] as const;
export type VoteEventType = (typeof EVENT_TYPES)[number];

/** What is hashed for each event (RFC 8785 canonical JSON of this object). */
export interface VoteEventContent<D = Record<string, unknown>> {
  vote_id: string;
  seq: number;
  type: VoteEventType;
  /** ISO time the server appended it. */
  at: string;
  data: D;
}

/** The ballot event's data: who (roll-call kinds only), or a receipt token (pseudonymous), and the choices. */
export type BallotData =
  | { voter_id: string; display_name: string; choices: string[]; cast_by_proxy: string | null }
  | { token: string; choices: string[] }
  | { choices: string[] };

export type StopReason = 'chair' | 'expired' | 'all_voted';

/** The data of the final_results event: everything recomputable from the ballot events. */
export interface FinalResultsData {
  tally: Record<string, number>;
  cast: number;
  eligible: number;
  ballots?: NamedBallot[];
  tokens?: TokenBallot[];
  stop_reason: StopReason;
}

/** The message the closing event's signature covers. */
export const signedMessage = (voteId: string, hash: string) => `plenum-vote:${voteId}:${hash}`;

export const isNamedKind = (kind: LegalVoteKind) => kind === 'roll_call' || kind === 'live_roll_call';

export function voteOptions(input: { type: 'yes_no'; abstain: boolean } | { type: 'candidates'; candidates: string[]; max_choices: number; abstain: boolean }): {
  options: LegalVoteOption[];
  maxChoices: number;
} {
  const options: LegalVoteOption[] =
    input.type === 'yes_no'
      ? [
          { id: 'yes', label: 'yes' },
          { id: 'no', label: 'no' },
        ]
      : input.candidates.map((label, i) => ({ id: `c${i + 1}`, label }));
  if (input.abstain) options.push({ id: ABSTAIN_OPTION, label: ABSTAIN_OPTION });
  return { options, maxChoices: input.type === 'yes_no' ? 1 : input.max_choices };
}

/** Whether `choices` is a valid ballot in this vote: known options, none twice, abstain alone, at most max_choices. */
export function validChoices(vote: Pick<LegalVoteInfo, 'options' | 'max_choices' | 'allow_abstain'>, choices: readonly string[]): boolean {
  if (choices.length === 0) return false;
  if (new Set(choices).size !== choices.length) return false;
  const ids = new Set(vote.options.map((o) => o.id));
  if (!choices.every((c) => ids.has(c))) return false;
  if (choices.includes(ABSTAIN_OPTION)) return vote.allow_abstain && choices.length === 1;
  return choices.length <= vote.max_choices;
}

/** Ballots per option id, every option present; choices in option order inside each ballot. */
export function tallyOf(vote: Pick<LegalVoteInfo, 'options'>, ballots: readonly { choices: readonly string[] }[]): Record<string, number> {
  const tally: Record<string, number> = {};
  for (const o of vote.options) tally[o.id] = 0;
  for (const b of ballots) for (const c of b.choices) if (c in tally) tally[c]! += 1;
  return tally;
}

/** Orders choices as the options are ordered, so the same ballot is always written the same way. */
export function normaliseChoices(vote: Pick<LegalVoteInfo, 'options'>, choices: readonly string[]): string[] {
  const order = new Map(vote.options.map((o, i) => [o.id, i]));
  return [...choices].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
}

/**
 * The final result as recomputed from the ballot events' data (in log order). Roll-call kinds list every
 * named ballot (in the order they were cast); pseudonymous ones every token with its choices, sorted by token
 * (so the order does not reveal when someone voted).
 */
export function finalResultsOf(vote: Pick<LegalVoteInfo, 'options' | 'kind'>, eligible: number, ballots: readonly BallotData[], stopReason: StopReason): FinalResultsData {
  const result: FinalResultsData = { tally: tallyOf(vote, ballots), cast: ballots.length, eligible, stop_reason: stopReason };
  if (isNamedKind(vote.kind)) {
    result.ballots = ballots.map((b) => {
      const named = b as Extract<BallotData, { voter_id: string }>;
      return { voter_id: named.voter_id, display_name: named.display_name, choices: [...named.choices], cast_by_proxy: named.cast_by_proxy ?? null };
    });
  } else if (vote.kind === 'pseudonymous') {
    result.tokens = ballots
      .map((b) => ({ token: (b as Extract<BallotData, { token: string }>).token, choices: [...b.choices] }))
      .sort((a, b) => (a.token < b.token ? -1 : a.token > b.token ? 1 : 0));
  }
  return result;
}
