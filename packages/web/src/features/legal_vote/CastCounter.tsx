import { useId } from 'react';
import { useTranslation } from 'react-i18next';

/** How many of the eligible have voted, in words and as a meter. */
export function CastCounter({ cast, eligible }: { cast: number; eligible: number }) {
  const { t } = useTranslation();
  const labelId = useId();
  return (
    <div className="vote-counter">
      <p id={labelId} className="vote-counter-text">
        {t('legalVote.castOf', { cast, count: eligible })}
      </p>
      <meter min={0} max={Math.max(eligible, 1)} value={cast} aria-labelledby={labelId} />
    </div>
  );
}
