import {
  MAX_POLL_OPTION_LENGTH,
  MAX_POLL_OPTIONS,
  MAX_POLL_QUESTION_LENGTH,
  MAX_POLL_SECONDS,
  MIN_POLL_OPTIONS,
  type Poll,
  type PollResults,
  type pollsProtocol,
} from '@plenum/protocol';
import type { TFunction } from 'i18next';
import { useId, useState, useSyncExternalStore, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorMessages, PanelProps, TextKey } from '../feature.ts';
import { useTimeLeft } from '../legal_vote/useTimeLeft.ts';
import { CloseIcon } from '../meeting/icons.tsx';
import { LiveAnnouncer } from '../meeting/LiveAnnouncer.tsx';
import type { en } from './messages.ts';
import type { PollsEvent, PollsStore } from './pollsStore.ts';
import './polls.css';

export function PollIcon() {
  return (
    <svg width={20} height={20} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" focusable="false" className="icon" aria-hidden="true">
      <path d="M4 20h16M7 16V10M12 16V4M17 16v-8" />
    </svg>
  );
}

/** The "Polls" button of the controls bar; marked while a poll waits for this participant's vote. */
export function PollsControl({ store, open, panelId, onToggle }: { store: PollsStore; open: boolean; panelId: string; onToggle(): void }) {
  const { t } = useTranslation();
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const waiting = view.open !== null && !view.open.voted;
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
        <PollIcon />
        <span>{t('polls.open')}</span>
        {waiting && (
          <span className="control-count control-unread" aria-hidden="true">
            1
          </span>
        )}
      </button>
      {waiting && (
        <span id={hintId} className="visually-hidden">
          {t('polls.waitingForVote')}
        </span>
      )}
    </>
  );
}

/** Votes per option as bars (native <meter>, no inline styles) with the numbers written out. */
function ResultBars({ poll, results, voters }: { poll: Poll; results: PollResults; voters: number }) {
  const { t } = useTranslation();
  const baseId = useId();
  return (
    <ul className="poll-results">
      {poll.options.map((option) => {
        const votes = results.find((r) => r.option_id === option.id)?.votes ?? 0;
        const percent = voters > 0 ? Math.round((votes / voters) * 100) : 0;
        const labelId = `${baseId}-${option.id}`;
        return (
          <li key={option.id} className="poll-result">
            <span id={labelId} className="poll-result-option">
              {option.text}
            </span>
            <meter min={0} max={Math.max(voters, 1)} value={votes} aria-labelledby={labelId} />
            <span className="poll-result-count">{t('polls.votesPercent', { count: votes, percent })}</span>
          </li>
        );
      })}
    </ul>
  );
}

const errorKey: ErrorMessages<typeof pollsProtocol, TextKey<typeof en, 'polls'>> = {
  already_voted: 'polls.errorVoted',
  poll_not_open: 'polls.errorClosed',
  poll_already_open: 'polls.errorOpen',
  invalid_choice: 'polls.errorChoice',
  forbidden: 'polls.errorForbidden',
};

function VoteForm({ store, poll }: { store: PollsStore; poll: Poll }) {
  const { t } = useTranslation();
  const [chosen, setChosen] = useState<ReadonlySet<number>>(new Set());
  const name = useId();
  const multiple = poll.choice === 'multiple';
  const toggle = (id: number, on: boolean) => {
    if (!multiple) return setChosen(new Set([id]));
    const next = new Set(chosen);
    if (on) next.add(id);
    else next.delete(id);
    setChosen(next);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (chosen.size === 0 || chosen.size > poll.max_choices) return;
    store.vote(poll.id, [...chosen].sort((a, b) => a - b));
  };
  return (
    <form className="form poll-vote" onSubmit={submit}>
      <fieldset>
        <legend className="poll-question">{poll.question}</legend>
        {multiple && <p className="field-hint">{t('polls.chooseUpTo', { count: poll.max_choices })}</p>}
        {poll.options.map((option) => (
          <label key={option.id} className="checkbox-field poll-option">
            <input
              type={multiple ? 'checkbox' : 'radio'}
              name={name}
              checked={chosen.has(option.id)}
              disabled={multiple && !chosen.has(option.id) && chosen.size >= poll.max_choices}
              onChange={(e) => toggle(option.id, e.target.checked)}
            />
            <span>{option.text}</span>
          </label>
        ))}
      </fieldset>
      <button type="submit" className="button button-primary" disabled={chosen.size === 0}>
        {t('polls.vote')}
      </button>
    </form>
  );
}

