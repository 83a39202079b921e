import type { Logger } from 'pino';
import {
  MediaRequestError,
  MediaStateError,
  MediaUnavailableError,
  type IceCandidateInit,
  type MediaRoomEvent,
  type MediaSourceName,
  type PublicationRef,
  type RecorderTarget,
  type SubscribedMediaStream,
  type SubscriptionOffer,
  type VideoLayer,
} from '../types.ts';
import type { JanusHandle, Jsep } from './client.ts';
import { JanusError } from './errors.ts';

/**
 * The publishers and subscribers of one Janus VideoRoom (1.1, multistream): one handle per publication
 * (participant + source, joined with a numeric feed id we choose) and one subscriber handle per participant
 * carrying every stream it receives. Subscribers are created with `autoupdate: false`, so Janus never sends
 * an offer of its own accord: every offer answers one of our requests, and we never ask for a new one
 * while the last is unanswered.
 */

type Attach = () => Promise<JanusHandle>;
type Emit = (event: MediaRoomEvent) => void;

const key = (participantId: string, source: MediaSourceName) => `${participantId}/${source}`;

/** Janus failures become adapter errors: nothing Janus-specific leaves media/. */
export async function janus<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof JanusError) throw new MediaRequestError(`${what}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** The mid of the first audio m-line of an SDP (what Janus's `moderate` names), or undefined. */
export function audioMidOf(sdp: string): string | undefined {
  return midOf(sdp, 'audio');
}

/** The mid of the first m-line of this kind whose port is not 0 (a rejected one carries nothing), or undefined. */
export function midOf(sdp: string, kind: 'audio' | 'video'): string | undefined {
  const sections = sdp.split(/\r?\n(?=m=)/);
  const section = sections.find((s) => s.startsWith(`m=${kind} `) && !s.startsWith(`m=${kind} 0 `));
  return section?.match(/^a=mid:(\S+)/m)?.[1];
}

class Publisher {
  /** Janus lets subscribers in only once the publisher's PeerConnection is up. */
  live = false;
  /** The audio stream's mid, for moderator mute. */
  audioMid: string | undefined;
  /** The video stream's mid, for the recorder's forward. */
  videoMid: string | undefined;

  constructor(
    readonly ref: PublicationRef,
    readonly feedId: number,
    readonly handle: JanusHandle,
  ) {}
}

/** One entry of a subscriber's `streams` summary, as Janus describes it. */
interface JanusSubscriberStream {
  mid?: string;
  type?: string;
  active?: boolean;
  feed_id?: number;
}

class Subscriber {
  handle: JanusHandle | null = null;
  awaitingAnswer = false;
  /** Feeds the subscription carries, as Janus last described it. */
  current = new Set<number>();
  /** Feeds Janus removed on its own (their publisher went) since the last offer: the next offer must drop them. */
  gone = new Set<number>();
  desired = new Set<number>();
  streams: SubscribedMediaStream[] = [];
  /** mid → layer last set, so unchanged layers cost no request. */
  layers = new Map<string, VideoLayer>();

  constructor(readonly participantId: string) {}
}

/** Who is told when a camera publication's audio can be forwarded (live), is gone, or is moderator-muted. */
export interface AudioTap {
  live(ref: PublicationRef): void;
  gone(ref: PublicationRef): void;
  muted(ref: PublicationRef, muted: boolean): void;
}

export class VideoRoomPeers {
  /** The phone bridge, while the room has callers: it feeds every camera publication's audio to them. */
  audioTap: AudioTap | null = null;
  private readonly publishers = new Map<string, Publisher>();
  private readonly feeds = new Map<number, Publisher>();
  private readonly subscribers = new Map<string, Subscriber>();
  private readonly listeners = new Set<Emit>();
  private nextFeedId = 1;
  private closed = false;

  constructor(
    private readonly room: number,
    private readonly attach: Attach,
    private readonly logger: Logger,
    /** The room's secret: Janus asks for it in `moderate`. */
    private readonly secret?: string,
  ) {}

  onEvent(listener: Emit): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** @internal also used by the phone bridge of the same room. */
  emit(event: MediaRoomEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch (err) {
        this.logger.error({ err, event: event.type }, 'media room event listener failed');
      }
    }
  }

  publications(): PublicationRef[] {
    return [...this.publishers.values()].map((p) => ({ ...p.ref }));
  }

  async publish(participantId: string, source: MediaSourceName, offerSdp: string): Promise<string> {
    await this.unpublish(participantId, source);
    const feedId = this.nextFeedId++;
    const handle = await janus('attach', this.attach);
    const publisher = new Publisher({ participantId, source }, feedId, handle);
    try {
      await janus('join as publisher', () => handle.message({ request: 'join', ptype: 'publisher', room: this.room, id: feedId, display: key(participantId, source) }));
      const res = await janus('publish', () =>
        handle.message({ request: 'publish', audiocodec: 'opus', videocodec: 'vp8' }, { type: 'offer', sdp: offerSdp }),
      );
      if (res.jsep?.type !== 'answer' || typeof res.jsep.sdp !== 'string') throw new MediaRequestError('publish: the media server sent no answer');
      if (this.closed) throw new MediaUnavailableError('the media room closed while publishing');
      publisher.audioMid = audioMidOf(res.jsep.sdp);
      publisher.videoMid = midOf(res.jsep.sdp, 'video');
      this.publishers.set(key(participantId, source), publisher);
      this.feeds.set(feedId, publisher);
      this.watchPublisher(publisher);
      return res.jsep.sdp;
    } catch (err) {
      await handle.detach();
      throw err;
    }
  }

  private watchPublisher(p: Publisher): void {
    p.handle.on('webrtcup', () => {
      if (p.live || this.publishers.get(key(p.ref.participantId, p.ref.source)) !== p) return;
      p.live = true;
      this.emit({ type: 'publication_live', ...p.ref });
      if (p.ref.source === 'camera' && p.audioMid) this.audioTap?.live({ ...p.ref });
    });
    p.handle.on('event', (data) => {
      const kind = data.videoroom;
      if (kind !== 'talking' && kind !== 'stopped-talking') return;
      // Janus tells every publisher about every talker: the one named by `id` is the talker.
      const talker = typeof data.id === 'number' ? this.feeds.get(data.id) : undefined;
      if (talker) this.emit({ type: 'talking', ...talker.ref, talking: kind === 'talking' });
    });
    const ended = (reason: string) => {
      if (this.publishers.get(key(p.ref.participantId, p.ref.source)) !== p) return;
      this.forgetPublisher(p);
      void p.handle.detach();
      this.emit({ type: 'publication_ended', ...p.ref, reason });
    };
    p.handle.on('hangup', (reason) => ended(`hangup: ${reason}`));
    p.handle.on('closed', (reason) => ended(reason));
  }

  private forgetPublisher(p: Publisher): void {
    this.publishers.delete(key(p.ref.participantId, p.ref.source));
    this.feeds.delete(p.feedId);
    if (p.live && p.ref.source === 'camera' && p.audioMid) this.audioTap?.gone({ ...p.ref });
    // Janus drops the feed's streams from every subscription without renegotiating (autoupdate off).
    for (const s of this.subscribers.values()) {
      if (s.current.delete(p.feedId)) s.gone.add(p.feedId);
      s.desired.delete(p.feedId);
    }
  }

  /**
   * Moderator mute: Janus stops relaying the publication's audio to every subscriber (VideoRoom `moderate`),
   * whatever the browser sends. No-op without such a publication or audio in it.
   */
  async muteAudio(participantId: string, source: MediaSourceName, muted: boolean): Promise<void> {
    const p = this.publishers.get(key(participantId, source));
    if (!p?.audioMid) return;
    const mid = p.audioMid;
    // The phone callers must not hear a muted publication either. Janus 1.1's `moderate` already stops the
    // stream's RTP forwarders (measured: the caller hears nothing even without this); the mute of its feed in the
    // phone bridge is a second guard that does not depend on that.
    if (source === 'camera') this.audioTap?.muted({ participantId, source }, muted);
    await janus('moderate', () =>
      p.handle.message({ request: 'moderate', room: this.room, ...(this.secret ? { secret: this.secret } : {}), id: p.feedId, mid, mute: muted }),
    );
  }

  /** Live camera publications with audio (what the phone bridge feeds to callers). */
  liveAudioPublications(): PublicationRef[] {
    return [...this.publishers.values()].filter((p) => p.live && p.ref.source === 'camera' && p.audioMid).map((p) => ({ ...p.ref }));
  }

  /**
   * Forwards a publication's audio as plain RTP (VideoRoom `rtp_forward`) with payload type `pt`; returns the
   * forwarder's id, or null when the publication (or its audio) is not there.
   */
  async forwardAudio(ref: PublicationRef, host: string, port: number, pt: number): Promise<number | null> {
    const p = this.publishers.get(key(ref.participantId, ref.source));
    if (!p?.audioMid) return null;
    const mid = p.audioMid;
    const res = await janus('rtp_forward', () =>
      p.handle.message<{ forwarders?: { stream_id?: number }[] }>({
        request: 'rtp_forward',
        room: this.room,
        ...(this.secret ? { secret: this.secret } : {}),
        publisher_id: p.feedId,
        host,
        streams: [{ mid, port, pt }],
      }),
    );
    return res.data.forwarders?.[0]?.stream_id ?? null;
  }

  /**
   * The recorder's forward of a live publication: its video and audio (whichever it has) to `host` on the given
   * ports, then a keyframe request (VideoRoom `configure` with `keyframe`), so the recorder's decoder starts at once
   * instead of waiting for the room's periodic one. Null when the publication is absent or not live.
   */
  async forwardToRecorder(ref: PublicationRef, target: RecorderTarget): Promise<number[] | null> {
    const p = this.publishers.get(key(ref.participantId, ref.source));
    if (!p?.live) return null;
    const streams = [
      ...(p.videoMid ? [{ mid: p.videoMid, port: target.videoPort, pt: target.videoPt }] : []),
      ...(p.audioMid ? [{ mid: p.audioMid, port: target.audioPort, pt: target.audioPt }] : []),
    ];
    if (!streams.length) return null;
    const res = await janus('rtp_forward', () =>
      p.handle.message<{ forwarders?: { stream_id?: number }[] }>({
        request: 'rtp_forward',
        room: this.room,
        ...(this.secret ? { secret: this.secret } : {}),
        publisher_id: p.feedId,
        host: target.host,
        streams,
      }),
    );
    const ids = (res.data.forwarders ?? []).map((f) => f.stream_id).filter((id): id is number => typeof id === 'number');
    if (p.videoMid) {
      await p.handle.message({ request: 'configure', keyframe: true }).catch((err: unknown) => this.logger.debug({ err }, 'keyframe request failed'));
    }
    return ids;
  }

  /** Stops a forwarder of `forwardAudio`; no-op when the publication is gone (its forwarders went with it). */
  async stopForwardAudio(ref: PublicationRef, streamId: number): Promise<void> {
    const p = this.publishers.get(key(ref.participantId, ref.source));
    if (!p) return;
    await janus('stop_rtp_forward', () =>
      p.handle.message({ request: 'stop_rtp_forward', room: this.room, ...(this.secret ? { secret: this.secret } : {}), publisher_id: p.feedId, stream_id: streamId }),
    );
  }

  async unpublish(participantId: string, source: MediaSourceName): Promise<void> {
    const p = this.publishers.get(key(participantId, source));
    if (!p) return;
    this.forgetPublisher(p);
    // Detaching leaves the room, which ends the publication for everyone.
    await p.handle.detach();
  }

  async updateSubscription(participantId: string, publications: PublicationRef[]): Promise<SubscriptionOffer | null> {
    const s = this.subscribers.get(participantId) ?? new Subscriber(participantId);
    this.subscribers.set(participantId, s);
    s.desired = new Set(
      publications
        .map((ref) => this.publishers.get(key(ref.participantId, ref.source)))
        .filter((p) => p?.live)
        .map((p) => p!.feedId),
    );
    if (s.awaitingAnswer) return null;
    return this.negotiate(s);
  }

  async answerSubscription(participantId: string, answerSdp: string): Promise<SubscriptionOffer | null> {
    const s = this.subscribers.get(participantId);
    if (!s?.handle || !s.awaitingAnswer) throw new MediaStateError('no subscription offer is waiting for an answer');
    const handle = s.handle;
    await janus('start', () => handle.message({ request: 'start' }, { type: 'answer', sdp: answerSdp }));
    s.awaitingAnswer = false;
    return this.negotiate(s);
  }

  async resetSubscription(participantId: string): Promise<void> {
    const s = this.subscribers.get(participantId);
    if (!s) return;
    this.subscribers.delete(participantId);
    await s.handle?.detach();
  }

  hasSubscription(participantId: string): boolean {
    return this.subscribers.has(participantId);
  }

  subscribedStreams(participantId: string): SubscribedMediaStream[] {
    return (this.subscribers.get(participantId)?.streams ?? []).map((st) => ({ ...st }));
  }

  async setVideoLayer(participantId: string, mid: string, layer: VideoLayer): Promise<void> {
    const s = this.subscribers.get(participantId);
    const stream = s?.streams.find((st) => st.mid === mid);
    if (!s?.handle || !stream || stream.kind !== 'video') throw new MediaStateError(`no subscribed video stream with mid ${mid}`);
    if (s.layers.get(mid) === layer) return;
    const handle = s.handle;
    const change = layer === 'paused' ? { mid, send: false } : { mid, send: true, substream: layer };
    await janus('configure subscriber', () => handle.message({ request: 'configure', streams: [change] }));
    s.layers.set(mid, layer);
  }

  async trickle(participantId: string, target: MediaSourceName | 'subscriber', candidate: IceCandidateInit | null): Promise<void> {
    const handle = target === 'subscriber' ? this.subscribers.get(participantId)?.handle : this.publishers.get(key(participantId, target))?.handle;
    if (!handle) throw new MediaStateError(`no ${target} connection to trickle to`);
    const c = candidate && { candidate: candidate.candidate, sdpMid: candidate.sdpMid ?? null, sdpMLineIndex: candidate.sdpMLineIndex ?? null };
    await janus('trickle', () => handle.trickle(c));
  }

  async removeParticipant(participantId: string): Promise<void> {
    const mine = [...this.publishers.values()].filter((p) => p.ref.participantId === participantId);
    for (const p of mine) await this.unpublish(participantId, p.ref.source);
    await this.resetSubscription(participantId);
  }

  /** Detaches every handle (the room is closing; after a lost server they are closed already). */
  async close(): Promise<void> {
    this.closed = true;
    const handles = [...[...this.publishers.values()].map((p) => p.handle), ...[...this.subscribers.values()].map((s) => s.handle)];
    this.publishers.clear();
    this.feeds.clear();
    this.subscribers.clear();
    this.listeners.clear();
    await Promise.all(handles.map((h) => h?.detach()));
  }

  /** Brings the subscription in Janus to `desired`; returns the offer if Janus made one. */
  private async negotiate(s: Subscriber): Promise<SubscriptionOffer | null> {
    const add = [...s.desired].filter((f) => !s.current.has(f));
    const remove = [...s.current].filter((f) => !s.desired.has(f));
    let res: { data: { streams?: JanusSubscriberStream[] }; jsep?: Jsep };
    if (!s.handle) {
      // Janus wants at least one stream to join with: the subscriber exists once there is something to receive.
      if (!add.length) return null;
      const handle = await janus('attach', this.attach);
      s.handle = handle;
      this.watchSubscriber(s, handle);
      try {
        res = await janus('join as subscriber', () =>
          handle.message<{ streams?: JanusSubscriberStream[] }>({
            request: 'join',
            ptype: 'subscriber',
            room: this.room,
            autoupdate: false,
            streams: add.map((feed) => ({ feed })),
          }),
        );
      } catch (err) {
        s.handle = null;
        await handle.detach();
        throw err;
      }
    } else {
      const unsubscribe = [...remove, ...s.gone];
      if (!add.length && !unsubscribe.length) return null;
      const handle = s.handle;
      res = await janus('update subscription', () =>
        handle.message<{ streams?: JanusSubscriberStream[] }>({
          request: 'update',
          ...(add.length ? { subscribe: add.map((feed) => ({ feed })) } : {}),
          ...(unsubscribe.length ? { unsubscribe: unsubscribe.map((feed) => ({ feed })) } : {}),
        }),
      );
    }
    s.gone.clear();
    if (res.data.streams) this.describe(s, res.data.streams);
    if (res.jsep?.type !== 'offer') return null;
    s.awaitingAnswer = true;
    return { sdp: res.jsep.sdp, streams: s.streams.map((st) => ({ ...st })) };
  }

  private describe(s: Subscriber, streams: JanusSubscriberStream[]): void {
    s.current = new Set();
    s.streams = [];
    for (const st of streams) {
      if (st.active === false || typeof st.feed_id !== 'number' || typeof st.mid !== 'string') continue;
      const owner = this.feeds.get(st.feed_id);
      if (!owner || (st.type !== 'audio' && st.type !== 'video')) continue;
      s.current.add(st.feed_id);
      s.streams.push({ mid: st.mid, kind: st.type, ...owner.ref });
    }
    for (const mid of [...s.layers.keys()]) if (!s.streams.some((st) => st.mid === mid)) s.layers.delete(mid);
  }

  private watchSubscriber(s: Subscriber, handle: JanusHandle): void {
    handle.on('event', (data, jsep) => {
      // With autoupdate off Janus should not offer on its own; if it does, the client must still answer.
      if (jsep?.type !== 'offer' || this.subscribers.get(s.participantId) !== s) return;
      if (Array.isArray(data.streams)) this.describe(s, data.streams as JanusSubscriberStream[]);
      s.awaitingAnswer = true;
      this.emit({ type: 'subscription_offer', participantId: s.participantId, offer: { sdp: jsep.sdp, streams: s.streams.map((st) => ({ ...st })) } });
    });
    const ended = (reason: string) => {
      if (this.subscribers.get(s.participantId) !== s || s.handle !== handle) return;
      this.subscribers.delete(s.participantId);
      void handle.detach();
      this.emit({ type: 'subscription_ended', participantId: s.participantId, reason });
    };
    handle.on('hangup', (reason) => ended(`hangup: ${reason}`));
    handle.on('closed', (reason) => ended(reason));
  }
}
