import {
  ClientEnvelope,
  CONTROL_NAMESPACE,
  ControlJoin,
  CORE_NAMESPACE,
  PROTOCOL_VERSION,
  SignalingCloseCode,
  type ControlCommand,
  type CoreErrorCode,
  type SignalingErrorPayload,
} from '@plenum/protocol';
import type { Clock } from './feature.ts';
import { TokenBucket } from './rate-limit.ts';
import { errorEnvelope, issuesOf, type ConnectionPort } from './room.ts';
import type { Admission } from './tickets.ts';

/** One transport connection as the core sees it (a WebSocket, or a simulated one in ModuleTester). */
export interface Link {
  send(text: string): void;
  close(code: number, reason: string): void;
}

type JoinCommand = Extract<ControlCommand, { action: 'join' }>;
type ErrorExtra = Omit<SignalingErrorPayload, 'message' | 'error'>;

/** What a session needs of the hub: where its room is, and the limits. */
export interface SessionHost {
  clock: Clock;
  hasNamespace(namespace: string): boolean;
  /** Routes the join to the live room (opening it); settles when the room handled it. */
  join(session: SignalingSession, cmd: JoinCommand): Promise<void>;
  /** Hands a command to the session's room; a room that has closed answers `room_closed` through the hub. */
  command(session: SignalingSession, namespace: string, payload: { action: string }): void;
  /** The transport is gone: the room starts the resume window. */
  disconnect(session: SignalingSession): void;
  sessionClosed(session: SignalingSession): void;
  limits(): { commandsPerSecond: number; commandBurst: number; abuseRejections: number; abuseWindowMs: number };
  /** The token bucket shared by every connection of one identity (account, invite, phone caller). */
  identityBucket(identity: string): TokenBucket;
}

const settled = Promise.resolve();

/**
 * One connection's state machine: new → joined → closed. It checks rate, JSON and envelope, accepts only
 * control/join first, and hands everything else to the room in arrival order. The room sees it only
 * through its `port`.
 */
export class SignalingSession {
  state: 'new' | 'joined' | 'closed' = 'new';
  readonly port: ConnectionPort;
  /** Settles when everything received so far has been answered: answers go out in the order commands came in. */
  private tail: Promise<void> = settled;
  private readonly bucket: TokenBucket;
  /** Shared with every other connection of the same identity: more connections or a resumption give no more rate. */
  private readonly identityBucket: TokenBucket;
  private rejections = 0;
  private rejectionWindowStart = 0;

  constructor(
    readonly admission: Admission,
    private readonly link: Link,
    private readonly host: SessionHost,
  ) {
    const limits = host.limits();
    this.bucket = new TokenBucket(limits.commandsPerSecond, limits.commandBurst, () => host.clock.now().getTime());
    this.identityBucket = host.identityBucket(admission.identity ?? `participant:${admission.participantId}`);
    this.port = {
      send: (text) => this.deliver(text),
      close: (code, reason) => this.close(code, reason),
      isOpen: () => this.state !== 'closed',
    };
  }

  /** One inbound text frame. The promise settles when the command has been handled (tests wait on it). */
  receive(text: string): Promise<void> {
    if (this.state === 'closed') return settled;
    if (!this.bucket.take() || !this.identityBucket.take()) return this.rateLimited();
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
    return this.inOrder(() => this.host.command(this, namespace, payload));
  }

  /** Runs `step` after everything received before it has been handled. */
  private inOrder(step: () => void | Promise<void>): Promise<void> {
    const next = this.tail.then(step, step);
    this.tail = next.catch(() => undefined);
    return this.tail;
  }

  private reply(namespace: string, error: CoreErrorCode, extra: ErrorExtra = {}): Promise<void> {
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
    this.state = 'joined';
    const cmd = join.data;
    return this.inOrder(() => this.host.join(this, cmd));
  }

  deliver(text: string): void {
    if (this.state !== 'closed') this.link.send(text);
  }

  sendError(namespace: string, error: string, extra: ErrorExtra = {}): void {
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
    this.markClosed();
    // In order: a join still being routed must reach its room before the room hears of the drop.
    void this.inOrder(() => this.host.disconnect(this));
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
    this.sendError(CORE_NAMESPACE, 'rate_limited', { retry_after_ms: Math.max(this.bucket.retryAfterMs(), this.identityBucket.retryAfterMs()) });
    return settled;
  }
}
