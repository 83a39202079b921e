import { useEffect, useId, useRef, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { currentLanguage } from '../../i18n/index.ts';
import type { SlotProps } from '../feature.ts';
import { HandIcon } from './HandIcon.tsx';
import { markedName } from '../meeting/PersonName.tsx';
import type { HandsStore } from './handsStore.ts';
import './hands.css';

/** The "Raise hand" toggle of the controls bar. */
export function RaiseHandControl({ store }: { store: HandsStore }) {
  const { t } = useTranslation();
  const hands = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const hintId = useId();
  const off = !hands.enabled && !hands.raised;
  return (
    <button
      type="button"
      className={`control${hands.raised ? ' control-active' : ''}`}
      aria-pressed={hands.raised}
      disabled={off}
      aria-describedby={off ? hintId : undefined}
      onClick={() => (hands.raised ? store.lower() : store.raise())}
    >
      <HandIcon />
      <span>{t('hands.raise')}</span>
      {off && (
        <span id={hintId} className="visually-hidden">
          {t('hands.disabledNotice')}
        </span>
      )}
    </button>
  );
}

function formatTime(iso: string): string {
  return new Intl.DateTimeFormat(currentLanguage() === 'de' ? 'de-DE' : 'en-GB', { hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

/**
 * Raised hands in the order they went up, for everyone; moderators lower one or all and switch raising
 * on or off.
 */
export function RaisedHands({ store, meeting }: SlotProps<HandsStore>) {
  const { t } = useTranslation();
  const { moderator, people: participants } = meeting;
  const selfId = meeting.self.id;
  const hands = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const titleId = useId();
  const allowId = useId();
  const nameOf = (id: string) => {
    const person = participants.find((p) => p.id === id);
    if (!person) return t('hands.unknown');
    return id === selfId ? t('hands.you', { name: person.name }) : markedName(t, person.name, person.kind);
  };
  return (
    <section className="raised-hands" aria-labelledby={titleId}>
      <h3 id={titleId}>
        {t('hands.title')} <span className="count">{hands.hands.length}</span>
      </h3>
      {!hands.enabled && <p className="raised-hands-note">{t('hands.disabledNotice')}</p>}
      {hands.hands.length === 0 ? (
        hands.enabled && <p className="raised-hands-note">{t('hands.none')}</p>
      ) : (
        <ol className="raised-hands-list">
          {hands.hands.map((hand) => {
            const name = nameOf(hand.participant_id);
            return (
              <li key={hand.participant_id} className="raised-hand">
                <span className="raised-hand-row">
                  <HandIcon />
                  <span className="raised-hand-name">{name}</span>
                  <time dateTime={hand.raised_at}>{formatTime(hand.raised_at)}</time>
                  {moderator && (
                    <button type="button" className="button button-secondary button-small" aria-label={t('hands.lowerOf', { name })} onClick={() => store.lowerOthers([hand.participant_id])}>
                      {t('hands.lower')}
                    </button>
                  )}
                </span>
              </li>
            );
          })}
        </ol>
      )}
      {moderator && (
        <div className="raised-hands-actions">
          {hands.hands.length > 0 && (
            <button type="button" className="button button-secondary button-small" onClick={() => store.lowerOthers()}>
              {t('hands.lowerAll')}
            </button>
          )}
          <div className="checkbox-field">
            <input id={allowId} type="checkbox" checked={hands.enabled} onChange={(e) => store.setEnabled(e.target.checked)} />
            <label htmlFor={allowId}>{t('hands.allow')}</label>
          </div>
        </div>
      )}
    </section>
  );
}

/**
 * Screen-reader announcements: moderators hear every raised hand; everyone hears when raising is switched
 * on or off and when a moderator lowered their own hand.
 */
export function HandsAnnouncer({ store, meeting }: SlotProps<HandsStore>) {
  const { t } = useTranslation();
  const { moderator, others: participants } = meeting;
  const [lines, setLines] = useState<{ key: number; text: string }[]>([]);
  const counter = useRef(0);
  // Read at event time, so a changing participant list does not re-subscribe.
  const people = useRef(participants);
  people.current = participants;
  useEffect(() => {
    return store.onEvent((event) => {
      const selfId = store.getSnapshot().selfId;
      let text: string | null = null;
      if (event.type === 'raised' && moderator && event.participantId !== selfId) {
        const person = people.current.find((p) => p.id === event.participantId);
        const name = person ? markedName(t, person.display_name, person.kind) : t('hands.unknown');
        text = t('hands.announceRaised', { name });
      } else if (event.type === 'lowered' && selfId && event.participantIds.includes(selfId) && (event.reason === 'moderator' || event.reason === 'disabled')) {
        text = t('hands.announceLowered');
      } else if (event.type === 'enabled') text = t('hands.announceEnabled');
      else if (event.type === 'disabled') text = t('hands.announceDisabled');
      if (text) {
        const line = text;
        setLines((l) => [...l.slice(-4), { key: ++counter.current, text: line }]);
      }
    });
  }, [store, moderator, t]);
  return (
    <div className="visually-hidden" aria-live="polite" aria-relevant="additions">
      {lines.map((line) => (
        <p key={line.key}>{line.text}</p>
      ))}
    </div>
  );
}
