import type { LegalVoteInfo, LegalVoteResults } from '@plenum/protocol';
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { optionLabel } from './voteText.ts';

/** Ballots per option of a published result, as meters with the numbers written out. */
export function Tally({ vote, results }: { vote: LegalVoteInfo; results: LegalVoteResults }) {
  const { t } = useTranslation();
  const baseId = useId();
  return (
    <ul className="poll-results vote-tally">
      {vote.options.map((option, i) => {
        const votes = results.tally[option.id] ?? 0;
        const percent = results.cast > 0 ? Math.round((votes / results.cast) * 100) : 0;
        const labelId = `${baseId}-${i}`;
        return (
          <li key={option.id} className="poll-result">
            <span id={labelId} className="poll-result-option">
              {optionLabel(t, option)}
            </span>
            <meter min={0} max={Math.max(results.cast, 1)} value={votes} aria-labelledby={labelId} />
            <span className="poll-result-count">{t('legalVote.votesPercent', { count: votes, percent })}</span>
          </li>
        );
      })}
    </ul>
  );
}
