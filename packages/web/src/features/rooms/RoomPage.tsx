import { Room, StartResponse, type Me } from '@plenum/protocol';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { ApiError, apiRequest, errorMessage, isAbort } from '../../app/api.ts';
import { EnterIcon } from '../../app/icons.tsx';
import { loginUrl, useSession } from '../../app/session.tsx';
import { Field, Loading, Notice, usePageTitle } from '../../app/ui.tsx';
import { NotFoundPage } from '../../app/NotFoundPage.tsx';
import { grantEntry, grantedEntry, type GrantedEntry } from './joinStore.ts';

/**
 * /rooms/:id until the meeting module exists: an honest pre-join summary of a granted entry
 * (who, which room), or the way to get one. It never pretends a media connection.
 */
export function RoomPage() {
  const { id = '' } = useParams();
  // A fresh state per room: an entry granted for one room must not show for another.
  return <RoomPageFor key={id} id={id} />;
}

function RoomPageFor({ id }: { id: string }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const [entry, setEntry] = useState<GrantedEntry | null>(() => grantedEntry(id));

  if (!/^[0-9a-f-]{36}$/i.test(id)) return <NotFoundPage />;
  if (entry) return <ReadySummary entry={entry} isUser={session.status === 'user'} />;
  if (session.status === 'loading') return <Loading label={t('app.loading')} />;
  if (session.status === 'user') return <UserEntry roomId={id} me={session.me} onGranted={setEntry} />;
  return <NeedInvitation roomId={id} />;
}

function ReadySummary({ entry, isUser }: { entry: GrantedEntry; isUser: boolean }) {
  const { t } = useTranslation();
  usePageTitle(entry.roomName ?? t('meeting.readyTitle'));
  return (
    <section className="panel narrow prejoin" aria-labelledby="prejoin-title">
      <p className="eyebrow">{t('meeting.readyTitle')}</p>
      <h1 id="prejoin-title">{entry.roomName ?? t('meeting.readyTitle')}</h1>
      <dl className="summary">
        <div>
          <dt>{t('meeting.room')}</dt>
          <dd>{entry.roomName ?? '—'}</dd>
        </div>
        <div>
          <dt>{t('meeting.you')}</dt>
          <dd>{entry.kind === 'user' ? t('meeting.asUser', { name: entry.displayName }) : t('meeting.asGuest', { name: entry.displayName })}</dd>
        </div>
      </dl>
      <Notice kind="success">{t('meeting.accessConfirmed')}</Notice>
      <Notice kind="info">{t('meeting.moduleNote')}</Notice>
      {isUser && (
        <Link className="button button-secondary" to="/">
          {t('meeting.backToRooms')}
        </Link>
      )}
    </section>
  );
}

function UserEntry({ roomId, me, onGranted }: { roomId: string; me: Me; onGranted(entry: GrantedEntry): void }) {
  const { t } = useTranslation();
  const [room, setRoom] = useState<Room | null>(null);
  const [loadError, setLoadError] = useState<ApiError | Error | null>(null);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  usePageTitle(room?.name ?? t('meeting.enterTitle'));

  useEffect(() => {
    const abort = new AbortController();
    apiRequest(`/v1/rooms/${roomId}`, Room, { signal: abort.signal }).then(setRoom, (err: unknown) => {
      if (!isAbort(err)) setLoadError(err instanceof Error ? err : new Error(String(err)));
    });
    return () => abort.abort();
  }, [roomId]);

  if (loadError) {
    const gone = loadError instanceof ApiError && (loadError.status === 404 || loadError.status === 400);
    return (
      <section className="panel narrow">
        <h1>{gone ? t('meeting.roomUnavailable') : t('errors.generic')}</h1>
        {!gone && <Notice kind="error">{errorMessage(t, loadError)}</Notice>}
        <Link className="button button-secondary" to="/">
          {t('meeting.backToRooms')}
        </Link>
      </section>
    );
  }
  if (!room) return <Loading label={t('app.loading')} />;
  const needsPassword = room.has_password && !room.can_manage;

  async function join(event: FormEvent) {
    event.preventDefault();
    if (!room) return;
    setBusy(true);
    setError(null);
    try {
      const start = await apiRequest(`/v1/rooms/${room.id}/start`, StartResponse, {
        method: 'POST',
        body: needsPassword ? { password } : {},
        csrfToken: me.csrf_token,
      });
      const entry = { roomId: room.id, roomName: room.name, displayName: me.display_name, kind: 'user' as const, start };
      grantEntry(entry);
      onGranted({ ...entry, grantedAt: Date.now() });
    } catch (err) {
      setError(errorMessage(t, err));
      setBusy(false);
    }
  }

  return (
    <section className="panel narrow" aria-labelledby="enter-title">
      <p className="eyebrow">{t('meeting.enterTitle')}</p>
      <h1 id="enter-title">{room.name}</h1>
      <form className="form" onSubmit={(e) => void join(e)} noValidate>
        {error && (
          <Notice kind="error" live="assertive">
            {error}
          </Notice>
        )}
        {needsPassword && (
          <Field label={t('meeting.password')}>
            {({ id, describedBy }) => (
              <input id={id} type="password" autoComplete="off" value={password} onChange={(e) => setPassword(e.target.value)} aria-describedby={describedBy} />
            )}
          </Field>
        )}
        <button type="submit" className="button button-primary" disabled={busy}>
          <EnterIcon />
          {busy ? t('meeting.joining') : t('meeting.join')}
        </button>
      </form>
    </section>
  );
}

function NeedInvitation({ roomId }: { roomId: string }) {
  const { t } = useTranslation();
  usePageTitle(t('meeting.enterTitle'));
  return (
    <section className="panel narrow" aria-labelledby="need-invite-title">
      <h1 id="need-invite-title">{t('meeting.enterTitle')}</h1>
      <p>{t('meeting.needInvite')}</p>
      <a className="button button-primary" href={loginUrl(`/rooms/${roomId}`)}>
        {t('session.logIn')}
      </a>
    </section>
  );
}
