import { MAX_TIMER_SECONDS, MAX_TIMER_TITLE_LENGTH, type Timer, type timerProtocol } from '@plenum/protocol';
import type { TFunction } from 'i18next';
import { useEffect, useId, useRef, useState, useSyncExternalStore, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorMessages, PanelProps, SlotProps, TextKey } from '../feature.ts';
import { CloseIcon } from '../meeting/icons.tsx';
import { LiveAnnouncer } from '../meeting/LiveAnnouncer.tsx';
import type { en } from './messages.ts';
import { formatDuration, timerDisplayMs, type TimerEvent, type TimerStore } from './timerStore.ts';
import './timer.css';

export function TimerIcon() {
  return (
    <svg width={20} height={20} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" focusable="false" className="icon" aria-hidden="true">
      <circle cx="12" cy="13" r="8" />
      <path d="M12 9v4l2.5 2.5M9 2h6" />
    </svg>
  );
}

/** Re-renders every half second while `active`, so the shown time follows the clock. */
function useTick(active: boolean): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!active) return;
    const id = setInterval(() => setTick((n) => n + 1), 500);
    return () => clearInterval(id);
  }, [active]);
}

function useTimer(store: TimerStore) {
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  useTick(view.timer !== null);
  return { view, shown: view.timer ? formatDuration(timerDisplayMs(view.timer, store.serverNow())) : '' };
}

function useTimerName(timer: Timer | null): string {
  const { t } = useTranslation();
  if (!timer) return '';
  if (timer.title) return timer.title;
  if (timer.style === 'coffee_break') return t('timer.coffeeBreak');
  return timer.kind === 'countdown' ? t('timer.countdown') : t('timer.stopwatch');
}

/** The "Timer" button of the controls bar. */
export function TimerControl({ store, open, panelId, onToggle }: { store: TimerStore; open: boolean; panelId: string; onToggle(): void }) {
  const { t } = useTranslation();
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  return (
    <button type="button" className={`control${open ? ' control-active' : ''}`} aria-pressed={open} aria-controls={open ? panelId : undefined} onClick={onToggle}>
      <TimerIcon />
      <span>{t('timer.open')}</span>
      {view.timer && <span className="control-dot" aria-hidden="true" />}
    </button>
  );
}

function ReadyButton({ store, ready }: { store: TimerStore; ready: boolean }) {
  const { t } = useTranslation();
  return (
    <button type="button" className={`button button-small ${ready ? 'button-primary' : 'button-secondary'}`} aria-pressed={ready} onClick={() => store.setReady(!ready)}>
      {t('timer.ready')}
    </button>
  );
}

/** The running timer in the meeting header, for everyone; with a ready check, the "I am ready" toggle. */
export function TimerBadge({ store }: { store: TimerStore }) {
  const { t } = useTranslation();
  const { view, shown } = useTimer(store);
  const name = useTimerName(view.timer);
  const [expired, setExpired] = useState<string | null>(null);
  useEffect(() => {
    let hide: ReturnType<typeof setTimeout> | undefined;
    const off = store.onEvent((event) => {
      if (event.type === 'started') setExpired(null);
      if (event.type !== 'ended' || event.reason !== 'expired') return;
      // "Time is up" stays in the header for a while, so nobody misses it.
      setExpired(event.timer.title ?? '');
      clearTimeout(hide);
      hide = setTimeout(() => setExpired(null), 15_000);
    });
    return () => {
      off();
      clearTimeout(hide);
    };
  }, [store]);
  if (!view.timer) {
    if (expired === null) return null;
    return (
      <p className="meeting-timer meeting-timer-expired">
        <TimerIcon />
        <span>{expired ? t('timer.expiredNamed', { name: expired }) : t('timer.expired')}</span>
      </p>
    );
  }
  const selfReady = view.selfId !== null && view.ready.has(view.selfId);
  return (
    <div className="meeting-timer">
      <TimerIcon />
      <span className="meeting-timer-name">{name}</span>
      <span className="meeting-timer-time" role="timer" aria-label={view.timer.kind === 'countdown' ? t('timer.remaining', { time: shown }) : t('timer.elapsed', { time: shown })}>
        {shown}
      </span>
      {view.timer.ready_check && <ReadyButton store={store} ready={selfReady} />}
    </div>
  );
}

