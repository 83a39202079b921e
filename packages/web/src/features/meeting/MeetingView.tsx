import type { MediaSource } from '@plenum/protocol';
import { useCallback, useEffect, useId, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { Loading, Notice, usePageTitle } from '../../app/ui.tsx';
import type { LocalMedia } from '../../meeting/localMedia.ts';
import type { RemoteStream } from '../../meeting/mediaEngine.ts';
import type { MeetingSession } from '../../meeting/meetingSession.ts';
import type { FailReason } from '../../meeting/signalingClient.ts';
import { DeviceNotices, useLocalMedia } from '../media/devices.tsx';
import { DevicesPanel } from '../media/DevicesPanel.tsx';
import { CameraIcon, CameraOffIcon, GridIcon, LeaveIcon, MicIcon, MicOffIcon, PeopleIcon, ScreenIcon, SettingsIcon, SignalIcon, SpeakerViewIcon } from './icons.tsx';
import { ParticipantsPanel, type ParticipantRow } from './ParticipantsPanel.tsx';
import { Tile, type TileModel } from './Tile.tsx';
import type { Area, MeetingContext, SlotHost } from '../feature.ts';
import { slotsOf, startFeatures } from '../registry.ts';
// The meeting's own screens and what it shows of a few features beyond their slots (tiles, rows, the microphone).
import { WaitingScreen } from '../moderation/Moderation.tsx';
import { BreakoutStore, sameRoom } from '../breakout/breakoutStore.ts';
import { HandsStore } from '../hands/handsStore.ts';
import { ModerationStore } from '../moderation/moderationStore.ts';
import { NoticeArea } from './NoticeArea.tsx';

const failKey: Record<
  FailReason,
  | 'call.failedGaveUp'
  | 'call.failedRefused'
  | 'call.failedJoin'
  | 'call.failedVersion'
  | 'call.failedRemoved'
  | 'call.failedReplaced'
  | 'call.failedBanned'
  | 'call.failedLocked'
  | 'call.failedEnded'
> = {
  gave_up: 'call.failedGaveUp',
  refused: 'call.failedRefused',
  join_refused: 'call.failedJoin',
  client_too_old: 'call.failedVersion',
  server_too_old: 'call.failedVersion',
  removed: 'call.failedRemoved',
  replaced: 'call.failedReplaced',
  banned: 'call.failedBanned',
  room_locked: 'call.failedLocked',
  meeting_ended: 'call.failedEnded',
};

/** A side panel: the meeting's own (these two) or a feature's, known by the feature's namespace. */
type PanelId = string;
const PARTICIPANTS: PanelId = 'participants';
const DEVICES: PanelId = 'devices';

const screenProblemKey = { denied: 'call.screenDenied', unsupported: 'call.screenUnsupported', failed: 'call.screenFailed' } as const;

/** Plays every remote voice (and the phone callers' mix), independent of which tiles are on screen. */
function AudioSinks({ streams, phoneMix }: { streams: readonly RemoteStream[]; phoneMix: MediaStream | null }) {
  return (
    <div className="audio-sinks" aria-hidden="true">
      {phoneMix && (
        <audio
          key="phone-mix"
          autoPlay
          ref={(el) => {
            if (el && el.srcObject !== phoneMix) {
              el.srcObject = phoneMix;
              void el.play().catch(() => {});
            }
          }}
        />
      )}
      {streams
        .filter((s) => s.kind === 'audio')
        .map((s) => (
          <audio
            key={`${s.participantId}:${s.source}`}
            autoPlay
            ref={(el) => {
              if (el && el.srcObject !== s.stream) {
                el.srcObject = s.stream;
                void el.play().catch(() => {});
              }
            }}
          />
        ))}
    </div>
  );
}

/** Joins and leaves as short sentences for screen readers (a polite live region that keeps the last few). */
function useAnnouncements(session: MeetingSession): string[] {
  const { t } = useTranslation();
  const [messages, setMessages] = useState<string[]>([]);
  useEffect(
    () =>
      session.onEvent((event) => {
        // What a moderator did to this person is a notice (toast and screen reader).
        if (event.type === 'force_muted') return session.notices.post('call.noticeMuted');
        if (event.type === 'role_changed') return session.notices.post(event.role === 'moderator' ? 'call.noticeMadeModerator' : 'call.noticeModeratorRemoved');
        const text = event.type === 'joined' ? t('call.announceJoined', { name: event.name }) : t('call.announceLeft', { name: event.name });
        setMessages((m) => [...m.slice(-4), text]);
      }),
    [session, t],
  );
  return messages;
}

export function MeetingView({ session, local, onRejoin }: { session: MeetingSession; local: LocalMedia; onRejoin(): void }) {
  const { t } = useTranslation();
  const meeting = useSyncExternalStore(session.subscribe, session.getSnapshot);
  const media = useSyncExternalStore(session.media.subscribe, session.media.getSnapshot);
  const features = session.features;
  startFeatures(features);
  const moderation = features.storeOf(ModerationStore);
  const moderationView = useSyncExternalStore(moderation.subscribe, moderation.getSnapshot);
  const breakout = features.storeOf(BreakoutStore);
  const breakoutView = useSyncExternalStore(breakout.subscribe, breakout.getSnapshot);
  const hands = features.storeOf(HandsStore);
  const handsView = useSyncExternalStore(hands.subscribe, hands.getSnapshot);
  const raisedHands = useMemo(() => new Set(handsView.hands.map((h) => h.participant_id)), [handsView.hands]);
  const localState = useLocalMedia(local);
  const announcements = useAnnouncements(session);
  const [speakerView, setSpeakerView] = useState(false);
  // The open side panel: the meeting's own (participants, devices) or a feature's, by its namespace.
  const [panel, setPanel] = useState<PanelId | null>(null);
  const panelId = useId();
  const togglePanel = (which: PanelId) => setPanel((open) => (open === which ? null : which));
  const lastSpeaker = useRef<string | null>(null);
  usePageTitle(meeting.roomName);

  const { connection, self, participants } = meeting;
  const micOn = localState.audio.enabled && localState.audio.track !== null;
  const camOn = localState.video.enabled && localState.video.track !== null;

  const reportSize = useMemo(() => {
    const cache = new Map<string, (w: number, h: number) => void>();
    return (participantId: string, source: MediaSource) => {
      const key = `${participantId}:${source}`;
      let fn = cache.get(key);
      if (!fn) {
        fn = (w: number, h: number) => session.media.reportTileSize(participantId, source, w, h);
        cache.set(key, fn);
      }
      return fn;
    };
  }, [session]);

  const ownStream = useMemo(
    () => (localState.video.enabled && localState.video.track ? new MediaStream([localState.video.track]) : null),
    [localState.video.enabled, localState.video.track],
  );

  const tiles = useMemo(() => {
    const list: TileModel[] = [];
    if (!self) return list;
    const videoOf = (id: string, source: MediaSource) => media.remote.find((r) => r.participantId === id && r.source === source && r.kind === 'video')?.stream ?? null;
    list.push({
      key: `${self.id}:camera`,
      participantId: self.id,
      source: 'camera',
      name: self.displayName,
      label: t('call.you', { name: self.displayName }),
      self: true,
      video: ownStream,
      audioOff: !micOn,
      // The media server notices silence with a delay; a muted microphone is never "speaking".
      talking: micOn && media.talking.has(self.id),
      disconnected: false,
      handRaised: raisedHands.has(self.id),
    });
    if (media.screen.stream) {
      list.push({ key: `${self.id}:screen`, participantId: self.id, source: 'screen', name: self.displayName, label: t('call.yourScreen'), self: true, video: media.screen.stream, audioOff: false, talking: false, disconnected: false });
    }
    // During breakouts only the people in one's own breakout room have tiles (the server sends only their media).
    for (const p of participants.filter((other) => sameRoom(breakoutView.session, self.id, other.id))) {
      const state = media.states.get(p.id);
      const disconnected = p.connection === 'disconnected';
      list.push({
        key: `${p.id}:camera`,
        participantId: p.id,
        source: 'camera',
        name: p.display_name,
        label: p.display_name,
        kind: p.kind,
        self: false,
        video: state?.video === false ? null : videoOf(p.id, 'camera'),
        audioOff: state ? !state.audio : false,
        talking: state?.audio !== false && media.talking.has(p.id),
        disconnected,
        handRaised: raisedHands.has(p.id),
      });
      const screen = videoOf(p.id, 'screen');
      if (screen) {
        list.push({ key: `${p.id}:screen`, participantId: p.id, source: 'screen', name: p.display_name, label: t('call.screenOf', { name: p.display_name }), self: false, video: screen, audioOff: false, talking: false, disconnected });
      }
    }
    return list;
  }, [self, participants, media, ownStream, micOn, raisedHands, t, breakoutView.session]);

  // The speaker view follows whoever spoke last (a screen share takes the stage first).
  const talkingRemote = tiles.find((tile) => !tile.self && tile.talking);
  if (talkingRemote) lastSpeaker.current = talkingRemote.participantId;
  const featured =
    tiles.find((tile) => tile.source === 'screen' && !tile.self) ??
    tiles.find((tile) => tile.source === 'screen') ??
    tiles.find((tile) => tile.source === 'camera' && tile.participantId === lastSpeaker.current && !tile.self) ??
    tiles.find((tile) => !tile.self) ??
    tiles[0];

  const rows: ParticipantRow[] = useMemo(() => {
    if (!self) return [];
    return [
      { id: self.id, name: self.displayName, self: true, role: self.role, kind: self.kind, audioOff: !micOn, disconnected: false, handRaised: raisedHands.has(self.id) },
      ...participants.map((p) => ({
        id: p.id,
        name: p.display_name,
        self: false,
        role: p.role,
        kind: p.kind,
        audioOff: media.states.get(p.id)?.audio === false,
        disconnected: p.connection === 'disconnected',
        handRaised: raisedHands.has(p.id),
      })),
    ];
  }, [self, participants, media.states, micOn, raisedHands]);

  const leave = useCallback(() => session.leave(), [session]);

  const meetingContext = useMemo<MeetingContext | null>(
    () => (self ? { self, moderator: self.role === 'moderator', people: rows, others: participants, local, notices: session.notices } : null),
    [self, rows, participants, local, session],
  );

  if (connection.status === 'failed') {
    return (
      <section className="panel narrow" aria-labelledby="failed-title">
        <h1 id="failed-title">{t('call.failedTitle')}</h1>
        <Notice kind="error" live="assertive">
          {t(failKey[connection.reason])}
        </Notice>
        {/* A ban is final for this meeting: offering to join again would only be refused. */}
        {connection.reason !== 'banned' && (
          <button type="button" className="button button-primary" onClick={onRejoin}>
            {t('call.rejoin')}
          </button>
        )}
      </section>
    );
  }
  if (connection.status === 'waiting') return <WaitingScreen onLeave={leave} />;
  if (!self || !meetingContext) return <Loading label={t('call.connecting')} />;
  const isModerator = meetingContext.moderator;
  const host: SlotHost = { connection: features, meeting: meetingContext };
  const slots = <A extends Area>(area: A) => slotsOf(area, self);
  const openPanel = slots('Panel').find(({ feature }) => feature.namespace === panel);
  const rowActions = slots('RowActions');
  // Under "only moderators may unmute" the server refuses a participant's unmute; the button says so.
  const unmuteLocked = moderationView.moderatorsOnlyUnmute && !isModerator && !micOn;

  const quality = media.quality;
  const qualityLevel = quality === 'good' ? 3 : quality === 'fair' ? 2 : quality === 'poor' ? 1 : 0;
  const qualityText = t(`call.quality${quality === 'good' ? 'Good' : quality === 'fair' ? 'Fair' : quality === 'poor' ? 'Poor' : 'Unknown'}`);
  const stageTiles = speakerView && featured ? tiles.filter((tile) => tile !== featured) : tiles;
  const gridCount = Math.min(tiles.length, 10);

  return (
    <section className="meeting" aria-labelledby="meeting-title">
      <header className="meeting-head">
        <h1 id="meeting-title">{meeting.roomName}</h1>
        <p className="meeting-count">{t('call.participantCount', { count: participants.length + 1 })}</p>
        {slots('Badge').map(({ slot }) => slot.render(host, {}))}
        <p className={`quality quality-${quality}`}>
          <SignalIcon level={qualityLevel as 0 | 1 | 2 | 3} />
          <span>{t('call.quality', { quality: qualityText })}</span>
        </p>
      </header>

      {slots('Banner').map(({ slot }) => slot.render(host, {}))}
      {connection.status === 'reconnecting' && (
        <div className="banner banner-warn" role="status">
          <span className="spinner" aria-hidden="true" />
          {t('call.reconnecting')}
        </div>
      )}
      {connection.status === 'joined' && !media.available && <Notice kind="info">{t('call.noMedia')}</Notice>}
      {media.screen.problem && (
        <Notice kind="error" live="assertive">
          {t(screenProblemKey[media.screen.problem])}
        </Notice>
      )}
      <DeviceNotices snapshot={localState} />

      <div className={`meeting-body${panel ? ' with-panel' : ''}`}>
        {speakerView && featured ? (
          <div className="stage stage-speaker">
            <div className="stage-main">
              <Tile tile={featured} featured onSize={featured.self ? undefined : reportSize(featured.participantId, featured.source)} />
            </div>
            {stageTiles.length > 0 && (
              <div className="stage-strip">
                {stageTiles.map((tile) => (
                  <Tile key={tile.key} tile={tile} onSize={tile.self ? undefined : reportSize(tile.participantId, tile.source)} />
                ))}
              </div>
            )}
          </div>
        ) : (
          <div className={`stage stage-grid grid-${gridCount}`}>
            {tiles.map((tile) => (
              <Tile key={tile.key} tile={tile} onSize={tile.self ? undefined : reportSize(tile.participantId, tile.source)} />
            ))}
          </div>
        )}
        {panel === PARTICIPANTS && (
          <ParticipantsPanel
            id={panelId}
            rows={rows}
            onClose={() => setPanel(null)}
            rowActions={rowActions.length > 0 ? (row) => rowActions.map(({ slot }) => slot.render(host, { row })) : undefined}
          >
            {slots('ParticipantsSection').map(({ slot }) => slot.render(host, {}))}
          </ParticipantsPanel>
        )}
        {panel === DEVICES && <DevicesPanel id={panelId} local={local} onClose={() => setPanel(null)} />}
        {openPanel?.slot.render(host, { id: panelId, onClose: () => setPanel(null) })}
      </div>
      {participants.length === 0 && <p className="alone">{t('call.alone')}</p>}

      <div className="controls" role="group" aria-label={t('call.controls')}>
        <button
          type="button"
          className={`control${micOn ? '' : ' control-off'}`}
          aria-pressed={micOn}
          disabled={!localState.audio.track || unmuteLocked}
          title={unmuteLocked ? t('moderation.mutedByPolicy') : undefined}
          aria-describedby={unmuteLocked ? `${panelId}-unmute-locked` : undefined}
          onClick={() => local.setAudioEnabled(!localState.audio.enabled)}
        >
          {micOn ? <MicIcon /> : <MicOffIcon />}
          <span>{t('call.microphone')}</span>
        </button>
        {unmuteLocked && (
          <span id={`${panelId}-unmute-locked`} className="visually-hidden">
            {t('moderation.mutedByPolicy')}
          </span>
        )}
        <button
          type="button"
          className={`control${camOn ? '' : ' control-off'}`}
          aria-pressed={camOn}
          disabled={localState.video.problem !== null && !localState.video.track && localState.video.problem !== 'busy'}
          onClick={() => void local.setVideoEnabled(!localState.video.enabled)}
        >
          {camOn ? <CameraIcon /> : <CameraOffIcon />}
          <span>{t('call.camera')}</span>
        </button>
        <button
          type="button"
          className={`control${media.screen.active ? ' control-active' : ''}`}
          aria-pressed={media.screen.active}
          disabled={!media.available}
          onClick={() => (media.screen.active ? session.media.stopScreenShare() : void session.media.startScreenShare())}
        >
          <ScreenIcon />
          <span>{t('call.shareScreen')}</span>
        </button>
        <button type="button" className={`control${speakerView ? ' control-active' : ''}`} aria-pressed={speakerView} onClick={() => setSpeakerView((v) => !v)}>
          {speakerView ? <SpeakerViewIcon /> : <GridIcon />}
          <span>{t('call.speakerView')}</span>
        </button>
        <button
          type="button"
          className={`control${panel === DEVICES ? ' control-active' : ''}`}
          aria-pressed={panel === DEVICES}
          aria-controls={panel === DEVICES ? panelId : undefined}
          onClick={() => togglePanel(DEVICES)}
        >
          <SettingsIcon />
          <span>{t('call.devices')}</span>
        </button>
        {slots('Control').map(({ feature, slot }) =>
          slot.render(host, { open: panel === feature.namespace, panelId, onToggle: () => togglePanel(feature.namespace) }),
        )}
        <button
          type="button"
          className={`control${panel === PARTICIPANTS ? ' control-active' : ''}`}
          aria-pressed={panel === PARTICIPANTS}
          aria-controls={panel === PARTICIPANTS ? panelId : undefined}
          onClick={() => togglePanel(PARTICIPANTS)}
        >
          <PeopleIcon />
          <span>{t('call.participants')}</span>
          <span className="control-count" aria-hidden="true">
            {participants.length + 1}
          </span>
        </button>
        <button type="button" className="control control-leave" onClick={leave}>
          <LeaveIcon />
          <span>{t('call.leave')}</span>
        </button>
      </div>

      <div className="visually-hidden" role="log" aria-live="polite" aria-label={t('call.participants')}>
        {announcements.map((text, i) => (
          <p key={i}>{text}</p>
        ))}
      </div>
      <NoticeArea notices={session.notices} />
      {slots('Announcer').map(({ slot }) => slot.render(host, {}))}
      {slots('Overlay').map(({ slot }) => slot.render(host, {}))}
      <AudioSinks streams={media.remote} phoneMix={media.phoneMix} />
    </section>
  );
}
