import { CONTROL_NAMESPACE, SignalingCloseCode, type ControlCommand } from '@plenum/protocol';
import type { Logger } from 'pino';
import { controlFeature } from '../modules/control/index.ts';
import { instantiateFeatures, type FeatureInstance } from './compose.ts';
import type { Clock, FeatureServices } from './feature.ts';
import { envelope, errorEnvelope, Room, type RoomHost } from './room.ts';
import { TokenBucket } from './rate-limit.ts';
import { SignalingSession, type Link, type SessionHost } from './session.ts';
import type { Admission } from './tickets.ts';
import { failureCode } from './failure.ts';

/** Every interval and limit of signaling. Defaults suit production; tests shorten them. */
export interface SignalingTimings {
  /** How long a dropped participant stays (not shown as left) waiting for a resume. */
  resumeWindowMs: number;
  /** How long an empty room stays open before its state is dropped. */
  emptyRoomGraceMs: number;
  /** Server ping interval; a socket that misses `maxMissedPongs` pongs in a row is dropped. */
  pingIntervalMs: number;
  maxMissedPongs: number;
  /** Token bucket per connection. */
  commandsPerSecond: number;
  commandBurst: number;
  /** Token bucket per identity (account, invite, phone caller), shared by all its connections on this node; never smaller than the per-connection one. */
  identityCommandsPerSecond: number;
  identityCommandBurst: number;
  /** More than this many refused commands within `abuseWindowMs` close the socket with 1008. */
  abuseRejections: number;
  abuseWindowMs: number;
}

export const defaultTimings: SignalingTimings = {
  resumeWindowMs: 30_000,
  emptyRoomGraceMs: 60_000,
  pingIntervalMs: 10_000,
  maxMissedPongs: 2,
  commandsPerSecond: 20,
  commandBurst: 40,
  identityCommandsPerSecond: 40,
  identityCommandBurst: 80,
  abuseRejections: 100,
  abuseWindowMs: 10_000,
};

export interface HubOptions {
  clock: Clock;
  logger: Logger;
  /** The enabled features, set up (compose.ts). `control` is added first when missing. */
  features?: readonly FeatureInstance[];
  /** Looks a room up when it opens on this node; null when it does not exist (any more). */
  lookupRoom(roomId: string): Promise<{ id: string; name: string; waitingRoom?: boolean } | null>;
  /** Forget a participant's resumption token (explicit leave, removal). */
  revokeResumption?(token: string): void;
  timings?: Partial<SignalingTimings>;
  /** A room task failed (tests collect these). */
  taskFailed?(err: unknown): void;
}

type JoinCommand = Extract<ControlCommand, { action: 'join' }>;

/**
 * The signaling hub of this node: the live rooms (a room opens with its first join, after its features
 * loaded what they need, and closes when it has been empty for the grace period) and every open session.
 * Sessions reach rooms only through the hub, and the hub — not the room — answers what reaches a room
 * that has closed. Transport-agnostic: the WebSocket endpoint and ModuleTester both feed it through `open()`.
 */
export class SignalingHub {
  /** Mutable so tests (and later the config) can shorten intervals; read whenever a timer starts. */
  readonly timings: SignalingTimings;
  readonly features: readonly FeatureInstance[];
  private readonly rooms = new Map<string, Promise<Room | null>>();
  private readonly roomOfSession = new WeakMap<SignalingSession, Room>();
  private readonly sessions = new Set<SignalingSession>();
  /**
   * Per identity, across its connections. A bucket outlives its connections until it has filled up again, so
   * closing and reopening (a resumption) starts with what was left, not with a fresh burst.
   */
  private readonly identityBuckets = new Map<string, TokenBucket>();
  /** Rooms that closed and are still saving, by id. */
  private readonly closingRooms = new Map<string, Promise<void>>();
  private closing = false;
  private readonly roomHost: RoomHost;
  private readonly sessionHost: SessionHost;

