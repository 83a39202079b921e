import {
  MediaRequestError,
  MediaStateError,
  MediaUnavailableError,
  type IceCandidateInit,
  type MediaEvent,
  type MediaRoom,
  type MediaRoomEvent,
  type MediaService,
  type MediaSourceName,
  type PhoneLeg,
  type PhoneLegAttached,
  type PublicationRef,
  type RecorderForward,
  type RecorderTarget,
  type SubscribedMediaStream,
  type SubscriptionOffer,
  type VideoLayer,
} from '../../../media/types.ts';

const key = (r: PublicationRef) => `${r.participantId}/${r.source}`;

interface FakeSubscription {
  awaiting: boolean;
  desired: PublicationRef[];
  streams: SubscribedMediaStream[];
}

/**
 * A media room without a media server, for the module's policy tests. It keeps the contract of the real one:
 * an offer per change of the subscribed publications, never a second offer while one is unanswered, and a
 * record of every call.
 */
export class FakeMediaRoom implements MediaRoom {
  readonly server = 'fake';
  closed = false;
  readonly calls: string[] = [];
  readonly layers: { participantId: string; mid: string; layer: VideoLayer }[] = [];
  readonly trickled: { participantId: string; target: string; candidate: IceCandidateInit | null }[] = [];
  private readonly pubs = new Map<string, PublicationRef>();
  private readonly subs = new Map<string, FakeSubscription>();
  private readonly closeListeners: ((reason: string) => void)[] = [];
  private readonly listeners = new Set<(e: MediaRoomEvent) => void>();
  private offers = 0;
  private nextMid = 0;
  private readonly mids = new Map<string, string>();

  constructor(readonly id: string) {}

  participantCount(): Promise<number> {
    return Promise.resolve(new Set([...this.pubs.values()].map((p) => p.participantId)).size);
  }

  onClose(listener: (reason: string) => void): void {
    this.closeListeners.push(listener);
  }

  async close(): Promise<void> {
    this.calls.push('close');
    this.end('closed');
  }

  /** The media server went away. */
  lose(reason = 'media_server_lost'): void {
    this.end(reason);
  }

