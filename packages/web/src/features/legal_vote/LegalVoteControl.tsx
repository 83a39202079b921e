import { useId, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import type { ControlProps } from '../feature.ts';
import { pendingBallots, type LegalVoteStore } from './legalVoteStore.ts';
import { VoteIcon } from './VoteIcon.tsx';

/** The "Votes" button of the controls bar; marked while a ballot waits for this participant. */
export function LegalVoteControl({ store, open, panelId, onToggle }: ControlProps<LegalVoteStore>) {
  const { t } = useTranslation();
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const waiting = pendingBallots(view.open).length;
  const hintId = useId();
  return (
    <>
      <button
        type="button"
        className={`control${open ? ' control-active' : ''}`}
        aria-pressed={open}
        aria-controls={open ? panelId : undefined}
        aria-describedby={waiting ? hintId : undefined}
        onClick={onToggle}
      >
        <VoteIcon />
        <span>{t('legalVote.open')}</span>
        {waiting > 0 && (
          <span className="control-count control-unread" aria-hidden="true">
            {waiting}
          </span>
        )}
      </button>
      {waiting > 0 && (
        <span id={hintId} className="visually-hidden">
          {t('legalVote.waitingForBallot')}
        </span>
      )}
    </>
  );
}
