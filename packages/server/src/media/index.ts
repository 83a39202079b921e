import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { JanusConnection, type JanusHandle, type JanusSession } from './janus/client.ts';
import { EmbeddedJanus } from './janus/embedded.ts';
import { VideoRoomPeers } from './janus/peers.ts';
import { PhoneBridge } from './janus/phone.ts';
import { VIDEOROOM_PLUGIN, VideoRoomAdmin } from './janus/videoroom.ts';
import {
  MediaUnavailableError,
  type IceCandidateInit,
  type MediaEvent,
  type MediaRoom,
  type MediaRoomEvent,
  type MediaRoomOptions,
  type MediaService,
  type MediaServerStatus,
  type MediaSourceName,
  type PhoneLeg,
  type PhoneLegAttached,
  type PublicationRef,
  type RecorderForward,
  type RecorderTarget,
  type SubscribedMediaStream,
  type SubscriptionOffer,
  type VideoLayer,
} from './types.ts';

export { MediaRequestError, MediaStateError, MediaUnavailableError, noMedia } from './types.ts';
export type {
  MediaEvent,
  MediaRoom,
  MediaRoomEvent,
  MediaRoomOptions,
  MediaService,
  MediaServerStatus,
  MediaSourceName,
  PhoneCodecName,
  PhoneLeg,
  PhoneLegAttached,
  PublicationRef,
  SubscribedMediaStream,
  SubscriptionOffer,
  VideoLayer,
} from './types.ts';

/** Restart/reconnect delays grow from this … */
const BACKOFF_MIN_MS = 250;
/** … to this. */
const BACKOFF_MAX_MS = 30_000;
/** A server that stayed up this long counts as healthy again: the next failure starts the backoff anew. */
const STABLE_AFTER_MS = 60_000;
/** The embedded Janus that fails to start this many times in a row is broken beyond restarting. */
const MAX_EMBEDDED_START_FAILURES = 20;

/** Backoff waits must not keep a stopping process alive. */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

function backoff(failures: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(failures, 16));
}

/** URLs are shown in /ready: never with credentials. */
function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

type Emit = (event: MediaEvent) => void;

class JanusMediaRoom implements MediaRoom {
  private _closed = false;
  private readonly closeListeners: ((reason: string) => void)[] = [];
  private readonly peers: VideoRoomPeers;
  private readonly phone: PhoneBridge;

  constructor(
    readonly id: string,
    readonly instance: JanusInstance,
    /** The Janus VideoRoom id. */
    readonly janusRoom: number,
    readonly secret: string,
  ) {
    const logger = instance.logger.child({ mediaRoom: id });
    this.peers = new VideoRoomPeers(janusRoom, () => this.attachHandle(), logger, secret);
    this.phone = new PhoneBridge(this.peers, (plugin) => this.attachHandle(plugin), logger);
  }

  private async attachHandle(plugin = VIDEOROOM_PLUGIN): Promise<JanusHandle> {
    if (this._closed) throw new MediaUnavailableError(`media room ${this.id} is closed`);
    return this.instance.attachPlugin(plugin);
  }

  attachPhone(participantId: string, leg: PhoneLeg): Promise<PhoneLegAttached> {
    this.open();
    return this.phone.attachPhone(participantId, leg);
  }

  async detachPhone(participantId: string): Promise<void> {
    if (!this._closed) await this.phone.detachPhone(participantId);
  }

  mutePhone(participantId: string, muted: boolean): Promise<void> {
    this.open();
    return this.phone.mutePhone(participantId, muted);
  }

  phoneMixAvailable(): boolean {
    return !this._closed && this.phone.available;
  }

  watchPhoneMix(participantId: string): Promise<string> {
    this.open();
    return this.phone.watch(participantId);
  }

  answerPhoneMix(participantId: string, answerSdp: string): Promise<void> {
    this.open();
    return this.phone.answer(participantId, answerSdp);
  }

  async unwatchPhoneMix(participantId: string): Promise<void> {
    if (!this._closed) await this.phone.unwatch(participantId);
  }

  phoneFeedsFrom(allowed: (participantId: string) => boolean): void {
    if (!this._closed) this.phone.feedsFrom(allowed);
  }

  async forwardToRecorder(ref: PublicationRef, target: RecorderTarget): Promise<RecorderForward | null> {
    const ids = await this.open().forwardToRecorder(ref, target);
    return ids ? { ref: { ...ref }, streamIds: ids } : null;
  }

  async stopRecorderForward(forward: RecorderForward): Promise<void> {
    if (this._closed) return;
    for (const id of forward.streamIds) await this.peers.stopForwardAudio(forward.ref, id);
  }

  private open(): VideoRoomPeers {
    if (this._closed) throw new MediaUnavailableError(`media room ${this.id} is closed`);
    return this.peers;
  }

