import {
  ABSTAIN_OPTION,
  MAX_CANCEL_REASON_LENGTH,
  MAX_CANDIDATES,
  MAX_CANDIDATE_LENGTH,
  MAX_ISSUE_LENGTH,
  MAX_VOTE_SECONDS,
  MAX_VOTE_TITLE_LENGTH,
  type LegalVoteDelegation,
  type LegalVoteInfo,
  type LegalVoteKind,
  type LegalVoteOption,
  type LegalVoteResults,
  type NamedBallot,
  type SignalingErrorCode,
} from '@plenum/protocol';
import type { TFunction } from 'i18next';
import { useEffect, useId, useRef, useState, useSyncExternalStore, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { currentLanguage, formatDateTime } from '../../i18n/index.ts';
import { CloseIcon } from '../meeting/icons.tsx';
import { formatDuration } from '../timer/timerStore.ts';
import { ballotComplete, ownBallots, pendingBallots, type EndedVoteView, type LegalVoteStore, type OpenVoteView, type Receipt } from './legalVoteStore.ts';
import './legalVote.css';

const KINDS: readonly LegalVoteKind[] = ['roll_call', 'live_roll_call', 'pseudonymous', 'secret'];
const kindKey = { roll_call: 'rollCall', live_roll_call: 'liveRollCall', pseudonymous: 'pseudonymous', secret: 'secret' } as const;

export function VoteIcon() {
  return (
    <svg width={20} height={20} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" focusable="false" className="icon" aria-hidden="true">
      <path d="M4 20h16M6 16l3-9h6l3 9M9 11l2 2 4-4" />
    </svg>
  );
}

/** yes/no/abstain in the reader's language; candidates as the chair wrote them. */
export function optionLabel(t: TFunction, option: LegalVoteOption): string {
  if (option.label === option.id) {
    if (option.id === 'yes') return t('legalVote.optionYes');
    if (option.id === 'no') return t('legalVote.optionNo');
    if (option.id === ABSTAIN_OPTION) return t('legalVote.optionAbstain');
  }
  return option.label;
}

function choicesText(t: TFunction, vote: LegalVoteInfo, choices: readonly string[]): string {
  return choices.map((c) => optionLabel(t, vote.options.find((o) => o.id === c) ?? { id: c, label: c })).join(', ');
}

const errorKeys: Partial<Record<SignalingErrorCode, string>> = {
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
};

function errorText(t: TFunction, code: SignalingErrorCode): string {
  const key = errorKeys[code];
  return key ? t(key as 'legalVote.errorClosed') : t('legalVote.errorOther', { code });
}

function useTimeLeft(endsAt: string | null | undefined): string | null {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!endsAt) return;
    const id = setInterval(() => setTick((n) => n + 1), 1000);
    return () => clearInterval(id);
  }, [endsAt]);
  return endsAt ? formatDuration(Math.ceil((Date.parse(endsAt) - Date.now()) / 1000) * 1000) : null;
}

