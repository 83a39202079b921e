import {
  errorPayloadOf,
  PROTOCOL_VERSION,
  type AnyFeatureProtocol,
  type CommandOf,
  type ErrorPayloadOf,
  type JoinSuccess,
  type MessageName,
  type MessageNamed,
  type MessageOf,
  type ParticipantKind,
  type SnapshotOf,
} from '@plenum/protocol';
import pino, { type Logger } from 'pino';
import { SigningKey } from '../audit/signing.ts';
import { noMedia } from '../media/types.ts';
import { instantiateFeatures } from './compose.ts';
import { ManualClock } from './clock.ts';
import type { AnyFeature, FeatureServices, ReposOf } from './feature.ts';
import { SignalingHub, type SignalingTimings } from './hub.ts';
import type { Room } from './room.ts';
import type { SignalingSession } from './session.ts';
import type { Admission } from './tickets.ts';

export interface ReceivedMessage {
  namespace: string;
  timestamp: string;
  payload: { message: string; [field: string]: unknown };
}

export interface SimulatedJoin {
  displayName?: string;
  /** moderator = joins as the room owner would */
  role?: 'moderator' | 'participant';
  kind?: ParticipantKind;
  userId?: string;
  /** guests only: the invite link they came with (default `test-invite`) */
  inviteCode?: string;
  /** guests: their browser's guest identity (default: a new one per join, i.e. another person) */
  guestId?: string;
  /** Extra fields of the control/join command (e.g. a guest's chosen display_name). */
  join?: Record<string, unknown>;
}

/** Repositories a test gives a feature instead of a database: `provide(legalVote, { votes: fake })`. */
export interface Provided {
  readonly namespace: string;
  readonly repos: unknown;
}
export function provide<F extends AnyFeature>(feature: F, repos: ReposOf<F>): Provided {
  return { namespace: feature.namespace, repos };
}

type ProtocolLike = Pick<AnyFeatureProtocol, 'namespace' | 'messages' | 'errors' | 'snapshot' | 'commands'>;

/**
 * Runs features in one room with simulated participants: no network, no database, a manual clock.
 * Every send resolves after the room has handled the command and everything it spawned has come back,
 * so assertions can follow directly — and `settle()` is the round-trip barrier that proves absence.
 * What a participant receives through `messages(feature)` is parsed with the feature's own zod schemas:
 * a message the protocol does not describe fails the test.
 */
export class ModuleTester {
  readonly clock: ManualClock;
  readonly hub: SignalingHub;
  readonly roomId: string;
  readonly revokedResumptions: string[] = [];
  /** Errors of room tasks (logged by the room): a test may assert there were none. */
  readonly taskErrors: unknown[] = [];
  private counter = 0;

  constructor(
    opts: {
      features?: readonly AnyFeature[];
      /** Repositories for features that have them (no database here). */
      provide?: readonly Provided[];
      services?: Partial<FeatureServices>;
      clock?: ManualClock;
      roomId?: string;
      roomName?: string;
      /** The room's stored waiting-room setting. */
      waitingRoom?: boolean;
      timings?: Partial<SignalingTimings>;
      logger?: Logger;
    } = {},
  ) {
    this.clock = opts.clock ?? new ManualClock();
    this.roomId = opts.roomId ?? crypto.randomUUID();
    const logger = opts.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
    const room = { id: this.roomId, name: opts.roomName ?? 'Test room', waitingRoom: opts.waitingRoom ?? false };
    const services: FeatureServices = {
      logger,
      media: noMedia(),
      signingKey: testSigningKey(),
      timeZone: 'UTC',
      ...opts.services,
    };
    const features = instantiateFeatures(opts.features ?? [], {
      services,
      provided: new Map((opts.provide ?? []).map((p) => [p.namespace, p.repos])),
    });
    this.hub = new SignalingHub({
      clock: this.clock,
      logger,
      features,
      lookupRoom: async (id) => (id === room.id ? room : null),
      revokeResumption: (token) => this.revokedResumptions.push(token),
      timings: opts.timings ?? {},
      taskFailed: (err) => this.taskErrors.push(err),
    });
  }

