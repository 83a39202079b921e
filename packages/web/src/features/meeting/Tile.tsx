import type { MediaSource, ParticipantKind } from '@plenum/protocol';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { VideoView } from '../media/VideoView.tsx';
import { HandIcon } from '../hands/HandIcon.tsx';
import { MicOffIcon, ScreenIcon } from './icons.tsx';
import { PersonName } from './PersonName.tsx';

export interface TileModel {
  key: string;
  participantId: string;
  source: MediaSource;
  /** The name on the tile. */
  name: string;
  /** The tile's accessible name (e.g. "Anna (you)", "Screen of Anna"). */
  label: string;
  /** Guests and phone callers are marked next to their name. */
  kind?: ParticipantKind;
  self: boolean;
  video: MediaStream | null;
  audioOff: boolean;
  talking: boolean;
  disconnected: boolean;
  /** Camera tiles: this participant's hand is up. */
  handRaised?: boolean;
}

function initials(name: string, kind?: string): string {
  // A phone caller's masked number ("+49 361 ••• 12") has no initials: the telephone sign stands for them.
  if (kind === 'sip' && !/\p{L}/u.test(name)) return '\u260e';
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0]!, parts.at(-1)!] : parts;
  return letters.map((p) => [...p][0]?.toUpperCase() ?? '').join('') || '?';
}

/**
 * One participant's camera or screen. Reports its size for remote videos (the server picks the simulcast
 * layer from it, 0×0 when hidden), so small tiles cost little bandwidth.
 */
export function Tile({ tile, featured = false, onSize }: { tile: TileModel; featured?: boolean; onSize?: ((width: number, height: number) => void) | undefined }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLElement>(null);
  const showVideo = tile.video !== null;

  useEffect(() => {
    const el = ref.current;
    if (!el || !onSize) return;
    if (!showVideo) return;
    const dpr = window.devicePixelRatio || 1;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) onSize(entry.contentRect.width * dpr, entry.contentRect.height * dpr);
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      onSize(0, 0);
    };
  }, [onSize, showVideo]);

  const classes = [
    'tile',
    featured ? 'tile-featured' : '',
    tile.source === 'screen' ? 'tile-screen' : '',
    tile.talking ? 'tile-talking' : '',
    tile.disconnected ? 'tile-disconnected' : '',
  ]
    .filter(Boolean)
    .join(' ');

  return (
    <figure ref={ref} className={classes} aria-label={tile.label} data-participant={tile.participantId} data-source={tile.source}>
      {showVideo ? (
        <VideoView stream={tile.video!} mirrored={tile.self && tile.source === 'camera'} className={tile.source === 'screen' ? 'video-contain' : ''} />
      ) : (
        <div className="tile-avatar" aria-hidden="true">
          <span>{initials(tile.name, tile.kind)}</span>
        </div>
      )}
      <figcaption className="tile-caption">
        {tile.source === 'screen' && <ScreenIcon />}
        {tile.source === 'camera' && tile.handRaised && <HandIcon label={t('hands.raised')} />}
        {tile.source === 'camera' && tile.audioOff && <MicOffIcon label={t('call.micOff')} />}
        <span className="tile-name">{tile.source === 'screen' || tile.self ? tile.label : <PersonName name={tile.name} kind={tile.kind} />}</span>
        {tile.talking && <span className="visually-hidden">({t('call.speaking')})</span>}
        {tile.disconnected && <span className="tile-badge">{t('call.connectionLost')}</span>}
      </figcaption>
    </figure>
  );
}
