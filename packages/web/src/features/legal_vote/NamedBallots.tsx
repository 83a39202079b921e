import type { LegalVoteInfo, NamedBallot } from '@plenum/protocol';
import { useTranslation } from 'react-i18next';
import { choicesText } from './voteText.ts';

/** Who chose what (roll-call kinds), this participant's own ballots marked. */
export function NamedBallots({ vote, ballots, own, caption }: { vote: LegalVoteInfo; ballots: readonly NamedBallot[]; own: ReadonlySet<string>; caption: string }) {
  const { t } = useTranslation();
  return (
    <table className="vote-table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{t('legalVote.colName')}</th>
          <th scope="col">{t('legalVote.colChoice')}</th>
        </tr>
      </thead>
      <tbody>
        {ballots.map((b) => (
          <tr key={b.voter_id} className={own.has(b.voter_id) ? 'vote-own' : undefined}>
            <th scope="row">
              {b.display_name}
              {own.has(b.voter_id) && <span className="tag">{t('legalVote.you')}</span>}
              {b.cast_by_proxy && <span className="tag tag-quiet">{t('legalVote.byProxy')}</span>}
            </th>
            <td>{choicesText(t, vote, b.choices)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