function CreateForm({ store }: { store: PollsStore }) {
  const { t } = useTranslation();
  const [question, setQuestion] = useState('');
  const [options, setOptions] = useState<string[]>(['', '']);
  const [multiple, setMultiple] = useState(false);
  const [maxChoices, setMaxChoices] = useState('');
  const [live, setLive] = useState(true);
  const [minutes, setMinutes] = useState('');
  const [problem, setProblem] = useState<'polls.errorQuestion' | 'polls.errorOptions' | 'polls.errorMax' | 'polls.errorDuration' | null>(null);
  const ids = { question: useId(), multiple: useId(), max: useId(), live: useId(), minutes: useId(), error: useId(), options: useId() };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const texts = options.map((o) => o.trim()).filter(Boolean);
    const max = maxChoices.trim() === '' ? undefined : Number(maxChoices);
    const duration = minutes.trim() === '' ? undefined : Math.round(Number(minutes) * 60);
    if (!question.trim()) return setProblem('polls.errorQuestion');
    if (texts.length < MIN_POLL_OPTIONS) return setProblem('polls.errorOptions');
    if (multiple && max !== undefined && (!Number.isInteger(max) || max < 1 || max > texts.length)) return setProblem('polls.errorMax');
    if (duration !== undefined && (!Number.isFinite(duration) || duration < 1 || duration > MAX_POLL_SECONDS)) return setProblem('polls.errorDuration');
    setProblem(null);
    store.create({ question: question.trim(), options: texts, multiple, ...(max !== undefined ? { maxChoices: max } : {}), live, ...(duration !== undefined ? { durationSeconds: duration } : {}) });
  };

  return (
    <form className="form polls-form" onSubmit={submit} noValidate>
      <h3>{t('polls.newPoll')}</h3>
      <div className="field">
        <label htmlFor={ids.question}>{t('polls.question')}</label>
        <input id={ids.question} type="text" maxLength={MAX_POLL_QUESTION_LENGTH} value={question} onChange={(e) => setQuestion(e.target.value)} />
      </div>
      <fieldset>
        <legend>{t('polls.options')}</legend>
        <ol className="poll-option-inputs">
          {options.map((text, i) => (
            <li key={i} className="poll-option-input">
              <label className="visually-hidden" htmlFor={`${ids.options}-${i}`}>
                {t('polls.optionN', { n: i + 1 })}
              </label>
              <input id={`${ids.options}-${i}`} type="text" maxLength={MAX_POLL_OPTION_LENGTH} value={text} onChange={(e) => setOptions(options.map((o, j) => (j === i ? e.target.value : o)))} />
              {options.length > MIN_POLL_OPTIONS && (
                <button type="button" className="button button-secondary button-small" aria-label={t('polls.removeOptionN', { n: i + 1 })} onClick={() => setOptions(options.filter((_, j) => j !== i))}>
                  {t('polls.remove')}
                </button>
              )}
            </li>
          ))}
        </ol>
        {options.length < MAX_POLL_OPTIONS && (
          <button type="button" className="button button-secondary button-small" onClick={() => setOptions([...options, ''])}>
            {t('polls.addOption')}
          </button>
        )}
      </fieldset>
      <div className="checkbox-field">
        <input id={ids.multiple} type="checkbox" checked={multiple} onChange={(e) => setMultiple(e.target.checked)} />
        <label htmlFor={ids.multiple}>{t('polls.multiple')}</label>
      </div>
      {multiple && (
        <div className="field">
          <label htmlFor={ids.max}>{t('polls.maxChoices')}</label>
          <input id={ids.max} type="number" inputMode="numeric" min={1} max={options.length} value={maxChoices} onChange={(e) => setMaxChoices(e.target.value)} />
        </div>
      )}
      <div className="checkbox-field">
        <input id={ids.live} type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} />
        <label htmlFor={ids.live}>{t('polls.live')}</label>
      </div>
      <div className="field">
        <label htmlFor={ids.minutes}>{t('polls.durationMinutes')}</label>
        <input id={ids.minutes} type="number" inputMode="decimal" min={0} step="any" value={minutes} onChange={(e) => setMinutes(e.target.value)} />
      </div>
      {problem && (
        <p id={ids.error} className="field-error" role="alert">
          {t(problem)}
        </p>
      )}
      <button type="submit" className="button button-primary">
        {t('polls.start')}
      </button>
    </form>
  );
}

