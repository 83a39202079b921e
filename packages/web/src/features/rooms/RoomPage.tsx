import { Room, StartResponse, type Me } from '@plenum/protocol';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { ApiError, apiRequest, errorMessage, isAbort } from '../../app/api.ts';
import { loginUrl, useSession } from '../../app/session.tsx';
import { Loading, Notice, usePageTitle } from '../../app/ui.tsx';
import { NotFoundPage } from '../../app/NotFoundPage.tsx';
import { MeetingFlow, type JoinPlan } from '../meeting/MeetingFlow.tsx';
import { takeFreshTicket, grantedEntry, ticketSource, type GrantedEntry } from './joinStore.ts';

/** /rooms/:id: the pre-join page, then the meeting. */
export function RoomPage() {
  const { id = '' } = useParams();
  // A fresh state per room: an entry granted for one room must not show for another.
  return <RoomPageFor key={id} id={id} />;
}

function RoomPageFor({ id }: { id: string }) {
  const { t } = useTranslation();
  const { session } = useSession();
  const [entry] = useState<GrantedEntry | null>(() => grantedEntry(id));

  if (!/^[0-9a-f-]{36}$/i.test(id)) return <NotFoundPage />;
  if (entry?.kind === 'guest' && entry.invite) return <MeetingFlow plan={guestPlan(entry, entry.invite)} />;
  if (session.status === 'loading') return <Loading label={t('app.loading')} />;
  if (session.status === 'user') return <UserEntry roomId={id} me={session.me} entry={entry} />;
  return <NeedInvitation roomId={id} />;
}

function guestPlan(entry: GrantedEntry, invite: { code: string; password?: string | undefined }): JoinPlan {
  const request = (displayName: string, resumption: string | undefined) =>
    apiRequest(`/v1/rooms/${entry.roomId}/start-invited`, StartResponse, {
      method: 'POST',
      body: { invite_code: invite.code, display_name: displayName, ...(invite.password ? { password: invite.password } : {}), ...(resumption ? { resumption } : {}) },
    });
  return {
    roomName: entry.roomName ?? '',
    guest: true,
    displayName: entry.displayName,
    needsPassword: false,
    async getTickets({ displayName }) {
      // The ticket from the invite page is used if still fresh; otherwise (the person took their time) a new one.
      const first = takeFreshTicket(entry) ?? (await request(displayName, undefined));
      return ticketSource(first, (resumption) => request(displayName, resumption));
    },
  };
}

function UserEntry({ roomId, me, entry }: { roomId: string; me: Me; entry: GrantedEntry | null }) {
  const { t } = useTranslation();
  const [room, setRoom] = useState<Room | null>(null);
  const [loadError, setLoadError] = useState<ApiError | Error | null>(null);
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

  const plan: JoinPlan = {
    roomName: room.name,
    guest: false,
    displayName: me.display_name,
    needsPassword,
    async getTickets({ password }) {
      const request = (resumption: string | undefined) =>
        apiRequest(`/v1/rooms/${room.id}/start`, StartResponse, {
          method: 'POST',
          body: { ...(needsPassword ? { password } : {}), ...(resumption ? { resumption } : {}) },
          csrfToken: me.csrf_token,
        });
      const first = (entry && takeFreshTicket(entry)) ?? (await request(undefined));
      return ticketSource(first, request);
    },
    footer: (
      <Link className="back-link" to="/">
        {t('meeting.backToRooms')}
      </Link>
    ),
  };
  return <MeetingFlow plan={plan} />;
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
