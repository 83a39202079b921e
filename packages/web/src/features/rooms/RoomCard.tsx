import { Invite, InviteList as InviteListSchema, StartResponse, type Me, type Room } from '@plenum/protocol';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { apiRequest, errorMessage } from '../../app/api.ts';
import { ChevronIcon, EnterIcon, HourglassIcon, LinkIcon, LockIcon, TrashIcon } from '../../app/icons.tsx';
import { Notice } from '../../app/ui.tsx';
import { formatDateTime } from '../../i18n/index.ts';
import { inviteLink } from './inviteLink.ts';
import { InviteList } from './InviteList.tsx';
import { RoomAttendance } from '../attendance/Attendance.tsx';
import { grantEntry } from './joinStore.ts';

type CopyState = { status: 'idle' } | { status: 'working' } | { status: 'done'; link: string; copied: boolean } | { status: 'failed'; message: string };

/** The newest invite that still works, so repeated copying hands out the same link. */
function newestActive(invites: Invite[]): Invite | undefined {
  return invites.filter((i) => i.active).sort((a, b) => b.created_at.localeCompare(a.created_at))[0];
}

async function writeClipboard(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard (insecure context, permission denied): the link is shown for copying by hand.
    return false;
  }
}

export function RoomCard({ room, me, onDelete }: { room: Room; me: Me; onDelete(room: Room): void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const headingId = useId();
  const invitesId = useId();
  const attendanceId = useId();
  const [showAttendance, setShowAttendance] = useState(false);
  const [copy, setCopy] = useState<CopyState>({ status: 'idle' });
  const [showInvites, setShowInvites] = useState(false);
  const [invitesVersion, setInvitesVersion] = useState(0);
  const [joining, setJoining] = useState(false);
  const [joinError, setJoinError] = useState<string | null>(null);
  const csrfToken = me.csrf_token;

  async function copyInvite() {
    setCopy({ status: 'working' });
    try {
      const { invites } = await apiRequest(`/v1/rooms/${room.id}/invites`, InviteListSchema);
      const invite = newestActive(invites) ?? (await apiRequest(`/v1/rooms/${room.id}/invites`, Invite, { method: 'POST', body: {}, csrfToken }));
      const link = inviteLink(invite.code);
      setCopy({ status: 'done', link, copied: await writeClipboard(link) });
      setInvitesVersion((v) => v + 1);
    } catch (err) {
      setCopy({ status: 'failed', message: errorMessage(t, err) });
    }
  }

  async function join() {
    setJoining(true);
    setJoinError(null);
    try {
      const start = await apiRequest(`/v1/rooms/${room.id}/start`, StartResponse, { method: 'POST', body: {}, csrfToken });
      grantEntry({ roomId: room.id, roomName: room.name, displayName: me.display_name, kind: 'user', start });
      void navigate(`/rooms/${room.id}`);
    } catch (err) {
      setJoinError(errorMessage(t, err));
      setJoining(false);
    }
  }

  return (
    <li className="card room-card" aria-labelledby={headingId}>
      <div className="room-head">
        <h3 id={headingId} className="room-name">
          {room.name}
        </h3>
        {(room.has_password || room.waiting_room) && (
          <ul className="badges">
            {room.has_password && (
              <li className="badge">
                <LockIcon />
                {t('rooms.badgePassword')}
              </li>
            )}
            {room.waiting_room && (
              <li className="badge">
                <HourglassIcon />
                {t('rooms.badgeWaitingRoom')}
              </li>
            )}
          </ul>
        )}
      </div>
      <p className="muted room-meta">{t('rooms.createdOn', { date: formatDateTime(room.created_at) })}</p>

      <div className="actions">
        <button type="button" className="button button-primary" onClick={() => void join()} disabled={joining} aria-label={t('rooms.joinRoom', { name: room.name })}>
          <EnterIcon />
          {joining ? t('rooms.joining') : t('rooms.join')}
        </button>
        {room.can_manage && (
          <>
            <button
              type="button"
              className="button button-secondary"
              onClick={() => void copyInvite()}
              disabled={copy.status === 'working'}
              aria-label={t('rooms.copyInviteFor', { name: room.name })}
            >
              <LinkIcon />
              {copy.status === 'working' ? t('rooms.copying') : t('rooms.copyInvite')}
            </button>
            <Link className="button button-secondary" to={`/rooms/${room.id}/committee`} aria-label={t('committee.openFor', { name: room.name })}>
              {t('committee.open')}
            </Link>
            <button type="button" className="button button-ghost-danger" onClick={() => onDelete(room)} aria-label={t('rooms.deleteRoom', { name: room.name })}>
              <TrashIcon />
              {t('rooms.delete')}
            </button>
          </>
        )}
      </div>

      {joinError && (
        <Notice kind="error" live="assertive">
          {joinError}
        </Notice>
      )}
      {copy.status === 'done' && (
        <Notice kind="success" live="polite">
          <p>{copy.copied ? t('rooms.inviteCopied') : t('rooms.inviteReady')}</p>
          <code className="invite-link">{copy.link}</code>
        </Notice>
      )}
      {copy.status === 'failed' && (
        <Notice kind="error" live="assertive">
          {copy.message}
        </Notice>
      )}

      {room.can_manage && (
        <div className="disclosure">
          <button
            type="button"
            className="disclosure-toggle"
            aria-expanded={showInvites}
            aria-controls={invitesId}
            onClick={() => setShowInvites((v) => !v)}
            aria-label={t('rooms.invitesToggleFor', { name: room.name })}
          >
            <ChevronIcon />
            {t('rooms.invitesToggle')}
          </button>
          <div id={invitesId} hidden={!showInvites}>
            {showInvites && <InviteList roomId={room.id} csrfToken={csrfToken} refreshKey={invitesVersion} />}
          </div>
        </div>
      )}
      {room.can_manage && (
        <div className="disclosure">
          <button
            type="button"
            className="disclosure-toggle"
            aria-expanded={showAttendance}
            aria-controls={attendanceId}
            onClick={() => setShowAttendance((v) => !v)}
            aria-label={t('attendance.toggleFor', { name: room.name })}
          >
            <ChevronIcon />
            {t('attendance.toggle')}
          </button>
          <div id={attendanceId} hidden={!showAttendance}>
            {showAttendance && <RoomAttendance roomId={room.id} />}
          </div>
        </div>
      )}
    </li>
  );
}
