import { ABSTAIN_OPTION, type ErrorOf, type LegalVoteInfo, type LegalVoteKind, type LegalVoteOption, type legalVoteProtocol } from '@plenum/protocol';
import type { TFunction } from 'i18next';
import type { ErrorMessages, TextKey } from '../feature.ts';
import type { en } from './messages.ts';

/** The kinds of vote in the order the chair is offered them. */
export const KINDS: readonly LegalVoteKind[] = ['roll_call', 'live_roll_call', 'pseudonymous', 'secret'];
/** A kind's key under `legalVote.kinds` and `legalVote.kindHints`. */
export const kindKey = { roll_call: 'rollCall', live_roll_call: 'liveRollCall', pseudonymous: 'pseudonymous', secret: 'secret' } as const;

/** yes/no/abstain in the reader's language; candidates as the chair wrote them. */
export function optionLabel(t: TFunction, option: LegalVoteOption): string {
  if (option.label === option.id) {
    if (option.id === 'yes') return t('legalVote.optionYes');
    if (option.id === 'no') return t('legalVote.optionNo');
    if (option.id === ABSTAIN_OPTION) return t('legalVote.optionAbstain');
  }
  return option.label;
}

/** The choices of a ballot as the reader reads them, in the given order. */
export function choicesText(t: TFunction, vote: LegalVoteInfo, choices: readonly string[]): string {
  return choices.map((c) => optionLabel(t, vote.options.find((o) => o.id === c) ?? { id: c, label: c })).join(', ');
}

const errorKeys: ErrorMessages<typeof legalVoteProtocol, TextKey<typeof en, 'legalVote'>> = {
  not_eligible: 'legalVote.errorNotEligible',
  already_voted: 'legalVote.errorAlreadyVoted',
  vote_closed: 'legalVote.errorClosed',
  vote_not_found: 'legalVote.errorNotFound',
  vote_in_progress: 'legalVote.errorInProgress',
  not_quorate: 'legalVote.errorNotQuorate',
  no_eligible_voters: 'legalVote.errorNoEligible',
  invalid_choice: 'legalVote.errorChoice',
  invalid_delegation: 'legalVote.errorDelegation',
  forbidden: 'legalVote.errorForbidden',
  invalid_command: 'legalVote.errorInvalid',
  rate_limited: 'legalVote.errorRateLimited',
  storage_unavailable: 'legalVote.errorStorageUnavailable',
};

/** A refusal in words: the feature's own message, or the code itself for one it has none for. */
export function errorText(t: TFunction, code: ErrorOf<typeof legalVoteProtocol>): string {
  const key = errorKeys[code];
  return key ? t(key) : t('legalVote.errorOther', { code });
}
