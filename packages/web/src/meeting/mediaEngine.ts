import {
  MEDIA_NAMESPACE,
  MediaMessage,
  mediaProtocol,
  MediaSnapshot,
  SignalingErrorPayload,
  type AnyFeatureProtocol,
  type CommandOf,
  type MediaSource,
  type ParticipantMedia,
  type ServerEnvelope,
  type SubscribedStream,
  type TurnCredentials,
} from '@plenum/protocol';
import type { LocalMedia, LocalMediaSnapshot } from './localMedia.ts';
import { classifyQuality, lossBetween, readStats, type LossCounters, type Quality } from './quality.ts';

/** What the engine needs of the signaling connection. */
export interface MediaSignaling {
  send<P extends AnyFeatureProtocol>(protocol: P, command: CommandOf<P>): boolean;
}

/** One remote stream as the UI shows it: whose, which source, audio or video. */
export interface RemoteStream {
  participantId: string;
  source: MediaSource;
  kind: 'audio' | 'video';
  stream: MediaStream;
}

export type ScreenShareProblem = 'denied' | 'unsupported' | 'failed';

export interface MediaEngineSnapshot {
  /** Whether the server has a media server for this room. */
  available: boolean;
  states: ReadonlyMap<string, ParticipantMedia>;
  talking: ReadonlySet<string>;
  remote: readonly RemoteStream[];
  quality: Quality;
  screen: { active: boolean; stream: MediaStream | null; problem: ScreenShareProblem | null };
  /** The room's phone callers, mixed by the media server (one audio track), while the room has callers. */
  phoneMix: MediaStream | null;
}

/** VP8 simulcast: the server forwards to each subscriber the layer its tile size needs. */
const simulcastEncodings: RTCRtpEncodingParameters[] = [
  { rid: 'l', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'm', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'h', scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
];

const ANSWER_TIMEOUT_MS = 15_000;
const ICE_GATHERING_TIMEOUT_MS = 3_000;
const TILE_SIZE_INTERVAL_MS = 500;
const TILE_SIZE_SETTLE_MS = 150;
const STATS_INTERVAL_MS = 2_000;

/** Non-trickle: the SDP sent carries every candidate (on loopback and LANs gathering takes milliseconds). */
function iceGatheringComplete(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    // Whatever was gathered by then is sent; a stalled STUN/TURN server must not stall the join.
    const timer = setTimeout(done, ICE_GATHERING_TIMEOUT_MS);
    pc.addEventListener('icegatheringstatechange', check);
  });
}

function prefersVp8(transceiver: RTCRtpTransceiver): void {
  const codecs = RTCRtpSender.getCapabilities?.('video')?.codecs;
  if (!codecs || !transceiver.setCodecPreferences) return;
  const vp8 = codecs.filter((c) => c.mimeType.toLowerCase() === 'video/vp8');
  const rest = codecs.filter((c) => c.mimeType.toLowerCase() !== 'video/vp8');
  if (vp8.length) transceiver.setCodecPreferences([...vp8, ...rest]);
}

interface Publication {
  pc: RTCPeerConnection;
  audio: RTCRtpSender | null;
  video: RTCRtpSender | null;
}