/** The "Votes" button of the controls bar; marked while a ballot waits for this participant. */
export function LegalVoteControl({ store, open, panelId, onToggle }: { store: LegalVoteStore; open: boolean; panelId: string; onToggle(): void }) {
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

// ── chair: start a vote ───────────────────────────────────────────────────────

type FormProblem = 'legalVote.problemTitle' | 'legalVote.problemCandidates' | 'legalVote.problemMax' | 'legalVote.problemDuration';

/** The chair's "Start vote" dialog (native modal <dialog>: focus stays inside, Escape closes it). */
function StartVoteDialog({ store, onClose }: { store: LegalVoteStore; onClose(): void }) {
  const { t } = useTranslation();
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const ref = useRef<HTMLDialogElement>(null);
  const { items, currentItemId } = view.agenda;
  const [title, setTitle] = useState('');
  const [agendaItem, setAgendaItem] = useState(currentItemId ?? '');
  const [kind, setKind] = useState<LegalVoteKind>('roll_call');
  const [ballot, setBallot] = useState<'yes_no' | 'candidates'>('yes_no');
  const [abstain, setAbstain] = useState(true);
  const [candidates, setCandidates] = useState('');
  const [maxChoices, setMaxChoices] = useState('1');
  const [minutes, setMinutes] = useState('');
  const [autoClose, setAutoClose] = useState(true);
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const [sent, setSent] = useState(false);
  const ids = { title: useId(), agenda: useId(), kind: useId(), candidates: useId(), max: useId(), minutes: useId(), abstain: useId(), auto: useId(), head: useId() };

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    store.clearError();
    return () => {
      if (dialog.open) dialog.close();
      opener?.focus();
    };
  }, [store]);
  // The dialog has done its job once the vote is open.
  useEffect(() => store.onEvent((e) => e.type === 'started' && onClose()), [store, onClose]);

  const serverError = sent && view.error?.action === 'start' ? view.error.code : null;

  const submit = (ignoreQuorum: boolean) => {
    const names = candidates
      .split('\n')
      .map((c) => c.trim())
      .filter(Boolean);
    const max = Number(maxChoices);
    const duration = minutes.trim() === '' ? undefined : Math.round(Number(minutes) * 60);
    if (!title.trim()) return setProblem('legalVote.problemTitle');
    if (ballot === 'candidates' && (names.length < 1 || names.length > MAX_CANDIDATES || new Set(names).size !== names.length || names.some((n) => n.length > MAX_CANDIDATE_LENGTH)))
      return setProblem('legalVote.problemCandidates');
    if (ballot === 'candidates' && (!Number.isInteger(max) || max < 1 || max > names.length)) return setProblem('legalVote.problemMax');
    if (duration !== undefined && (!Number.isFinite(duration) || duration < 10 || duration > MAX_VOTE_SECONDS)) return setProblem('legalVote.problemDuration');
    setProblem(null);
    setSent(true);
    store.start({
      title: title.trim(),
      agendaItemId: agendaItem || undefined,
      kind,
      options: ballot === 'yes_no' ? { type: 'yes_no', abstain } : { type: 'candidates', candidates: names, maxChoices: max, abstain },
      durationSeconds: duration,
      autoClose,
      ignoreQuorum,
    });
  };

  return (
    <dialog
      ref={ref}
      className="dialog vote-dialog"
      aria-labelledby={ids.head}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <form
        className="form vote-start-form"
        noValidate
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          submit(false);
        }}
      >
        <h2 id={ids.head}>{t('legalVote.startTitle')}</h2>
        <div className="field">
          <label htmlFor={ids.title}>{t('legalVote.title')}</label>
          <input id={ids.title} type="text" maxLength={MAX_VOTE_TITLE_LENGTH} value={title} onChange={(e) => setTitle(e.target.value)} />
        </div>
        {items.length > 0 && (
          <div className="field">
            <label htmlFor={ids.agenda}>{t('legalVote.agendaItem')}</label>
            <select id={ids.agenda} className="select" value={agendaItem} onChange={(e) => setAgendaItem(e.target.value)}>
              <option value="">{t('legalVote.agendaNone')}</option>
              {items.map((item) => (
                <option key={item.id} value={item.id}>
                  {item.title}
                </option>
              ))}
            </select>
          </div>
        )}
        <fieldset className="vote-fieldset">
          <legend>{t('legalVote.kind')}</legend>
          {KINDS.map((k) => (
            <div key={k} className="checkbox-field vote-kind">
              <input id={`${ids.kind}-${k}`} type="radio" name={ids.kind} checked={kind === k} onChange={() => setKind(k)} aria-describedby={`${ids.kind}-${k}-hint`} />
              <label htmlFor={`${ids.kind}-${k}`}>
                {t(`legalVote.kinds.${kindKey[k]}`)}
                <span id={`${ids.kind}-${k}-hint`} className="field-hint vote-kind-hint">
                  {t(`legalVote.kindHints.${kindKey[k]}`)}
                </span>
              </label>
            </div>
          ))}
        </fieldset>
        <fieldset className="vote-fieldset">
          <legend>{t('legalVote.ballotType')}</legend>
          <div className="checkbox-field">
            <input id={`${ids.kind}-yn`} type="radio" name={`${ids.kind}-ballot`} checked={ballot === 'yes_no'} onChange={() => setBallot('yes_no')} />
            <label htmlFor={`${ids.kind}-yn`}>{t('legalVote.ballotYesNo')}</label>
          </div>
          <div className="checkbox-field">
            <input id={`${ids.kind}-cand`} type="radio" name={`${ids.kind}-ballot`} checked={ballot === 'candidates'} onChange={() => setBallot('candidates')} />
            <label htmlFor={`${ids.kind}-cand`}>{t('legalVote.ballotCandidates')}</label>
          </div>
          {ballot === 'candidates' && (
            <>
              <div className="field">
                <label htmlFor={ids.candidates}>{t('legalVote.candidates')}</label>
                <textarea id={ids.candidates} rows={4} value={candidates} onChange={(e) => setCandidates(e.target.value)} />
              </div>
              <div className="field">
                <label htmlFor={ids.max}>{t('legalVote.maxChoices')}</label>
                <input id={ids.max} type="number" inputMode="numeric" min={1} max={MAX_CANDIDATES} value={maxChoices} onChange={(e) => setMaxChoices(e.target.value)} />
              </div>
            </>
          )}
          <div className="checkbox-field">
            <input id={ids.abstain} type="checkbox" checked={abstain} onChange={(e) => setAbstain(e.target.checked)} />
            <label htmlFor={ids.abstain}>{t('legalVote.allowAbstain')}</label>
          </div>
        </fieldset>
        <div className="field">
          <label htmlFor={ids.minutes}>{t('legalVote.durationMinutes')}</label>
          <input id={ids.minutes} type="number" inputMode="decimal" min={0} step="any" value={minutes} onChange={(e) => setMinutes(e.target.value)} />
        </div>
        <div className="checkbox-field">
          <input id={ids.auto} type="checkbox" checked={autoClose} onChange={(e) => setAutoClose(e.target.checked)} />
          <label htmlFor={ids.auto}>{t('legalVote.autoClose')}</label>
        </div>
        {problem && (
          <p className="field-error" role="alert">
            {t(problem)}
          </p>
        )}
        {serverError && (
          <p className="field-error" role="alert">
            {errorText(t, serverError)}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button button-secondary" onClick={onClose}>
            {t('legalVote.dismiss')}
          </button>
          {serverError === 'not_quorate' && (
            <button type="button" className="button button-danger" onClick={() => submit(true)}>
              {t('legalVote.startAnyway')}
            </button>
          )}
          <button type="submit" className="button button-primary">
            {t('legalVote.start')}
          </button>
        </div>
      </form>
    </dialog>
  );
}