/** The polls side panel: the open poll (vote, live results), the last result, and for moderators create and close. */
export function PollsPanel({ id, store, meeting, onClose }: PanelProps<PollsStore>) {
  const { t } = useTranslation();
  const { moderator } = meeting;
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const open = view.open;
  const left = useTimeLeft(open?.poll.ends_at);
  const serverError = view.error ? errorKey[view.error] : undefined;
  return (
    <aside id={id} className="side-panel polls-panel" aria-labelledby={`${id}-title`}>
      <div className="side-panel-head">
        <h2 id={`${id}-title`}>{t('polls.panelTitle')}</h2>
        <button type="button" className="icon-button" onClick={onClose}>
          <CloseIcon />
          <span className="visually-hidden">{t('polls.close')}</span>
        </button>
      </div>
      {serverError && (
        <p className="field-error" role="alert">
          {t(serverError)}
        </p>
      )}
      {open && (
        <section className="poll-open" aria-labelledby={`${id}-open`}>
          <h3 id={`${id}-open`}>{t('polls.openPoll')}</h3>
          {open.voted ? (
            <>
              <p className="poll-question">{open.poll.question}</p>
              <p className="poll-counted" role="status">
                {t('polls.counted')}
              </p>
            </>
          ) : (
            <VoteForm key={open.poll.id} store={store} poll={open.poll} />
          )}
          <p className="poll-meta">
            {t('polls.votesSoFar', { count: open.voters })}
            {left !== null && <> · {t('polls.timeLeft', { time: left })}</>}
          </p>
          {open.results ? <ResultBars poll={open.poll} results={open.results} voters={open.voters} /> : <p className="poll-meta">{t('polls.hiddenResults')}</p>}
          {moderator && (
            <button type="button" className="button button-secondary" onClick={() => store.close(open.poll.id)}>
              {t('polls.closePoll')}
            </button>
          )}
        </section>
      )}
      {view.last && (
        <section className="poll-last" aria-labelledby={`${id}-last`}>
          <h3 id={`${id}-last`}>{t('polls.result')}</h3>
          <p className="poll-question">{view.last.poll.question}</p>
          <p className="poll-meta">{t(view.last.reason === 'expired' ? 'polls.endedExpired' : 'polls.endedClosed', { count: view.last.voters })}</p>
          <ResultBars poll={view.last.poll} results={view.last.results} voters={view.last.voters} />
        </section>
      )}
      {!open && !view.last && !moderator && <p className="poll-meta">{t('polls.none')}</p>}
      {!open && moderator && <CreateForm store={store} />}
    </aside>
  );
}

function sayPolls(t: TFunction, event: PollsEvent): string {
  if (event.type === 'opened') return t('polls.announceOpened', { question: event.poll.question });
  if (event.type === 'done') return t('polls.announceDone', { question: event.finished.poll.question });
  return t('polls.counted');
}

/** Poll opened and poll ended (with the leading answer), read out politely by screen readers. */
export function PollsAnnouncer({ store }: { store: PollsStore }) {
  return <LiveAnnouncer store={store} say={sayPolls} />;
}
