import type { ModerationCommand, ParticipantPublic } from '@plenum/protocol';
import { useEffect, useId, useRef, useState, useSyncExternalStore, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDialog } from '../../app/ConfirmDialog.tsx';
import type { SlotProps } from '../feature.ts';
import type { ModerationStore } from './moderationStore.ts';
import { PersonName } from '../meeting/PersonName.tsx';
import './moderation.css';

/** What the per-participant menu needs to know of a row. */
export interface ModeratedRow {
  id: string;
  name: string;
  self: boolean;
  role: ParticipantPublic['role'];
  kind: ParticipantPublic['kind'];
}

type Confirmation = { title: string; body: string; confirm: string; command: ModerationCommand };

function useConfirm(store: ModerationStore) {
  const { t } = useTranslation();
  const [pending, setPending] = useState<Confirmation | null>(null);
  const dialog = pending && (
    <ConfirmDialog
      title={pending.title}
      confirmLabel={pending.confirm}
      cancelLabel={t('moderation.cancel')}
      onCancel={() => setPending(null)}
      onConfirm={() => {
        store.send(pending.command);
        setPending(null);
      }}
    >
      <p>{pending.body}</p>
    </ConfirmDialog>
  );
  return { ask: setPending, dialog };
}

/** The waiting room as moderators see it: who waits, Admit one, Admit all. */
export function WaitingList({ store }: { store: ModerationStore }) {
  const { t } = useTranslation();
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const titleId = useId();
  if (!view.waitingRoom && view.waiting.length === 0) return null;
  return (
    <section className="waiting-list" aria-labelledby={titleId}>
      <h3 id={titleId}>
        {t('moderation.waitingTitle')} <span className="count">{view.waiting.length}</span>
      </h3>
      {view.waiting.length === 0 ? (
        <p className="moderation-note">{t('moderation.waitingNone')}</p>
      ) : (
        <>
          <ul>
            {view.waiting.map((w) => (
              <li key={w.id} className="waiting-row">
                <PersonName className="waiting-name" name={w.display_name} kind={w.kind} />
                <button type="button" className="button button-primary button-small" aria-label={t('moderation.admitOf', { name: w.display_name })} onClick={() => store.send({ action: 'accept', target: w.id })}>
                  {t('moderation.admit')}
                </button>
              </li>
            ))}
          </ul>
          <button type="button" className="button button-secondary button-small" onClick={() => store.send({ action: 'accept_all' })}>
            {t('moderation.admitAll')}
          </button>
        </>
      )}
    </section>
  );
}

/** The room's bans as moderators see them: who, and "Allow again" (with confirmation) to lift one. */
export function BanList({ store }: { store: ModerationStore }) {
  const { t } = useTranslation();
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const { ask, dialog } = useConfirm(store);
  const titleId = useId();
  if (view.bans.length === 0) return null;
  return (
    <section className="ban-list" aria-labelledby={titleId}>
      <h3 id={titleId}>
        {t('moderation.bannedTitle')} <span className="count">{view.bans.length}</span>
      </h3>
      <ul>
        {view.bans.map((b) => (
          <li key={b.id} className="waiting-row">
            <PersonName className="waiting-name" name={b.display_name} kind={b.kind} />
            <button
              type="button"
              className="button button-secondary button-small"
              onClick={() =>
                ask({
                  title: t('moderation.allowAgainTitle', { name: b.display_name }),
                  body: t('moderation.allowAgainBody'),
                  confirm: t('moderation.allowAgain'),
                  command: { action: 'unban', ban_id: b.id },
                })
              }
            >
              {t('moderation.allowAgain')}
              <span className="visually-hidden"> {b.display_name}</span>
            </button>
          </li>
        ))}
      </ul>
      {dialog}
    </section>
  );
}

/** Room-level moderation: lock, waiting room, unmute policy, mute all, debrief, end for everyone. */
export function RoomModeration({ store }: { store: ModerationStore }) {
  const { t } = useTranslation();
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const { ask, dialog } = useConfirm(store);
  const titleId = useId();
  const lockId = useId();
  const waitingId = useId();
  const unmuteId = useId();
  return (
    <section className="room-moderation" aria-labelledby={titleId}>
      <h3 id={titleId}>{t('moderation.roomTitle')}</h3>
      <div className="checkbox-field">
        <input id={lockId} type="checkbox" checked={view.locked} onChange={(e) => store.send({ action: e.target.checked ? 'lock_room' : 'unlock_room' })} />
        <label htmlFor={lockId}>{t('moderation.lock')}</label>
      </div>
      <div className="checkbox-field">
        <input id={waitingId} type="checkbox" checked={view.waitingRoom} onChange={(e) => store.send({ action: e.target.checked ? 'enable_waiting_room' : 'disable_waiting_room' })} />
        <label htmlFor={waitingId}>{t('moderation.waitingRoom')}</label>
      </div>
      <div className="checkbox-field">
        <input id={unmuteId} type="checkbox" checked={view.moderatorsOnlyUnmute} onChange={(e) => store.send({ action: 'set_unmute_policy', moderators_only: e.target.checked })} />
        <label htmlFor={unmuteId}>{t('moderation.onlyModeratorsUnmute')}</label>
      </div>
      <div className="moderation-actions">
        <button type="button" className="button button-secondary button-small" onClick={() => store.send({ action: 'mute' })}>
          {t('moderation.muteAll')}
        </button>
        <button
          type="button"
          className="button button-secondary button-small"
          onClick={() => ask({ title: t('moderation.debriefTitle'), body: t('moderation.debriefBody'), confirm: t('moderation.debrief'), command: { action: 'debrief' } })}
        >
          {t('moderation.debrief')}
        </button>
        <button
          type="button"
          className="button button-danger button-small"
          onClick={() => ask({ title: t('moderation.endTitle'), body: t('moderation.endBody'), confirm: t('moderation.end'), command: { action: 'end_meeting' } })}
        >
          {t('moderation.end')}
        </button>
      </div>
      {dialog}
    </section>
  );
}