  private end(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.closeListeners.splice(0)) l(reason);
  }

  emit(event: MediaRoomEvent): void {
    for (const l of this.listeners) l(event);
  }

  private check(): void {
    if (this.closed) throw new MediaUnavailableError('fake room closed');
  }

  async publish(participantId: string, source: MediaSourceName, offerSdp: string): Promise<string> {
    this.check();
    this.calls.push(`publish ${participantId} ${source}`);
    if (offerSdp.includes('broken')) throw new MediaRequestError('unusable SDP');
    this.pubs.set(key({ participantId, source }), { participantId, source });
    return `answer for ${participantId}/${source}`;
  }

  async unpublish(participantId: string, source: MediaSourceName): Promise<void> {
    this.calls.push(`unpublish ${participantId} ${source}`);
    this.pubs.delete(key({ participantId, source }));
  }

  /** Moderator mutes asked for, in order. */
  readonly audioMutes: { participantId: string; source: MediaSourceName; muted: boolean }[] = [];

  async muteAudio(participantId: string, source: MediaSourceName, muted: boolean): Promise<void> {
    this.check();
    if (this.pubs.has(key({ participantId, source }))) this.audioMutes.push({ participantId, source, muted });
  }

  publications(): PublicationRef[] {
    return [...this.pubs.values()].map((p) => ({ ...p }));
  }

  /** updateSubscription calls per subscriber (coalescing is measured by them). */
  readonly updateCalls = new Map<string, number>();

  async updateSubscription(participantId: string, publications: PublicationRef[]): Promise<SubscriptionOffer | null> {
    this.check();
    this.updateCalls.set(participantId, (this.updateCalls.get(participantId) ?? 0) + 1);
    const sub = this.subs.get(participantId) ?? { awaiting: false, desired: [], streams: [] };
    this.subs.set(participantId, sub);
    sub.desired = publications.filter((p) => this.pubs.has(key(p)));
    return sub.awaiting ? null : this.negotiate(participantId, sub);
  }

  async answerSubscription(participantId: string, answerSdp: string): Promise<SubscriptionOffer | null> {
    this.check();
    const sub = this.subs.get(participantId);
    if (!sub?.awaiting) throw new MediaStateError('no offer');
    this.calls.push(`answer ${participantId} ${answerSdp}`);
    sub.awaiting = false;
    return this.negotiate(participantId, sub);
  }

  private negotiate(participantId: string, sub: FakeSubscription): SubscriptionOffer | null {
    const now = new Set(sub.streams.filter((s) => s.kind === 'audio').map((s) => key(s)));
    const want = new Set(sub.desired.map(key));
    if (now.size === want.size && [...want].every((k) => now.has(k))) return null;
    sub.streams = sub.desired.flatMap((p) => (['audio', 'video'] as const).map((kind) => ({ ...p, kind, mid: this.mid(participantId, p, kind) })));
    sub.awaiting = true;
    this.offers++;
    return { sdp: `offer ${this.offers}`, streams: sub.streams.map((s) => ({ ...s })) };
  }

  private mid(subscriber: string, p: PublicationRef, kind: string): string {
    const k = `${subscriber}|${key(p)}|${kind}`;
    if (!this.mids.has(k)) this.mids.set(k, String(this.nextMid++));
    return this.mids.get(k)!;
  }

  async resetSubscription(participantId: string): Promise<void> {
    if (this.subs.delete(participantId)) this.calls.push(`reset ${participantId}`);
  }

  hasSubscription(participantId: string): boolean {
    return this.subs.has(participantId);
  }

  /** The media server noticed the client's receiving connection closed (as Janus's hangup does). */
  endSubscription(participantId: string, reason = 'hangup: DTLS alert'): void {
    if (!this.subs.delete(participantId)) return;
    this.emit({ type: 'subscription_ended', participantId, reason });
  }

  /** Whether the participant has an offer open. */
  awaiting(participantId: string): boolean {
    return this.subs.get(participantId)?.awaiting ?? false;
  }

  subscribedStreams(participantId: string): SubscribedMediaStream[] {
    return (this.subs.get(participantId)?.streams ?? []).map((s) => ({ ...s }));
  }

  async setVideoLayer(participantId: string, mid: string, layer: VideoLayer): Promise<void> {
    this.check();
    this.layers.push({ participantId, mid, layer });
  }

  async trickle(participantId: string, target: MediaSourceName | 'subscriber', candidate: IceCandidateInit | null): Promise<void> {
    this.check();
    this.trickled.push({ participantId, target, candidate });
  }

  async removeParticipant(participantId: string): Promise<void> {
    this.calls.push(`remove ${participantId}`);
    for (const [k, p] of this.pubs) if (p.participantId === participantId) this.pubs.delete(k);
    this.subs.delete(participantId);
    this.watchers.delete(participantId);
    await this.detachPhone(participantId);
  }

  // ── phone callers: the mix exists while there is at least one leg ──

  readonly legs = new Map<string, PhoneLeg & { muted: boolean }>();
  readonly watchers = new Map<string, { awaiting: boolean }>();
  /** Phone mutes asked for, in order. */
  readonly phoneMutes: { participantId: string; muted: boolean }[] = [];

  async attachPhone(participantId: string, leg: PhoneLeg): Promise<PhoneLegAttached> {
    this.check();
    this.calls.push(`attach phone ${participantId} ${leg.codec} ${leg.ip}:${leg.port}`);
    const first = this.legs.size === 0;
    this.legs.set(participantId, { ...leg, muted: false });
    if (first) this.emit({ type: 'phone_mix', available: true });
    return { ip: '127.0.0.1', port: 40000 + this.legs.size * 2, payloadType: leg.codec === 'pcmu' ? 0 : leg.codec === 'pcma' ? 8 : 111 };
  }

  async detachPhone(participantId: string): Promise<void> {
    if (!this.legs.delete(participantId)) return;
    this.calls.push(`detach phone ${participantId}`);
    if (this.legs.size === 0) {
      this.watchers.clear();
      this.emit({ type: 'phone_mix', available: false });
    }
  }

  async mutePhone(participantId: string, muted: boolean): Promise<void> {
    this.check();
    const leg = this.legs.get(participantId);
    if (!leg) throw new MediaStateError('no leg');
    leg.muted = muted;
    this.phoneMutes.push({ participantId, muted });
  }

  phoneMixAvailable(): boolean {
    return !this.closed && this.legs.size > 0;
  }

  async watchPhoneMix(participantId: string): Promise<string> {
    this.check();
    if (!this.legs.size) throw new MediaStateError('no mix');
    this.watchers.set(participantId, { awaiting: true });
    this.calls.push(`watch ${participantId}`);
    return `phone mix offer for ${participantId}`;
  }

  async answerPhoneMix(participantId: string, answerSdp: string): Promise<void> {
    this.check();
    const w = this.watchers.get(participantId);
    if (!w?.awaiting) throw new MediaStateError('no offer');
    w.awaiting = false;
    this.calls.push(`answer phone mix ${participantId} ${answerSdp}`);
  }

  /** Whose camera audio the callers hear (`phoneFeedsFrom`). */
  feedAllowed: (participantId: string) => boolean = () => true;

  /** How often the feeds were (re)applied: the real adapter re-evaluates them only then. */
  feedUpdates = 0;

  phoneFeedsFrom(allowed: (participantId: string) => boolean): void {
    this.feedAllowed = allowed;
    this.feedUpdates++;
  }

  async unwatchPhoneMix(participantId: string): Promise<void> {
    if (this.watchers.delete(participantId)) this.calls.push(`unwatch ${participantId}`);
  }

  onEvent(listener: (event: MediaRoomEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Publications forwarded to a recorder now, by `participantId/source`, with their target. */
  readonly recorderForwards = new Map<string, RecorderTarget>();
  /** Publications that count as live for `forwardToRecorder` (all, unless a test says otherwise). */
  notLive = new Set<string>();
  private nextForwardId = 1;

  async forwardToRecorder(ref: PublicationRef, target: RecorderTarget): Promise<RecorderForward | null> {
    this.check();
    if (!this.pubs.has(key(ref)) || this.notLive.has(key(ref))) return null;
    this.calls.push(`forward ${key(ref)} ${target.videoPort}`);
    this.recorderForwards.set(key(ref), target);
    return { ref: { ...ref }, streamIds: [this.nextForwardId++, this.nextForwardId++] };
  }

  async stopRecorderForward(forward: RecorderForward): Promise<void> {
    this.calls.push(`unforward ${key(forward.ref)}`);
    this.recorderForwards.delete(key(forward.ref));
  }
}

export class FakeMediaService implements MediaService {
  readonly mode = 'janus' as const;
  ready = true;
  readonly rooms: FakeMediaRoom[] = [];
  private readonly listeners = new Set<(e: MediaEvent) => void>();

  isReady(): boolean {
    return this.ready;
  }

  status() {
    return { ready: this.ready, servers: [] };
  }

  async createRoom(): Promise<MediaRoom> {
    if (!this.ready) throw new MediaUnavailableError();
    const room = new FakeMediaRoom(`fake-${this.rooms.length + 1}`);
    this.rooms.push(room);
    return room;
  }

  subscribe(listener: (event: MediaEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: MediaEvent): void {
    for (const l of [...this.listeners]) l(event);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  async close(): Promise<void> {}
}
