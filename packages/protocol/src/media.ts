import { z } from 'zod';
import { defineProtocol } from './feature.ts';

/**
 * The `media` namespace: publishing and subscribing through the media server (Janus), negotiated over
 * signaling. Browsers never talk to Janus's API: the server relays SDP and enforces who may publish what.
 *
 * Flow: a client sends `publish` with an SDP offer per source (camera = mic + camera in one connection,
 * screen = a second publication) and gets `publish_answer`. To receive, it sends `subscribe` once; the server
 * answers `subscribe_offer` (one connection carrying every remote stream), the client replies
 * `subscribe_answer`. Whenever the set of remote streams changes the server sends a new `subscribe_offer`
 * (renegotiation), which the client must answer in turn. SDPs are complete (non-trickle) by default;
 * `trickle` is accepted for clients that want it.
 *
 * Phone callers: the SIP gateway, the client of each caller (kind `sip`), sends `attach_phone_audio` with the
 * caller's RTP address and gets `phone_audio_attached` with the media server's; `phone_mute` is the caller's
 * own mute, `phone_talking` their voice activity. While a room has callers, everyone gets `phone_mix { available: true }` and browsers receive the
 * callers' mix over one extra receive-only connection: `subscribe_phone_mix` → `phone_mix_offer` →
 * `phone_mix_answer` (complete SDPs, no trickle). After `reconnect` the gateway attaches again (the media
 * server's RTP address changes); it hangs up with `control/leave` (a dropped connection keeps the caller in the
 * room for the resume window).
 */
export const MEDIA_NAMESPACE = 'media';

export const MediaSource = z.enum(['camera', 'screen']);
export type MediaSource = z.infer<typeof MediaSource>;

const Sdp = z.string().min(10).max(60_000);

const IceCandidate = z
  .object({
    candidate: z.string().max(1024),
    sdpMid: z.string().max(64).nullable().optional(),
    sdpMLineIndex: z.number().int().min(0).max(64).nullable().optional(),
  })
  .strict();

// ── client → server ────────────────────────────────────────────────────────────

export const MediaPublish = z
  .object({ action: z.literal('publish'), source: MediaSource, sdp: Sdp })
  .strict();
export const MediaUnpublish = z.object({ action: z.literal('unpublish'), source: MediaSource }).strict();
/** Microphone / camera switched on or off by the participant: shown to everyone. */
export const MediaUpdateState = z
  .object({ action: z.literal('update_state'), audio: z.boolean(), video: z.boolean() })
  .strict();
export const MediaSubscribe = z.object({ action: z.literal('subscribe') }).strict();
export const MediaSubscribeAnswer = z.object({ action: z.literal('subscribe_answer'), sdp: Sdp }).strict();
/** The size a remote video is shown at; the server picks the simulcast layer from it. 0×0 = not visible. */
export const MediaTileSize = z
  .object({
    action: z.literal('tile_size'),
    participant_id: z.uuid(),
    source: MediaSource,
    width: z.number().int().min(0).max(8192),
    height: z.number().int().min(0).max(8192),
  })
  .strict();
export const MediaTrickle = z
  .object({
    action: z.literal('trickle'),
    target: z.enum(['camera', 'screen', 'subscriber']),
    /** null: end of candidates */
    candidate: IceCandidate.nullable(),
  })
  .strict();

// ── phone callers (participants of kind `sip`; the SIP gateway is their client) ──

/** The audio codecs of a caller's plain-RTP leg (what the SIP gateway negotiated with the phone). */
export const PhoneCodec = z.enum(['pcmu', 'pcma', 'opus']);
export type PhoneCodec = z.infer<typeof PhoneCodec>;

/** A plain (unencrypted) RTP address: where the media server sends to, or where it expects to receive. */
export const RtpAddress = z
  .object({ ip: z.union([z.ipv4(), z.ipv6()]), port: z.number().int().min(1).max(65535) })
  .strict();
export type RtpAddress = z.infer<typeof RtpAddress>;

/**
 * Kind `sip` only: bridges the caller's audio into the room. The media server sends the room's mix (minus the
 * caller) to `rtp` once it has received the caller's first RTP packet, and expects the caller's audio at the
 * address in `phone_audio_attached`. A second attach replaces the first.
 */
export const MediaAttachPhoneAudio = z
  .object({ action: z.literal('attach_phone_audio'), codec: PhoneCodec, rtp: RtpAddress })
  .strict();
/** Kind `sip` only: the caller muted (or unmuted) themselves on the phone; shown to everyone like a microphone switch. */
export const MediaPhoneMute = z.object({ action: z.literal('phone_mute'), muted: z.boolean() }).strict();
/**
 * Kind `sip` only: the caller talks (or stopped). The gateway decides from the audio it relays (voice activity
 * over about a second); Janus 1.1 reports no audio levels of plain-RTP participants. Shown as `talking` like a
 * browser's; ignored while the caller is muted.
 */
export const MediaPhoneTalking = z.object({ action: z.literal('phone_talking'), talking: z.boolean() }).strict();
/** Receive the callers' mix (after `phone_mix { available: true }`): answered by `phone_mix_offer`. */
export const MediaSubscribePhoneMix = z.object({ action: z.literal('subscribe_phone_mix') }).strict();
/** The browser's answer to `phone_mix_offer`. */
export const MediaPhoneMixAnswer = z.object({ action: z.literal('phone_mix_answer'), sdp: Sdp }).strict();
/** Stop receiving the callers' mix. */
export const MediaUnsubscribePhoneMix = z.object({ action: z.literal('unsubscribe_phone_mix') }).strict();

