import { CONTROL_NAMESPACE, SignalingCloseCode } from '@plenum/protocol';
import type { Logger } from 'pino';
import { controlModule } from '../modules/control/index.ts';
import type { AnySignalingModule, Clock } from '../modules/types.ts';
import { envelope, Room, type RoomHost } from './room.ts';
import { SignalingSession, type Link, type SessionHost } from './session.ts';
import type { Admission } from './tickets.ts';

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
  abuseRejections: 100,
  abuseWindowMs: 10_000,
};

export interface HubOptions {
  clock: Clock;
  logger: Logger;
  /** Modules besides `control` (which is always first). */
  modules?: readonly AnySignalingModule[];
  /** Looks a room up when it opens on this node; null when it does not exist (any more). */
  lookupRoom(roomId: string): Promise<{ id: string; name: string; waitingRoom?: boolean } | null>;
  /** Forget a participant's resumption token (explicit leave, removal). */
  revokeResumption?(token: string): void;
  timings?: Partial<SignalingTimings>;
}

/**
 * The signaling hub of this node: the room registry (a room opens with its first join and closes when it
 * has been empty for the grace period) and every open session. Transport-agnostic: the WebSocket endpoint
 * and ModuleTester both feed it through `open()`.
 */
export class SignalingHub {
  /** Mutable so tests (and later the config) can shorten intervals; read whenever a timer starts. */
  readonly timings: SignalingTimings;
  readonly modules: readonly AnySignalingModule[];
  private readonly rooms = new Map<string, Promise<Room | null>>();
  private readonly sessions = new Set<SignalingSession>();
  private closing = false;
  private readonly roomHost: RoomHost;
  private readonly sessionHost: SessionHost;

  constructor(private readonly options: HubOptions) {
    this.timings = { ...defaultTimings, ...options.timings };
    this.modules = [controlModule as AnySignalingModule, ...(options.modules ?? [])];
    const seen = new Set<string>();
    for (const m of this.modules) {
      if (seen.has(m.namespace)) throw new Error(`two signaling modules use the namespace "${m.namespace}"`);
      seen.add(m.namespace);
    }
    this.roomHost = {
      clock: options.clock,
      logger: options.logger,
      resumeWindowMs: () => this.timings.resumeWindowMs,
      emptyRoomGraceMs: () => this.timings.emptyRoomGraceMs,
      revokeResumption: (token) => options.revokeResumption?.(token),
      roomClosed: (room) => {
        const entry = this.rooms.get(room.id);
        void entry?.then((current) => {
          // Only forget this room: a newer one for the same id may already have opened.
          if (current === room && this.rooms.get(room.id) === entry) this.rooms.delete(room.id);
        });
      },
    };
    this.sessionHost = {
      clock: options.clock,
      hasNamespace: (ns) => seen.has(ns),
      roomFor: (id) => this.roomFor(id),
      sessionClosed: (session) => this.sessions.delete(session),
      limits: () => this.timings,
    };
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** A new authenticated connection. Feed its frames to `receive` and its end to `transportClosed`. */
  open(admission: Admission, link: Link): SignalingSession {
    const session = new SignalingSession(admission, link, this.sessionHost);
    if (this.closing) {
      session.close(SignalingCloseCode.goingAway, 'server shutting down');
      return session;
    }
    this.sessions.add(session);
    return session;
  }

  /** The live room, opening it on first use. */
  roomFor(roomId: string): Promise<Room | null> {
    if (this.closing) return Promise.resolve(null);
    let room = this.rooms.get(roomId);
    if (!room) {
      room = this.options.lookupRoom(roomId).then((found) => (found ? new Room(found.id, found.name, this.modules, this.roomHost, { waitingRoom: found.waitingRoom ?? false }) : null));
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

  /** Rooms open on this node (loaded ones only). */
  async liveRooms(): Promise<Room[]> {
    const rooms = await Promise.all([...this.rooms.values()].map((r) => r.catch(() => null)));
    return rooms.filter((r): r is Room => r !== null && !r.closed);
  }

  /** Ends one live room now (e.g. the room was deleted): everyone gets control/closing and 1001. */
  async closeRoom(roomId: string, reason: string): Promise<void> {
    const room = await this.rooms.get(roomId)?.catch(() => null);
    if (room) await room.enqueue(() => room.close(reason, true));
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /**
   * Shutdown: every room sends control/closing and closes its sockets with 1001; sessions that have not joined
   * are closed too. New connections are refused from now on. Resolves when every room has handled it.
   */
  async close(reason = 'server shutting down'): Promise<void> {
    this.closing = true;
    const rooms = await this.liveRooms();
    await Promise.all(rooms.map((room) => room.enqueue(() => room.close(reason, true))));
    for (const session of [...this.sessions]) {
      session.deliver(envelope(CONTROL_NAMESPACE, { message: 'closing', reason }, this.options.clock));
      session.close(SignalingCloseCode.goingAway, reason);
    }
    this.rooms.clear();
  }
}