  publish(participantId: string, source: MediaSourceName, offerSdp: string): Promise<string> {
    return this.open().publish(participantId, source, offerSdp);
  }

  async unpublish(participantId: string, source: MediaSourceName): Promise<void> {
    if (!this._closed) await this.peers.unpublish(participantId, source);
  }

  muteAudio(participantId: string, source: MediaSourceName, muted: boolean): Promise<void> {
    return this.open().muteAudio(participantId, source, muted);
  }

  publications(): PublicationRef[] {
    return this._closed ? [] : this.peers.publications();
  }

  updateSubscription(participantId: string, publications: PublicationRef[]): Promise<SubscriptionOffer | null> {
    return this.open().updateSubscription(participantId, publications);
  }

  answerSubscription(participantId: string, answerSdp: string): Promise<SubscriptionOffer | null> {
    return this.open().answerSubscription(participantId, answerSdp);
  }

  async resetSubscription(participantId: string): Promise<void> {
    if (!this._closed) await this.peers.resetSubscription(participantId);
  }

  hasSubscription(participantId: string): boolean {
    return !this._closed && this.peers.hasSubscription(participantId);
  }

  subscribedStreams(participantId: string): SubscribedMediaStream[] {
    return this._closed ? [] : this.peers.subscribedStreams(participantId);
  }

  setVideoLayer(participantId: string, mid: string, layer: VideoLayer): Promise<void> {
    return this.open().setVideoLayer(participantId, mid, layer);
  }

  trickle(participantId: string, target: MediaSourceName | 'subscriber', candidate: IceCandidateInit | null): Promise<void> {
    return this.open().trickle(participantId, target, candidate);
  }

  async removeParticipant(participantId: string): Promise<void> {
    if (this._closed) return;
    await Promise.all([this.phone.detachPhone(participantId), this.phone.unwatch(participantId)]);
    await this.peers.removeParticipant(participantId);
  }

  onEvent(listener: (event: MediaRoomEvent) => void): () => void {
    return this.peers.onEvent(listener);
  }

  get server(): string {
    return this.instance.id;
  }

  get closed(): boolean {
    return this._closed;
  }

  async participantCount(): Promise<number> {
    if (this._closed) throw new MediaUnavailableError(`media room ${this.id} is closed`);
    return (await this.instance.admin().listParticipants(this.janusRoom)).length;
  }

  onClose(listener: (reason: string) => void): void {
    if (this._closed) return;
    this.closeListeners.push(listener);
  }

  async close(): Promise<void> {
    if (this._closed) return;
    // The phone bridge lives in rooms of other plugins: destroyed first, while the connection is used.
    await this.phone.close();
    this.markClosed('closed');
    await this.instance.destroyRoom(this);
  }

  /** @internal */
  markClosed(reason: string): void {
    if (this._closed) return;
    this._closed = true;
    // Handles go first (destroying the room would end them anyway); their events no longer reach anyone.
    void this.phone.close();
    void this.peers.close();
    this.instance.rooms.delete(this.id);
    for (const l of this.closeListeners.splice(0)) {
      try {
        l(reason);
      } catch {
        // a listener's failure must not stop the others
      }
    }
  }
}

/**
 * One Janus with one session and one VideoRoom admin handle. `ready` means: the connection is
 * open, the session alive, the admin handle attached.
 */
abstract class JanusInstance {
  readonly rooms = new Map<string, JanusMediaRoom>();
  /** Rooms being created: counted as load so that concurrent creations spread out. */
  private creating = 0;
  protected connection: JanusConnection | undefined;
  private session: JanusSession | undefined;
  private videoroom: VideoRoomAdmin | undefined;
  protected closing = false;
  private recovering = false;
  private readySince = 0;
  /** Counts losses: a room whose creation straddles a loss belongs to a Janus that is gone. */
  private generation = 0;
  protected failures = 0;
  /** Rooms left behind on a server we lost contact with, destroyed after reconnecting (operated Janus keeps them). */
  protected leftBehind: { room: number; secret: string }[] = [];
  url: string;

  constructor(
    readonly id: string,
    url: string,
    readonly logger: Logger,
    private readonly emit: Emit,
    private readonly nextRoomId: () => string,
  ) {
    this.url = url;
  }

  get ready(): boolean {
    return !this.closing && !this.recovering && !!this.connection && !this.connection.closed && !!this.videoroom && !this.videoroom.closed;
  }

  admin(): VideoRoomAdmin {
    if (!this.ready || !this.videoroom) throw new MediaUnavailableError(`media server ${this.id} is not ready`);
    return this.videoroom;
  }

  status(): MediaServerStatus {
    return { id: this.id, url: displayUrl(this.url), ready: this.ready, rooms: this.rooms.size };
  }

