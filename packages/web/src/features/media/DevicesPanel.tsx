import { useTranslation } from 'react-i18next';
import type { LocalMedia } from '../../meeting/localMedia.ts';
import { CloseIcon } from '../meeting/icons.tsx';
import { DevicePickers, useLocalMedia } from './devices.tsx';
import { MicLevelMeter } from './MicLevelMeter.tsx';

/** Switching microphone or camera during the meeting (the sent track is replaced, nobody notices a gap). */
export function DevicesPanel({ id, local, onClose }: { id: string; local: LocalMedia; onClose(): void }) {
  const { t } = useTranslation();
  const snapshot = useLocalMedia(local);
  return (
    <aside id={id} className="side-panel" aria-labelledby={`${id}-title`}>
      <div className="side-panel-head">
        <h2 id={`${id}-title`}>{t('call.devicesTitle')}</h2>
        <button type="button" className="icon-button" onClick={onClose}>
          <CloseIcon />
          <span className="visually-hidden">{t('call.closeDevices')}</span>
        </button>
      </div>
      <div className="form">
        <DevicePickers local={local} snapshot={snapshot} />
        <div className="mic-level-row">
          <MicLevelMeter track={snapshot.audio.track} label={t('prejoin.micLevel')} />
        </div>
      </div>
    </aside>
  );
}