  /** Opens a connection and sends control/join; resolves once join_success (or an error) arrived. */
  async join(who: SimulatedJoin = {}): Promise<SimulatedParticipant> {
    this.counter++;
    const kind = who.kind ?? 'user';
    const admission: Admission = {
      roomId: this.roomId,
      participantId: crypto.randomUUID(),
      kind,
      displayName: who.displayName ?? `Participant ${this.counter}`,
      isRoomOwner: who.role === 'moderator',
      resumption: `resumption-${this.counter}`,
      ...(kind === 'user' ? { userId: who.userId ?? crypto.randomUUID(), role: 'user' as const } : {}),
      ...(kind === 'guest' ? { inviteCode: who.inviteCode ?? 'test-invite', guestId: who.guestId ?? crypto.randomUUID() } : {}),
    };
    const p = this.connect(admission);
    await p.send('control', { action: 'join', protocol_version: PROTOCOL_VERSION, ...who.join });
    return p;
  }

  /** A connection that has not joined yet (to test what happens before join). */
  connect(admission: Admission): SimulatedParticipant {
    return new SimulatedParticipant(this, admission);
  }

  /** Moves the clock and waits until the tasks its timers queued (and what they spawned) have run. */
  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    await this.settle();
  }

  /** The round-trip barrier: waits until every open room has nothing queued and nothing spawned still running. */
  async settle(): Promise<void> {
    for (let round = 0; round < 3; round++) {
      for (const room of await this.hub.liveRooms()) await room.idle();
    }
  }

  async room(): Promise<Room> {
    const room = await this.hub.roomFor(this.roomId);
    if (!room) throw new Error('room is not open');
    return room;
  }
}

export class SimulatedParticipant {
  readonly received: ReceivedMessage[] = [];
  /** Set when the server closed this connection. */
  closedWith: { code: number; reason: string } | null = null;
  private session: SignalingSession;

  constructor(
    private readonly tester: ModuleTester,
    readonly admission: Admission,
  ) {
    this.session = this.open();
  }

  get id(): string {
    return this.admission.participantId;
  }

  private open(): SignalingSession {
    this.closedWith = null;
    return this.tester.hub.open(this.admission, {
      send: (text) => this.received.push(JSON.parse(text) as ReceivedMessage),
      close: (code, reason) => {
        this.closedWith = { code, reason };
      },
    });
  }

  /** Sends a command of a feature (typed from its protocol), or raw fields to a namespace; resolves after the room handled it and what it spawned came back. */
  send<P extends ProtocolLike>(feature: P, command: CommandOf<P>): Promise<void>;
  send(namespace: string, payload: Record<string, unknown>): Promise<void>;
  send(target: ProtocolLike | string, payload: object): Promise<void> {
    const namespace = typeof target === 'string' ? target : target.namespace;
    return this.sendRaw(JSON.stringify({ namespace, payload }));
  }

  async sendRaw(text: string): Promise<void> {
    await this.session.receive(text);
    await this.tester.settle();
  }

