import { MAX_CANDIDATES, MAX_CANDIDATE_LENGTH, MAX_VOTE_SECONDS, MAX_VOTE_TITLE_LENGTH, type LegalVoteKind } from '@plenum/protocol';
import { useEffect, useId, useRef, useState, useSyncExternalStore, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { LegalVoteStore } from './legalVoteStore.ts';
import { KINDS, errorText, kindKey } from './voteText.ts';

type FormProblem = 'legalVote.problemTitle' | 'legalVote.problemCandidates' | 'legalVote.problemMax' | 'legalVote.problemDuration';

/** The chair's "Start vote" dialog (native modal <dialog>: focus stays inside, Escape closes it). */
export function StartVoteDialog({ store, onClose }: { store: LegalVoteStore; onClose(): void }) {
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
