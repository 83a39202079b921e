import {
  ClientEnvelope,
  PROTOCOL_VERSION,
  type AnyFeatureProtocol,
  type CommandOf,
  type JoinSuccess,
  type ParticipantKind,
  type ParticipantRole,
  type ServerEnvelope,
} from '@plenum/protocol';
import type { ConnectionState } from '../signalingClient.ts';

/** The fixed server time every delivered message carries unless a test says otherwise. */
export const FAKE_SERVER_TIME = '2026-01-01T09:00:00.000Z';

export interface FakeSignalingOptions {
  /** The module under test: `join()` puts its snapshot under this key, `deliver()` sends on it. */
  namespace: string;
  /** The receiver's own participant id in join_success. */
  selfId?: string;
  role?: ParticipantRole;
  kind?: ParticipantKind;
  room?: JoinSuccess['room'];
  /** The envelope timestamp of `deliver()` when a call gives none; a function is asked on every delivery. */
  timestamp?: string | (() => string);
}

export interface JoinOptions {
  /** join_success after a resume. */
  resumed?: boolean;
  /** Snapshots of other modules, beside the one under test. */
  otherModules?: Record<string, unknown>;
}

export interface DeliverOptions {
  /** Another namespace than the module's own (a neighbouring module, or one the store must ignore). */
  namespace?: string;
  timestamp?: string;
}

/** A command a store sent, as the signaling client would have put it on the socket. */
export type SentCommand = ClientEnvelope;

/**
 * Stands in for SignalingClient in the web stores' unit tests: it records what a store sends and lets the
 * test play the server (join_success with a module snapshot, then messages in that module's namespace).
 */
export class FakeSignaling {
  state: ConnectionState = { status: 'connecting' };
  /** Every command sent, oldest first; tests may empty it (`sent.length = 0`). */
  readonly sent: SentCommand[] = [];
  private readonly stateListeners: ((s: ConnectionState) => void)[] = [];
  private readonly messageListeners: ((e: ServerEnvelope) => void)[] = [];
  private readonly options: Required<FakeSignalingOptions>;

  constructor(options: FakeSignalingOptions) {
    this.options = {
      selfId: '00000000-0000-4000-8000-000000000001',
      role: 'participant',
      kind: 'guest',
      room: { id: '00000000-0000-4000-8000-0000000000aa', name: 'Room' },
      timestamp: FAKE_SERVER_TIME,
      ...options,
    };
  }

  /** The payloads of `sent`, for tests that only send on their own namespace. */
  get payloads(): SentCommand['payload'][] {
    return this.sent.map((c) => c.payload);
  }

  onState(l: (s: ConnectionState) => void) {
    this.stateListeners.push(l);
    return () => {};
  }

  onMessage(l: (e: ServerEnvelope) => void) {
    this.messageListeners.push(l);
    return () => {};
  }

  send<P extends AnyFeatureProtocol>(protocol: P, command: CommandOf<P>) {
    // Read back through the envelope's schema, as the server reads what is on the socket.
    this.sent.push(ClientEnvelope.parse({ namespace: protocol.namespace, payload: command }));
    return true;
  }

  /** The server's join_success (first join or, with `resumed`, a resume) with `snapshot` as this module's part. */
  join(snapshot: unknown, { resumed = false, otherModules = {} }: JoinOptions = {}) {
    const { namespace, selfId, role, kind, room } = this.options;
    const join: JoinSuccess = {
      message: 'join_success',
      protocol_version: PROTOCOL_VERSION,
      id: selfId,
      display_name: 'Me',
      role,
      kind,
      room,
      participants: [],
      modules: { [namespace]: snapshot, ...otherModules },
      resumed,
    };
    this.state = { status: 'joined', join };
    for (const l of this.stateListeners) l(this.state);
  }

  /** One server message; on the module's namespace and at the configured time unless `options` say otherwise. */
  deliver(payload: Record<string, unknown> & { message: string }, options: DeliverOptions = {}) {
    const configured = this.options.timestamp;
    const namespace = options.namespace ?? this.options.namespace;
    const timestamp = options.timestamp ?? (typeof configured === 'function' ? configured() : configured);
    for (const l of this.messageListeners) l({ namespace, timestamp, payload });
  }
}