  abstract start(): Promise<void>;
  /** Brings the instance back after a loss; resolves when ready or given up. */
  protected abstract restore(): Promise<boolean>;

  /** Takes a fresh connection into use. */
  protected async adopt(connection: JanusConnection): Promise<void> {
    const session = await connection.createSession();
    const videoroom = await VideoRoomAdmin.attach(session);
    connection.on('disconnected', (reason) => void this.lost(`connection lost: ${reason}`));
    session.on('closed', (reason) => {
      if (reason !== 'destroyed') void this.lost(`session ended: ${reason}`);
    });
    this.connection = connection;
    this.session = session;
    this.videoroom = videoroom;
    this.readySince = Date.now();
    for (const { room, secret } of this.leftBehind.splice(0)) {
      await videoroom.destroy(room, secret).catch(() => {});
    }
  }

  /** A new plugin handle on this server's session (VideoRoom publisher or subscriber, AudioBridge leg, Streaming viewer). */
  async attachPlugin(plugin: string): Promise<JanusHandle> {
    if (!this.ready || !this.session) throw new MediaUnavailableError(`media server ${this.id} is not ready`);
    return this.session.attach(plugin);
  }

  get load(): number {
    return this.rooms.size + this.creating;
  }

  async createRoom(opts: MediaRoomOptions): Promise<JanusMediaRoom> {
    const admin = this.admin();
    const generation = this.generation;
    this.creating++;
    let created;
    try {
      created = await admin.create({ description: opts.description, publishers: opts.publishers });
    } finally {
      this.creating--;
    }
    if (generation !== this.generation || this.closing) {
      this.leftBehind.push(created);
      throw new MediaUnavailableError(`media server ${this.id} was lost while the room was created`);
    }
    const room = new JanusMediaRoom(this.nextRoomId(), this, created.room, created.secret);
    this.rooms.set(room.id, room);
    return room;
  }

  async destroyRoom(room: JanusMediaRoom): Promise<void> {
    if (!this.ready || !this.videoroom) {
      this.leftBehind.push({ room: room.janusRoom, secret: room.secret });
      return;
    }
    await this.videoroom.destroy(room.janusRoom, room.secret);
  }

  /** Something broke: rooms are gone, tell subscribers, then recover. Called at most once per loss. */
  protected async lost(reason: string): Promise<void> {
    if (this.closing || this.recovering) return;
    this.recovering = true;
    this.generation++;
    if (Date.now() - this.readySince > STABLE_AFTER_MS) this.failures = 0;
    const rooms = [...this.rooms.values()];
    this.leftBehind.push(...rooms.map((r) => ({ room: r.janusRoom, secret: r.secret })));
    for (const r of rooms) r.markClosed('media_server_lost');
    this.logger.error({ server: this.id, reason, rooms: rooms.length }, 'media server lost');
    const old = this.connection;
    this.connection = undefined;
    this.session = undefined;
    this.videoroom = undefined;
    await old?.close().catch(() => {});
    this.emit({ type: 'server_lost', server: this.id, rooms: rooms.map((r) => r.id), reason });
    const ok = await this.restore();
    this.recovering = false;
    if (ok && !this.closing) {
      this.logger.info({ server: this.id, url: this.url }, 'media server is back');
      this.emit({ type: 'server_ready', server: this.id });
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const r of [...this.rooms.values()]) r.markClosed('media_service_closed');
    await this.session?.destroy().catch(() => {});
    await this.connection?.close();
    this.connection = undefined;
    this.videoroom = undefined;
  }
}

class EmbeddedInstance extends JanusInstance {
  private readonly janus: EmbeddedJanus;

  constructor(janus: EmbeddedJanus, logger: Logger, emit: Emit, nextRoomId: () => string) {
    super('embedded', 'embedded', logger, emit, nextRoomId);
    this.janus = janus;
    janus.on('exit', (code, signal) => void this.lost(`Janus exited (${signal ?? `code ${code}`})`));
  }

  get pid(): number | undefined {
    return this.janus.pid;
  }

  async start(): Promise<void> {
    const running = await this.janus.start();
    this.url = running.url;
    try {
      await this.adopt(running.connection);
    } catch (err) {
      await running.connection.close();
      await this.janus.stop();
      throw err;
    }
  }

  protected async restore(): Promise<boolean> {
    // Rooms of the old process died with it: nothing to clean up in the new one.
    this.leftBehind = [];
    while (!this.closing) {
      const delay = backoff(this.failures++);
      this.logger.info({ delayMs: delay }, 'restarting the embedded Janus');
      await sleep(delay);
      if (this.closing) return false;
      try {
        // A Janus that still runs but lost our connection is not trusted: replace it.
        await this.janus.stop();
        await this.start();
        return true;
      } catch (err) {
        this.logger.error({ err }, 'embedded Janus did not start');
        if (this.failures >= MAX_EMBEDDED_START_FAILURES) {
          this.logger.fatal({ failures: this.failures }, 'embedded Janus keeps failing; giving up (media stays unavailable)');
          return false;
        }
      }
    }
    return false;
  }

