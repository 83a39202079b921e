import type { TFunction } from 'i18next';
import type { SlotProps } from '../feature.ts';
import { LiveAnnouncer } from '../meeting/LiveAnnouncer.tsx';
import type { LegalVoteEvent, LegalVoteStore } from './legalVoteStore.ts';

function say(t: TFunction, event: LegalVoteEvent): string {
  if (event.type === 'started') return event.eligible ? t('legalVote.announceStartedEligible', { title: event.vote.title }) : t('legalVote.announceStarted', { title: event.vote.title });
  if (event.type === 'voted') return t('legalVote.announceRecorded');
  if (event.type === 'final') return t('legalVote.announceFinal', { title: event.vote.title });
  if (event.type === 'cancelled') return t('legalVote.announceCancelled', { title: event.vote.title });
  return t('legalVote.announceIssue', { name: event.issue.displayName });
}

/** Vote opened, ballot recorded, result published, read out politely by screen readers. */
export function LegalVoteAnnouncer({ store }: SlotProps<LegalVoteStore>) {
  return <LiveAnnouncer store={store} say={say} />;
}
