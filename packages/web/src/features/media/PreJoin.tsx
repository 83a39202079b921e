import { DisplayName, forbiddenCharacter } from '@plenum/protocol';
import { useId, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { EnterIcon } from '../../app/icons.tsx';
import { Field, Notice, usePageTitle } from '../../app/ui.tsx';
import type { LocalMedia } from '../../meeting/localMedia.ts';
import { CameraIcon, CameraOffIcon, MicIcon, MicOffIcon } from '../meeting/icons.tsx';
import { DeviceNotices, DevicePickers, useLocalMedia } from './devices.tsx';
import { MicLevelMeter } from './MicLevelMeter.tsx';
import { VideoView } from './VideoView.tsx';

export interface PreJoinProps {
  roomName: string;
  local: LocalMedia;
  /** Guests choose their name here; users join under their account's name. */
  guest: boolean;
  initialName: string;
  /** Users entering a password-protected room they do not manage. */
  needsPassword: boolean;
  /** Resolves when joined; rejects with a message to show. */
  onJoin(choice: { displayName: string; password: string }): Promise<void>;
  /** Extra content under the form (e.g. a link back). */
  footer?: ReactNode;
}

/** The pre-join page: camera preview, microphone level, devices, name; nothing is sent before "Join". */
export function PreJoin({ roomName, local, guest, initialName, needsPassword, onJoin, footer }: PreJoinProps) {
  const { t } = useTranslation();
  usePageTitle(roomName);
  const snapshot = useLocalMedia(local);
  const [name, setName] = useState(initialName);
  const [password, setPassword] = useState('');
  const [nameError, setNameError] = useState<'prejoin.errorNameRequired' | 'prejoin.errorNameTooLong' | 'prejoin.errorNameCharacters' | null>(null);
  const [joinError, setJoinError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const nameRef = useRef<HTMLInputElement>(null);
  const titleId = useId();
  const { audio, video } = snapshot;
  const micOn = audio.enabled && audio.track !== null;
  const camOn = video.enabled && video.track !== null;
  const videoTrack = video.enabled ? video.track : null;
  const previewStream = useMemo(() => (videoTrack ? new MediaStream([videoTrack]) : null), [videoTrack]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setJoinError(null);
    const parsed = DisplayName.safeParse(name);
    if (guest && !parsed.success) {
      setNameError(!name.trim() ? 'prejoin.errorNameRequired' : forbiddenCharacter(name) !== undefined ? 'prejoin.errorNameCharacters' : 'prejoin.errorNameTooLong');
      nameRef.current?.focus();
      return;
    }
    setNameError(null);
    setBusy(true);
    try {
      await onJoin({ displayName: parsed.success ? parsed.data : name.trim(), password });
    } catch (err) {
      setJoinError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  }

  const outcome = !audio.track && !camOn ? t('prejoin.listenOnly') : audio.track && !camOn ? t('prejoin.audioOnly') : null;

  return (
    <section className="prejoin-page" aria-labelledby={titleId}>
      <div className="prejoin-media">
        <div className="preview">
          {previewStream ? (
            <VideoView stream={previewStream} mirrored className="preview-video" />
          ) : (
            <div className="preview-placeholder">
              <CameraOffIcon />
              <span>{video.problem ? t('prejoin.previewUnavailable') : video.enabled ? t('prejoin.previewWaiting') : t('prejoin.previewOff')}</span>
            </div>
          )}
          <div className="preview-toolbar">
            <button
              type="button"
              className={`round-button${micOn ? '' : ' round-button-off'}`}
              aria-pressed={micOn}
              disabled={!audio.track}
              onClick={() => local.setAudioEnabled(!audio.enabled)}
            >
              {micOn ? <MicIcon /> : <MicOffIcon />}
              <span className="visually-hidden">{t('prejoin.microphone')}</span>
            </button>
            <button
              type="button"
              className={`round-button${camOn ? '' : ' round-button-off'}`}
              aria-pressed={camOn}
              disabled={video.problem !== null && video.problem !== 'busy' && !video.track}
              onClick={() => void local.setVideoEnabled(!video.enabled)}
            >
              {camOn ? <CameraIcon /> : <CameraOffIcon />}
              <span className="visually-hidden">{t('prejoin.camera')}</span>
            </button>
          </div>
        </div>
        <div className="mic-level-row">
          {micOn ? <MicIcon /> : <MicOffIcon />}
          <MicLevelMeter track={audio.track} label={t('prejoin.micLevel')} />
        </div>
        <DeviceNotices snapshot={snapshot} />
      </div>

      <div className="prejoin-form panel">
        <p className="eyebrow">{t('prejoin.eyebrow')}</p>
        <h1 id={titleId}>{roomName}</h1>
        <p className="muted">{t('prejoin.lead')}</p>
        <form className="form" onSubmit={(e) => void submit(e)} noValidate>
          {joinError && (
            <Notice kind="error" live="assertive">
              {joinError}
            </Notice>
          )}
          {guest ? (
            <Field label={t('prejoin.displayName')} hint={t('prejoin.displayNameHint')} error={nameError ? t(nameError) : undefined}>
              {({ id, describedBy, invalid }) => (
                <input
                  id={id}
                  ref={nameRef}
                  type="text"
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
          ) : (
            <p className="join-as">
              {t('prejoin.youJoinAs')} <strong>{t('meeting.asUser', { name: initialName })}</strong>
            </p>
          )}
          {needsPassword && (
            <Field label={t('meeting.password')}>
              {({ id, describedBy }) => (
                <input id={id} type="password" autoComplete="off" value={password} onChange={(e) => setPassword(e.target.value)} aria-describedby={describedBy} />
              )}
            </Field>
          )}
          <DevicePickers local={local} snapshot={snapshot} />
          {outcome && <p className="join-outcome">{outcome}</p>}
          <button type="submit" className="button button-primary button-large" disabled={busy}>
            <EnterIcon />
            {busy ? t('prejoin.joining') : t('prejoin.join')}
          </button>
        </form>
        {footer}
      </div>
    </section>
  );
}