const errorKey: ErrorMessages<typeof timerProtocol, TextKey<typeof en, 'timer'>> = {
  timer_already_running: 'timer.errorRunning',
  forbidden: 'timer.errorForbidden',
};

type Mode = 'countdown' | 'stopwatch' | 'coffee_break';

function StartForm({ store }: { store: TimerStore }) {
  const { t } = useTranslation();
  const [mode, setMode] = useState<Mode>('countdown');
  const [minutes, setMinutes] = useState('5');
  const [seconds, setSeconds] = useState('0');
  const [title, setTitle] = useState('');
  const [readyCheck, setReadyCheck] = useState(false);
  const [invalid, setInvalid] = useState(false);
  const ids = { minutes: useId(), seconds: useId(), title: useId(), ready: useId(), error: useId() };
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const needsDuration = mode !== 'stopwatch';

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const total = Number(minutes || 0) * 60 + Number(seconds || 0);
    if (needsDuration && (!Number.isInteger(total) || total < 1 || total > MAX_TIMER_SECONDS)) {
      setInvalid(true);
      return;
    }
    setInvalid(false);
    store.start({ kind: needsDuration ? 'countdown' : 'stopwatch', durationSeconds: total, title: title.trim() || undefined, coffeeBreak: mode === 'coffee_break', readyCheck });
  };

  const serverError = view.error ? errorKey[view.error] : undefined;
  return (
    <form className="form timer-form" onSubmit={submit} noValidate>
      <fieldset className="timer-modes">
        <legend>{t('timer.kind')}</legend>
        {(['countdown', 'stopwatch', 'coffee_break'] as const).map((m) => (
          <label key={m} className="checkbox-field">
            <input type="radio" name="timer-mode" value={m} checked={mode === m} onChange={() => setMode(m)} />
            <span>{m === 'countdown' ? t('timer.countdown') : m === 'stopwatch' ? t('timer.stopwatch') : t('timer.coffeeBreak')}</span>
          </label>
        ))}
      </fieldset>
      {needsDuration && (
        <fieldset className="timer-duration">
          <legend>{t('timer.duration')}</legend>
          <div className="timer-duration-fields">
            <div className="field">
              <label htmlFor={ids.minutes}>{t('timer.minutes')}</label>
              <input id={ids.minutes} type="number" inputMode="numeric" min={0} max={1440} value={minutes} onChange={(e) => setMinutes(e.target.value)} aria-describedby={invalid ? ids.error : undefined} />
            </div>
            <div className="field">
              <label htmlFor={ids.seconds}>{t('timer.seconds')}</label>
              <input id={ids.seconds} type="number" inputMode="numeric" min={0} max={59} value={seconds} onChange={(e) => setSeconds(e.target.value)} aria-describedby={invalid ? ids.error : undefined} />
            </div>
          </div>
          {invalid && (
            <p id={ids.error} className="field-error" role="alert">
              {t('timer.errorDuration')}
            </p>
          )}
        </fieldset>
      )}
      <div className="field">
        <label htmlFor={ids.title}>{t('timer.title')}</label>
        <input id={ids.title} type="text" maxLength={MAX_TIMER_TITLE_LENGTH} value={title} onChange={(e) => setTitle(e.target.value)} />
      </div>
      <div className="checkbox-field">
        <input id={ids.ready} type="checkbox" checked={readyCheck} onChange={(e) => setReadyCheck(e.target.checked)} />
        <label htmlFor={ids.ready}>{t('timer.readyCheck')}</label>
      </div>
      {serverError && (
        <p className="field-error" role="alert">
          {t(serverError)}
        </p>
      )}
      <button type="submit" className="button button-primary">
        {t('timer.start')}
      </button>
    </form>
  );
}