// ── voter: ballot and receipt ───────────────────────────────────────────────────

function BallotForm({ store, vote, voterId, proxyName }: { store: LegalVoteStore; vote: LegalVoteInfo; voterId: string; proxyName: string | null }) {
  const { t } = useTranslation();
  const [chosen, setChosen] = useState<string[]>([]);
  const name = useId();
  const single = vote.max_choices === 1;
  const toggle = (id: string, on: boolean) => {
    if (single) return setChosen([id]);
    if (!on) return setChosen(chosen.filter((c) => c !== id));
    // Abstaining excludes every candidate, and a candidate excludes abstaining.
    if (id === ABSTAIN_OPTION) return setChosen([ABSTAIN_OPTION]);
    return setChosen([...chosen.filter((c) => c !== ABSTAIN_OPTION), id]);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!ballotComplete(vote, chosen)) return;
    const ordered = vote.options.map((o) => o.id).filter((id) => chosen.includes(id));
    store.vote(vote.id, ordered, proxyName ? voterId : undefined);
  };
  const candidates = vote.options.filter((o) => o.id !== ABSTAIN_OPTION).length;
  return (
    <form className="form vote-ballot" onSubmit={submit}>
      <fieldset>
        <legend className="vote-title">{proxyName ? t('legalVote.ballotForProxy', { name: proxyName, title: vote.title }) : vote.title}</legend>
        {!single && <p className="field-hint">{t('legalVote.chooseUpTo', { count: Math.min(vote.max_choices, candidates) })}</p>}
        {vote.options.map((option) => (
          <label key={option.id} className={`checkbox-field vote-option${option.id === ABSTAIN_OPTION ? ' vote-option-abstain' : ''}`}>
            <input
              type={single ? 'radio' : 'checkbox'}
              name={name}
              checked={chosen.includes(option.id)}
              disabled={!single && option.id !== ABSTAIN_OPTION && !chosen.includes(option.id) && chosen.filter((c) => c !== ABSTAIN_OPTION).length >= vote.max_choices}
              onChange={(e) => toggle(option.id, e.target.checked)}
            />
            <span>{optionLabel(t, option)}</span>
          </label>
        ))}
      </fieldset>
      <button type="submit" className="button button-primary" disabled={!ballotComplete(vote, chosen)}>
        {t('legalVote.submit')}
      </button>
    </form>
  );
}

