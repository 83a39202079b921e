import { randomBytes, randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import { MediaRequestError, MediaStateError, MediaUnavailableError, type PhoneLeg, type PhoneLegAttached, type PublicationRef } from '../types.ts';
import type { JanusHandle } from './client.ts';
import { janus, type AudioTap, type VideoRoomPeers } from './peers.ts';

/**
 * The phone callers of one room, through Janus 1.1 (only while the room has at least one):
 *
 * - one **AudioBridge** room (`allow_rtp_participants`, groups `web` and `phone`, audio-level events);
 * - each caller is a plain-RTP participant of group `phone` (one handle each): Janus mixes, transcodes G.711 /
 *   Opus, and sends every caller the mix without themselves;
 * - each live camera publication's audio is forwarded by the VideoRoom (`rtp_forward`, Opus, payload type 111)
 *   to a plain-RTP participant of group `web` joined without an address: Janus sends it nothing back (checked:
 *   it has nowhere to send to), it only feeds the mix;
 * - the mix of group `phone` only (AudioBridge `rtp_forward` with `group`) goes to a **Streaming** mountpoint, which
 *   browsers watch over one receive-only PeerConnection each — so they hear the callers, never themselves twice.
 *
 * Every Janus request of the bridge runs in one queue, so an attach, a feed and the bridge's teardown never
 * interleave.
 *
 * Talking: Janus 1.1 (up to 1.3) never reads the audio level of plain-RTP participants — the plain-RTP thread
 * passes packets on without parsing header extensions, so `talking` events come only from WebRTC participants,
 * even with `audiolevel_ext` set in the join. Callers' talking is therefore reported by the SIP gateway, which
 * sees their audio anyway (media command `phone_talking`).
 */

export const AUDIOBRIDGE_PLUGIN = 'janus.plugin.audiobridge';
export const STREAMING_PLUGIN = 'janus.plugin.streaming';

/** Janus room and mountpoint ids stay below 2^48 (exact in JavaScript numbers). */
const ID_LIMIT = 2 ** 48;
/** The payload type of Opus between the plugins (and towards callers with Opus). */
export const OPUS_PT = 111;
const PAYLOAD_TYPES = { pcmu: 0, pcma: 8, opus: OPUS_PT } as const;

const feedKey = (ref: PublicationRef) => `${ref.participantId}/${ref.source}`;

interface Caller {
  handle: JanusHandle;
  janusId: number;
}

interface Feed {
  ref: PublicationRef;
  handle: JanusHandle;
  janusId: number;
  streamId: number | null;
}

interface Bridge {
  admin: JanusHandle;
  room: number;
  secret: string;
  streaming: JanusHandle;
  mountpoint: number;
  mountpointSecret: string;
  pin: string;
}

interface Watcher {
  handle: JanusHandle;
  awaitingAnswer: boolean;
}

type Attach = (plugin: string) => Promise<JanusHandle>;

export class PhoneBridge implements AudioTap {
  private bridge: Bridge | null = null;
  private readonly callers = new Map<string, Caller>();
  private readonly feeds = new Map<string, Feed>();
  private readonly watchers = new Map<string, Watcher>();
  /** Camera publications a moderator muted: their forwarded audio is muted in the mix too. */
  private readonly mutedPublications = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Whose camera audio is fed to the callers. */
  private feedAllowed: (participantId: string) => boolean = () => true;

  constructor(
    private readonly peers: VideoRoomPeers,
    private readonly attach: Attach,
    private readonly logger: Logger,
    /** Where the AudioBridge sends the mix for the Streaming mountpoint: both plugins are in the same Janus. */
    private readonly loopbackHost = '127.0.0.1',
  ) {}

  get available(): boolean {
    return !!this.bridge && !this.closed;
  }

  /** One request chain for everything the bridge does. */
  private run<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.closed) throw new MediaUnavailableError('the media room is closed');
      return op();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  attachPhone(participantId: string, leg: PhoneLeg): Promise<PhoneLegAttached> {
    return this.run(async () => {
      await this.dropCaller(participantId);
      const bridge = this.bridge ?? (await this.open(leg.codec === 'opus' ? 48_000 : 16_000));
      const handle = await janus('attach', () => this.attach(AUDIOBRIDGE_PLUGIN));
      try {
        const payloadType = PAYLOAD_TYPES[leg.codec];
        const res = await janus('join the audio bridge', () =>
          handle.message<{ id?: number; rtp?: { ip?: string; port?: number; payload_type?: number } }>({
            request: 'join',
            room: bridge.room,
            display: `phone:${participantId}`,
            group: 'phone',
            codec: leg.codec,
            rtp: { ip: leg.ip, port: leg.port, payload_type: payloadType },
          }),
        );
        const { id, rtp } = res.data;
        if (typeof id !== 'number' || typeof rtp?.ip !== 'string' || typeof rtp.port !== 'number') {
          throw new MediaRequestError('join the audio bridge: Janus named no RTP address');
        }
        this.callers.set(participantId, { handle, janusId: id });
        return { ip: rtp.ip, port: rtp.port, payloadType: rtp.payload_type ?? payloadType };
      } catch (err) {
        await handle.detach();
        await this.closeIfEmpty();
        throw err;
      }
    });
  }

  /** Queued even when no leg is known yet: an attach still on its way is undone after it. */
  detachPhone(participantId: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.run(async () => {
      await this.dropCaller(participantId);
      await this.closeIfEmpty();
    });
  }

  mutePhone(participantId: string, muted: boolean): Promise<void> {
    return this.run(async () => {
      const caller = this.callers.get(participantId);
      if (!caller || !this.bridge) throw new MediaStateError('no phone leg of this participant');
      await this.muteInBridge(caller.janusId, muted);
    });
  }

  watch(participantId: string): Promise<string> {
    return this.run(async () => {
      await this.dropWatcher(participantId);
      const bridge = this.bridge;
      if (!bridge) throw new MediaStateError('the room has no phone mix');
      const handle = await janus('attach', () => this.attach(STREAMING_PLUGIN));
      try {
        const res = await janus('watch the phone mix', () => handle.message({ request: 'watch', id: bridge.mountpoint, pin: bridge.pin }));
        if (res.jsep?.type !== 'offer') throw new MediaRequestError('watch the phone mix: Janus sent no offer');
        const watcher: Watcher = { handle, awaitingAnswer: true };
        this.watchers.set(participantId, watcher);
        const ended = (reason: string) => {
          if (this.watchers.get(participantId) !== watcher) return;
          this.watchers.delete(participantId);
          void handle.detach();
          this.peers.emit({ type: 'phone_mix_ended', participantId, reason });
        };
        handle.on('hangup', (reason) => ended(`hangup: ${reason}`));
        handle.on('closed', (reason) => ended(reason));
        return res.jsep.sdp;
      } catch (err) {
        await handle.detach();
        throw err;
      }
    });
  }

  answer(participantId: string, answerSdp: string): Promise<void> {
    return this.run(async () => {
      const watcher = this.watchers.get(participantId);
      if (!watcher?.awaitingAnswer) throw new MediaStateError('no phone mix offer is waiting for an answer');
      await janus('start the phone mix', () => watcher.handle.message({ request: 'start' }, { type: 'answer', sdp: answerSdp }));
      watcher.awaitingAnswer = false;
    });
  }

  unwatch(participantId: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.run(() => this.dropWatcher(participantId));
  }

  /** Whose camera audio the callers hear; the feeds that exist follow at once. */
  feedsFrom(allowed: (participantId: string) => boolean): void {
    this.feedAllowed = allowed;
    if (!this.bridge) return;
    void this.run(async () => {
      for (const [key, feed] of [...this.feeds]) if (!this.feedAllowed(feed.ref.participantId)) await this.stopFeed(key);
      for (const ref of this.peers.liveAudioPublications()) await this.startFeed(ref);
    }).catch((err: unknown) => this.logger.warn({ err }, 'updating the feeds of the phone mix failed'));
  }

  // ── the audio tap of the VideoRoom: camera publications come and go ──

  live(ref: PublicationRef): void {
    if (!this.bridge) return;
    void this.run(() => this.startFeed(ref)).catch((err: unknown) => this.logger.warn({ err, ...ref }, 'feeding a publication to the phone mix failed'));
  }

  gone(ref: PublicationRef): void {
    if (!this.feeds.has(feedKey(ref))) return;
    void this.run(() => this.stopFeed(feedKey(ref))).catch((err: unknown) => this.logger.warn({ err, ...ref }, 'ending a feed of the phone mix failed'));
  }

  muted(ref: PublicationRef, muted: boolean): void {
    if (muted) this.mutedPublications.add(feedKey(ref));
    else this.mutedPublications.delete(feedKey(ref));
    if (!this.feeds.has(feedKey(ref))) return;
    void this.run(async () => {
      const feed = this.feeds.get(feedKey(ref));
      if (feed) await this.muteInBridge(feed.janusId, muted);
    }).catch((err: unknown) => this.logger.warn({ err, ...ref }, 'muting a feed of the phone mix failed'));
  }

  /** Tears everything down (the media room closes); after a lost server the requests just fail. */
  async close(): Promise<void> {
    if (this.closed) return;
    const done = this.queue.then(() => this.teardown(false));
    this.closed = true;
    await done.catch(() => undefined);
  }

  // ── inside the queue ──

  private async open(samplingRate: number): Promise<Bridge> {
    const admin = await janus('attach', () => this.attach(AUDIOBRIDGE_PLUGIN));
    let streaming: JanusHandle | null = null;
    const secret = randomBytes(18).toString('base64url');
    let room: number | null = null;
    let mountpoint: number | null = null;
    const mountpointSecret = randomBytes(18).toString('base64url');
    try {
      room = await this.create('create the audio bridge', (id) =>
        admin.message({
          request: 'create',
          room: id,
          description: 'Plenum phone bridge',
          secret,
          is_private: true,
          permanent: false,
          sampling_rate: samplingRate,
          allow_rtp_participants: true,
          audiolevel_event: true,
          audio_active_packets: 50,
          audio_level_average: 40,
          groups: ['web', 'phone'],
          // Janus buffers 6 packets (120 ms) per participant by default before mixing; bench/sip measured
          // that as the bulk of the delay a call adds. The legs come from the gateway and the VideoRoom on
          // the same host, so 2 packets (40 ms) absorb their jitter; the trunk's own jitter is the phone's.
          default_prebuffering: 2,
        }),
      );
      streaming = await janus('attach', () => this.attach(STREAMING_PLUGIN));
      const pin = randomBytes(18).toString('base64url');
      const st = streaming;
      let port = 0;
      mountpoint = await this.create('create the phone mix mountpoint', async (id) => {
        const res = await st.message<{ stream?: { ports?: { type?: string; port?: number }[] } }>({
          request: 'create',
          type: 'rtp',
          id,
          name: `phone-mix-${id}`,
          description: 'Plenum phone mix',
          is_private: true,
          permanent: false,
          secret: mountpointSecret,
          pin,
          media: [{ type: 'audio', mid: 'a', port: 0, pt: OPUS_PT, codec: 'opus' }],
        });
        port = res.data.stream?.ports?.find((p) => p.type === 'audio')?.port ?? 0;
      });
      if (!port) throw new MediaRequestError('create the phone mix mountpoint: Janus named no port');
      // Only the callers' mix: the browsers hear each other directly.
      const bridgeRoom = room;
      await janus('forward the phone mix', () =>
        admin.message({ request: 'rtp_forward', room: bridgeRoom, secret, group: 'phone', host: this.loopbackHost, port, codec: 'opus', ptype: OPUS_PT }),
      );
      const bridge: Bridge = { admin, room, secret, streaming: st, mountpoint, mountpointSecret, pin };
      this.bridge = bridge;
      this.peers.audioTap = this;
      this.peers.emit({ type: 'phone_mix', available: true });
      for (const ref of this.peers.liveAudioPublications()) {
        await this.startFeed(ref).catch((err: unknown) => this.logger.warn({ err, ...ref }, 'feeding a publication to the phone mix failed'));
      }
      return bridge;
    } catch (err) {
      // Nothing half-made stays behind in Janus.
      if (mountpoint !== null) await streaming?.message({ request: 'destroy', id: mountpoint, secret: mountpointSecret, permanent: false }).catch(() => undefined);
      if (room !== null) await admin.message({ request: 'destroy', room, secret, permanent: false }).catch(() => undefined);
      await admin.detach();
      await streaming?.detach();
      throw err;
    }
  }

  /** Creates with a random id, again with another one if it is taken. */
  private async create(what: string, make: (id: number) => Promise<unknown>): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const id = randomInt(1, ID_LIMIT);
      try {
        await janus(what, () => make(id));
        return id;
      } catch (err) {
        if (attempt >= 2) throw err;
      }
    }
  }

  private async muteInBridge(janusId: number, muted: boolean): Promise<void> {
    const bridge = this.bridge;
    if (!bridge) return;
    await janus(muted ? 'mute in the audio bridge' : 'unmute in the audio bridge', () =>
      bridge.admin.message({ request: muted ? 'mute' : 'unmute', room: bridge.room, secret: bridge.secret, id: janusId }),
    );
  }

  private async dropCaller(participantId: string): Promise<void> {
    const caller = this.callers.get(participantId);
    if (!caller) return;
    this.callers.delete(participantId);
    // Detaching leaves the bridge.
    await caller.handle.detach();
  }

  private async dropWatcher(participantId: string): Promise<void> {
    const watcher = this.watchers.get(participantId);
    if (!watcher) return;
    this.watchers.delete(participantId);
    await watcher.handle.detach();
  }

  private async startFeed(ref: PublicationRef): Promise<void> {
    const bridge = this.bridge;
    const key = feedKey(ref);
    if (!bridge || this.feeds.has(key) || !this.feedAllowed(ref.participantId)) return;
    const handle = await janus('attach', () => this.attach(AUDIOBRIDGE_PLUGIN));
    try {
      // No address: Janus sends this participant nothing (nobody listens), it only feeds the mix.
      const res = await janus('join the audio bridge', () =>
        handle.message<{ id?: number; rtp?: { ip?: string; port?: number } }>({
          request: 'join',
          room: bridge.room,
          display: `web:${key}`,
          group: 'web',
          codec: 'opus',
          rtp: { payload_type: OPUS_PT },
        }),
      );
      const { id, rtp } = res.data;
      if (typeof id !== 'number' || typeof rtp?.ip !== 'string' || typeof rtp.port !== 'number') {
        throw new MediaRequestError('join the audio bridge: Janus named no RTP address');
      }
      const feed: Feed = { ref, handle, janusId: id, streamId: null };
      this.feeds.set(key, feed);
      if (this.mutedPublications.has(key)) await this.muteInBridge(id, true);
      feed.streamId = await this.peers.forwardAudio(ref, rtp.ip, rtp.port, OPUS_PT);
      if (feed.streamId === null) await this.stopFeed(key);
    } catch (err) {
      this.feeds.delete(key);
      await handle.detach();
      throw err;
    }
  }

  private async stopFeed(key: string): Promise<void> {
    const feed = this.feeds.get(key);
    if (!feed) return;
    this.feeds.delete(key);
    if (feed.streamId !== null) await this.peers.stopForwardAudio(feed.ref, feed.streamId).catch(() => undefined);
    await feed.handle.detach();
  }

  private async closeIfEmpty(): Promise<void> {
    if (this.callers.size === 0 && this.bridge) await this.teardown(true);
  }

  private async teardown(announce: boolean): Promise<void> {
    const bridge = this.bridge;
    if (this.peers.audioTap === this) this.peers.audioTap = null;
    for (const id of [...this.callers.keys()]) await this.dropCaller(id).catch(() => undefined);
    for (const key of [...this.feeds.keys()]) await this.stopFeed(key).catch(() => undefined);
    for (const id of [...this.watchers.keys()]) await this.dropWatcher(id).catch(() => undefined);
    if (!bridge) return;
    this.bridge = null;
    await bridge.streaming.message({ request: 'destroy', id: bridge.mountpoint, secret: bridge.mountpointSecret, permanent: false }).catch(() => undefined);
    await bridge.admin.message({ request: 'destroy', room: bridge.room, secret: bridge.secret, permanent: false }).catch(() => undefined);
    await Promise.all([bridge.streaming.detach(), bridge.admin.detach()]);
    if (announce) this.peers.emit({ type: 'phone_mix', available: false });
  }
}
