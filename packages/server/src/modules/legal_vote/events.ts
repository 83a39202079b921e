import { roomEvent } from '../../signaling/feature.ts';

/**
 * A legal vote reached its signed final result (emitted by legal_vote, taken into the minutes by minutes).
 * `tally` maps each option to its count; `chainHead` is the hash of the signed closing event.
 */
export interface LegalVoteFinal {
  voteId: string;
  title: string;
  agendaItemId: string | null;
  kind: string;
  tally: Record<string, number>;
  /** The options in ballot order, with their labels (candidates' names). */
  options: { id: string; label: string }[];
  eligible: number;
  cast: number;
  chainHead: string;
  signature: string;
  closedAt: Date;
}

export const legalVoteFinal = roomEvent<LegalVoteFinal>()('legal_vote_final');
