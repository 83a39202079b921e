import { SpeakerQueueStrategy } from '@plenum/protocol';
import { useEffect, useId, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import type { SlotProps } from '../feature.ts';
import { markedName } from '../meeting/PersonName.tsx';
import { secondsLeft, type SpeakerQueueStore, type SpeakerQueueView } from './speakerQueueStore.ts';
import './speaker_queue.css';

function formatSeconds(total: number): string {
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

/**
 * The server's time, ticking once a second while a limited turn runs and read anew with every update of the
 * queue (a new turn counts from its own start at once); the end itself comes from the server.
 */
function useServerNow(store: SpeakerQueueStore, state: SpeakerQueueView['state']): number {
  const active = state?.current?.time_limit_seconds != null;
  const [now, setNow] = useState(() => store.serverNow());
  useEffect(() => {
    setNow(store.serverNow());
    if (!active) return;
    const timer = window.setInterval(() => setNow(store.serverNow()), 1000);
    return () => window.clearInterval(timer);
  }, [active, store, state]);
  return now;
}

/**
 * The floor: who speaks (with the time left), who waits, and the moderator's controls. Lives in the
 * participants panel next to the raised hands.
 */
export function SpeakerQueue({ store, meeting }: SlotProps<SpeakerQueueStore>) {
  const { t } = useTranslation();
  const { moderator, people: participants } = meeting;
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const titleId = useId();
  const strategyId = useId();
  const limitId = useId();
  const autoId = useId();
  const nominateId = useId();
  const state = view.state;
  const now = useServerNow(store, state);
  const [limitInput, setLimitInput] = useState('');
  if (!state) return null;

  const nameOf = (id: string) => {
    const person = participants.find((p) => p.id === id);
    if (!person) return t('speakerQueue.unknown');
    return id === view.selfId ? t('speakerQueue.you', { name: person.name }) : markedName(t, person.name, person.kind);
  };
  const left = secondsLeft(state, now);
  const speaking = state.current?.participant_id === view.selfId;
  const notListed = participants.filter((p) => !state.list.includes(p.id) && p.id !== state.current?.participant_id);

  return (
    <section className="speaker-queue" aria-labelledby={titleId}>
      <h3 id={titleId}>{t('speakerQueue.title')}</h3>
      <p className="speaker-queue-current" role="status">
        {state.current ? t('speakerQueue.speaking', { name: nameOf(state.current.participant_id) }) : t('speakerQueue.nobody')}
        {left !== null && (
          <>
            {' '}
            <span className={`speaker-queue-countdown${left <= 10 ? ' urgent' : ''}`} aria-label={t('speakerQueue.timeLeft', { time: formatSeconds(left) })}>
              {formatSeconds(left)}
            </span>
          </>
        )}
      </p>
      {speaking && (
        <div className="actions">
          <button type="button" className="button button-secondary button-small" onClick={() => store.yieldFloor()}>
            {t('speakerQueue.yield')}
          </button>
        </div>
      )}
      {(speaking || moderator) && state.strategy === 'nomination' && (
        <p className="speaker-queue-field">
          <label htmlFor={nominateId}>{t('speakerQueue.nominate')}</label>
          <select id={nominateId} value={state.nominated ?? ''} onChange={(e) => e.target.value && store.nominate(e.target.value)}>
            <option value="">{t('speakerQueue.nominateNone')}</option>
            {participants
              .filter((p) => p.id !== state.current?.participant_id)
              .map((p) => (
                <option key={p.id} value={p.id}>
                  {nameOf(p.id)}
                </option>
              ))}
          </select>
        </p>
      )}
      {state.strategy === 'nomination' && state.nominated && <p className="muted">{t('speakerQueue.nominated', { name: nameOf(state.nominated) })}</p>}

      {state.list.length === 0 ? (
        <p className="muted">{t('speakerQueue.empty')}</p>
      ) : (
        <ol className="speaker-queue-list" aria-label={t('speakerQueue.waiting')}>
          {state.list.map((id, index) => {
            const name = nameOf(id);
            return (
              <li key={id}>
                <span className="speaker-queue-name">{name}</span>
                {moderator && (
                  <span className="speaker-queue-row-actions">
                    <button type="button" className="button button-secondary button-small" aria-label={t('speakerQueue.giveFloorTo', { name })} onClick={() => store.setSpeaker(id)}>
                      {t('speakerQueue.giveFloor')}
                    </button>
                    {state.strategy === 'playlist' && (
                      <>
                        <button type="button" className="button button-secondary button-small" disabled={index === 0} aria-label={t('speakerQueue.moveUp', { name })} onClick={() => store.move(id, -1)}>
                          ↑
                        </button>
                        <button
                          type="button"
                          className="button button-secondary button-small"
                          disabled={index === state.list.length - 1}
                          aria-label={t('speakerQueue.moveDown', { name })}
                          onClick={() => store.move(id, 1)}
                        >
                          ↓
                        </button>
                      </>
                    )}
                  </span>
                )}
                {(moderator || id === view.selfId) && (
                  <button type="button" className="button button-secondary button-small" aria-label={t('speakerQueue.removeFrom', { name })} onClick={() => store.remove(id)}>
                    {t('speakerQueue.remove')}
                  </button>
                )}
              </li>
            );
          })}
        </ol>
      )}

      {moderator && (
        <div className="speaker-queue-moderation">
          <div className="actions">
            <button type="button" className="button button-primary button-small" onClick={() => store.next()} disabled={state.strategy === 'none' && !state.current}>
              {t('speakerQueue.next')}
            </button>
            {state.current && (
              <button type="button" className="button button-secondary button-small" onClick={() => store.setSpeaker(null)}>
                {t('speakerQueue.endTurn')}
              </button>
            )}
          </div>
          {notListed.length > 0 && (
            <p className="speaker-queue-field">
              <label htmlFor={`${strategyId}-add`}>{t('speakerQueue.add')}</label>
              <select id={`${strategyId}-add`} value="" onChange={(e) => e.target.value && store.add(e.target.value)}>
                <option value="">{t('speakerQueue.addChoose')}</option>
                {notListed.map((p) => (
                  <option key={p.id} value={p.id}>
                    {nameOf(p.id)}
                  </option>
                ))}
              </select>
            </p>
          )}
          <p className="speaker-queue-field">
            <label htmlFor={strategyId}>{t('speakerQueue.strategy')}</label>
            <select id={strategyId} value={state.strategy} onChange={(e) => store.configure({ strategy: SpeakerQueueStrategy.parse(e.target.value) })}>
              {SpeakerQueueStrategy.options.map((s) => (
                <option key={s} value={s}>
                  {t(`speakerQueue.strategies.${s}`)}
                </option>
              ))}
            </select>
          </p>
          <form
            className="speaker-queue-field"
            onSubmit={(e) => {
              e.preventDefault();
              const minutes = Number(limitInput.replace(',', '.'));
              store.configure({ time_limit_seconds: limitInput.trim() === '' || minutes === 0 ? null : Math.round(minutes * 60) });
            }}
          >
            <label htmlFor={limitId}>{t('speakerQueue.timeLimit')}</label>
            <input
              id={limitId}
              type="number"
              min="0"
              max="240"
              step="0.5"
              inputMode="decimal"
              placeholder={state.time_limit_seconds === null ? t('speakerQueue.noLimit') : String(state.time_limit_seconds / 60)}
              value={limitInput}
              onChange={(e) => setLimitInput(e.target.value)}
            />
            <button type="submit" className="button button-secondary button-small">
              {t('speakerQueue.setLimit')}
            </button>
          </form>
          <p className="muted">
            {state.time_limit_seconds === null
              ? t('speakerQueue.noLimit')
              : t('speakerQueue.limitIs', { time: formatSeconds(state.time_limit_seconds) })}
          </p>
          <p className="speaker-queue-field checkbox">
            <input id={autoId} type="checkbox" checked={state.auto_append_hands} onChange={(e) => store.configure({ auto_append_hands: e.target.checked })} />
            <label htmlFor={autoId}>{t('speakerQueue.autoAppend')}</label>
          </p>
        </div>
      )}
    </section>
  );
}

/** In the meeting's header, for everyone: who speaks and the time left, without opening a panel. */
export function SpeakerBadge({ store, meeting }: SlotProps<SpeakerQueueStore>) {
  const { t } = useTranslation();
  const participants = meeting.people;
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const current = view.state?.current ?? null;
  const now = useServerNow(store, view.state);
  const notices = meeting.notices;
  // The badge is there for everyone all meeting long: it tells this person when a moderator gives them the floor.
  useEffect(
    () =>
      store.onEvent((event) => {
        if (event.type === 'floor_given') notices.post('speakerQueue.noticeFloor');
      }),
    [store, notices],
  );
  if (!current) return null;
  const person = participants.find((p) => p.id === current.participant_id);
  const name = person ? markedName(t, person.name, person.kind) : t('speakerQueue.unknown');
  const left = secondsLeft(view.state, now);
  return (
    <p className="speaker-badge">
      {t('speakerQueue.speaking', { name })}
      {left !== null && (
        <>
          {' '}
          <span className={`speaker-queue-countdown${left <= 10 ? ' urgent' : ''}`} aria-label={t('speakerQueue.timeLeft', { time: formatSeconds(left) })}>
            {formatSeconds(left)}
          </span>
        </>
      )}
    </p>
  );
}
