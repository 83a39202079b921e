import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../i18n/index.ts';
import { Downloads } from './Downloads.tsx';
import { ownBallots, type EndedVoteView, type Receipt } from './legalVoteStore.ts';
import { NamedBallots } from './NamedBallots.tsx';
import { Tally } from './Tally.tsx';
import { choicesText, kindKey } from './voteText.ts';

/** The last vote that ended: its signed result (this participant's own ballots marked), or why it was cancelled. */
export function Result({ last, receipts }: { last: EndedVoteView; receipts: readonly Receipt[] }) {
  const { t } = useTranslation();
  const headId = useId();
  const { vote, results, cancellation } = last;
  if (cancellation || !results) {
    return (
      <section className="vote-result" aria-labelledby={headId}>
        <h3 id={headId}>{t('legalVote.result')}</h3>
        <p className="vote-title">{vote.title}</p>
        <p className="vote-cancelled">
          {cancellation?.by === 'interrupted' ? t('legalVote.cancelledInterrupted', { reason: cancellation.reason }) : t('legalVote.cancelledByChair', { reason: cancellation?.reason ?? '' })}
        </p>
        {cancellation && (
          <dl className="vote-proof">
            <dt>{t('legalVote.chainHead')}</dt>
            <dd>
              <code>{cancellation.head_hash}</code>
            </dd>
          </dl>
        )}
      </section>
    );
  }
  const own = ownBallots(results, receipts);
  const mineNamed = results.ballots?.filter((b) => own.voterIds.has(b.voter_id)) ?? [];
  const mineTokens = results.tokens?.filter((b) => own.tokens.has(b.token)) ?? [];
  const stopKey = results.stop_reason === 'chair' ? 'legalVote.stoppedChair' : results.stop_reason === 'expired' ? 'legalVote.stoppedExpired' : 'legalVote.stoppedAllVoted';
  return (
    <section className="vote-result" aria-labelledby={headId}>
      <h3 id={headId}>{t('legalVote.result')}</h3>
      <p className="vote-title">{vote.title}</p>
      <p className="poll-meta">
        {t(`legalVote.kinds.${kindKey[vote.kind]}`)} · {t(stopKey)} · {t('legalVote.castOf', { cast: results.cast, count: results.eligible })} · {formatDateTime(results.closed_at)}
      </p>
      <Tally vote={vote} results={results} />
      {[...mineNamed, ...mineTokens].map((b) => (
        <p key={'token' in b ? b.token : b.voter_id} className="vote-own-line">
          {t('legalVote.yourBallotCounted', { choice: choicesText(t, vote, b.choices) })}
        </p>
      ))}
      {vote.kind === 'secret' && receipts.some((r) => r.voteId === vote.id) && <p className="poll-meta">{t('legalVote.secretOwn')}</p>}
      {results.ballots && <NamedBallots vote={vote} ballots={results.ballots} own={own.voterIds} caption={t('legalVote.ballotsByName')} />}
      {results.tokens && (
        <table className="vote-table">
          <caption>{t('legalVote.tokens')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('legalVote.colToken')}</th>
              <th scope="col">{t('legalVote.colChoice')}</th>
            </tr>
          </thead>
          <tbody>
            {results.tokens.map((b) => (
              <tr key={b.token} className={own.tokens.has(b.token) ? 'vote-own' : undefined}>
                <th scope="row">
                  <code>{b.token}</code>
                  {own.tokens.has(b.token) && <span className="tag">{t('legalVote.yourBallot')}</span>}
                </th>
                <td>{choicesText(t, vote, b.choices)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <dl className="vote-proof">
        <dt>{t('legalVote.chainHead')}</dt>
        <dd>
          <code>{results.head_hash}</code>
        </dd>
        <dt>{t('legalVote.keyFingerprint')}</dt>
        <dd>
          <code>{results.key_fingerprint}</code>
        </dd>
      </dl>
      <p className="field-hint">{t('legalVote.verifyHint')}</p>
      <Downloads voteId={vote.id} title={vote.title} />
    </section>
  );
}
