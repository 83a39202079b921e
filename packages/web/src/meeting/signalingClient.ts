import {
  CONTROL_NAMESPACE,
  ControlMessage,
  PROTOCOL_VERSION,
  SIGNALING_SUBPROTOCOL,
  ServerEnvelope,
  SignalingCloseCode,
  SignalingErrorPayload,
  TICKET_SUBPROTOCOL_PREFIX,
  controlProtocol,
  type AnyFeatureProtocol,
  type CommandOf,
  type JoinSuccess,
  type ProtocolMismatchReason,
  type RemovedReason,
  type StartResponse,
} from '@plenum/protocol';
import { exponentialBackoff, type ReconnectPolicy } from './reconnectPolicy.ts';

/** Gives a ticket for each (re)connection; with `resumption` the same participant comes back. */
export interface TicketSource {
  next(resumption: string | undefined): Promise<StartResponse>;
}

/** Thrown by a TicketSource when asking again cannot help (invite revoked, room deleted, wrong password). */
export class TicketRefusedError extends Error {
  constructor(cause: unknown) {
    super('ticket refused', { cause });
    this.name = 'TicketRefusedError';
  }
}

export type FailReason =
  /** The resume window is over (or the policy gave up) without getting back in. */
  | 'gave_up'
  /** REST refused a ticket for good (e.g. invite withdrawn). */
  | 'refused'
  /** The server refused the join (room gone). */
  | 'join_refused'
  /** Client and server speak different protocol versions. */
  | ProtocolMismatchReason
  /** A moderator removed this participant. */
  | 'removed'
  /** A moderator banned this participant, or the join was refused because of a ban. */
  | 'banned'
  /** The room is locked: only moderators can join now. */
  | 'room_locked'
  /** A moderator ended the meeting (for everyone, or for all but the moderators). */
  | 'meeting_ended'
  /** The same participant was taken over by another tab or device. */
  | 'replaced';

export type ConnectionState =
  | { status: 'connecting' }
  | { status: 'joined'; join: JoinSuccess }
  /** In the waiting room: connected, until a moderator lets this participant in (join_success follows). */
  | { status: 'waiting' }
  | { status: 'reconnecting'; attempt: number }
  | { status: 'failed'; reason: FailReason }
  | { status: 'left' };

/** The part of the browser WebSocket the client uses (so tests can inject a fake). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface SignalingClientOptions {
  tickets: TicketSource;
  /** Guests may choose their name in control/join; users' names come from their account. */
  displayName?: string | undefined;
  policy?: ReconnectPolicy;
  createSocket?: (url: string, protocols: string[]) => WebSocketLike;
  now?: () => number;
}

const OPEN = 1;

/** How a removal the server announced (control/removed) ends the connection. */
const removedFailReason: Record<RemovedReason, FailReason> = {
  kicked: 'removed',
  banned: 'banned',
  meeting_ended: 'meeting_ended',
  debriefing: 'meeting_ended',
};

/**
 * One participant's signaling connection, as an explicit state machine:
 * connecting → joined → reconnecting → joined | failed, and → left after leave().
 * Every (re)connection takes a fresh single-use ticket; after the first join it carries the resumption
 * token, so the server takes the same participant back and the others see no leave/join.
 */
export class SignalingClient {
  private stateValue: ConnectionState = { status: 'connecting' };
  private socket: WebSocketLike | null = null;
  private resumption: string | undefined;
  private attempt = 0;
  private droppedAt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private everJoined = false;
  /** Why a moderator removed us, told just before the socket closes with 4003. */
  private removedReason: FailReason = 'removed';
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private readonly messageListeners = new Set<(envelope: ServerEnvelope) => void>();
  private readonly policy: ReconnectPolicy;
  private readonly createSocket: (url: string, protocols: string[]) => WebSocketLike;
  private readonly now: () => number;