export const MediaCommand = z.discriminatedUnion('action', [
  MediaAttachPhoneAudio,
  MediaPhoneMute,
  MediaPhoneTalking,
  MediaSubscribePhoneMix,
  MediaPhoneMixAnswer,
  MediaUnsubscribePhoneMix,
  MediaPublish,
  MediaUnpublish,
  MediaUpdateState,
  MediaSubscribe,
  MediaSubscribeAnswer,
  MediaTileSize,
  MediaTrickle,
]);
export type MediaCommand = z.infer<typeof MediaCommand>;

// ── server → client ────────────────────────────────────────────────────────────

/** A participant's media as everyone sees it (tile icons, which tiles exist). */
export const ParticipantMedia = z.object({
  participant_id: z.uuid(),
  /** Microphone on (false: muted icon). */
  audio: z.boolean(),
  /** Camera on. */
  video: z.boolean(),
  /** Which sources are published now. */
  publishing: z.array(MediaSource),
});
export type ParticipantMedia = z.infer<typeof ParticipantMedia>;

/** One remote stream inside the subscriber connection: which transceiver (mid) carries whose media. */
export const SubscribedStream = z.object({
  mid: z.string(),
  participant_id: z.uuid(),
  source: MediaSource,
  kind: z.enum(['audio', 'video']),
});
export type SubscribedStream = z.infer<typeof SubscribedStream>;

export const MediaPublishAnswer = z.object({ message: z.literal('publish_answer'), source: MediaSource, sdp: z.string() });
export const MediaSubscribeOffer = z.object({
  message: z.literal('subscribe_offer'),
  sdp: z.string(),
  streams: z.array(SubscribedStream),
});
export const MediaStateChanged = z.object({ message: z.literal('media_state'), state: ParticipantMedia });
/** Active speaker, from the media server's audio levels. */
export const MediaTalking = z.object({ message: z.literal('talking'), participant_id: z.uuid(), talking: z.boolean() });
/** The media server was lost; the server has moved the room to a fresh one. Publish and subscribe again. */
export const MediaReconnect = z.object({ message: z.literal('reconnect'), reason: z.string() });

/**
 * A moderator muted this participant: switch the microphone off (the media server already drops its audio).
 * Without `by`: the room's policy lets only moderators unmute, so a new publication starts muted.
 */
export const MediaForceMuted = z.object({ message: z.literal('force_muted'), by: z.uuid().optional() });

/**
 * Short-lived TURN credentials for this participant (the "REST API for TURN" scheme: the username carries
 * the expiry), what the browser puts into its `RTCPeerConnection`'s `iceServers`. Only when the deployment
 * has TURN (TURN_URLS).
 */
export const TurnCredentials = z.object({
  urls: z.array(z.string()).min(1),
  username: z.string(),
  credential: z.string(),
  /** The TURN server refuses them after this instant; the server sends fresh ones (`turn_credentials`) well before. */
  expires_at: z.iso.datetime(),
});
export type TurnCredentials = z.infer<typeof TurnCredentials>;

/** Fresh TURN credentials before the previous ones expire: use them for every new ICE gathering (and ICE restart). */
export const MediaTurnCredentials = z.object({ message: z.literal('turn_credentials'), turn: TurnCredentials });

/** To the caller (kind `sip`): where the media server expects the caller's RTP, and the payload type it sends with. */
export const MediaPhoneAudioAttached = z.object({
  message: z.literal('phone_audio_attached'),
  rtp: RtpAddress,
  payload_type: z.number().int().min(0).max(127),
});
/**
 * To everyone: whether the room has a mix of its phone callers (at least one caller's audio is attached).
 * Browsers receive it with `subscribe_phone_mix` while it is available; when it goes, its connection ends.
 */
export const MediaPhoneMix = z.object({ message: z.literal('phone_mix'), available: z.boolean() });
/** The media server's offer for the callers' mix (one receive-only audio stream); answer with `phone_mix_answer`. */
export const MediaPhoneMixOffer = z.object({ message: z.literal('phone_mix_offer'), sdp: z.string() });

export const MediaMessage = z.discriminatedUnion('message', [
  MediaPhoneAudioAttached,
  MediaPhoneMix,
  MediaPhoneMixOffer,
  MediaTurnCredentials,
  MediaForceMuted,
  MediaPublishAnswer,
  MediaSubscribeOffer,
  MediaStateChanged,
  MediaTalking,
  MediaReconnect,
]);
export type MediaMessage = z.infer<typeof MediaMessage>;

/** The `media` part of join_success. */
export const MediaSnapshot = z.object({
  participants: z.array(ParticipantMedia),
  /** Participants talking now. */
  talking: z.array(z.uuid()),
  /** Whether a media server is available for this room. */
  available: z.boolean(),
  /** This receiver's TURN credentials; null when the deployment has no TURN. */
  turn: TurnCredentials.nullable(),
  /** Whether the callers' mix exists now (see `phone_mix`). */
  phone_mix: z.boolean(),
});
export type MediaSnapshot = z.infer<typeof MediaSnapshot>;

export const mediaProtocol = defineProtocol({
  namespace: MEDIA_NAMESPACE,
  commands: MediaCommand,
  messages: MediaMessage,
  snapshot: MediaSnapshot,
  errors: [
    /** No media server can take the room now (none configured or ready); wait for `reconnect`. */
    'media_unavailable',
    /** The media server refused or failed the request (e.g. an SDP it cannot use). */
    'media_failed',
    /** The named publication, subscription or stream is not there (e.g. unpublish of a source not published, tile_size of a stream not received). */
    'media_not_found',
    /** A subscribe_answer without an offer waiting for it. */
    'media_no_offer',
    /** A phone command (phone_mute, phone_talking) of a caller whose audio is not attached, or a subscribe_phone_mix while there is no mix. */
    'media_no_phone',
  ],
});