/** The moderator's sections of the participants panel: the waiting room, then the room's settings. */
export function ModerationSections({ store }: SlotProps<ModerationStore>) {
  return (
    <>
      <WaitingList store={store} />
      <BanList store={store} />
      <RoomModeration store={store} />
    </>
  );
}

/** A moderator's actions for one participant, behind a disclosure button in the participant's row. */
export function ParticipantModeration({ store, row }: { store: ModerationStore; row: ModeratedRow }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(row.name);
  const { ask, dialog } = useConfirm(store);
  const menuId = useId();
  const nameId = useId();
  if (row.self) return null;
  const renamable = row.kind === 'guest' || row.kind === 'sip';
  const act = (command: ModerationCommand) => {
    store.send(command);
    setOpen(false);
  };
  const rename = (e: FormEvent) => {
    e.preventDefault();
    const trimmed = name.trim();
    if (trimmed) act({ action: 'rename', target: row.id, display_name: trimmed });
    setRenaming(false);
  };
  return (
    <div className="participant-moderation">
      <button type="button" className="button button-secondary button-small" aria-expanded={open} aria-controls={menuId} onClick={() => setOpen((o) => !o)}>
        {t('moderation.actions')}
        <span className="visually-hidden"> {row.name}</span>
      </button>
      {open && (
        <div id={menuId} className="participant-moderation-menu" role="group" aria-label={t('moderation.actionsFor', { name: row.name })}>
          <button type="button" className="button button-secondary button-small" onClick={() => act({ action: 'mute', targets: [row.id] })}>
            {t('moderation.mute')}
          </button>
          {row.kind !== 'sip' && row.kind !== 'recorder' && (
            <button type="button" className="button button-secondary button-small" onClick={() => act({ action: row.role === 'moderator' ? 'revoke_moderator' : 'grant_moderator', target: row.id })}>
              {row.role === 'moderator' ? t('moderation.revoke') : t('moderation.grant')}
            </button>
          )}
          {renamable && !renaming && (
            <button type="button" className="button button-secondary button-small" onClick={() => setRenaming(true)}>
              {t('moderation.rename')}
            </button>
          )}
          {renamable && renaming && (
            <form className="rename-form" onSubmit={rename}>
              <label htmlFor={nameId}>{t('moderation.newName')}</label>
              <input id={nameId} value={name} maxLength={100} required onChange={(e) => setName(e.target.value)} />
              <button type="submit" className="button button-primary button-small">
                {t('moderation.save')}
              </button>
            </form>
          )}
          {row.role !== 'moderator' && (
            <button type="button" className="button button-secondary button-small" onClick={() => act({ action: 'send_to_waiting_room', target: row.id })}>
              {t('moderation.toWaitingRoom')}
            </button>
          )}
          <button
            type="button"
            className="button button-danger button-small"
            onClick={() => ask({ title: t('moderation.kickTitle', { name: row.name }), body: t('moderation.kickBody'), confirm: t('moderation.kick'), command: { action: 'kick', target: row.id } })}
          >
            {t('moderation.kick')}
          </button>
          {(row.kind === 'user' || row.kind === 'guest') && (
            <button
              type="button"
              className="button button-danger button-small"
              onClick={() => ask({ title: t('moderation.banTitle', { name: row.name }), body: t('moderation.banBody'), confirm: t('moderation.ban'), command: { action: 'ban', target: row.id } })}
            >
              {t('moderation.ban')}
            </button>
          )}
        </div>
      )}
      {dialog}
    </div>
  );
}

/** Shown instead of the meeting while this participant is in the waiting room. */
export function WaitingScreen({ onLeave }: { onLeave(): void }) {
  const { t } = useTranslation();
  return (
    <section className="panel narrow waiting-screen" aria-labelledby="waiting-title">
      <h1 id="waiting-title">{t('moderation.waitingScreenTitle')}</h1>
      <p role="status">{t('moderation.waitingScreenBody')}</p>
      <span className="spinner" aria-hidden="true" />
      <button type="button" className="button button-secondary" onClick={onLeave}>
        {t('call.leave')}
      </button>
    </section>
  );
}

/** Screen-reader announcements: moderators hear who arrives in the waiting room; everyone hears room-level changes. */
export function ModerationAnnouncer({ store, meeting }: SlotProps<ModerationStore>) {
  const { t } = useTranslation();
  const { moderator } = meeting;
  const [lines, setLines] = useState<{ key: number; text: string }[]>([]);
  const counter = useRef(0);
  useEffect(() => {
    return store.onEvent((event) => {
      let text: string | null = null;
      if (event.type === 'waiting_arrived') text = moderator ? t('moderation.announceWaiting', { name: event.name }) : null;
      else if (event.type === 'locked') text = t('moderation.announceLocked');
      else if (event.type === 'unlocked') text = t('moderation.announceUnlocked');
      else if (event.type === 'waiting_room_on') text = t('moderation.announceWaitingOn');
      else if (event.type === 'waiting_room_off') text = t('moderation.announceWaitingOff');
      else if (event.type === 'unmute_restricted') text = t('moderation.announceUnmuteRestricted');
      else if (event.type === 'unmute_allowed') text = t('moderation.announceUnmuteAllowed');
      else if (event.type === 'refused') text = t('moderation.refused');
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
