import { DisplayName, forbiddenCharacter, InviteCode, InviteVerifyResponse, StartResponse } from '@plenum/protocol';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router-dom';
import type { z } from 'zod';
import { ApiError, apiRequest, errorMessage, isAbort } from '../../app/api.ts';
import { EnterIcon } from '../../app/icons.tsx';
import { useSession } from '../../app/session.tsx';
import { Field, Loading, Notice, usePageTitle } from '../../app/ui.tsx';
import { formatDateTime } from '../../i18n/index.ts';
import { grantEntry } from '../rooms/joinStore.ts';

type Verified = z.infer<typeof InviteVerifyResponse>;
type GuestErrorKey = 'invite.errorNameRequired' | 'invite.errorNameTooLong' | 'invite.errorNameCharacters' | 'invite.errorPasswordRequired' | 'errors.PLENUM_ERR_WRONG_PASSWORD';
/** Why an invite cannot be used; each has its own explanation. */
type Unusable = 'not_found' | 'expired' | 'revoked' | 'failed';
type VerifyState = { status: 'checking' } | { status: 'ok'; invite: Verified } | { status: 'unusable'; reason: Unusable; error?: unknown };

function unusableReason(err: unknown): Unusable | null {
  if (!(err instanceof ApiError)) return null;
  switch (err.code) {
    case 'PLENUM_ERR_INVITE_EXPIRED':
      return 'expired';
    case 'PLENUM_ERR_INVITE_REVOKED':
      return 'revoked';
    case 'PLENUM_ERR_INVITE_NOT_FOUND':
    case 'PLENUM_ERR_ROOM_NOT_FOUND':
    case 'PLENUM_ERR_VALIDATION':
      return 'not_found';
    default:
      return null;
  }
}

/** /invite/:code — where a guest lands from the invitation e-mail. */
export function InviteLandingPage() {
  const { code = '' } = useParams();
  const { t } = useTranslation();
  const [state, setState] = useState<VerifyState>({ status: 'checking' });

  useEffect(() => {
    // A malformed code cannot be an invite; no need to ask the server.
    if (!InviteCode.safeParse(code).success) {
      setState({ status: 'unusable', reason: 'not_found' });
      return;
    }
    const abort = new AbortController();
    setState({ status: 'checking' });
    apiRequest(`/v1/invites/${code}/verify`, InviteVerifyResponse, { method: 'POST', body: {}, signal: abort.signal }).then(
      (invite) => setState({ status: 'ok', invite }),
      (err: unknown) => {
        if (isAbort(err)) return;
        setState({ status: 'unusable', reason: unusableReason(err) ?? 'failed', error: err });
      },
    );
    return () => abort.abort();
  }, [code]);

  if (state.status === 'checking') return <Loading label={t('invite.checking')} />;
  if (state.status === 'unusable') return <UnusableInvite reason={state.reason} error={state.error} />;
  return <GuestJoinForm code={code} invite={state.invite} onUnusable={(reason) => setState({ status: 'unusable', reason })} />;
}

function UnusableInvite({ reason, error }: { reason: Unusable; error?: unknown }) {
  const { t } = useTranslation();
  const [title, body] =
    reason === 'expired'
      ? [t('invite.expiredTitle'), t('invite.expired')]
      : reason === 'revoked'
        ? [t('invite.revokedTitle'), t('invite.revoked')]
        : reason === 'not_found'
          ? [t('invite.notFoundTitle'), t('invite.notFound')]
          : [t('invite.failedTitle'), errorMessage(t, error)];
  usePageTitle(title);
  return (
    <section className="panel narrow" aria-labelledby="invite-problem-title">
      <h1 id="invite-problem-title">{title}</h1>
      <Notice kind={reason === 'failed' ? 'error' : 'info'}>{body}</Notice>
      <Link className="button button-secondary" to="/">
        {t('invite.toStart')}
      </Link>
    </section>
  );
}