interface TileReport {
  participantId: string;
  source: MediaSource;
  width: number;
  height: number;
  sent: { width: number; height: number } | null;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The browser side of `media`: one publisher connection for microphone + camera (simulcast), one for a
 * screen share, one subscriber connection that answers every `subscribe_offer` (negotiations run one at a
 * time). All SDP goes through signaling; the engine never talks to the media server's API.
 */
export class MediaEngine {
  private snapshotValue: MediaEngineSnapshot = {
    available: false,
    states: new Map(),
    talking: new Set(),
    remote: [],
    quality: 'unknown',
    screen: { active: false, stream: null, problem: null },
    phoneMix: null,
  };
  private readonly listeners = new Set<() => void>();
  private readonly forceMutedListeners = new Set<() => void>();
  private camera: Publication | null = null;
  private screen: Publication | null = null;
  private screenTrack: MediaStreamTrack | null = null;
  private subscriber: RTCPeerConnection | null = null;
  /** The receive-only connection of the callers' mix (while the server says there is one). */
  private phone: RTCPeerConnection | null = null;
  private phoneNegotiation: Promise<void> = Promise.resolve();
  /** The subscriber connection the last answer went out on (a new one needs every tile size again). */
  private answeredSubscriber: RTCPeerConnection | null = null;
  private streams: SubscribedStream[] = [];
  private readonly remoteStreams = new Map<string, RemoteStream>();
  private negotiation: Promise<void> = Promise.resolve();
  private readonly pendingAnswers = new Map<MediaSource, { resolve(sdp: string): void; reject(err: Error): void }>();
  private readonly tiles = new Map<string, TileReport>();
  private statsTimer: ReturnType<typeof setInterval> | undefined;
  private lastCounters: LossCounters | null = null;
  private lastSentState: { audio: boolean; video: boolean } | null = null;
  private unsubscribeLocal: () => void;
  private closed = false;
  /** The TURN relay with this participant's short-lived credentials (join_success, then `turn_credentials`). */
  private iceServers: RTCIceServer[] = [];

  constructor(
    private readonly signaling: MediaSignaling,
    private readonly local: LocalMedia,
  ) {
    this.unsubscribeLocal = local.subscribe(() => this.onLocalChange(local.snapshot));
  }

  get snapshot(): MediaEngineSnapshot {
    return this.snapshotValue;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): MediaEngineSnapshot => this.snapshotValue;

  /** A moderator muted this participant (after the microphone went off here). */
  onForceMuted(listener: () => void): () => void {
    this.forceMutedListeners.add(listener);
    return () => this.forceMutedListeners.delete(listener);
  }

  /** The connections, for diagnostics (and the end-to-end test hook). */
  connections(): {
    camera: RTCPeerConnection | null;
    screen: RTCPeerConnection | null;
    subscriber: RTCPeerConnection | null;
    phoneMix: RTCPeerConnection | null;
    streams: SubscribedStream[];
  } {
    return { camera: this.camera?.pc ?? null, screen: this.screen?.pc ?? null, subscriber: this.subscriber, phoneMix: this.phone, streams: [...this.streams] };
  }

  /**
   * After every join (first or resumed): take the room's media state from the snapshot and make sure this
   * participant publishes and receives. After a resume the server may still hold the publications.
   */
  async joined(selfId: string, modules: Record<string, unknown>, resumed: boolean): Promise<void> {
    const parsed = MediaSnapshot.safeParse(modules[MEDIA_NAMESPACE]);
    const snapshot = parsed.success ? parsed.data : { participants: [], talking: [], available: false, turn: null, phone_mix: false };
    this.useTurn(snapshot.turn);
    this.update({
      available: snapshot.available,
      states: new Map(snapshot.participants.map((p) => [p.participant_id, p])),
      talking: new Set(snapshot.talking),
    });
    if (!snapshot.available) {
      this.closePhoneMix();
      return;
    }
    // After a resume the server may still send the mix over the open connection: it is kept then.
    if (!snapshot.phone_mix) this.closePhoneMix();
    else if (!resumed || !this.phone) this.requestPhoneMix();
    const mine = snapshot.participants.find((p) => p.participant_id === selfId);
    this.lastSentState = null;
    this.sendState();
    // Receiving does not wait for publishing: the server sets both up side by side, so the others appear as
    // soon as their subscription is answered.
    this.requestSubscription();
    if (!resumed || !this.camera || !mine?.publishing.includes('camera')) await this.publishCamera();
    if (this.screenTrack && (!resumed || !this.screen || !mine?.publishing.includes('screen'))) await this.publishScreen(this.screenTrack);
    this.startStats();
  }

