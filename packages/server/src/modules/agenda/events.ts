import type { AgendaItem, QuorumRule, RosterMember } from '@plenum/protocol';
import { roomEvent } from '../../signaling/feature.ts';

/**
 * Room events of `agenda`, the room's one source of committee data: legal_vote's eligibility and quorum
 * check and the minutes' quorum block read the same roster, agenda and rule the badge shows.
 */
export interface CommitteeData {
  readonly roster: readonly RosterMember[];
  readonly items: readonly AgendaItem[];
  readonly rule: QuorumRule;
}

/** The committee data of this room: sent in the room's first join (before later features' onJoin) and after every reload. */
export const committeeChanged = roomEvent<CommitteeData>()('committee_changed');

/** The chair moved to another agenda item (null: none chosen yet). */
export const agendaItemChanged = roomEvent<{ itemId: string | null; item: AgendaItem | null }>()('agenda_item_changed');