/** The receipt token with a copy button (pseudonymous votes). */
function ReceiptToken({ token }: { token: string }) {
  const { t } = useTranslation();
  const [copy, setCopy] = useState<'copied' | 'failed' | null>(null);
  const labelId = useId();
  return (
    <div className="vote-receipt">
      <p id={labelId} className="vote-receipt-label">
        {t('legalVote.tokenLabel')}
      </p>
      <p className="vote-token-row">
        <code className="vote-token" aria-labelledby={labelId} data-testid="receipt-token">
          {token}
        </code>
        <button
          type="button"
          className="button button-secondary button-small"
          onClick={() => {
            // navigator.clipboard is missing outside secure contexts.
            const clipboard = (navigator as { clipboard?: Clipboard }).clipboard;
            if (!clipboard) return setCopy('failed');
            clipboard.writeText(token).then(
              () => setCopy('copied'),
              () => setCopy('failed'),
            );
          }}
        >
          {t('legalVote.copyToken')}
        </button>
      </p>
      <p className="field-hint">{t('legalVote.tokenExplanation')}</p>
      <p className="vote-copy-status" role="status">
        {copy === 'copied' ? t('legalVote.copied') : copy === 'failed' ? t('legalVote.copyFailed') : ''}
      </p>
    </div>
  );
}

function Recorded({ vote, receipt, proxyName }: { vote: LegalVoteInfo; receipt: Receipt | undefined; proxyName: string | null }) {
  const { t } = useTranslation();
  return (
    <div className="vote-recorded">
      <p className="vote-confirmation" role="status">
        {receipt
          ? proxyName
            ? t('legalVote.recordedForProxy', { name: proxyName, choice: choicesText(t, vote, receipt.choices) })
            : t('legalVote.recorded', { choice: choicesText(t, vote, receipt.choices) })
          : t('legalVote.recordedEarlier')}
      </p>
      {receipt?.token && <ReceiptToken token={receipt.token} />}
    </div>
  );
}

function ReportIssue({ store, voteId }: { store: LegalVoteStore; voteId: string }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [sent, setSent] = useState(false);
  const fieldId = useId();
  if (sent)
    return (
      <p className="poll-meta" role="status">
        {t('legalVote.issueSent')}
      </p>
    );
  if (!open)
    return (
      <button type="button" className="link-button" aria-expanded={false} onClick={() => setOpen(true)}>
        {t('legalVote.reportIssue')}
      </button>
    );
  return (
    <form
      className="form vote-issue-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (!text.trim()) return;
        if (store.reportIssue(voteId, text.trim())) setSent(true);
      }}
    >
      <div className="field">
        <label htmlFor={fieldId}>{t('legalVote.issueText')}</label>
        <textarea id={fieldId} rows={3} maxLength={MAX_ISSUE_LENGTH} value={text} onChange={(e) => setText(e.target.value)} />
      </div>
      <div className="actions">
        <button type="submit" className="button button-secondary button-small" disabled={!text.trim()}>
          {t('legalVote.issueSend')}
        </button>
        <button type="button" className="button button-secondary button-small" onClick={() => setOpen(false)}>
          {t('legalVote.dismiss')}
        </button>
      </div>
    </form>
  );
}