  constructor(private readonly options: SignalingClientOptions) {
    this.policy = options.policy ?? exponentialBackoff();
    this.createSocket = options.createSocket ?? ((url, protocols) => new WebSocket(url, protocols) as unknown as WebSocketLike);
    this.now = options.now ?? Date.now;
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** Starts the first connection. */
  start(): void {
    void this.connect();
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onMessage(listener: (envelope: ServerEnvelope) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  /**
   * Sends a command in a feature's namespace when joined; returns false (and drops it) otherwise — callers
   * resync after the next join. The protocol types the command; the server checks it again.
   */
  send<P extends AnyFeatureProtocol>(protocol: P, command: CommandOf<P>): boolean {
    if (this.stateValue.status !== 'joined' || !this.socket || this.socket.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify({ namespace: protocol.namespace, payload: command }));
    return true;
  }

  /** Leaves on purpose: the others see "left" at once; no reconnection follows. */
  leave(): void {
    if (this.stateValue.status === 'left') return;
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    if (socket && socket.readyState === OPEN && this.stateValue.status === 'joined') {
      socket.send(JSON.stringify({ namespace: CONTROL_NAMESPACE, payload: { action: 'leave' } satisfies CommandOf<typeof controlProtocol> }));
      // The server closes after handling leave; close ourselves if it does not within a second.
      setTimeout(() => socket.close(SignalingCloseCode.normal), 1_000);
    } else {
      socket?.close(SignalingCloseCode.normal);
    }
    this.setState({ status: 'left' });
  }

  /**
   * Drops the socket as a network failure would (the server keeps the participant for its resume window).
   * Used by the end-to-end test hook only.
   */
  dropConnection(): void {
    this.socket?.close(4100, 'dropped');
  }

  private setState(state: ConnectionState): void {
    this.stateValue = state;
    for (const listener of this.stateListeners) listener(state);
  }

  private finished(): boolean {
    return this.stateValue.status === 'left' || this.stateValue.status === 'failed';
  }

  private async connect(): Promise<void> {
    if (this.finished()) return;
    let start: StartResponse;
    try {
      start = await this.options.tickets.next(this.resumption);
    } catch (err) {
      if (err instanceof TicketRefusedError) return this.fail('refused');
      return this.scheduleRetry();
    }
    if (this.finished()) return;
    this.resumption = start.resumption;
    let socket: WebSocketLike;
    try {
      socket = this.createSocket(start.signaling_url, [SIGNALING_SUBPROTOCOL, TICKET_SUBPROTOCOL_PREFIX + start.ticket]);
    } catch {
      return this.scheduleRetry();
    }
    this.socket = socket;
    socket.onopen = () => {
      const join: CommandOf<typeof controlProtocol> = {
        action: 'join',
        protocol_version: PROTOCOL_VERSION,
        ...(this.options.displayName ? { display_name: this.options.displayName } : {}),
      };
      socket.send(JSON.stringify({ namespace: CONTROL_NAMESPACE, payload: join }));
    };
    socket.onmessage = (event) => {
      if (socket !== this.socket || typeof event.data !== 'string') return;
      this.handleFrame(event.data);
    };
    socket.onerror = () => {
      // A close event always follows; that is where the decision is made.
    };
    socket.onclose = (event) => {
      if (socket !== this.socket) return;
      this.socket = null;
      this.handleClose(event.code);
    };
  }

  private handleFrame(data: string): void {
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return;
    }
    const envelope = ServerEnvelope.safeParse(json);
    if (!envelope.success) return;
    if (envelope.data.namespace === CONTROL_NAMESPACE) this.handleControl(envelope.data.payload);
    for (const listener of this.messageListeners) listener(envelope.data);
  }

  /** The connection's own part of control: joining, the waiting room, a refused join, a removal. */
  private handleControl(payload: ServerEnvelope['payload']): void {
    if (payload.message === 'error') {
      if (this.stateValue.status === 'joined') return;
      const error = SignalingErrorPayload.safeParse(payload);
      if (!error.success) return;
      const code = error.data.error;
      if (code === 'protocol_version_mismatch') this.fail(error.data.reason ?? 'client_too_old');
      else if (code === 'room_not_found') this.fail('join_refused');
      else if (code === 'banned' || code === 'room_locked') this.fail(code);
      return;
    }
    const parsed = ControlMessage.safeParse(payload);
    if (!parsed.success) return;
    const message = parsed.data;
    switch (message.message) {
      case 'join_success':
        this.everJoined = true;
        this.attempt = 0;
        this.setState({ status: 'joined', join: message });
        return;
      case 'waiting':
        this.attempt = 0;
        this.setState({ status: 'waiting' });
        return;
      case 'removed':
        // The socket closes with 4003 right after; that is when the connection fails with this reason.
        this.removedReason = removedFailReason[message.reason];
        return;
      case 'joined':
      case 'left':
      case 'update':
      case 'closing':
        return;
    }
  }

  private handleClose(code: number): void {
    if (this.finished()) return;
    if (code === SignalingCloseCode.replaced) return this.fail('replaced');
    if (code === SignalingCloseCode.removed) return this.fail(this.removedReason);
    if (code === SignalingCloseCode.joinRefused) return this.fail('join_refused');
    if (code === SignalingCloseCode.normal && this.stateValue.status === 'joined') return this.setState({ status: 'left' });
    if (this.stateValue.status === 'joined' || this.stateValue.status === 'waiting') this.droppedAt = this.now();
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.finished()) return;
    if (this.stateValue.status === 'connecting' && !this.droppedAt) this.droppedAt = this.now();
    this.attempt++;
    const delay = this.policy.nextDelayMs(this.attempt, this.now() - this.droppedAt);
    if (delay === null) return this.fail('gave_up');
    // Before the first join the person sees "connecting"; afterwards "reconnecting".
    if (this.everJoined) this.setState({ status: 'reconnecting', attempt: this.attempt });
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }

  private fail(reason: FailReason): void {
    clearTimeout(this.retryTimer);
    this.socket?.close(SignalingCloseCode.normal);
    this.socket = null;
    this.setState({ status: 'failed', reason });
  }
}