  handle(envelope: ServerEnvelope): void {
    if (envelope.namespace !== MEDIA_NAMESPACE || this.closed) return;
    const error = SignalingErrorPayload.safeParse(envelope.payload);
    if (error.success) {
      // A refused publish (no media server, failed negotiation) ends the wait at once instead of timing out.
      if (error.data.action === 'publish') for (const pending of [...this.pendingAnswers.values()]) pending.reject(new Error(`publish refused: ${error.data.error}`));
      return;
    }
    const parsed = MediaMessage.safeParse(envelope.payload);
    if (!parsed.success) return;
    const message = parsed.data;
    switch (message.message) {
      case 'publish_answer':
        this.pendingAnswers.get(message.source)?.resolve(message.sdp);
        return;
      case 'subscribe_offer':
        this.negotiation = this.negotiation.then(() => this.answerSubscription(message.sdp, message.streams)).catch((err: unknown) => {
          console.warn('subscription negotiation failed', err);
        });
        return;
      case 'media_state': {
        const states = new Map(this.snapshotValue.states);
        states.set(message.state.participant_id, message.state);
        this.update({ states });
        return;
      }
      case 'talking': {
        const talking = new Set(this.snapshotValue.talking);
        if (message.talking) talking.add(message.participant_id);
        else talking.delete(message.participant_id);
        this.update({ talking });
        return;
      }
      case 'reconnect':
        void this.restartAll();
        return;
      case 'turn_credentials':
        this.useTurn(message.turn);
        return;
      case 'force_muted':
        // A moderator muted us (the media server already drops the audio): the microphone goes off here too.
        this.local.setAudioEnabled(false);
        for (const listener of this.forceMutedListeners) listener();
        return;
      case 'phone_mix':
        if (message.available) this.requestPhoneMix();
        else this.closePhoneMix();
        return;
      case 'phone_mix_offer':
        this.phoneNegotiation = this.phoneNegotiation.then(() => this.answerPhoneMix(message.sdp)).catch((err: unknown) => {
          console.warn('phone mix negotiation failed', err);
        });
        return;
      case 'phone_audio_attached':
        // Only for the SIP gateway's callers.
        return;
    }
  }

  // ── the callers' mix ──────────────────────────────────────────────────────────

  /** `subscribe_phone_mix` starts over on the server, so a fresh connection answers its offer. */
  private requestPhoneMix(): void {
    this.closePhoneMix();
    this.signaling.send(mediaProtocol, { action: 'subscribe_phone_mix' });
  }

  private closePhoneMix(): void {
    this.phone?.close();
    this.phone = null;
    if (this.snapshotValue.phoneMix) this.update({ phoneMix: null });
  }

  private async answerPhoneMix(sdp: string): Promise<void> {
    if (this.closed) return;
    this.phone?.close();
    const pc = new RTCPeerConnection(this.rtcConfiguration());
    this.phone = pc;
    pc.addEventListener('track', (ev) => {
      if (this.phone === pc && ev.track.kind === 'audio') this.update({ phoneMix: new MediaStream([ev.track]) });
    });
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await iceGatheringComplete(pc);
    if (this.closed || pc !== this.phone) return;
    this.signaling.send(mediaProtocol, { action: 'phone_mix_answer', sdp: pc.localDescription!.sdp });
  }

  /** Connections made from now on, and ICE restarts of the open ones, use these credentials. */
  private useTurn(turn: TurnCredentials | null): void {
    this.iceServers = turn ? [{ urls: turn.urls, username: turn.username, credential: turn.credential }] : [];
    for (const pc of [this.camera?.pc, this.screen?.pc, this.subscriber, this.phone]) {
      if (!pc || pc.connectionState === 'closed') continue;
      try {
        pc.setConfiguration({ ...pc.getConfiguration(), iceServers: this.iceServers });
      } catch (err) {
        console.warn('could not update the TURN credentials of a connection', err);
      }
    }
  }

  private rtcConfiguration(): RTCConfiguration {
    return { bundlePolicy: 'max-bundle', iceServers: this.iceServers };
  }

  /** A participant left: forget their state (their streams go with the next subscribe_offer). */
  forget(participantId: string): void {
    const states = new Map(this.snapshotValue.states);
    const talking = new Set(this.snapshotValue.talking);
    states.delete(participantId);
    talking.delete(participantId);
    this.update({ states, talking });
  }