function NamedBallots({ vote, ballots, own, caption }: { vote: LegalVoteInfo; ballots: readonly NamedBallot[]; own: ReadonlySet<string>; caption: string }) {
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

function CastCounter({ cast, eligible }: { cast: number; eligible: number }) {
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

function OpenVote({ store, open, moderator }: { store: LegalVoteStore; open: OpenVoteView; moderator: boolean }) {
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

// ── everyone: the result ──────────────────────────────────────────────────────

function Tally({ vote, results }: { vote: LegalVoteInfo; results: LegalVoteResults }) {
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

/** Links to the JSON export and the PDF report, shown only when the server lets this viewer have them. */
function Downloads({ voteId, title }: { voteId: string; title: string }) {
  const { t } = useTranslation();
  const [allowed, setAllowed] = useState(false);
  const base = `/v1/votes/${encodeURIComponent(voteId)}`;
  useEffect(() => {
    const abort = new AbortController();
    fetch(`${base}/export.json`, { method: 'HEAD', credentials: 'same-origin', signal: abort.signal })
      .then((res) => setAllowed(res.ok))
      .catch(() => setAllowed(false));
    return () => abort.abort();
  }, [base]);
  if (!allowed) return null;
  return (
    <p className="actions">
      <a className="button button-secondary button-small" href={`${base}/export.json`} download aria-label={t('legalVote.exportOf', { title })}>
        {t('legalVote.export')}
      </a>
      <a className="button button-secondary button-small" href={`${base}/report.pdf?lang=${currentLanguage()}`} download aria-label={t('legalVote.reportOf', { title })}>
        {t('legalVote.report')}
      </a>
    </p>
  );
}

function Result({ last, receipts }: { last: EndedVoteView; receipts: readonly Receipt[] }) {
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

/** The votes side panel: the open vote (ballot, counter, chair's controls), the last result, the chair's start dialog and reported problems. */
/**
 * Proxy for this meeting: a member gives their vote to someone present (the server checks who may), sees to
 * whom it went and can take it back; a proxy holder sees whose votes they cast.
 */
function ProxySection({ store, delegations, selfId, people }: { store: LegalVoteStore; delegations: LegalVoteDelegation[]; selfId: string; people: readonly { id: string; name: string }[] }) {
  const { t } = useTranslation();
  const headingId = useId();
  const selectId = useId();
  const others = people.filter((p) => p.id !== selfId);
  const [to, setTo] = useState('');
  const given = delegations.find((d) => d.from_participant_id === selfId);
  const held = delegations.filter((d) => d.to_participant_id === selfId);
  const chosen = others.some((p) => p.id === to) ? to : '';
  return (
    <section className="vote-proxy" aria-labelledby={headingId}>
      <h3 id={headingId}>{t('legalVote.proxyTitle')}</h3>
      {held.length > 0 && <p>{t('legalVote.proxyHeld', { names: held.map((d) => d.from_name).join(', ') })}</p>}
      {given ? (
        <>
          <p>{t('legalVote.proxyGiven', { name: given.to_name })}</p>
          <button type="button" className="button" onClick={() => store.delegate(null)}>
            {t('legalVote.proxyRevoke')}
          </button>
        </>
      ) : (
        held.length === 0 &&
        others.length > 0 && (
          <form
            className="vote-proxy-form"
            onSubmit={(e) => {
              e.preventDefault();
              if (chosen) store.delegate(chosen);
            }}
          >
            <label htmlFor={selectId}>{t('legalVote.proxyTo')}</label>
            <select id={selectId} value={chosen} onChange={(e) => setTo(e.target.value)}>
              <option value="">{t('legalVote.proxyChoose')}</option>
              {others.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
            <button type="submit" className="button" disabled={!chosen}>
              {t('legalVote.proxyGive')}
            </button>
          </form>
        )
      )}
    </section>
  );
}

export function LegalVotePanel({
  id,
  store,
  moderator,
  selfId,
  people,
  onClose,
}: {
  id: string;
  store: LegalVoteStore;
  moderator: boolean;
  selfId: string;
  people: readonly { id: string; name: string }[];
  onClose(): void;
}) {
  const { t } = useTranslation();
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const [starting, setStarting] = useState(false);
  // Refusals of the start command are shown in the dialog; the others here.
  const error = view.error && !(starting && view.error.action === 'start') ? view.error.code : null;
  return (
    <aside id={id} className="side-panel votes-panel" aria-labelledby={`${id}-title`}>
      <div className="side-panel-head">
        <h2 id={`${id}-title`}>{t('legalVote.panelTitle')}</h2>
        <button type="button" className="icon-button" onClick={onClose}>
          <CloseIcon />
          <span className="visually-hidden">{t('legalVote.close')}</span>
        </button>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {errorText(t, error)}
        </p>
      )}
      {view.open && <OpenVote key={view.open.vote.id} store={store} open={view.open} moderator={moderator} />}
      {view.last && <Result last={view.last} receipts={view.receipts} />}
      {!view.open && !view.last && <p className="poll-meta">{t('legalVote.none')}</p>}
      {moderator && !view.open && (
        <button type="button" className="button button-primary" onClick={() => setStarting(true)}>
          {t('legalVote.startButton')}
        </button>
      )}
      {moderator && view.issues.length > 0 && (
        <section className="vote-issues" aria-labelledby={`${id}-issues`}>
          <h3 id={`${id}-issues`}>{t('legalVote.issues')}</h3>
          <ul>
            {view.issues.map((issue, i) => (
              <li key={i}>
                <strong>{issue.displayName}</strong> ({formatDateTime(issue.at)}): {issue.text}
              </li>
            ))}
          </ul>
        </section>
      )}
      <ProxySection store={store} delegations={view.delegations} selfId={selfId} people={people} />
      {starting && <StartVoteDialog store={store} onClose={() => setStarting(false)} />}
    </aside>
  );
}

/** Vote opened, ballot recorded, result published, read out politely by screen readers. */
export function LegalVoteAnnouncer({ store }: { store: LegalVoteStore }) {
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