  /**
   * What this participant received of a feature, parsed with its message schema (errors aside), optionally
   * only the messages of one name. With a namespace string instead: the raw payloads, unchecked.
   */
  messages<P extends ProtocolLike, N extends MessageName<P>>(feature: P, message: N): MessageNamed<P, N>[];
  messages<P extends ProtocolLike>(feature: P): MessageOf<P>[];
  messages(namespace?: string, message?: string): ReceivedMessage['payload'][];
  messages(target?: ProtocolLike | string, message?: string): unknown[] {
    if (target === undefined || typeof target === 'string') {
      return this.received
        .filter((m) => (target === undefined || m.namespace === target) && (message === undefined || m.payload.message === message))
        .map((m) => m.payload);
    }
    return this.received
      .filter((m) => m.namespace === target.namespace && m.payload.message !== 'error' && (message === undefined || m.payload.message === message))
      .map((m) => {
        const parsed = target.messages.safeParse(m.payload);
        if (!parsed.success) throw new Error(`${target.namespace}/${m.payload.message} does not match its protocol: ${parsed.error.message}`);
        // zod drops fields it does not know; a field the protocol does not describe must fail too.
        const extra = extraField(m.payload, parsed.data);
        if (extra) throw new Error(`${target.namespace}/${m.payload.message} carries ${extra}, which its protocol does not describe`);
        return parsed.data;
      });
  }

  /** The errors this participant received in a feature's namespace, parsed with its error schema. */
  errors<P extends ProtocolLike>(feature: P): ErrorPayloadOf<P>[] {
    const schema = errorPayloadOf(feature as AnyFeatureProtocol);
    return this.received
      .filter((m) => m.namespace === feature.namespace && m.payload.message === 'error')
      .map((m) => {
        const parsed = schema.safeParse(m.payload);
        if (!parsed.success) throw new Error(`${feature.namespace} error "${String(m.payload.error)}" is not one of its codes: ${parsed.error.message}`);
        return parsed.data as ErrorPayloadOf<P>;
      });
  }

  /** The last error code received in this feature's namespace (or undefined). */
  lastError<P extends ProtocolLike>(feature: P): ErrorPayloadOf<P>['error'] | undefined {
    return this.errors(feature).at(-1)?.error;
  }

  /** The feature's part of the last join_success, parsed with its snapshot schema. */
  snapshot<P extends ProtocolLike>(feature: P): SnapshotOf<P> {
    const join = this.messages('control', 'join_success').at(-1) as JoinSuccess | undefined;
    if (!join) throw new Error('no join_success received');
    return feature.snapshot.parse(join.modules[feature.namespace]) as SnapshotOf<P>;
  }

  last(namespace?: string): ReceivedMessage | undefined {
    return this.received.filter((m) => namespace === undefined || m.namespace === namespace).at(-1);
  }

  clear(): void {
    this.received.length = 0;
  }

  /** The network drops (no control/leave). Resolves after the room noticed. */
  async drop(): Promise<void> {
    this.session.transportClosed();
    await this.tester.settle();
  }

  /** A new connection with a ticket for the same participant (resumption), sending control/join again. */
  async resume(join: Record<string, unknown> = {}): Promise<void> {
    this.session = this.open();
    await this.send('control', { action: 'join', protocol_version: PROTOCOL_VERSION, ...join });
  }

  /** A second, parallel connection for the same participant (e.g. a second tab with the same resumption token). */
  duplicate(): SimulatedParticipant {
    return new SimulatedParticipant(this.tester, this.admission);
  }

  leave(): Promise<void> {
    return this.send('control', { action: 'leave' });
  }
}

let sharedKey: SigningKey | undefined;
/** One throwaway Ed25519 key per test process (key generation is not free). */
export function testSigningKey(): SigningKey {
  sharedKey ??= SigningKey.generate();
  return sharedKey;
}

/** The path of a field in `raw` that parsing dropped (so the schema does not know it), or null. */
function extraField(raw: unknown, parsed: unknown, path = ''): string | null {
  if (Array.isArray(raw) && Array.isArray(parsed)) {
    for (let i = 0; i < raw.length; i++) {
      const found = extraField(raw[i], parsed[i], `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  if (raw && typeof raw === 'object' && parsed && typeof parsed === 'object' && !Array.isArray(raw)) {
    for (const [key, value] of Object.entries(raw)) {
      if (!(key in parsed)) return `${path}.${key}`;
      const found = extraField(value, (parsed as Record<string, unknown>)[key], `${path}.${key}`);
      if (found) return found;
    }
  }
  return null;
}
