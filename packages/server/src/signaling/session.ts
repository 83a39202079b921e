import {
  ClientEnvelope,
  CONTROL_NAMESPACE,
  ControlJoin,
  CORE_NAMESPACE,
  PROTOCOL_VERSION,
  SignalingCloseCode,
  type ControlCommand,
  type SignalingErrorCode,
  type SignalingErrorPayload,
} from '@plenum/protocol';
import type { Clock } from '../modules/types.ts';
import { TokenBucket } from './rate-limit.ts';
import { errorEnvelope, issuesOf, type Member, type Room } from './room.ts';
import type { Admission } from './tickets.ts';

/** One transport connection as the core sees it (a WebSocket, or a simulated one in ModuleTester). */
export interface Link {
  send(text: string): void;
  close(code: number, reason: string): void;
}

export interface SessionHost {
  clock: Clock;
  hasNamespace(namespace: string): boolean;
  /** The live room for this id (opened on first use), or null when the room does not exist. */
  roomFor(roomId: string): Promise<Room | null>;
  sessionClosed(session: SignalingSession): void;
  limits(): { commandsPerSecond: number; commandBurst: number; abuseRejections: number; abuseWindowMs: number };
}

type JoinCommand = Extract<ControlCommand, { action: 'join' }>;
const settled = Promise.resolve();

/**
 * One connection's state machine: new → joining → joined → closed. It checks rate, JSON and envelope,
 * accepts only control/join first, and hands everything else to the room's queue in arrival order.
 */
export class SignalingSession {
  state: 'new' | 'joining' | 'joined' | 'closed' = 'new';
  member: Member | null = null;
  private room: Promise<Room | null> | null = null;
  /** Settles when everything received so far has been answered: answers go out in the order commands came in. */
  private tail: Promise<void> = settled;
  private readonly bucket: TokenBucket;
  private rejections = 0;
  private rejectionWindowStart = 0;

  constructor(
    readonly admission: Admission,
    private readonly link: Link,
    private readonly host: SessionHost,
  ) {
    const limits = host.limits();
    this.bucket = new TokenBucket(limits.commandsPerSecond, limits.commandBurst, () => host.clock.now().getTime());
  }

  /** One inbound text frame. The promise settles when the command has been handled (tests wait on it). */
  receive(text: string): Promise<void> {
    if (this.state === 'closed') return settled;
    if (!this.bucket.take()) return this.rateLimited();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return this.reply(CORE_NAMESPACE, 'invalid_json');
    }
    const parsed = ClientEnvelope.safeParse(json);
    if (!parsed.success) return this.reply(CORE_NAMESPACE, 'invalid_envelope', { issues: issuesOf(parsed.error) });
    const { namespace, payload } = parsed.data;
    if (!this.host.hasNamespace(namespace)) return this.reply(CORE_NAMESPACE, 'unknown_namespace', { action: payload.action });
    if (this.state === 'new') {
      if (namespace !== CONTROL_NAMESPACE || payload.action !== 'join') return this.reply(namespace, 'not_joined', { action: payload.action });
      return this.startJoin(payload);
    }
    // The room answers a second join with already_joined, in order with everything else.
    return this.redispatch(namespace, payload);
  }

  /** Runs `step` after everything received before it has been handled. */
  private inOrder(step: () => void | Promise<void>): Promise<void> {
    const next = this.tail.then(step, step);
    this.tail = next.catch(() => undefined);
    return this.tail;
  }

  private reply(namespace: string, error: SignalingErrorCode, extra: Omit<SignalingErrorPayload, 'message' | 'error'> = {}): Promise<void> {
    return this.inOrder(() => this.sendError(namespace, error, extra));
  }

  private startJoin(payload: { action: string }): Promise<void> {
    const join = ControlJoin.safeParse(payload);
    if (!join.success) return this.reply(CONTROL_NAMESPACE, 'invalid_command', { action: 'join', issues: issuesOf(join.error) });
    const version = join.data.protocol_version;
    if (version !== PROTOCOL_VERSION) {
      this.sendError(CONTROL_NAMESPACE, 'protocol_version_mismatch', {
        action: 'join',
        reason: version < PROTOCOL_VERSION ? 'client_too_old' : 'server_too_old',
      });
      this.close(SignalingCloseCode.joinRefused, 'protocol version mismatch');
      return settled;
    }
    this.state = 'joining';
    const cmd = join.data;
    return this.inOrder(() => this.rejoin(cmd));
  }

  /** Routes the join to the live room (again, when the room it found closed in the meantime). */
  rejoin(cmd: JoinCommand): Promise<void> {
    this.room = this.host.roomFor(this.admission.roomId);
    return this.room.then(
      (room) => {
        if (room) return room.enqueue(() => room.join(this, cmd));
        this.sendError(CONTROL_NAMESPACE, 'room_not_found', { action: 'join' });
        this.close(SignalingCloseCode.joinRefused, 'room not found');
      },
      () => {
        this.sendError(CONTROL_NAMESPACE, 'internal_error', { action: 'join' });
        this.close(SignalingCloseCode.internalError, 'room could not be opened');
      },
    );
  }

  private redispatch(namespace: string, payload: { action: string }): Promise<void> {
    return this.inOrder(() => this.forward(namespace, payload));
  }

  /** Hands a command to the current room's queue; the room calls this itself when the command reached it after it closed. */
  forward(namespace: string, payload: { action: string }): Promise<void> {
    return this.room?.then((r) => r?.enqueue(() => r.command(this, namespace, payload)), () => undefined) ?? settled;
  }

  /** The room made this session the connection of `member`. */
  attach(member: Member): void {
    this.member = member;
    if (this.state !== 'closed') this.state = 'joined';
  }

  /** The room no longer routes to this session (left, replaced, room closed). */
  detach(): void {
    this.member = null;
  }

  deliver(text: string): void {
    if (this.state !== 'closed') this.link.send(text);
  }

  sendError(namespace: string, error: SignalingErrorCode, extra: Omit<SignalingErrorPayload, 'message' | 'error'> = {}): void {
    this.deliver(errorEnvelope(namespace, error, extra, this.host.clock));
  }

  /** Server-side close. The transport's close event then arrives at `transportClosed` and finds nothing left to do. */
  close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.markClosed();
    this.link.close(code, reason);
  }

  /** The transport is gone (client closed, network cut, heartbeat). Without control/leave this starts the resume window. */
  transportClosed(): void {
    if (this.state === 'closed' && !this.member) return;
    this.markClosed();
    const room = this.room;
    if (room) void room.then((r) => r?.enqueue(() => r.disconnect(this)), () => undefined);
  }

  private markClosed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.host.sessionClosed(this);
  }

  private rateLimited(): Promise<void> {
    const limits = this.host.limits();
    const now = this.host.clock.now().getTime();
    if (now - this.rejectionWindowStart > limits.abuseWindowMs) {
      this.rejectionWindowStart = now;
      this.rejections = 0;
    }
    this.rejections++;
    if (this.rejections > limits.abuseRejections) {
      this.close(SignalingCloseCode.policyViolation, 'rate limit exceeded');
      // Close the socket, but keep the participant for the resume window like any other drop.
      this.transportClosed();
      return settled;
    }
    // At once rather than in order: the client should back off now, not after its backlog.
    this.sendError(CORE_NAMESPACE, 'rate_limited', { retry_after_ms: this.bucket.retryAfterMs() });
    return settled;
  }
}
