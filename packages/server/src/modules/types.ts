import type { LeftReason, ParticipantKind, ParticipantRole, ConnectionState, SignalingErrorCode, SignalingErrorPayload } from '@plenum/protocol';
import type { Logger } from 'pino';
import type { ZodType } from 'zod';

/**
 * The feature-module interface (architecture: Feature modules). A module owns one namespace, its per-room
 * state and its commands; the signaling core parses every command with `commands` before `onCommand` sees it,
 * and calls every hook inside the room's single-writer queue, so state needs no locks.
 *
 * Modules get their own long-lived dependencies (repositories, audit log) when they are constructed
 * (a factory such as `createLegalVoteModule(repo)`), so the harness can run them without a database.
 */
export interface SignalingModule<Command, State> {
  /** snake_case, unique per deployment: "chat", "legal_vote", … */
  namespace: string;
  /** Parsed before onCommand sees it; a failure is answered with `invalid_command` / `unknown_action` and changes nothing. */
  commands: ZodType<Command>;
  /** Per-room state, created when the room opens. Subscribe to room events here. */
  init(room: RoomContext): State;
  /**
   * Asked before a new participant enters (never on resume): `wait` puts them in the waiting room, a refusal
   * sends them the error and closes with 4002. Any refusal wins over `wait`, any `wait` over `admit`.
   */
  admit?(ctx: ModuleContext<State>, who: Participant): AdmissionDecision;
  onJoin?(ctx: ModuleContext<State>, who: Participant): void | Promise<void>;
  /** `reason` says why (explicit leave, resume window ran out, removed by a moderator, room closed). */
  onLeave?(ctx: ModuleContext<State>, who: Participant, reason: LeftReason): void | Promise<void>;
  onCommand(ctx: ModuleContext<State>, who: Participant, cmd: Command): void | Promise<void>;
  /** Its part of join_success (under `modules.<namespace>`), for this receiver. */
  snapshot?(ctx: ModuleContext<State>, forWhom: Participant): unknown;
}

export type AdmissionDecision = 'admit' | 'wait' | { refuse: SignalingErrorCode };

/** The erased form the core keeps in its module list (method parameters are bivariant). */
export type AnySignalingModule = SignalingModule<unknown, unknown>;

/** Gives a module literal its types without repeating them. */
export function defineModule<Command, State>(module: SignalingModule<Command, State>): SignalingModule<Command, State> {
  return module;
}

/** What a module may do on behalf of a participant. Derived from the role; moderation may change roles. */
export type Permission = 'moderate';

export interface Participant {
  readonly id: string;
  readonly displayName: string;
  readonly role: ParticipantRole;
  readonly kind: ParticipantKind;
  /** users only */
  readonly userId: string | undefined;
  /** guests only: the invite that admitted them */
  readonly inviteCode: string | undefined;
  readonly joinedAt: Date;
  /** `disconnected` during the resume window; messages sent to them meanwhile are dropped (they get a fresh join_success). */
  readonly connection: ConnectionState;
}

/** A module's outbound payload; the core wraps it in `{ namespace, timestamp, payload }`. */
export interface OutboundMessage {
  message: string;
  [field: string]: unknown;
}

export type TimerHandle = { readonly __timer: true };

