/** What the rest of the server knows of media: no Janus specifics leak past this interface. */

export interface MediaServerStatus {
  /** Stable name: "embedded" or the configured URL. */
  id: string;
  /** Where the server answers now (the embedded one gets a new port at each start). */
  url: string;
  ready: boolean;
  /** Media rooms open on this server. */
  rooms: number;
}

/** Events for whoever hosts rooms (the meeting core tells its rooms and reopens them elsewhere or later). */
export type MediaEvent =
  /** A media server went away: its rooms (ids listed) are closed; participants' media is gone. */
  | { type: 'server_lost'; server: string; rooms: string[]; reason: string }
  /** A media server (again) accepts rooms. */
  | { type: 'server_ready'; server: string };

export interface MediaRoomOptions {
  /** Shown to operators only. */
  description?: string;
  /** Maximum number of concurrent publishers. */
  publishers?: number;
}

/** One room on one media server. Closing it (or losing its server) releases everything in it. */
export interface MediaRoom {
  /** Opaque, unique per media service. */
  readonly id: string;
  /** The media server's stable name (see MediaServerStatus.id). */
  readonly server: string;
  readonly closed: boolean;
  /** Number of participants the media server sees in the room. */
  participantCount(): Promise<number>;
  /** Called once when the room closes, with the reason (closed by Plenum, server lost, service closed). */
  onClose(listener: (reason: string) => void): void;
  close(): Promise<void>;

  // ── publishing and subscribing (one WebRTC connection per publication, one per subscriber) ──

  /**
   * Publishes one source of a participant from the browser's SDP offer; returns the SDP answer.
   * A publication of the same participant and source that exists already is replaced.
   */
  publish(participantId: string, source: MediaSourceName, offerSdp: string): Promise<string>;
  /** Ends a publication; subscribers lose its streams at their next negotiation. No-op when absent. */
  unpublish(participantId: string, source: MediaSourceName): Promise<void>;
  /**
   * Moderator mute: the media server stops (or resumes) relaying the publication's audio, whatever the
   * browser sends. No-op when there is no such publication.
   */
  muteAudio(participantId: string, source: MediaSourceName, muted: boolean): Promise<void>;
  /** Publications that exist now. */
  publications(): PublicationRef[];
  /**
   * Sets what a participant's subscription carries. Returns the offer the client must answer, or null when
   * nothing needs negotiating now. While an offer is unanswered, the change waits for the answer
   * (`answerSubscription` returns the next offer then): renegotiations never overlap.
   */
  updateSubscription(participantId: string, publications: PublicationRef[]): Promise<SubscriptionOffer | null>;
  /** The client's answer to the last offer; returns the next offer if changes waited meanwhile. */
  answerSubscription(participantId: string, answerSdp: string): Promise<SubscriptionOffer | null>;
  /** Drops a participant's subscription (e.g. the client starts over after a reconnect). */
  resetSubscription(participantId: string): Promise<void>;
  /** Whether the participant has a subscription now (one that ended, or was reset, no longer counts). */
  hasSubscription(participantId: string): boolean;
  /** The streams of a participant's subscription as last offered. */
  subscribedStreams(participantId: string): SubscribedMediaStream[];
  /** Which simulcast layer (0 lowest … 2 highest) a subscribed video stream receives, or 'paused'. */
  setVideoLayer(participantId: string, mid: string, layer: VideoLayer): Promise<void>;
  /** Relays a browser ICE candidate (null: end of candidates) to a publication or the subscription. */
  trickle(participantId: string, target: MediaSourceName | 'subscriber', candidate: IceCandidateInit | null): Promise<void>;
  /** Removes everything of a participant (publications and subscription). */
  removeParticipant(participantId: string): Promise<void>;
  /** Events of this room (talking, connections the media server ended); returns the function that unsubscribes. */
  onEvent(listener: (event: MediaRoomEvent) => void): () => void;

  // ── phone callers (plain RTP, mixed by the media server) ──

  /**
   * Bridges a phone caller's plain-RTP audio into the room (a second call replaces the first): the caller hears
   * everyone else, the browsers hear the callers through the phone mix. The first caller opens the mix
   * (`phone_mix` event), from then on every camera publication's audio is fed to the callers.
   */
  attachPhone(participantId: string, leg: PhoneLeg): Promise<PhoneLegAttached>;
  /** Ends a caller's leg; the last one closes the mix. No-op when absent. */
  detachPhone(participantId: string): Promise<void>;
  /** Mutes (or unmutes) a caller in the mix: nobody hears them. `MediaStateError` when the caller has no leg. */
  mutePhone(participantId: string, muted: boolean): Promise<void>;
  /** Whether the callers' mix exists now. */
  phoneMixAvailable(): boolean;
  /** Starts a participant's reception of the callers' mix (replacing an earlier one); returns the offer to answer. */
  watchPhoneMix(participantId: string): Promise<string>;
  /** The answer to the last `watchPhoneMix` offer. */
  answerPhoneMix(participantId: string, answerSdp: string): Promise<void>;
  /** Ends a participant's reception of the mix. No-op when absent. */
  unwatchPhoneMix(participantId: string): Promise<void>;
  /**
   * Whose camera audio the callers hear (default: everyone's). Setting it again re-applies it to the feeds that
   * exist (e.g. after the room's groups changed).
   */
  phoneFeedsFrom(allowed: (participantId: string) => boolean): void;

