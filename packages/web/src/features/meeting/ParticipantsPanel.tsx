import type { ParticipantPublic } from '@plenum/protocol';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { HandIcon } from '../hands/HandIcon.tsx';
import { CloseIcon, MicIcon, MicOffIcon } from './icons.tsx';

export interface ParticipantRow {
  id: string;
  name: string;
  self: boolean;
  role: ParticipantPublic['role'];
  kind: ParticipantPublic['kind'];
  audioOff: boolean;
  disconnected: boolean;
  handRaised?: boolean;
}

/** The people list comes first; `children` go below it (moderation, speakers, raised hands, attendance); `rowActions` renders extra controls in a row (moderation). */
export function ParticipantsPanel({
  id,
  rows,
  onClose,
  children,
  rowActions,
}: {
  id: string;
  rows: ParticipantRow[];
  onClose(): void;
  children?: ReactNode;
  rowActions?: (row: ParticipantRow) => ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <aside id={id} className="side-panel" aria-labelledby={`${id}-title`}>
      <div className="side-panel-head">
        <h2 id={`${id}-title`}>
          {t('call.participantsTitle')} <span className="count">{rows.length}</span>
        </h2>
        <button type="button" className="icon-button" onClick={onClose}>
          <CloseIcon />
          <span className="visually-hidden">{t('call.closePanel')}</span>
        </button>
      </div>
      <ul className="participant-list">
        {rows.map((row) => (
          <li key={row.id} className="participant-row">
            <span className="participant-name" title={row.name}>
              {row.self ? t('call.you', { name: row.name }) : row.name}
            </span>
            <span className="participant-tags">
              {row.role === 'moderator' && <span className="tag">{t('call.moderator')}</span>}
              {row.kind === 'guest' && <span className="tag tag-quiet person-kind">{t('call.guest')}</span>}
              {row.kind === 'sip' && <span className="tag tag-quiet person-kind">{t('call.phone')}</span>}
              {row.disconnected && <span className="tag tag-warn">{t('call.connectionLost')}</span>}
            </span>
            {row.handRaised && <HandIcon label={t('hands.raised')} />}
            {row.audioOff ? <MicOffIcon label={t('call.micOff')} /> : <MicIcon label={t('call.microphone')} />}
            {rowActions?.(row)}
          </li>
        ))}
      </ul>
      {children}
    </aside>
  );
}
