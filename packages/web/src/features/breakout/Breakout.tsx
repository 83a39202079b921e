import {
  type ParticipantKind,
  DEFAULT_BREAKOUT_WARNING_SECONDS,
  MAX_BREAKOUT_MESSAGE_LENGTH,
  MAX_BREAKOUT_ROOM_NAME_LENGTH,
  MAX_BREAKOUT_ROOMS,
  MAX_BREAKOUT_SECONDS,
  type BreakoutDistribution,
  type BreakoutSession,
  type breakoutProtocol,
} from '@plenum/protocol';
import { useEffect, useId, useState, useSyncExternalStore, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorMessages, PanelProps, SlotProps, TextKey } from '../feature.ts';
import { CloseIcon } from '../meeting/icons.tsx';
import { PersonName } from '../meeting/PersonName.tsx';
import { formatDuration } from '../timer/timerStore.ts';
import { roomOf, type BreakoutStore } from './breakoutStore.ts';
import type { en } from './messages.ts';
import './breakout.css';

export interface BreakoutPerson {
  id: string;
  name: string;
  role: string;
  kind?: ParticipantKind;
  self: boolean;
}

export function BreakoutIcon() {
  return (
    <svg width={20} height={20} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" focusable="false" className="icon" aria-hidden="true">
      <rect x="3" y="3" width="7" height="7" rx="1" />
      <rect x="14" y="3" width="7" height="7" rx="1" />
      <rect x="3" y="14" width="7" height="7" rx="1" />
      <rect x="14" y="14" width="7" height="7" rx="1" />
    </svg>
  );
}

/** Re-renders every half second while `active`, so a countdown follows the clock. */
function useTick(active: boolean): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!active) return;
    const id = setInterval(() => setTick((n) => n + 1), 500);
    return () => clearInterval(id);
  }, [active]);
}

function useBreakout(store: BreakoutStore) {
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  useTick(view.session?.ends_at !== undefined);
  const endsAt = view.session?.ends_at;
  const left = endsAt ? formatDuration(Math.ceil((Date.parse(endsAt) - store.serverNow()) / 1000) * 1000) : null;
  return { view, left };
}

function roomName(session: BreakoutSession, roomId: string | null, mainRoom: string): string {
  return session.rooms.find((r) => r.id === roomId)?.name ?? mainRoom;
}

const errorKey: ErrorMessages<typeof breakoutProtocol, TextKey<typeof en, 'breakout'>> = {
  breakout_already_running: 'breakout.errorRunning',
  breakout_not_running: 'breakout.errorNotRunning',
  forbidden: 'breakout.errorForbidden',
  participant_not_found: 'breakout.errorParticipant',
  breakout_room_not_found: 'breakout.errorRoom',
  invalid_command: 'breakout.errorInvalid',
};

function ServerError({ store }: { store: BreakoutStore }) {
  const { t } = useTranslation();
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const key = view.error ? errorKey[view.error] : undefined;
  if (!key) return null;
  return (
    <p className="field-error" role="alert">
      {t(key)}
    </p>
  );
}

/** The "Breakout rooms" button of the controls bar (moderators). */
export function BreakoutControl({ store, open, panelId, onToggle }: { store: BreakoutStore; open: boolean; panelId: string; onToggle(): void }) {
  const { t } = useTranslation();
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  return (
    <button type="button" className={`control${open ? ' control-active' : ''}`} aria-pressed={open} aria-controls={open ? panelId : undefined} onClick={onToggle}>
      <BreakoutIcon />
      <span>{t('breakout.open')}</span>
      {view.session && <span className="control-dot" aria-hidden="true" />}
    </button>
  );
}

const distributions: BreakoutDistribution[] = ['even', 'random', 'round_robin', 'manual'];
const distributionKey = {
  even: 'breakout.distributionEven',
  random: 'breakout.distributionRandom',
  round_robin: 'breakout.distributionRoundRobin',
  manual: 'breakout.distributionManual',
} as const;