function GuestJoinForm({ code, invite, onUnusable }: { code: string; invite: Verified; onUnusable(reason: Unusable): void }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { session } = useSession();
  usePageTitle(invite.room_name);
  const [name, setName] = useState(() => (session.status === 'user' ? session.me.display_name : ''));
  const [password, setPassword] = useState('');
  // Catalogue keys rather than texts, so the messages follow a language switch.
  const [errors, setErrors] = useState<{ name?: GuestErrorKey; password?: GuestErrorKey }>({});
  const [formError, setFormError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const nameRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  async function join(event: FormEvent) {
    event.preventDefault();
    setFormError(null);
    const found: { name?: GuestErrorKey; password?: GuestErrorKey } = {};
    const parsedName = DisplayName.safeParse(name);
    if (!parsedName.success) found.name = !name.trim() ? 'invite.errorNameRequired' : forbiddenCharacter(name) !== undefined ? 'invite.errorNameCharacters' : 'invite.errorNameTooLong';
    if (invite.password_required && !password) found.password = 'invite.errorPasswordRequired';
    setErrors(found);
    if (found.name) return nameRef.current?.focus();
    if (found.password) return passwordRef.current?.focus();

    setBusy(true);
    try {
      const displayName = parsedName.data ?? name.trim();
      const start = await apiRequest(`/v1/rooms/${invite.room_id}/start-invited`, StartResponse, {
        method: 'POST',
        body: { invite_code: code, display_name: displayName, ...(invite.password_required ? { password } : {}) },
      });
      grantEntry({
        roomId: invite.room_id,
        roomName: invite.room_name,
        displayName,
        kind: 'guest',
        start,
        // The meeting needs a fresh ticket for every (re)connection.
        invite: { code, password: invite.password_required ? password : undefined },
      });
      void navigate(`/rooms/${invite.room_id}`);
    } catch (err) {
      setBusy(false);
      const reason = unusableReason(err);
      if (reason === 'expired' || reason === 'revoked') return onUnusable(reason);
      if (err instanceof ApiError && err.code === 'PLENUM_ERR_WRONG_PASSWORD') {
        setErrors({ password: 'errors.PLENUM_ERR_WRONG_PASSWORD' });
        passwordRef.current?.focus();
        return;
      }
      setFormError(err);
    }
  }

  return (
    <section className="panel narrow invite-landing" aria-labelledby="invite-room-title">
      <p className="eyebrow">{t('invite.invitedTo')}</p>
      <h1 id="invite-room-title">{invite.room_name}</h1>
      {invite.expires_at && <p className="muted">{t('invite.expiresAt', { date: formatDateTime(invite.expires_at) })}</p>}
      <form className="form" onSubmit={(e) => void join(e)} noValidate aria-labelledby="guest-form-title">
        <h2 id="guest-form-title">{t('invite.formTitle')}</h2>
        {formError !== null && (
          <Notice kind="error" live="assertive">
            {errorMessage(t, formError)}
          </Notice>
        )}
        <Field label={t('invite.displayName')} hint={t('invite.displayNameHint')} error={errors.name && t(errors.name)}>
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              ref={nameRef}
              type="text"
              name="name"
              autoComplete="name"
              required
              maxLength={120}
              value={name}
              onChange={(e) => setName(e.target.value)}
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
            />
          )}
        </Field>
        {invite.password_required && (
          <Field label={t('invite.password')} hint={t('invite.passwordHint')} error={errors.password && t(errors.password)}>
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                ref={passwordRef}
                type="password"
                name="room-password"
                autoComplete="off"
                required
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                aria-describedby={describedBy}
                aria-invalid={invalid || undefined}
              />
            )}
          </Field>
        )}
        <button type="submit" className="button button-primary button-large" disabled={busy}>
          <EnterIcon />
          {busy ? t('invite.joining') : t('invite.join')}
        </button>
      </form>
    </section>
  );
}
