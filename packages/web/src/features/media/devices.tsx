import { useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import type { LocalMedia, LocalMediaSnapshot } from '../../meeting/localMedia.ts';
import { Field, Notice } from '../../app/ui.tsx';

export function useLocalMedia(local: LocalMedia): LocalMediaSnapshot {
  return useSyncExternalStore(local.subscribe, local.getSnapshot);
}

/** Microphone and camera choosers; shown only when there is something to choose from. */
export function DevicePickers({ local, snapshot }: { local: LocalMedia; snapshot: LocalMediaSnapshot }) {
  const { t } = useTranslation();
  const pickers = [
    { kind: 'audio' as const, devices: snapshot.devices.audioinput, label: t('prejoin.chooseMicrophone'), current: snapshot.audio.deviceId },
    { kind: 'video' as const, devices: snapshot.devices.videoinput, label: t('prejoin.chooseCamera'), current: snapshot.video.deviceId },
  ];
  return (
    <div className="device-pickers">
      {pickers
        .filter((p) => p.devices.length > 0)
        .map((p) => (
          <Field key={p.kind} label={p.label}>
            {({ id }) => (
              <select id={id} className="select" value={p.current ?? ''} onChange={(e) => void local.select(p.kind, e.target.value)}>
                {p.devices.map((d, i) => (
                  <option key={d.deviceId} value={d.deviceId}>
                    {d.label || `${p.label} ${i + 1}`}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ))}
    </div>
  );
}

const audioProblemKey = {
  denied: 'devices.audioDenied',
  not_found: 'devices.audioNotFound',
  busy: 'devices.audioBusy',
  failed: 'devices.audioFailed',
  unsupported: 'devices.unsupported',
} as const;

const videoProblemKey = {
  denied: 'devices.videoDenied',
  not_found: 'devices.videoNotFound',
  busy: 'devices.videoBusy',
  failed: 'devices.videoFailed',
  unsupported: 'devices.unsupported',
} as const;

/** Why the microphone or camera is missing, and what still works. */
export function DeviceNotices({ snapshot }: { snapshot: LocalMediaSnapshot }) {
  const { t } = useTranslation();
  const { audio, video } = snapshot;
  const both = audio.problem === 'unsupported' && video.problem === 'unsupported';
  return (
    <div className="device-notices" role="status">
      {both ? (
        <Notice kind="error">{t('devices.unsupported')}</Notice>
      ) : (
        <>
          {audio.problem && <Notice kind="error">{t(audioProblemKey[audio.problem])}</Notice>}
          {video.problem && <Notice kind="info">{t(videoProblemKey[video.problem])}</Notice>}
        </>
      )}
    </div>
  );
}
