import { Room, ROOM_PASSWORD_MIN_LENGTH, type RoomCreate } from '@plenum/protocol';
import { useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, apiRequest, errorMessage } from '../../app/api.ts';
import { Field, Notice } from '../../app/ui.tsx';

type FieldName = 'name' | 'password';
/** Catalogue keys rather than texts, so the messages follow a language switch. */
type FieldErrorKey =
  | 'createRoom.errorNameRequired'
  | 'createRoom.errorNameTooLong'
  | 'createRoom.errorPasswordTooShort'
  | 'createRoom.errorPasswordTooLong'
  | 'errors.PLENUM_ERR_VALIDATION';
type FieldErrors = Partial<Record<FieldName, FieldErrorKey>>;

export function CreateRoomForm({ csrfToken, onCreated }: { csrfToken: string; onCreated(room: Room): void }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [waitingRoom, setWaitingRoom] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const nameRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  // Mirrors the limits of the protocol's RoomCreate schema, with messages a person can act on.
  function validate(): FieldErrors {
    const found: FieldErrors = {};
    const trimmed = name.trim();
    if (!trimmed) found.name = 'createRoom.errorNameRequired';
    else if (trimmed.length > 120) found.name = 'createRoom.errorNameTooLong';
    if (password && password.length < ROOM_PASSWORD_MIN_LENGTH) found.password = 'createRoom.errorPasswordTooShort';
    else if (password.length > 128) found.password = 'createRoom.errorPasswordTooLong';
    return found;
  }

  function focusFirst(found: FieldErrors) {
    if (found.name) nameRef.current?.focus();
    else if (found.password) passwordRef.current?.focus();
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(null);
    const found = validate();
    setErrors(found);
    if (Object.keys(found).length > 0) {
      focusFirst(found);
      return;
    }
    setBusy(true);
    const body: RoomCreate = { name: name.trim(), waiting_room: waitingRoom, e2e_encryption: false, ...(password ? { password } : {}) };
    try {
      const room = await apiRequest('/v1/rooms', Room, { method: 'POST', body, csrfToken });
      setName('');
      setPassword('');
      setWaitingRoom(false);
      onCreated(room);
    } catch (err) {
      // The server's field errors point at /name or /password; show them at the field.
      const serverFound: FieldErrors = {};
      if (err instanceof ApiError) {
        for (const e of err.problem?.errors ?? []) {
          if (e.path.startsWith('/name')) serverFound.name = 'errors.PLENUM_ERR_VALIDATION';
          if (e.path.startsWith('/password')) serverFound.password = 'errors.PLENUM_ERR_VALIDATION';
        }
      }
      setErrors(serverFound);
      setFormError(err);
      focusFirst(serverFound);
    } finally {
      setBusy(false);
    }
  }

  const hasErrors = Object.keys(errors).length > 0;
  return (
    <form className="form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="create-room-title">
      <h2 id="create-room-title">{t('createRoom.title')}</h2>
      {(formError !== null || hasErrors) && (
        <Notice kind="error" live="assertive">
          {formError !== null ? errorMessage(t, formError) : t('createRoom.errorSummary')}
        </Notice>
      )}
      <Field label={t('createRoom.name')} hint={t('createRoom.nameHint')} error={errors.name && t(errors.name)}>
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            ref={nameRef}
            type="text"
            name="name"
            autoComplete="off"
            required
            maxLength={200}
            value={name}
            onChange={(e) => setName(e.target.value)}
            aria-describedby={describedBy}
            aria-invalid={invalid || undefined}
          />
        )}
      </Field>
      <Field label={t('createRoom.password')} hint={t('createRoom.passwordHint')} error={errors.password && t(errors.password)}>
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            ref={passwordRef}
            type="password"
            name="room-password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-describedby={describedBy}
            aria-invalid={invalid || undefined}
          />
        )}
      </Field>
      <div className="checkbox-field">
        <input id="create-room-waiting" type="checkbox" checked={waitingRoom} onChange={(e) => setWaitingRoom(e.target.checked)} aria-describedby="create-room-waiting-hint" />
        <div>
          <label htmlFor="create-room-waiting">{t('createRoom.waitingRoom')}</label>
          <p id="create-room-waiting-hint" className="field-hint">
            {t('createRoom.waitingRoomHint')}
          </p>
        </div>
      </div>
      <button type="submit" className="button button-primary" disabled={busy}>
        {busy ? t('createRoom.submitting') : t('createRoom.submit')}
      </button>
    </form>
  );
}