  override async close(): Promise<void> {
    await super.close();
    await this.janus.stop();
  }
}

class RemoteInstance extends JanusInstance {
  constructor(
    url: string,
    private readonly apiSecret: string | undefined,
    logger: Logger,
    emit: Emit,
    nextRoomId: () => string,
  ) {
    super(displayUrl(url), url, logger, emit, nextRoomId);
  }

  async start(): Promise<void> {
    const connection = await JanusConnection.open({ url: this.url, apiSecret: this.apiSecret, logger: this.logger });
    try {
      await this.adopt(connection);
    } catch (err) {
      await connection.close();
      throw err;
    }
  }

  /** Starts in the background; the service does not wait for operated servers. */
  startInBackground(): void {
    void this.start().then(
      () => this.logger.info({ server: this.id }, 'media server connected'),
      (err: unknown) => {
        this.logger.warn({ server: this.id, err }, 'media server not reachable; retrying');
        void this.lost('not reachable at start');
      },
    );
  }

  /** An operated Janus may be down for a long time: retry until Plenum stops, at most every 30 s. */
  protected async restore(): Promise<boolean> {
    while (!this.closing) {
      await sleep(backoff(this.failures++));
      if (this.closing) return false;
      try {
        await this.start();
        return true;
      } catch (err) {
        this.logger.debug({ server: this.id, err }, 'media server still not reachable');
      }
    }
    return false;
  }

  override async close(): Promise<void> {
    // Rooms on an operated Janus outlive our session: remove them.
    if (this.ready) await Promise.all([...this.rooms.values()].map((r) => this.destroyRoom(r).catch(() => {})));
    await super.close();
  }
}

export class JanusMediaService implements MediaService {
  readonly mode = 'janus' as const;
  private readonly listeners = new Set<(e: MediaEvent) => void>();
  private closed = false;
  private roomCounter = 0;

  constructor(
    readonly instances: JanusInstance[],
    private readonly logger: Logger,
  ) {}

  /** @internal */
  readonly emit: Emit = (event) => {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch (err) {
        this.logger.error({ err, event: event.type }, 'media event listener failed');
      }
    }
  };

  /** @internal */
  readonly nextRoomId = (): string => `mr-${++this.roomCounter}-${crypto.randomUUID().slice(0, 8)}`;

  isReady(): boolean {
    return !this.closed && this.instances.some((i) => i.ready);
  }

  status(): { ready: boolean; servers: MediaServerStatus[] } {
    return { ready: this.isReady(), servers: this.instances.map((i) => i.status()) };
  }

  async createRoom(opts: MediaRoomOptions = {}): Promise<MediaRoom> {
    if (this.closed) throw new MediaUnavailableError('media service is closed');
    const ready = this.instances.filter((i) => i.ready);
    if (!ready.length) throw new MediaUnavailableError();
    const leastLoaded = ready.reduce((a, b) => (b.load < a.load ? b : a));
    return leastLoaded.createRoom(opts);
  }

  subscribe(listener: (event: MediaEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.instances.map((i) => i.close().catch((err: unknown) => this.logger.warn({ err, server: i.id }, 'error closing media server'))));
    this.listeners.clear();
  }

  /** PID of the embedded Janus, if any (tests and benchmarks). */
  embeddedPid(): number | undefined {
    const e = this.instances.find((i): i is EmbeddedInstance => i instanceof EmbeddedInstance);
    return e?.pid;
  }
}

/** Media through Janus: the embedded child process, or the operated instances in JANUS_URL. */
export async function createMediaService(config: Config, logger: Logger): Promise<JanusMediaService> {
  const instances: JanusInstance[] = [];
  const service = new JanusMediaService(instances, logger);
  if (config.media.janusUrls.length === 0) {
    const janus = new EmbeddedJanus({
      binary: config.media.binary,
      dir: path.join(config.dataDir, 'janus'),
      rtpPorts: config.media.rtpPorts,
      iceInterface: config.media.iceInterface,
      logger,
    });
    const embedded = new EmbeddedInstance(janus, logger, service.emit, service.nextRoomId);
    instances.push(embedded);
    await embedded.start();
  } else {
    for (const url of config.media.janusUrls) {
      const remote = new RemoteInstance(url, config.media.apiSecret, logger, service.emit, service.nextRoomId);
      instances.push(remote);
      remote.startInBackground();
    }
  }
  return service;
}
