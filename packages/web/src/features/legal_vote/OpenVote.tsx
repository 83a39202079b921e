import { MAX_CANCEL_REASON_LENGTH } from '@plenum/protocol';
import { useId, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { BallotForm } from './BallotForm.tsx';
import { CastCounter } from './CastCounter.tsx';
import { pendingBallots, type LegalVoteStore, type OpenVoteView } from './legalVoteStore.ts';
import { NamedBallots } from './NamedBallots.tsx';
import { Recorded } from './Recorded.tsx';
import { ReportIssue } from './ReportIssue.tsx';
import { useTimeLeft } from './useTimeLeft.ts';
import { kindKey } from './voteText.ts';

/** The open vote: its ballots for this participant, what they cast, the count, and the chair's stop and cancel. */
export function OpenVote({ store, open, moderator }: { store: LegalVoteStore; open: OpenVoteView; moderator: boolean }) {
  const { t } = useTranslation();
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const left = useTimeLeft(open.stopped ? null : open.vote.ends_at);
  const [cancelling, setCancelling] = useState(false);
  const [reason, setReason] = useState('');
  const ids = { head: useId(), reason: useId() };
  const { vote, you } = open;
  const pending = pendingBallots(open);
  const nameOf = (voterId: string) => open.eligible.find((e) => e.voter_id === voterId)?.display_name ?? voterId;
  const receiptOf = (voterId: string) => view.receipts.find((r) => r.voteId === vote.id && r.voterId === voterId);
  const item = vote.agenda_item_id ? view.agenda.items.find((i) => i.id === vote.agenda_item_id) : undefined;
  return (
    <section className="vote-open" aria-labelledby={ids.head}>
      <h3 id={ids.head}>{t('legalVote.openVote')}</h3>
      <p className="vote-title">{vote.title}</p>
      <p className="poll-meta">
        {t(`legalVote.kinds.${kindKey[vote.kind]}`)} · {t(`legalVote.kindHints.${kindKey[vote.kind]}`)}
      </p>
      {item && <p className="poll-meta">{t('legalVote.forItem', { title: item.title })}</p>}
      {vote.quorum && (
        <p className="poll-meta">
          {vote.quorum.ignored ? t('legalVote.quorumIgnored', { present: vote.quorum.present, required: vote.quorum.required }) : t('legalVote.quorumMet', { present: vote.quorum.present, required: vote.quorum.required })}
        </p>
      )}
      {open.stopped ? (
        <p className="vote-closing" role="status">
          {t('legalVote.closing')}
        </p>
      ) : (
        pending.map((voterId) => <BallotForm key={`${vote.id}:${voterId}`} store={store} vote={vote} voterId={voterId} proxyName={voterId === you.voter_id ? null : nameOf(voterId)} />)
      )}
      {you.voted.map((voterId) => (
        <Recorded key={voterId} vote={vote} receipt={receiptOf(voterId)} proxyName={voterId === you.voter_id ? null : nameOf(voterId)} />
      ))}
      {!you.eligible && you.proxy_for.length === 0 && <p className="vote-not-eligible">{t('legalVote.notEligible')}</p>}
      <CastCounter cast={open.cast} eligible={open.eligible.length} />
      {left !== null && <p className="poll-meta">{t('legalVote.timeLeft', { time: left })}</p>}
      {open.ballots && open.ballots.length > 0 && (
        <NamedBallots vote={vote} ballots={open.ballots} own={new Set(you.voted)} caption={t('legalVote.liveBallots')} />
      )}
      {!open.stopped && <ReportIssue store={store} voteId={vote.id} />}
      {moderator && !open.stopped && (
        <div className="vote-chair">
          <div className="actions">
            <button type="button" className="button button-primary" onClick={() => store.stop(vote.id)}>
              {t('legalVote.stop')}
            </button>
            {!cancelling && (
              <button type="button" className="button button-secondary" onClick={() => setCancelling(true)}>
                {t('legalVote.cancel')}
              </button>
            )}
          </div>
          {cancelling && (
            <form
              className="form vote-cancel-form"
              onSubmit={(e) => {
                e.preventDefault();
                if (reason.trim()) store.cancel(vote.id, reason.trim());
              }}
            >
              <div className="field">
                <label htmlFor={ids.reason}>{t('legalVote.cancelReason')}</label>
                <input id={ids.reason} type="text" maxLength={MAX_CANCEL_REASON_LENGTH} value={reason} onChange={(e) => setReason(e.target.value)} />
              </div>
              <div className="actions">
                <button type="submit" className="button button-danger" disabled={!reason.trim()}>
                  {t('legalVote.cancelConfirm')}
                </button>
                <button type="button" className="button button-secondary" onClick={() => setCancelling(false)}>
                  {t('legalVote.keepRunning')}
                </button>
              </div>
            </form>
          )}
        </div>
      )}
    </section>
  );
}
