import { PROTOCOL_VERSION, type ParticipantKind } from '@plenum/protocol';
import pino, { type Logger } from 'pino';
import type { AnySignalingModule } from '../modules/types.ts';
import { ManualClock } from './clock.ts';
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
  /** Extra fields of the control/join command (e.g. a guest's chosen display_name). */
  join?: Record<string, unknown>;
}

/**
 * Runs modules in one room with simulated participants: no network, no database, a manual clock.
 * Every send resolves after the room has handled the command, so assertions can follow directly.
 */
export class ModuleTester {
  readonly clock: ManualClock;
  readonly hub: SignalingHub;
  readonly roomId: string;
  readonly revokedResumptions: string[] = [];
  private counter = 0;

  constructor(
    opts: {
      modules?: readonly AnySignalingModule[];
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
    const room = { id: this.roomId, name: opts.roomName ?? 'Test room', waitingRoom: opts.waitingRoom ?? false };
    this.hub = new SignalingHub({
      clock: this.clock,
      logger: opts.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      modules: opts.modules ?? [],
      lookupRoom: async (id) => (id === room.id ? room : null),
      revokeResumption: (token) => this.revokedResumptions.push(token),
      timings: opts.timings ?? {},
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
      ...(kind === 'guest' ? { inviteCode: who.inviteCode ?? 'test-invite' } : {}),
    };
    const p = this.connect(admission);
    await p.send('control', { action: 'join', protocol_version: PROTOCOL_VERSION, ...who.join });
    return p;
  }

  /** A connection that has not joined yet (to test what happens before join). */
  connect(admission: Admission): SimulatedParticipant {
    return new SimulatedParticipant(this, admission);
  }

  /** Moves the clock and waits until the tasks its timers queued have run. */
  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    await this.settle();
  }

  /** Waits until every open room has handled what is queued (twice: tasks may queue tasks). */
  async settle(): Promise<void> {
    for (let round = 0; round < 3; round++) {
      for (const room of await this.hub.liveRooms()) await room.enqueue(() => {});
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

  /** Sends a command; resolves after the room handled it. */
  send(namespace: string, payload: Record<string, unknown>): Promise<void> {
    return this.sendRaw(JSON.stringify({ namespace, payload }));
  }

  sendRaw(text: string): Promise<void> {
    return this.session.receive(text);
  }

  /** Payloads received, optionally only of one namespace and message. */
  messages(namespace?: string, message?: string): ReceivedMessage['payload'][] {
    return this.received
      .filter((m) => (namespace === undefined || m.namespace === namespace) && (message === undefined || m.payload.message === message))
      .map((m) => m.payload);
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
