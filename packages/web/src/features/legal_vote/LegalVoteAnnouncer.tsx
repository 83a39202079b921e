import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SlotProps } from '../feature.ts';
import type { LegalVoteStore } from './legalVoteStore.ts';

/** Vote opened, ballot recorded, result published, read out politely by screen readers. */
export function LegalVoteAnnouncer({ store }: SlotProps<LegalVoteStore>) {
  const { t } = useTranslation();
  const [lines, setLines] = useState<{ key: number; text: string }[]>([]);
  const counter = useRef(0);
  useEffect(
    () =>
      store.onEvent((event) => {
        let text: string;
        if (event.type === 'started') text = event.eligible ? t('legalVote.announceStartedEligible', { title: event.vote.title }) : t('legalVote.announceStarted', { title: event.vote.title });
        else if (event.type === 'voted') text = t('legalVote.announceRecorded');
        else if (event.type === 'final') text = t('legalVote.announceFinal', { title: event.vote.title });
        else if (event.type === 'cancelled') text = t('legalVote.announceCancelled', { title: event.vote.title });
        else text = t('legalVote.announceIssue', { name: event.issue.displayName });
        setLines((l) => [...l.slice(-4), { key: ++counter.current, text }]);
      }),
    [store, t],
  );
  return (
    <div className="visually-hidden" aria-live="polite" aria-relevant="additions">
      {lines.map((line) => (
        <p key={line.key}>{line.text}</p>
      ))}
    </div>
  );
}
