import type { recordingProtocol } from '@plenum/protocol';
import type { TFunction } from 'i18next';
import { useEffect, useId, useRef, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import type { ControlProps, ErrorMessages, SlotProps, TextKey } from '../feature.ts';
import { LiveAnnouncer } from '../meeting/LiveAnnouncer.tsx';
import type { en } from './messages.ts';
import type { RecordingEvent, RecordingStore } from './recordingStore.ts';
import './recording.css';

export function RecordIcon() {
  return (
    <svg width={20} height={20} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} focusable="false" className="icon" aria-hidden="true">
      <circle cx="12" cy="12" r="9" />
      <circle cx="12" cy="12" r="4" fill="currentColor" />
    </svg>
  );
}

const errorKey: ErrorMessages<typeof recordingProtocol, TextKey<typeof en, 'recording'>> = {
  forbidden: 'recording.errorForbidden',
  recording_unavailable: 'recording.errorUnavailable',
  recording_active: 'recording.errorActive',
};

const useRecording = (store: RecordingStore) => useSyncExternalStore(store.subscribe, store.getSnapshot);

/**
 * The persistent indicator in the header, for everyone while a recording runs: the word "Recording" (not a
 * colour alone), whether this participant is recorded, and a way to change their answer; moderators pause here.
 */
export function RecordingBadge({ store, meeting }: SlotProps<RecordingStore>) {
  const { t } = useTranslation();
  const view = useRecording(store);
  if (!view.active) {
    if (meeting.moderator && view.failed) return <p className="recording-failed" role="alert">{t('recording.failed', { reason: view.failed })}</p>;
    return null;
  }
  return (
    <div className={`recording-indicator${view.paused ? ' recording-indicator-paused' : ''}`} role="status">
      <RecordIcon />
      <strong>{view.paused ? t('recording.indicatorPaused') : t('recording.indicator')}</strong>
      <span className="recording-self">{view.consent ? t('recording.youAreRecorded') : t('recording.youAreNotRecorded')}</span>
      <button type="button" className="button button-small button-secondary" onClick={() => store.reconsider()}>
        {t('recording.change')}
      </button>
      {meeting.moderator && (
        <button type="button" className="button button-small button-secondary" onClick={() => store.pause(!view.paused)}>
          {view.paused ? t('recording.resume') : t('recording.pause')}
        </button>
      )}
    </div>
  );
}

/** Moderators: start and stop recording from the control bar. */
export function RecordingControl({ store }: ControlProps<RecordingStore>) {
  const { t } = useTranslation();
  const view = useRecording(store);
  const key = view.error ? errorKey[view.error] : undefined;
  return (
    <>
      <button type="button" className={`control${view.active ? ' control-active' : ''}`} aria-pressed={view.active} onClick={() => (view.active ? store.stop() : store.start())}>
        <RecordIcon />
        <span>{view.active ? t('recording.stop') : t('recording.start')}</span>
      </button>
      {key && (
        <span className="visually-hidden" role="alert">
          {t(key)}
        </span>
      )}
    </>
  );
}

/**
 * The consent prompt: a modal dialog with a heading and both answers as buttons. "No" has the focus and Escape
 * means "No": nobody is recorded by accident.
 */
export function ConsentDialog({ store }: SlotProps<RecordingStore>) {
  const { t } = useTranslation();
  const view = useRecording(store);
  const ref = useRef<HTMLDialogElement>(null);
  const noRef = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const textId = useId();
  const showing = view.active && view.prompt;
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog || !showing) return;
    if (!dialog.open) dialog.showModal();
    noRef.current?.focus();
    return () => {
      if (dialog.open) dialog.close();
    };
  }, [showing]);
  if (!showing) return null;
  return (
    <dialog
      ref={ref}
      className="consent-dialog"
      aria-labelledby={titleId}
      aria-describedby={textId}
      onCancel={(e) => {
        e.preventDefault();
        store.answer(false);
      }}
    >
      <h2 id={titleId}>
        <RecordIcon /> {t('recording.consentTitle')}
      </h2>
      <p id={textId}>{t('recording.consentText')}</p>
      <div className="consent-actions">
        <button ref={noRef} type="button" className="button button-secondary" onClick={() => store.answer(false)}>
          {t('recording.consentNo')}
        </button>
        <button type="button" className="button button-primary" onClick={() => store.answer(true)}>
          {t('recording.consentYes')}
        </button>
      </div>
    </dialog>
  );
}

const sayRecording = (t: TFunction, event: RecordingEvent): string =>
  ({ started: t('recording.announceStarted'), stopped: t('recording.announceStopped'), paused: t('recording.announcePaused'), resumed: t('recording.announceResumed') })[event.type];

/** Screen readers hear when a recording starts, pauses, resumes or stops. */
export function RecordingAnnouncer({ store }: SlotProps<RecordingStore>) {
  return <LiveAnnouncer store={store} say={sayRecording} />;
}