function StartForm({ store, people }: { store: BreakoutStore; people: readonly BreakoutPerson[] }) {
  const { t } = useTranslation();
  const defaultName = (i: number) => t('breakout.defaultName', { n: i + 1 });
  const [count, setCount] = useState('2');
  const [names, setNames] = useState<string[]>(() => [defaultName(0), defaultName(1)]);
  const [distribution, setDistribution] = useState<BreakoutDistribution>('even');
  const [assigned, setAssigned] = useState<ReadonlyMap<string, number>>(new Map());
  const [timed, setTimed] = useState(false);
  const [minutes, setMinutes] = useState('10');
  const [seconds, setSeconds] = useState('0');
  const [warning, setWarning] = useState(String(DEFAULT_BREAKOUT_WARNING_SECONDS));
  const [invalid, setInvalid] = useState<'count' | 'duration' | null>(null);
  const ids = { count: useId(), minutes: useId(), seconds: useId(), warning: useId(), timed: useId(), error: useId(), names: useId(), assign: useId() };

  const rooms = Math.min(Math.max(Number.parseInt(count, 10) || 0, 0), MAX_BREAKOUT_ROOMS);
  const changeCount = (value: string) => {
    setCount(value);
    const n = Math.min(Math.max(Number.parseInt(value, 10) || 0, 0), MAX_BREAKOUT_ROOMS);
    setNames((old) => Array.from({ length: n }, (_, i) => old[i] ?? defaultName(i)));
    setAssigned((old) => new Map([...old].filter(([, room]) => room < n)));
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (rooms < 1 || names.slice(0, rooms).some((n) => !n.trim())) {
      setInvalid('count');
      return;
    }
    let durationSeconds: number | undefined;
    let warningSeconds: number | undefined;
    if (timed) {
      durationSeconds = Number(minutes || 0) * 60 + Number(seconds || 0);
      warningSeconds = Number(warning || 0);
      if (!Number.isInteger(durationSeconds) || durationSeconds < 2 || durationSeconds > MAX_BREAKOUT_SECONDS || !Number.isInteger(warningSeconds) || warningSeconds < 1 || warningSeconds >= durationSeconds) {
        setInvalid('duration');
        return;
      }
    }
    setInvalid(null);
    store.start({ names: names.slice(0, rooms).map((n) => n.trim()), distribution, assignments: assigned, durationSeconds, warningSeconds });
  };

  return (
    <form className="form breakout-form" onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor={ids.count}>{t('breakout.count')}</label>
        <input id={ids.count} type="number" inputMode="numeric" min={1} max={MAX_BREAKOUT_ROOMS} value={count} onChange={(e) => changeCount(e.target.value)} aria-describedby={invalid === 'count' ? ids.error : undefined} />
      </div>
      <fieldset className="breakout-names">
        <legend>{t('breakout.names')}</legend>
        {names.slice(0, rooms).map((name, i) => (
          <div className="field" key={i}>
            <label htmlFor={`${ids.names}-${i}`}>{t('breakout.nameOf', { n: i + 1 })}</label>
            <input
              id={`${ids.names}-${i}`}
              type="text"
              maxLength={MAX_BREAKOUT_ROOM_NAME_LENGTH}
              value={name}
              onChange={(e) => setNames((old) => old.map((n, k) => (k === i ? e.target.value : n)))}
            />
          </div>
        ))}
      </fieldset>
      {invalid === 'count' && (
        <p id={ids.error} className="field-error" role="alert">
          {t('breakout.errorCount', { max: MAX_BREAKOUT_ROOMS })}
        </p>
      )}
      <fieldset className="breakout-modes">
        <legend>{t('breakout.distribution')}</legend>
        {distributions.map((d) => (
          <label key={d} className="checkbox-field">
            <input type="radio" name="breakout-distribution" value={d} checked={distribution === d} onChange={() => setDistribution(d)} />
            <span>{t(distributionKey[d])}</span>
          </label>
        ))}
      </fieldset>
      <fieldset className="breakout-assign" aria-describedby={`${ids.assign}-hint`}>
        <legend>{t('breakout.assign')}</legend>
        <p id={`${ids.assign}-hint`} className="field-hint">
          {distribution === 'manual' ? t('breakout.assignHintManual') : t('breakout.assignHintAuto')}
        </p>
        {people.map((p) => (
          <div className="field breakout-assign-row" key={p.id}>
            <label htmlFor={`${ids.assign}-${p.id}`}>{p.self ? t('breakout.you', { name: p.name }) : <PersonName name={p.name} kind={p.kind} />}</label>
            <select
              id={`${ids.assign}-${p.id}`}
              value={assigned.get(p.id) ?? ''}
              onChange={(e) =>
                setAssigned((old) => {
                  const next = new Map(old);
                  if (e.target.value === '') next.delete(p.id);
                  else next.set(p.id, Number(e.target.value));
                  return next;
                })
              }
            >
              <option value="">{distribution === 'manual' || p.role === 'moderator' ? t('breakout.mainRoom') : t('breakout.automatic')}</option>
              {names.slice(0, rooms).map((name, i) => (
                <option key={i} value={i}>
                  {name.trim() || defaultName(i)}
                </option>
              ))}
            </select>
          </div>
        ))}
      </fieldset>
      <div className="checkbox-field">
        <input id={ids.timed} type="checkbox" checked={timed} onChange={(e) => setTimed(e.target.checked)} />
        <label htmlFor={ids.timed}>{t('breakout.timed')}</label>
      </div>
      {timed && (
        <fieldset className="breakout-duration">
          <legend>{t('breakout.duration')}</legend>
          <div className="breakout-duration-fields">
            <div className="field">
              <label htmlFor={ids.minutes}>{t('breakout.minutes')}</label>
              <input id={ids.minutes} type="number" inputMode="numeric" min={0} max={1440} value={minutes} onChange={(e) => setMinutes(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor={ids.seconds}>{t('breakout.seconds')}</label>
              <input id={ids.seconds} type="number" inputMode="numeric" min={0} max={59} value={seconds} onChange={(e) => setSeconds(e.target.value)} />
            </div>
          </div>
          <div className="field">
            <label htmlFor={ids.warning}>{t('breakout.warningSeconds')}</label>
            <input id={ids.warning} type="number" inputMode="numeric" min={1} value={warning} onChange={(e) => setWarning(e.target.value)} />
          </div>
          {invalid === 'duration' && (
            <p className="field-error" role="alert">
              {t('breakout.errorDuration')}
            </p>
          )}
        </fieldset>
      )}
      <ServerError store={store} />
      <button type="submit" className="button button-primary">
        {t('breakout.start')}
      </button>
    </form>
  );
}

function RunningView({ store, people }: { store: BreakoutStore; people: readonly BreakoutPerson[] }) {
  const { t } = useTranslation();
  const { view, left } = useBreakout(store);
  const [text, setText] = useState('');
  const textId = useId();
  const session = view.session;
  if (!session) return null;
  const mainRoom = t('breakout.mainRoom');
  const selfRoom = roomOf(session, view.selfId);
  const groups: { id: string | null; name: string }[] = [{ id: null, name: mainRoom }, ...session.rooms];
  const send = (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim()) return;
    if (store.broadcastMessage(text.trim())) setText('');
  };
  return (
    <div className="breakout-running">
      {left !== null && (
        <p className="breakout-time">
          {t('breakout.timeLeft')}{' '}
          <span role="timer" aria-label={t('breakout.remaining', { time: left })}>
            {left}
          </span>
        </p>
      )}
      {groups.map((group) => {
        const members = people.filter((p) => (session.assignments[p.id] ?? null) === group.id);
        const headingId = `${textId}-room-${group.id ?? 'main'}`;
        return (
          <section key={group.id ?? 'main'} className="breakout-room" aria-labelledby={headingId}>
            <div className="breakout-room-head">
              <h3 id={headingId}>{group.name}</h3>
              {view.selfId && selfRoom !== group.id && (
                <button type="button" className="button button-secondary button-small" onClick={() => store.move(view.selfId!, group.id)}>
                  {group.id === null ? t('breakout.backToMain') : t('breakout.visit', { name: group.name })}
                </button>
              )}
            </div>
            {members.length === 0 ? (
              <p className="breakout-empty">{t('breakout.empty')}</p>
            ) : (
              <ul className="breakout-members">
                {members.map((p) => (
                  <li key={p.id}>
                    <label htmlFor={`${textId}-${p.id}`}>{p.self ? t('breakout.you', { name: p.name }) : <PersonName name={p.name} kind={p.kind} />}</label>
                    <select id={`${textId}-${p.id}`} value={group.id ?? ''} onChange={(e) => store.move(p.id, e.target.value === '' ? null : e.target.value)}>
                      {groups.map((g) => (
                        <option key={g.id ?? 'main'} value={g.id ?? ''}>
                          {g.name}
                        </option>
                      ))}
                    </select>
                  </li>
                ))}
              </ul>
            )}
          </section>
        );
      })}
      <form className="form breakout-broadcast" onSubmit={send}>
        <div className="field">
          <label htmlFor={textId}>{t('breakout.broadcast')}</label>
          <textarea id={textId} rows={2} maxLength={MAX_BREAKOUT_MESSAGE_LENGTH} value={text} onChange={(e) => setText(e.target.value)} />
        </div>
        <button type="submit" className="button button-secondary">
          {t('breakout.send')}
        </button>
      </form>
      <ServerError store={store} />
      <button type="button" className="button button-primary" onClick={() => store.stop()}>
        {t('breakout.end')}
      </button>
    </div>
  );
}

/** The moderator's breakout panel: set up and open the rooms; while they run, move people, visit, message all rooms, end. */
export function BreakoutPanel({ id, store, meeting, onClose }: PanelProps<BreakoutStore>) {
  const { t } = useTranslation();
  const people = meeting.people;
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  return (
    <aside id={id} className="side-panel breakout-panel" aria-labelledby={`${id}-title`}>
      <div className="side-panel-head">
        <h2 id={`${id}-title`}>{t('breakout.panelTitle')}</h2>
        <button type="button" className="icon-button" onClick={onClose}>
          <CloseIcon />
          <span className="visually-hidden">{t('breakout.close')}</span>
        </button>
      </div>
      {view.session ? <RunningView store={store} people={people} /> : <StartForm store={store} people={people} />}
    </aside>
  );
}

/**
 * What everyone sees while breakout rooms run: which room they are in and the time left; the warning before
 * the end; a moderator's message to all rooms; and, for a while after the end, that they are back.
 */
export function BreakoutBanner({ store, meeting }: SlotProps<BreakoutStore>) {
  const { t } = useTranslation();
  const { view, left } = useBreakout(store);
  const [message, setMessage] = useState<{ from: string; text: string } | null>(null);
  const [back, setBack] = useState(false);
  useEffect(() => {
    let hide: ReturnType<typeof setTimeout> | undefined;
    const off = store.onEvent((event) => {
      if (event.type === 'broadcast') setMessage({ from: event.message.from, text: event.message.text });
      if (event.type === 'moved') {
        const room = event.session.rooms.find((r) => r.id === event.roomId);
        if (room) meeting.notices.post('breakout.noticeMoved', { name: room.name });
        else meeting.notices.post('breakout.noticeMovedMain');
      }
      if (event.type === 'started') {
        setBack(false);
        setMessage(null);
      }
      if (event.type === 'ended') {
        setMessage(null);
        setBack(true);
        clearTimeout(hide);
        hide = setTimeout(() => setBack(false), 30_000);
      }
    });
    return () => {
      off();
      clearTimeout(hide);
    };
  }, [store, meeting.notices]);
  const session = view.session;
  const current = session ? roomName(session, roomOf(session, view.selfId), t('breakout.mainRoom')) : '';
  return (
    <>
      <div aria-live="polite" className="breakout-live">
        {session && (
          <div className="breakout-banner">
            <BreakoutIcon />
            <span className="breakout-banner-room">{t('breakout.youAreIn', { name: current })}</span>
            {left !== null && (
              <span className="breakout-banner-time" role="timer" aria-label={t('breakout.remaining', { time: left })}>
                {left}
              </span>
            )}
          </div>
        )}
        {back && !session && (
          <div className="banner banner-info breakout-back">
            <span>{t('breakout.backInMain')}</span>
            <button type="button" className="button button-small button-secondary" onClick={() => setBack(false)}>
              {t('breakout.dismiss')}
            </button>
          </div>
        )}
      </div>
      {session && view.warned && (
        <div className="banner banner-warn" role="alert">
          {t('breakout.warning')}
        </div>
      )}
      {session && message && (
        <div className="banner banner-info breakout-message" role="status">
          <span>
            {t('breakout.messageFrom', { name: message.from })} {message.text}
          </span>
          <button type="button" className="button button-small button-secondary" onClick={() => setMessage(null)}>
            {t('breakout.dismiss')}
          </button>
        </div>
      )}
    </>
  );
}