/** The timer side panel: moderators start and stop, and see who is ready; everyone sees the running timer. */
export function TimerPanel({ id, store, meeting, onClose }: PanelProps<TimerStore>) {
  const { t } = useTranslation();
  const { moderator, people: participants } = meeting;
  const { view, shown } = useTimer(store);
  const name = useTimerName(view.timer);
  const timer = view.timer;
  // The moderator's own readiness is not what they are waiting for.
  const others = participants.filter((p) => p.id !== view.selfId);
  return (
    <aside id={id} className="side-panel timer-panel" aria-labelledby={`${id}-title`}>
      <div className="side-panel-head">
        <h2 id={`${id}-title`}>{t('timer.panelTitle')}</h2>
        <button type="button" className="icon-button" onClick={onClose}>
          <CloseIcon />
          <span className="visually-hidden">{t('timer.close')}</span>
        </button>
      </div>
      {timer ? (
        <div className="timer-running">
          <p className="timer-running-name">{name}</p>
          <p className="timer-running-time">{shown}</p>
          {timer.ready_check && (
            <>
              {view.selfId && <ReadyButton store={store} ready={view.ready.has(view.selfId)} />}
              {moderator && (
                <section className="timer-ready" aria-labelledby={`${id}-ready`}>
                  <h3 id={`${id}-ready`}>{t('timer.readyCount', { ready: others.filter((p) => view.ready.has(p.id)).length, total: others.length })}</h3>
                  <ul className="timer-ready-list">
                    {others.map((p) => (
                      <li key={p.id}>
                        <span>{p.name}</span> <span className={view.ready.has(p.id) ? 'tag' : 'tag tag-quiet'}>{view.ready.has(p.id) ? t('timer.isReady') : t('timer.notReady')}</span>
                      </li>
                    ))}
                  </ul>
                </section>
              )}
            </>
          )}
          {moderator && (
            <button type="button" className="button button-secondary" onClick={() => store.stop()}>
              {t('timer.stop')}
            </button>
          )}
        </div>
      ) : moderator ? (
        <StartForm store={store} />
      ) : (
        <p className="timer-none">{t('timer.none')}</p>
      )}
    </aside>
  );
}

/**
 * The full-screen break view during a coffee break. When a break starts (or this participant joins during
 * one), camera and microphone go off on this device; "Back now" hides the view, and the person switches them
 * on again themselves — nothing is switched on behind anyone's back.
 */
export function BreakOverlay({ store, meeting }: SlotProps<TimerStore>) {
  const { t } = useTranslation();
  const { local, moderator } = meeting;
  const { view, shown } = useTimer(store);
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(
    () =>
      store.onEvent((event) => {
        if (event.type !== 'break_started') return;
        local.setAudioEnabled(false);
        void local.setVideoEnabled(false);
      }),
    [store, local],
  );
  const showing = view.timer?.style === 'coffee_break' && !view.breakDismissed;
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog || !showing) return;
    if (!dialog.open) dialog.showModal();
    return () => {
      if (dialog.open) dialog.close();
    };
  }, [showing]);
  if (!showing || !view.timer) return null;
  const selfReady = view.selfId !== null && view.ready.has(view.selfId);
  return (
    <dialog
      ref={ref}
      className="break-overlay"
      aria-labelledby={titleId}
      onCancel={(e) => {
        // Escape means "Back now", like the button.
        e.preventDefault();
        store.dismissBreak();
      }}
    >
      <h2 id={titleId}>{view.timer.title ?? t('timer.coffeeBreak')}</h2>
      <p className="break-time" role="timer" aria-label={t('timer.remaining', { time: shown })}>
        {shown}
      </p>
      <p>{t('timer.breakMediaOff')}</p>
      <div className="break-actions">
        {view.timer.ready_check && <ReadyButton store={store} ready={selfReady} />}
        <button type="button" className="button button-primary" onClick={() => store.dismissBreak()}>
          {t('timer.backNow')}
        </button>
        {moderator && (
          <button type="button" className="button button-secondary" onClick={() => store.stop()}>
            {t('timer.endBreak')}
          </button>
        )}
      </div>
    </dialog>
  );
}

function sayTimer(t: TFunction, event: TimerEvent): string | undefined {
  if (event.type === 'break_started') return undefined;
  const name = event.timer.title ?? (event.timer.style === 'coffee_break' ? t('timer.coffeeBreak') : event.timer.kind === 'countdown' ? t('timer.countdown') : t('timer.stopwatch'));
  return event.type === 'started'
    ? t('timer.announceStarted', { name })
    : event.reason === 'expired'
      ? t('timer.announceExpired', { name })
      : t('timer.announceStopped', { name });
}

/** Timer started and ended, read out politely by screen readers. */
export function TimerAnnouncer({ store }: { store: TimerStore }) {
  return <LiveAnnouncer store={store} say={sayTimer} />;
}
