import { RoomList, type Me, type Room } from '@plenum/protocol';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiRequest, errorMessage, isAbort } from '../../app/api.ts';
import { ConfirmDialog } from '../../app/ConfirmDialog.tsx';
import { Loading, Notice, usePageTitle } from '../../app/ui.tsx';
import { CreateRoomForm } from './CreateRoomForm.tsx';
import { RoomCard } from './RoomCard.tsx';

type RoomsState = { status: 'loading' } | { status: 'loaded'; rooms: Room[] } | { status: 'failed'; error: unknown };

export function MyRoomsPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  usePageTitle(t('rooms.title'));
  const [state, setState] = useState<RoomsState>({ status: 'loading' });
  const [announcement, setAnnouncement] = useState<string | null>(null);
  const [toDelete, setToDelete] = useState<Room | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const listHeadingRef = useRef<HTMLHeadingElement>(null);
  const [loadVersion, setLoadVersion] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    apiRequest('/v1/rooms', RoomList, { signal: abort.signal }).then(
      ({ rooms }) => setState({ status: 'loaded', rooms }),
      (err: unknown) => {
        if (!isAbort(err)) setState({ status: 'failed', error: err });
      },
    );
    return () => abort.abort();
  }, [loadVersion]);

  function created(room: Room) {
    setState((s) => (s.status === 'loaded' ? { status: 'loaded', rooms: [...s.rooms, room] } : s));
    setAnnouncement(t('createRoom.created', { name: room.name }));
  }

  async function confirmDelete() {
    if (!toDelete) return;
    setDeleting(true);
    setDeleteError(null);
    try {
      await apiRequest(`/v1/rooms/${toDelete.id}`, null, { method: 'DELETE', csrfToken: me.csrf_token });
      const gone = toDelete;
      setState((s) => (s.status === 'loaded' ? { status: 'loaded', rooms: s.rooms.filter((r) => r.id !== gone.id) } : s));
      setAnnouncement(t('rooms.deleted', { name: gone.name }));
      setToDelete(null);
      // The card that held the focus is gone; continue at the list.
      setTimeout(() => listHeadingRef.current?.focus(), 0);
    } catch (err) {
      setDeleteError(errorMessage(t, err));
    } finally {
      setDeleting(false);
    }
  }

  return (
    <div className="rooms-page">
      <div className="page-intro">
        <h1>{t('rooms.title')}</h1>
        <p className="lead">{t('rooms.lead')}</p>
      </div>
      <div className="status-region" role="status">
        {announcement && <Notice kind="success">{announcement}</Notice>}
      </div>
      <div className="rooms-layout">
        <section className="rooms-list-section" aria-labelledby="rooms-list-title">
          <div className="section-head">
            <h2 id="rooms-list-title" ref={listHeadingRef} tabIndex={-1}>
              {t('rooms.listTitle')}
            </h2>
            {state.status === 'loaded' && <p className="muted">{t('rooms.count', { count: state.rooms.length })}</p>}
          </div>
          {state.status === 'loading' && <Loading label={t('app.loading')} />}
          {state.status === 'failed' && (
            <Notice kind="error" live="assertive">
              <p>
                {t('rooms.loadFailed')} {errorMessage(t, state.error)}
              </p>
              <button type="button" className="button button-secondary button-small" onClick={() => setLoadVersion((v) => v + 1)}>
                {t('session.retry')}
              </button>
            </Notice>
          )}
          {state.status === 'loaded' && state.rooms.length === 0 && <p className="empty">{t('rooms.empty')}</p>}
          {state.status === 'loaded' && state.rooms.length > 0 && (
            <ul className="room-list">
              {state.rooms.map((room) => (
                <RoomCard
                  key={room.id}
                  room={room}
                  me={me}
                  onDelete={(r) => {
                    setDeleteError(null);
                    setToDelete(r);
                  }}
                />
              ))}
            </ul>
          )}
        </section>
        <aside className="card create-room" aria-label={t('createRoom.title')}>
          <CreateRoomForm csrfToken={me.csrf_token} onCreated={created} />
        </aside>
      </div>
      {toDelete && (
        <ConfirmDialog
          title={t('deleteDialog.title', { name: toDelete.name })}
          confirmLabel={t('deleteDialog.confirm')}
          cancelLabel={t('deleteDialog.cancel')}
          busy={deleting}
          onConfirm={() => void confirmDelete()}
          onCancel={() => setToDelete(null)}
        >
          <p>{t('deleteDialog.body')}</p>
          {deleteError && (
            <Notice kind="error" live="assertive">
              {deleteError}
            </Notice>
          )}
        </ConfirmDialog>
      )}
    </div>
  );
}
