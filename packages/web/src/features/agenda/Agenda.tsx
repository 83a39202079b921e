import type { AgendaItemView, agendaProtocol } from '@plenum/protocol';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import type { ControlProps, ErrorMessages, PanelProps, TextKey } from '../feature.ts';
import { CloseIcon } from '../meeting/icons.tsx';
import type { AgendaStore } from './agendaStore.ts';
import type { en } from './messages.ts';
import './agenda.css';

export function AgendaIcon() {
  return (
    <svg width={20} height={20} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" focusable="false" className="icon" aria-hidden="true">
      <path d="M9 6h11M9 12h11M9 18h11" />
      <path d="M4 6h.01M4 12h.01M4 18h.01" />
    </svg>
  );
}

const errorKey: ErrorMessages<typeof agendaProtocol, TextKey<typeof en, 'agenda'>> = {
  forbidden: 'agenda.errorForbidden',
  agenda_item_not_found: 'agenda.errorNoItem',
};

/** "Quorate / Not quorate (x of y present, z required)" in the meeting header, when the room has a roster. */
export function QuorumBadge({ store }: { store: AgendaStore }) {
  const { t } = useTranslation();
  const { quorum } = useSyncExternalStore(store.subscribe, store.getSnapshot);
  if (!quorum || quorum.members === 0) return null;
  const detail = t('agenda.quorumDetail', { present: quorum.present, members: quorum.members, required: quorum.required });
  return (
    <p className={`quorum-badge ${quorum.quorate ? 'quorum-yes' : 'quorum-no'}`} data-testid="quorum-badge">
      <span aria-hidden="true" className="quorum-dot" />
      <strong>{quorum.quorate ? t('agenda.quorate') : t('agenda.notQuorate')}</strong> <span>{detail}</span>
    </p>
  );
}

/** The "Agenda" button of the controls bar: for moderators always, for others when there is an agenda. */
export function AgendaControl({ store, meeting, open, panelId, onToggle }: ControlProps<AgendaStore>) {
  const { t } = useTranslation();
  const { moderator } = meeting;
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  if (!moderator && view.items.length === 0) return null;
  return (
    <button type="button" className={`control${open ? ' control-active' : ''}`} aria-pressed={open} aria-controls={open ? panelId : undefined} onClick={onToggle}>
      <AgendaIcon />
      <span>{t('agenda.open')}</span>
    </button>
  );
}

function ItemText({ item }: { item: AgendaItemView }) {
  const { t } = useTranslation();
  if (!item.details) return <p className="agenda-withheld">{t('agenda.withheld')}</p>;
  return (
    <>
      {item.description && <p className="agenda-description">{item.description}</p>}
      {item.motion && (
        <div className="agenda-motion">
          <strong>{t('agenda.motion')}</strong>
          <p>{item.motion}</p>
        </div>
      )}
    </>
  );
}

export function AgendaPanel({ id, store, meeting, onClose }: PanelProps<AgendaStore>) {
  const { t } = useTranslation();
  const { moderator } = meeting;
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const index = view.items.findIndex((i) => i.id === view.currentItemId);
  const current = index >= 0 ? view.items[index] : undefined;
  const serverError = view.error ? errorKey[view.error] : undefined;
  return (
    <aside id={id} className="side-panel agenda-panel" aria-labelledby={`${id}-title`}>
      <div className="side-panel-head">
        <h2 id={`${id}-title`}>{t('agenda.panelTitle')}</h2>
        <button type="button" className="icon-button" onClick={onClose}>
          <CloseIcon />
          <span className="visually-hidden">{t('agenda.close')}</span>
        </button>
      </div>
      {serverError && (
        <p className="field-error" role="alert">
          {t(serverError)}
        </p>
      )}
      <section className="agenda-current" aria-labelledby={`${id}-current`}>
        <h3 id={`${id}-current`}>{t('agenda.currentItem')}</h3>
        {current ? (
          <div data-testid="agenda-current">
            <p className="agenda-current-title">
              {t('agenda.itemNumber', { n: index + 1 })} {current.title}
              {!current.public && <span className="agenda-tag">{t('agenda.nonPublic')}</span>}
            </p>
            <ItemText item={current} />
          </div>
        ) : (
          <p className="muted" data-testid="agenda-current">
            {view.items.length === 0 ? t('agenda.empty') : t('agenda.notStarted')}
          </p>
        )}
        {moderator && (
          <div className="agenda-chair" role="group" aria-label={t('agenda.chairControls')}>
            <button type="button" className="button button-secondary button-small" disabled={index <= 0} onClick={() => store.previous()}>
              {t('agenda.previous')}
            </button>
            <button type="button" className="button button-primary button-small" disabled={index >= view.items.length - 1} onClick={() => store.next()}>
              {index < 0 ? t('agenda.begin') : t('agenda.next')}
            </button>
            <button type="button" className="button button-secondary button-small" onClick={() => store.reload()}>
              {t('agenda.reload')}
            </button>
          </div>
        )}
      </section>
      {view.items.length > 0 && (
        <section aria-labelledby={`${id}-list`}>
          <h3 id={`${id}-list`}>{t('agenda.items')}</h3>
          <ol className="agenda-list">
            {view.items.map((item, i) => (
              <li key={item.id} className={`agenda-item${item.id === view.currentItemId ? ' agenda-item-current' : ''}`} aria-current={item.id === view.currentItemId ? 'step' : undefined}>
                <span className="agenda-item-title">
                  {t('agenda.itemNumber', { n: i + 1 })} {item.title}
                  {!item.public && <span className="agenda-tag">{t('agenda.nonPublic')}</span>}
                  {item.id === view.currentItemId && <span className="visually-hidden"> ({t('agenda.currentMarker')})</span>}
                </span>
                {moderator && item.id !== view.currentItemId && (
                  <button type="button" className="button button-secondary button-small" aria-label={t('agenda.goToItem', { title: item.title })} onClick={() => store.select(item.id)}>
                    {t('agenda.goTo')}
                  </button>
                )}
              </li>
            ))}
          </ol>
        </section>
      )}
    </aside>
  );
}

/** Announces a new current item and a change of quorum to screen readers. */
export function AgendaAnnouncer({ store }: { store: AgendaStore }) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  useEffect(
    () =>
      store.onEvent((event) => {
        if (event.type === 'current') setText(t('agenda.announceCurrent', { title: event.item.title }));
        else setText(event.quorate ? t('agenda.announceQuorate') : t('agenda.announceNotQuorate'));
      }),
    [store, t],
  );
  return (
    <div className="visually-hidden" role="status" aria-live="polite">
      {text}
    </div>
  );
}
