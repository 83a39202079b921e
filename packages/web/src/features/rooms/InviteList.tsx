import { InviteList as InviteListSchema, type Invite } from '@plenum/protocol';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { apiRequest, errorMessage, isAbort } from '../../app/api.ts';
import { Loading, Notice } from '../../app/ui.tsx';
import { formatDateTime } from '../../i18n/index.ts';
import { inviteLink } from './inviteLink.ts';

function inviteStatus(invite: Invite): 'active' | 'revoked' | 'expired' {
  if (invite.active) return 'active';
  return invite.revoked_at ? 'revoked' : 'expired';
}

/** The invite links of one room, newest first, with a way to revoke the active ones. */
export function InviteList({ roomId, csrfToken, refreshKey }: { roomId: string; csrfToken: string; refreshKey: number }) {
  const { t } = useTranslation();
  const [invites, setInvites] = useState<Invite[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busyCode, setBusyCode] = useState<string | null>(null);

  const load = useCallback(
    async (signal?: AbortSignal) => {
      try {
        const list = await apiRequest(`/v1/rooms/${roomId}/invites`, InviteListSchema, signal ? { signal } : {});
        setInvites([...list.invites].sort((a, b) => b.created_at.localeCompare(a.created_at)));
        setError(null);
      } catch (err) {
        if (!isAbort(err)) setError(err);
      }
    },
    [roomId],
  );

  useEffect(() => {
    const abort = new AbortController();
    void load(abort.signal);
    return () => abort.abort();
  }, [load, refreshKey]);

  async function revoke(code: string) {
    setBusyCode(code);
    setMessage(null);
    setError(null);
    try {
      await apiRequest(`/v1/rooms/${roomId}/invites/${code}`, null, { method: 'DELETE', csrfToken });
      setMessage(t('invites.revoked'));
      await load();
    } catch (err) {
      setError(err);
    } finally {
      setBusyCode(null);
    }
  }

  return (
    <div className="invite-list">
      {message && (
        <Notice kind="success" live="polite">
          {message}
        </Notice>
      )}
      {error !== null && (
        <Notice kind="error" live="assertive">
          {errorMessage(t, error)}
        </Notice>
      )}
      {invites === null && error === null && <Loading label={t('invites.loading')} />}
      {invites?.length === 0 && <p className="muted">{t('invites.empty')}</p>}
      {invites && invites.length > 0 && (
        <ul className="invites">
          {invites.map((invite) => {
            const status = inviteStatus(invite);
            const link = inviteLink(invite.code);
            return (
              <li key={invite.code} className={`invite invite-${status}`}>
                <div className="invite-main">
                  <code className="invite-link">{link}</code>
                  <p className="invite-meta">
                    <span className={`status status-${status}`}>
                      {t(status === 'active' ? 'invites.statusActive' : status === 'revoked' ? 'invites.statusRevoked' : 'invites.statusExpired')}
                    </span>
                    <span>{t('invites.created', { date: formatDateTime(invite.created_at) })}</span>
                    <span>{invite.expires_at ? t('invites.expires', { date: formatDateTime(invite.expires_at) }) : t('invites.noExpiry')}</span>
                    {invite.has_password && <span>{t('invites.withPassword')}</span>}
                  </p>
                </div>
                {status === 'active' && (
                  <button
                    type="button"
                    className="button button-secondary button-small"
                    onClick={() => void revoke(invite.code)}
                    disabled={busyCode !== null}
                    aria-label={t('invites.revokeLink', { link })}
                  >
                    {t('invites.revoke')}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