/** Time, injectable so tests can move it by hand (ManualClock). */
export interface Clock {
  now(): Date;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * Events modules use to talk to each other without touching each other's state. Modules add their own
 * events by augmenting this interface (`declare module '../types.ts' { interface RoomEventMap { … } }`).
 * Handlers run synchronously inside the task that emitted the event.
 */
export interface RoomEventMap {
  /** A participant's public state changed. */
  participant_updated: { participant: Participant; changed: ('display_name' | 'role' | 'connection')[] };
  /** Someone entered the waiting room (a new join that a module's `admit` held back, or sent back by a moderator). */
  waiting_joined: { participant: Participant };
  /** Someone left the waiting room: admitted, removed, or their connection closed. */
  waiting_left: { participant: Participant; admitted: boolean };
  /**
   * A legal vote reached its signed final result (emitted by legal_vote, taken into the minutes by minutes).
   * `tally` maps each option to its count; `chainHead` is the hash of the signed closing event.
   */
  legal_vote_final: {
    voteId: string;
    title: string;
    agendaItemId: string | null;
    kind: string;
    tally: Record<string, number>;
    /** The options in ballot order, with their labels (candidates' names). */
    options: { id: string; label: string }[];
    eligible: number;
    cast: number;
    chainHead: string;
    signature: string;
    closedAt: Date;
  };
}
export type RoomEventName = keyof RoomEventMap & string;

export interface SendOptions {
  /** Leave this participant out (usually the one who caused the message). */
  except?: Participant | string;
}

/** The room as one module sees it: sending is always in that module's namespace. */
export interface RoomContext {
  readonly id: string;
  readonly name: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Room settings as stored when the room opened on this node. */
  readonly settings: { readonly waitingRoom: boolean };
  /** Everyone in the room, including those in their resume window (not those in the waiting room). */
  participants(): readonly Participant[];
  /** Those in the waiting room, in the order they came. `send` reaches them; broadcasts do not. */
  waiting(): readonly Participant[];
  /** Lets a waiting participant in: every module's onJoin runs and they get join_success. */
  admit(id: string): Promise<void>;
  /** Sends an admitted participant back to the waiting room: modules see them leave (reason `removed`), their connection stays. */
  moveToWaiting(id: string): Promise<void>;
  participant(id: string): Participant | undefined;
  permissionsOf(who: Participant): ReadonlySet<Permission>;
  send(to: Participant | string, message: OutboundMessage): void;
  broadcast(message: OutboundMessage, options?: SendOptions): void;
  sendTo(role: ParticipantRole, message: OutboundMessage, options?: SendOptions): void;
  sendError(to: Participant | string, error: SignalingErrorCode, extra?: Omit<SignalingErrorPayload, 'message' | 'error'>): void;
  emit<E extends RoomEventName>(event: E, payload: RoomEventMap[E]): void;
  on<E extends RoomEventName>(event: E, handler: (payload: RoomEventMap[E]) => void): void;
  /** Runs `fn` later as a task of this room (in order with commands); cleared when the room closes. Returns a cancel function. */
  setTimer(ms: number, fn: () => void | Promise<void>): () => void;
  /** Change a participant's public state; emits participant_updated (control tells everyone). */
  updateParticipant(id: string, changes: { displayName?: string; role?: ParticipantRole }): void;
  /**
   * Removes a participant now (kick, ban): every module's onLeave runs with reason `removed`, the others see
   * `left`, the resumption token is revoked and the socket closes with 4003. Await it inside the command.
   * Someone in the waiting room is removed from it the same way.
   */
  removeParticipant(id: string): Promise<void>;
}

/** What a hook gets: the room, this module's state, and who is acting. */
export interface ModuleContext<State> {
  readonly room: RoomContext;
  readonly state: State;
  /** Permissions of the participant the hook is about (the sender, for onCommand). */
  readonly permissions: ReadonlySet<Permission>;
  readonly clock: Clock;
  send(to: Participant | string, message: OutboundMessage): void;
  broadcast(message: OutboundMessage, options?: SendOptions): void;
  sendTo(role: ParticipantRole, message: OutboundMessage, options?: SendOptions): void;
  emit<E extends RoomEventName>(event: E, payload: RoomEventMap[E]): void;
}

/**
 * Thrown by a module to refuse a command with a typed error for the sender. Throw it before changing state:
 * the core sends `{ message: "error", error: code }` in the module's namespace and nothing else happens.
 */
export class CommandError extends Error {
  constructor(
    public readonly code: SignalingErrorCode,
    public readonly extra: Omit<SignalingErrorPayload, 'message' | 'error'> = {},
  ) {
    super(code);
    this.name = 'CommandError';
  }
}