  async startScreenShare(): Promise<void> {
    if (this.screenTrack) return;
    if (!navigator.mediaDevices?.getDisplayMedia) {
      this.updateScreen({ problem: 'unsupported' });
      return;
    }
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: { width: { max: 1920 }, height: { max: 1080 }, frameRate: { max: 15 } }, audio: false });
    } catch (err) {
      const name = err instanceof Error ? err.name : '';
      this.updateScreen({ problem: name === 'NotAllowedError' ? 'denied' : 'failed' });
      return;
    }
    const track = stream.getVideoTracks()[0];
    if (!track) return;
    // Text on slides must stay sharp; resolution matters more than motion.
    track.contentHint = 'detail';
    // The browser's own "stop sharing" button ends the track.
    track.addEventListener('ended', () => this.stopScreenShare());
    this.screenTrack = track;
    this.updateScreen({ active: true, stream: new MediaStream([track]), problem: null });
    if (this.snapshotValue.available) await this.publishScreen(track);
  }

  stopScreenShare(): void {
    if (!this.screenTrack) return;
    this.screenTrack.stop();
    this.screenTrack = null;
    this.screen?.pc.close();
    this.screen = null;
    this.signaling.send(mediaProtocol, { action: 'unpublish', source: 'screen' });
    this.updateScreen({ active: false, stream: null });
  }

  /** The size a remote video is shown at (0×0: not visible); sent at most twice a second per tile. */
  reportTileSize(participantId: string, source: MediaSource, width: number, height: number): void {
    const key = `${participantId}:${source}`;
    const report = this.tiles.get(key) ?? { participantId, source, width: 0, height: 0, sent: null, timer: undefined };
    report.width = Math.max(0, Math.min(8192, Math.round(width)));
    report.height = Math.max(0, Math.min(8192, Math.round(height)));
    this.tiles.set(key, report);
    this.flushTile(report);
  }

  /**
   * Sends a tile's size after a short pause (a tile that remounts reports 0×0 and its size in the same moment;
   * only the latter should reach the server), then at most every TILE_SIZE_INTERVAL_MS.
   */
  private flushTile(report: TileReport, delayMs = TILE_SIZE_SETTLE_MS): void {
    if (report.timer !== undefined) return;
    report.timer = setTimeout(() => {
      report.timer = undefined;
      this.sendTile(report);
    }, delayMs);
  }

  private sendTile(report: TileReport): void {
    if (this.closed) return;
    if (report.sent && report.sent.width === report.width && report.sent.height === report.height) return;
    // Only streams this connection receives have a layer to choose (the server refuses others).
    const { participantId, source } = report;
    if (!this.streams.some((s) => s.participant_id === participantId && s.source === source && s.kind === 'video')) return;
    const sent = this.signaling.send(mediaProtocol, { action: 'tile_size', participant_id: participantId, source, width: report.width, height: report.height });
    if (sent) report.sent = { width: report.width, height: report.height };
    this.flushTile(report, TILE_SIZE_INTERVAL_MS);
  }

  /** A new subscription starts with the server's default layers: tell it every tile's size again. */
  private resendTileSizes(): void {
    for (const report of this.tiles.values()) {
      report.sent = null;
      this.flushTile(report);
    }
  }

  close(): void {
    this.closed = true;
    this.unsubscribeLocal();
    clearInterval(this.statsTimer);
    for (const report of this.tiles.values()) clearTimeout(report.timer);
    this.camera?.pc.close();
    this.screen?.pc.close();
    this.subscriber?.close();
    this.phone?.close();
    this.screenTrack?.stop();
    this.camera = this.screen = null;
    this.subscriber = null;
    this.phone = null;
    this.screenTrack = null;
    this.listeners.clear();
  }

  // ── publishing ────────────────────────────────────────────────────────────────

  private async publishCamera(): Promise<void> {
    this.camera?.pc.close();
    this.camera = null;
    const { audio, video } = this.local.snapshot;
    // A device that exists (even if switched off) gets its transceiver, so switching it on needs no renegotiation.
    const wantAudio = audio.track !== null;
    const wantVideo = video.track !== null || (!video.enabled && video.problem === null && video.deviceId !== null);
    if (!wantAudio && !wantVideo) return; // listen-only
    const pc = new RTCPeerConnection(this.rtcConfiguration());
    const publication: Publication = { pc, audio: null, video: null };
    if (wantAudio) publication.audio = pc.addTransceiver(audio.track ?? 'audio', { direction: 'sendonly' }).sender;
    if (wantVideo) {
      const transceiver = pc.addTransceiver(video.enabled && video.track ? video.track : 'video', {
        direction: 'sendonly',
        sendEncodings: simulcastEncodings.map((e) => ({ ...e })),
      });
      prefersVp8(transceiver);
      publication.video = transceiver.sender;
    }
    this.camera = publication;
    await this.negotiatePublication('camera', pc);
  }

  private async publishScreen(track: MediaStreamTrack): Promise<void> {
    this.screen?.pc.close();
    const pc = new RTCPeerConnection(this.rtcConfiguration());
    const transceiver = pc.addTransceiver(track, { direction: 'sendonly' });
    prefersVp8(transceiver);
    this.screen = { pc, audio: null, video: transceiver.sender };
    await this.negotiatePublication('screen', pc);
  }

  private async negotiatePublication(source: MediaSource, pc: RTCPeerConnection): Promise<void> {
    await pc.setLocalDescription(await pc.createOffer());
    await iceGatheringComplete(pc);
    if (this.closed || pc.signalingState === 'closed') return;
    const answer = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingAnswers.delete(source);
        reject(new Error(`no publish_answer for ${source}`));
      }, ANSWER_TIMEOUT_MS);
      const settle = () => {
        clearTimeout(timer);
        this.pendingAnswers.delete(source);
      };
      this.pendingAnswers.set(source, {
        resolve: (sdp) => {
          settle();
          resolve(sdp);
        },
        reject: (err) => {
          settle();
          reject(err);
        },
      });
    });
    if (!this.signaling.send(mediaProtocol, { action: 'publish', source, sdp: pc.localDescription!.sdp })) {
      // Not connected; the next join publishes again.
      answer.catch(() => {});
      this.pendingAnswers.get(source)?.reject(new Error('not connected'));
      return;
    }
    try {
      const sdp = await answer;
      if (pc.connectionState !== 'closed') await pc.setRemoteDescription({ type: 'answer', sdp });
    } catch (err) {
      console.warn(`publishing ${source} failed`, err);
    }
  }

  private onLocalChange(local: LocalMediaSnapshot): void {
    const camera = this.camera;
    if (camera) {
      const audioTrack = local.audio.track;
      const videoTrack = local.video.enabled ? local.video.track : null;
      const missingSender = (audioTrack && !camera.audio) || (videoTrack && !camera.video);
      if (missingSender && this.snapshotValue.available) {
        // A device appeared that the publication has no transceiver for: publish anew.
        void this.publishCamera();
      } else {
        if (camera.audio && camera.audio.track !== audioTrack) void camera.audio.replaceTrack(audioTrack);
        if (camera.video && camera.video.track !== videoTrack) void camera.video.replaceTrack(videoTrack);
      }
    } else if ((local.audio.track || local.video.track) && this.snapshotValue.available && this.lastSentState !== null) {
      void this.publishCamera();
    }
    this.sendState();
  }

  private sendState(): void {
    const { audio, video } = this.local.snapshot;
    const state = { audio: audio.enabled && audio.track !== null, video: video.enabled && video.track !== null };
    if (this.lastSentState && this.lastSentState.audio === state.audio && this.lastSentState.video === state.video) return;
    if (this.signaling.send(mediaProtocol, { action: 'update_state', ...state })) this.lastSentState = state;
  }

  // ── subscribing ───────────────────────────────────────────────────────────────

  /** `subscribe` starts the subscription over on the server, so the browser starts a fresh connection too. */
  private requestSubscription(): void {
    this.subscriber?.close();
    this.subscriber = null;
    this.streams = [];
    this.rebuildRemote();
    this.signaling.send(mediaProtocol, { action: 'subscribe' });
  }

  private createSubscriber(): RTCPeerConnection {
    const pc = new RTCPeerConnection(this.rtcConfiguration());
    pc.addEventListener('track', () => this.rebuildRemote());
    this.subscriber = pc;
    return pc;
  }

  private async answerSubscription(sdp: string, streams: SubscribedStream[]): Promise<void> {
    if (this.closed) return;
    let pc = this.subscriber ?? this.createSubscriber();
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp });
    } catch (err) {
      // An offer for a fresh subscription (new media server, or the server started over after a resume)
      // does not fit the old connection: start a new one.
      console.warn('subscribe_offer does not fit the current connection; starting a new one', err);
      pc.close();
      pc = this.createSubscriber();
      await pc.setRemoteDescription({ type: 'offer', sdp });
    }
    await pc.setLocalDescription(await pc.createAnswer());
    await iceGatheringComplete(pc);
    if (this.closed || pc !== this.subscriber) return;
    const fresh = pc !== this.answeredSubscriber;
    this.answeredSubscriber = pc;
    this.streams = streams;
    this.rebuildRemote();
    this.signaling.send(mediaProtocol, { action: 'subscribe_answer', sdp: pc.localDescription!.sdp });
    if (fresh) this.resendTileSizes();
    else for (const report of this.tiles.values()) this.flushTile(report);
  }

  /** Groups the subscriber's tracks by participant, source and kind, keeping MediaStream objects stable. */
  private rebuildRemote(): void {
    const pc = this.subscriber;
    const byMid = new Map(this.streams.map((s) => [s.mid, s]));
    const seen = new Set<string>();
    for (const transceiver of pc?.getTransceivers() ?? []) {
      const info = transceiver.mid === null ? undefined : byMid.get(transceiver.mid);
      const track = transceiver.receiver.track;
      if (!info || transceiver.currentDirection === 'inactive' || transceiver.currentDirection === 'stopped') continue;
      const key = `${info.participant_id}:${info.source}:${info.kind}`;
      seen.add(key);
      let entry = this.remoteStreams.get(key);
      if (!entry) {
        entry = { participantId: info.participant_id, source: info.source, kind: info.kind, stream: new MediaStream() };
        this.remoteStreams.set(key, entry);
      }
      for (const old of entry.stream.getTracks()) if (old !== track) entry.stream.removeTrack(old);
      if (!entry.stream.getTracks().includes(track)) entry.stream.addTrack(track);
    }
    for (const key of [...this.remoteStreams.keys()]) if (!seen.has(key)) this.remoteStreams.delete(key);
    this.update({ remote: [...this.remoteStreams.values()] });
  }

  /** `reconnect`: the media server was replaced; every connection starts over. */
  private async restartAll(): Promise<void> {
    this.negotiation = Promise.resolve();
    this.lastSentState = null;
    this.sendState();
    this.requestSubscription();
    await this.publishCamera();
    if (this.screenTrack) await this.publishScreen(this.screenTrack);
  }

  // ── quality ───────────────────────────────────────────────────────────────────

  private startStats(): void {
    if (this.statsTimer !== undefined) return;
    this.statsTimer = setInterval(() => void this.measure(), STATS_INTERVAL_MS);
  }

  private async measure(): Promise<void> {
    const reports: Record<string, unknown>[] = [];
    for (const pc of [this.camera?.pc, this.subscriber]) {
      if (!pc || pc.connectionState === 'closed') continue;
      const stats = await pc.getStats();
      stats.forEach((r: Record<string, unknown>) => reports.push(r));
    }
    if (this.closed) return;
    const { rtt, counters, remoteLoss } = readStats(reports);
    const loss = lossBetween(this.lastCounters, counters);
    this.lastCounters = counters;
    const worstLoss = loss === null ? remoteLoss : Math.max(loss, remoteLoss ?? 0);
    const quality = classifyQuality(rtt, worstLoss);
    if (quality !== this.snapshotValue.quality) this.update({ quality });
  }

  private updateScreen(change: Partial<MediaEngineSnapshot['screen']>): void {
    this.update({ screen: { ...this.snapshotValue.screen, ...change } });
  }

  private update(change: Partial<MediaEngineSnapshot>): void {
    this.snapshotValue = { ...this.snapshotValue, ...change };
    for (const listener of this.listeners) listener();
  }
}
