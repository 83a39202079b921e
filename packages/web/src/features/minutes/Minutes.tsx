import type { MinutesBlockKind, minutesProtocol } from '@plenum/protocol';
import { useId, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { LazyPart, lazyModule } from '../../app/lazy.tsx';
import type { ErrorMessages, PanelProps, TextKey } from '../feature.ts';
import { CloseIcon } from '../meeting/icons.tsx';
import { markedName } from '../meeting/PersonName.tsx';
import type { en } from './messages.ts';
import type { MinutesStore } from './minutesStore.ts';
import './minutes.css';

export function MinutesIcon() {
  return (
    <svg width={20} height={20} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" focusable="false" className="icon" aria-hidden="true">
      <path d="M14 3H6a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V9z" />
      <path d="M14 3v6h6M8 13h8M8 17h5" />
    </svg>
  );
}

/** The "Minutes" button of the controls bar. */
export function MinutesControl({ open, panelId, onToggle }: { open: boolean; panelId: string; onToggle(): void }) {
  const { t } = useTranslation();
  return (
    <button type="button" className={`control${open ? ' control-active' : ''}`} aria-pressed={open} aria-controls={open ? panelId : undefined} onClick={onToggle}>
      <MinutesIcon />
      <span>{t('minutes.open')}</span>
    </button>
  );
}

type MinutesKey = TextKey<typeof en, 'minutes'>;
/** The server's refusals, and `too_large`: an edit this client would not send. */
const errorKey: ErrorMessages<typeof minutesProtocol, MinutesKey> & { too_large: MinutesKey } = {
  not_a_writer: 'minutes.errorNotWriter',
  minutes_sealed: 'minutes.errorSealed',
  minutes_invalid_update: 'minutes.errorInvalid',
  forbidden: 'minutes.errorForbidden',
  participant_not_found: 'minutes.errorParticipant',
  too_large: 'minutes.errorTooLarge',
  minutes_full: 'minutes.errorFull',
};

/** The editor (TipTap, ProseMirror) is fetched when the minutes panel first opens, not with the meeting screen. */
const Editor = lazyModule(() => import('./MinutesEditor.tsx'), 'MinutesEditor');

function shortHash(hash: string): string {
  return `${hash.slice(0, 12)}…${hash.slice(-8)}`;
}

export function MinutesPanel({ id, store, meeting, onClose }: PanelProps<MinutesStore>) {
  const { t, i18n } = useTranslation();
  const participants = meeting.people;
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const [confirming, setConfirming] = useState(false);
  const statusId = useId();
  const lang = i18n.language.startsWith('de') ? 'de' : 'en';
  const latest = view.versions.at(-1);
  const others = participants.filter((p) => !p.self && p.role !== 'moderator');
  const serverError = view.error ? errorKey[view.error] : undefined;

  const toggleWriter = (participantId: string, on: boolean) => {
    const next = new Set(view.writerIds);
    if (on) next.add(participantId);
    else next.delete(participantId);
    store.setWriters([...next]);
  };
  const insert = (block: MinutesBlockKind) => store.insert(block, lang);

  return (
    <aside id={id} className="side-panel minutes-panel" aria-labelledby={`${id}-title`}>
      <div className="side-panel-head">
        <h2 id={`${id}-title`}>{t('minutes.panelTitle')}</h2>
        <button type="button" className="icon-button" onClick={onClose}>
          <CloseIcon />
          <span className="visually-hidden">{t('minutes.close')}</span>
        </button>
      </div>
      {serverError && (
        <p className="field-error" role="alert">
          {t(serverError)}
        </p>
      )}
      <p id={statusId} className={`minutes-status ${view.canWrite ? 'minutes-status-write' : 'minutes-status-read'}`} role="status">
        {view.sealed ? t('minutes.sealedStatus', { version: latest?.version ?? '' }) : view.canWrite ? t('minutes.canWrite') : t('minutes.readOnly')}
      </p>
      <span id={`${id}-editor-label`} className="visually-hidden">
        {t('minutes.editorLabel')}
      </span>
      {/* Bound only once the server's document is here: an editor bound to the empty copy writes a paragraph of
          its own into it, which a writer would send and everyone would see. */}
      {view.synced ? (
        <LazyPart label={t('minutes.loadingEditor')}>
          <Editor.Component doc={view.doc} editable={view.canWrite} labelId={`${id}-editor-label`} describedBy={statusId} />
        </LazyPart>
      ) : (
        <p className="poll-meta" role="status">
          {t('minutes.loadingDocument')}
        </p>
      )}

      {latest && (
        <section className="minutes-sealed" aria-labelledby={`${id}-sealed`}>
          <h3 id={`${id}-sealed`}>{t('minutes.lastSealed')}</h3>
          <dl>
            <dt>{t('minutes.version')}</dt>
            <dd>{latest.version}</dd>
            <dt>{t('minutes.hash')}</dt>
            <dd>
              <code title={latest.hash} data-testid="minutes-hash">
                {latest.hash}
              </code>
            </dd>
            <dt>{t('minutes.sealedAt')}</dt>
            <dd>{new Date(latest.sealed_at).toLocaleString(i18n.language)}</dd>
          </dl>
          {view.moderator && store.pdfUrl(latest.version, lang) && (
            <a className="button button-secondary" href={store.pdfUrl(latest.version, lang)!} target="_blank" rel="noopener">
              {t('minutes.pdf', { version: latest.version })}
            </a>
          )}
          <span className="visually-hidden">{shortHash(latest.hash)}</span>
        </section>
      )}

      {view.moderator && (
        <section className="minutes-chair" aria-labelledby={`${id}-chair`}>
          <h3 id={`${id}-chair`}>{t('minutes.chairTools')}</h3>
          <fieldset className="minutes-writers">
            <legend>{t('minutes.writers')}</legend>
            {others.length === 0 && <p className="poll-meta">{t('minutes.noOthers')}</p>}
            {others.map((p) => (
              <label key={p.id} className="minutes-writer">
                <input type="checkbox" checked={view.writerIds.includes(p.id)} onChange={(e) => toggleWriter(p.id, e.currentTarget.checked)} />
                <span>{t('minutes.writerFor', { name: markedName(t, p.name, p.kind) })}</span>
              </label>
            ))}
          </fieldset>
          <div className="minutes-insert" role="group" aria-label={t('minutes.insertGroup')}>
            <button type="button" className="button button-secondary" disabled={view.sealed} onClick={() => insert('agenda')}>
              {t('minutes.insertAgenda')}
            </button>
            <button type="button" className="button button-secondary" disabled={view.sealed} onClick={() => insert('attendance')}>
              {t('minutes.insertAttendance')}
            </button>
            <button type="button" className="button button-secondary" disabled={view.sealed} onClick={() => insert('quorum')}>
              {t('minutes.insertQuorum')}
            </button>
          </div>
          {view.sealed ? (
            <button type="button" className="button button-secondary" onClick={() => store.amend()}>
              {t('minutes.amend')}
            </button>
          ) : confirming ? (
            <div className="minutes-confirm" role="group" aria-labelledby={`${id}-confirm`}>
              <p id={`${id}-confirm`}>{t('minutes.sealConfirm', { version: (latest?.version ?? 0) + 1 })}</p>
              <button
                type="button"
                className="button button-primary"
                onClick={() => {
                  setConfirming(false);
                  store.seal(lang);
                }}
              >
                {t('minutes.sealNow')}
              </button>
              <button type="button" className="button button-secondary" onClick={() => setConfirming(false)}>
                {t('minutes.cancel')}
              </button>
            </div>
          ) : (
            <button type="button" className="button button-primary" onClick={() => setConfirming(true)}>
              {t('minutes.seal')}
            </button>
          )}
        </section>
      )}
    </aside>
  );
}