  // ── recording (plain RTP to a local recorder) ──

  /**
   * Forwards a live publication's video (VP8) and audio (Opus) as plain RTP to a recorder (VideoRoom
   * `rtp_forward`) and asks the publisher for a keyframe, so the recorder can decode at once. Null when the
   * publication is not there or not live yet.
   */
  forwardToRecorder(ref: PublicationRef, target: RecorderTarget): Promise<RecorderForward | null>;
  /** Stops such a forward; no-op when the publication is gone (its forwarders went with it). */
  stopRecorderForward(forward: RecorderForward): Promise<void>;
}

/** Where a recorder listens for one participant's streams. */
export interface RecorderTarget {
  host: string;
  videoPort: number;
  audioPort: number;
  /** RTP payload types the recorder expects. */
  videoPt: number;
  audioPt: number;
}

export interface RecorderForward {
  readonly ref: PublicationRef;
  /** The media server's forwarder ids. */
  readonly streamIds: readonly number[];
}

export type PhoneCodecName = 'pcmu' | 'pcma' | 'opus';

export interface PhoneLeg {
  codec: PhoneCodecName;
  /** Where the media server sends the caller's audio (the mix without the caller). */
  ip: string;
  port: number;
}

export interface PhoneLegAttached {
  /** Where the media server expects the caller's RTP. */
  ip: string;
  port: number;
  /** The RTP payload type the media server sends (and expects). */
  payloadType: number;
}

export type MediaSourceName = 'camera' | 'screen';
export type VideoLayer = 0 | 1 | 2 | 'paused';

export interface PublicationRef {
  participantId: string;
  source: MediaSourceName;
}

export interface SubscribedMediaStream extends PublicationRef {
  mid: string;
  kind: 'audio' | 'video';
}

export interface SubscriptionOffer {
  sdp: string;
  streams: SubscribedMediaStream[];
}

export interface IceCandidateInit {
  candidate: string;
  sdpMid?: string | null | undefined;
  sdpMLineIndex?: number | null | undefined;
}

export type MediaRoomEvent =
  /** Voice activity of a publication (from the media server's audio levels). */
  | { type: 'talking'; participantId: string; source: MediaSourceName; talking: boolean }
  /** A publication's connection is up: it can be subscribed to now (subscriptions only ever carry live ones). */
  | { type: 'publication_live'; participantId: string; source: MediaSourceName }
  /** The media server ended a publication's connection (ICE failure, the browser closed it): it is gone. */
  | { type: 'publication_ended'; participantId: string; source: MediaSourceName; reason: string }
  /** The media server ended a subscription's connection: it is gone; the client must subscribe again. */
  | { type: 'subscription_ended'; participantId: string; reason: string }
  /** The media server sent a new offer on its own (the client must answer it). */
  | { type: 'subscription_offer'; participantId: string; offer: SubscriptionOffer }
  /** The callers' mix opened (first caller) or closed (last caller gone). */
  | { type: 'phone_mix'; available: boolean }
  /** The media server ended a participant's reception of the phone mix. */
  | { type: 'phone_mix_ended'; participantId: string; reason: string };

/** The request does not fit the state (an answer without an offer, a stream that is not there). */
export class MediaStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MediaStateError';
  }
}

/** The media server refused or failed the request (e.g. an SDP it cannot use). */
export class MediaRequestError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MediaRequestError';
  }
}

export interface MediaService {
  /** 'off' when the deployment runs without media (API-only). */
  readonly mode: 'janus' | 'off';
  /** True when at least one media server answers. */
  isReady(): boolean;
  /** Details for /ready and operators. */
  status(): { ready: boolean; servers: MediaServerStatus[] };
  /** Opens a room on the least-loaded ready media server; `MediaUnavailableError` when there is none. */
  createRoom(opts?: MediaRoomOptions): Promise<MediaRoom>;
  /** Returns the function that unsubscribes. */
  subscribe(listener: (event: MediaEvent) => void): () => void;
  close(): Promise<void>;
}

/** No media server can take the request (none configured, none ready, or the service is closed). */
export class MediaUnavailableError extends Error {
  constructor(message = 'no media server is ready') {
    super(message);
    this.name = 'MediaUnavailableError';
  }
}

/** The media service of an API-only deployment (MEDIA=off): nothing to wait for, no rooms. */
export function noMedia(): MediaService {
  return {
    mode: 'off',
    isReady: () => true,
    status: () => ({ ready: true, servers: [] }),
    createRoom: () => Promise.reject(new MediaUnavailableError('media is off in this deployment (MEDIA=off)')),
    subscribe: () => () => {},
    close: async () => {},
  };
}