  constructor(private readonly options: HubOptions) {
    this.timings = { ...defaultTimings, ...options.timings };
    const given = options.features ?? [];
    const control = given.some((f) => f.namespace === 'control')
      ? []
      : instantiateFeatures([controlFeature], { services: { logger: options.logger } as FeatureServices });
    this.features = [...control, ...given];
    const seen = new Set<string>();
    for (const f of this.features) {
      if (seen.has(f.namespace)) throw new Error(`two features use the namespace "${f.namespace}"`);
      seen.add(f.namespace);
    }
    this.roomHost = {
      clock: options.clock,
      logger: options.logger,
      resumeWindowMs: () => this.timings.resumeWindowMs,
      emptyRoomGraceMs: () => this.timings.emptyRoomGraceMs,
      revokeResumption: (token) => options.revokeResumption?.(token),
      roomClosed: (room, saved) => {
        // A new room of the same id must load what this one saved, not what was there before.
        this.closingRooms.set(room.id, saved);
        void saved.finally(() => {
          if (this.closingRooms.get(room.id) === saved) this.closingRooms.delete(room.id);
        });
        const entry = this.rooms.get(room.id);
        void entry?.then((current) => {
          // Only forget this room: a newer one for the same id may already have opened.
          if (current === room && this.rooms.get(room.id) === entry) this.rooms.delete(room.id);
        });
      },
      ...(options.taskFailed ? { taskFailed: options.taskFailed } : {}),
    };
    this.sessionHost = {
      clock: options.clock,
      hasNamespace: (ns) => seen.has(ns),
      join: (session, cmd) => this.join(session, cmd),
      command: (session, namespace, payload) => this.command(session, namespace, payload),
      disconnect: (session) => {
        const room = this.roomOfSession.get(session);
        room?.enqueue(() => room.disconnect(session.port));
      },
      sessionClosed: (session) => this.sessions.delete(session),
      limits: () => this.timings,
      identityBucket: (identity) => {
        let bucket = this.identityBuckets.get(identity);
        if (!bucket) {
          // Never stricter than one connection's own bucket: one connection alone gets its full per-connection rate.
          const t = this.timings;
          bucket = new TokenBucket(Math.max(t.identityCommandsPerSecond, t.commandsPerSecond), Math.max(t.identityCommandBurst, t.commandBurst), () => options.clock.now().getTime());
          this.identityBuckets.set(identity, bucket);
        }
        return bucket;
      },
    };
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** A new authenticated connection. Feed its frames to `receive` and its end to `transportClosed`. */
  open(admission: Admission, link: Link): SignalingSession {
    this.sweepIdentityBuckets();
    const session = new SignalingSession(admission, link, this.sessionHost);
    if (this.closing) {
      session.close(SignalingCloseCode.goingAway, 'server shutting down');
      return session;
    }
    this.sessions.add(session);
    return session;
  }

  /** A full bucket is as good as a new one: forget those whose identity has no open connection. */
  private sweepIdentityBuckets(): void {
    if (this.identityBuckets.size < 64) return;
    const open = new Set([...this.sessions].map((s) => s.admission.identity ?? `participant:${s.admission.participantId}`));
    for (const [identity, bucket] of this.identityBuckets) if (!open.has(identity) && bucket.isFull()) this.identityBuckets.delete(identity);
  }

  /** Routes a join to the live room; a room that closed before the join's turn is opened afresh. */
  private async join(session: SignalingSession, cmd: JoinCommand): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      let room: Room | null;
      try {
        room = await this.roomFor(session.admission.roomId);
      } catch (err) {
        this.options.logger.error({ err, roomId: session.admission.roomId }, 'room could not be opened');
        session.sendError(CONTROL_NAMESPACE, failureCode(err), { action: 'join' });
        session.close(SignalingCloseCode.internalError, 'room could not be opened');
        return;
      }
      if (!room) {
        session.sendError(CONTROL_NAMESPACE, this.closing ? 'room_closed' : 'room_not_found', { action: 'join' });
        session.close(SignalingCloseCode.joinRefused, 'room not found');
        return;
      }
      let dropped = false;
      this.roomOfSession.set(session, room);
      const target = room;
      room.enqueue(
        () => target.join(session.port, session.admission, cmd),
        () => {
          dropped = true;
        },
      );
      if (!dropped) return;
    }
    session.sendError(CONTROL_NAMESPACE, 'room_closed', { action: 'join' });
    session.close(SignalingCloseCode.goingAway, 'room closed');
  }

  private command(session: SignalingSession, namespace: string, payload: { action: string }): void {
    const room = this.roomOfSession.get(session);
    const refuse = () => session.deliver(errorEnvelope(namespace, 'room_closed', { action: payload.action }, this.options.clock));
    if (!room) return session.sendError(namespace, 'not_joined', { action: payload.action });
    room.enqueue(() => room.command(session.port, namespace, payload), refuse);
  }

  /** The live room, opening it on first use: its features load what they need before its first task. */
  roomFor(roomId: string): Promise<Room | null> {
    if (this.closing) return Promise.resolve(null);
    let room = this.rooms.get(roomId);
    if (!room) {
      room = this.openRoom(roomId);
      // A missing or failed lookup is not cached: the next join asks again.
      room.then(
        (r) => {
          if (!r) this.rooms.delete(roomId);
        },
        () => this.rooms.delete(roomId),
      );
      this.rooms.set(roomId, room);
    }
    return room;
  }

  private async openRoom(roomId: string): Promise<Room | null> {
    await this.closingRooms.get(roomId);
    const found = await this.options.lookupRoom(roomId);
    if (!found) return null;
    const logger = this.options.logger.child({ roomId: found.id });
    const loaded = new Map<string, unknown>();
    await Promise.all(
      this.features.map(async (f) => {
        if (!f.hooks.load) return;
        try {
          loaded.set(f.namespace, await f.hooks.load({ id: found.id, name: found.name, logger }));
        } catch (err) {
          logger.error({ err, feature: f.namespace }, 'feature could not load its room data');
        }
      }),
    );
    return new Room({ id: found.id, name: found.name, waitingRoom: found.waitingRoom ?? false }, this.features, loaded, this.roomHost);
  }

  /** Rooms open on this node (loaded ones only). */
  async liveRooms(): Promise<Room[]> {
    const rooms = await Promise.all([...this.rooms.values()].map((r) => r.catch(() => null)));
    return rooms.filter((r): r is Room => r !== null && !r.closed);
  }

  /**
   * A feature's stored data changed outside the room (a REST write): its `refresh` hook runs as a task of the
   * room, if the room is live on this node. A room still opening gets it after its load (it may have read first).
   */
  async refresh(roomId: string, namespace: string): Promise<void> {
    const room = await this.rooms.get(roomId)?.catch(() => null);
    if (!room || room.closed) return;
    room.enqueue(() => room.refresh(namespace));
  }

  /** Ends one live room now (e.g. the room was deleted): everyone gets control/closing and 1001. */
  async closeRoom(roomId: string, reason: string): Promise<void> {
    const room = await this.rooms.get(roomId)?.catch(() => null);
    if (!room) return;
    await new Promise<void>((resolve) =>
      room.enqueue(
        () => resolve(room.close(reason, true)),
        () => resolve(),
      ),
    );
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /**
   * Shutdown: every room sends control/closing and closes its sockets with 1001, and its features save what
   * they hold; sessions that have not joined are closed too. New connections are refused from now on.
   * Resolves when every room has closed and its spawned work and saves are done.
   */
  async close(reason = 'server shutting down'): Promise<void> {
    this.closing = true;
    const rooms = await this.liveRooms();
    await Promise.all(
      rooms.map(
        (room) =>
          new Promise<void>((resolve) =>
            room.enqueue(
              () => resolve(room.close(reason, true)),
              () => resolve(room.idle()),
            ),
          ),
      ),
    );
    for (const session of [...this.sessions]) {
      session.deliver(envelope(CONTROL_NAMESPACE, { message: 'closing', reason }, this.options.clock));
      session.close(SignalingCloseCode.goingAway, reason);
    }
    this.rooms.clear();
  }
}
