import type { PersonalDataUnit } from '../gdpr/unit.ts';
import type {
  AnyFeatureProtocol,
  ConnectionState,
  ErrorOf,
  LeftReason,
  ParticipantKind,
  ParticipantRole,
  RemovedReason,
  SignalingErrorPayload,
} from '@plenum/protocol';
import type { FastifyInstance } from 'fastify';
import type { Migration } from 'kysely/migration';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Signer } from '../audit/signing.ts';
import type { MediaService } from '../media/types.ts';
import type { RecorderServices } from '../modules/recording/pipeline.ts';
import type { TurnCredentials } from '../turn/credentials.ts';
import type { Services } from '../services.ts';
import type { Db } from '../storage/database.ts';

/**
 * The feature contract (architecture: Feature modules). A feature is one unit: its wire protocol (from
 * `packages/protocol`), the room events it emits and consumes, the features it requires, the storage,
 * migrations and REST routes it owns, and its room hooks. `defineFeature` keeps every type of the unit
 * tied to the same zod schemas the web client and the tests use.
 *
 * The room runs every hook one at a time and **synchronously** over room state. Database and media-server
 * work leaves through `spawn(promise, then)`; `then` runs later as a task of the same room. A hook that
 * returns a promise is refused when the feature is instantiated (async function) or logged (thenable).
 */

// ── participants, time, permissions ─────────────────────────────────────────

/** What a feature may do on behalf of a participant. Derived from the role; moderation may change roles. */
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
  /** guests only: the browser's guest identity (see `Admission.guestId`); the person, where the invite may be shared */
  readonly guestId: string | undefined;
  readonly joinedAt: Date;
  /** `disconnected` during the resume window; messages sent to them meanwhile are dropped (they get a fresh join_success). */
  readonly connection: ConnectionState;
}

export type TimerHandle = { readonly __timer: true };

/** Time, injectable so tests can move it by hand (ManualClock). */
export interface Clock {
  now(): Date;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

// ── room events ─────────────────────────────────────────────────────────────

/**
 * A room event, declared once by the feature that emits it (`emits: [handRaised]`) and consumed by name
 * by the features that list it in `consumes`. The payload type travels with the declaration.
 */
export interface RoomEvent<N extends string = string, P = unknown> {
  readonly name: N;
  /** Type only: never set. */
  readonly payload?: P;
}
export type AnyRoomEvent = RoomEvent<string, never> | RoomEvent<string, unknown>;
export type PayloadOf<E> = E extends RoomEvent<string, infer P> ? P : never;

/** `roomEvent<Payload>()('name')`: the payload is written out, the name inferred as a literal. */
export function roomEvent<P>() {
  return <const N extends string>(name: N): RoomEvent<N, P> => ({ name });
}

/** Events of the core that every feature may listen to without declaring them. */
export const coreEvents = {
  /** A participant's public state changed. */
  participantUpdated: roomEvent<{ participant: Participant; changed: ('display_name' | 'role' | 'connection')[] }>()('participant_updated'),
  /** Someone entered the waiting room (a new join that a feature's `admit` held back, or sent back by a moderator). */
  waitingJoined: roomEvent<{ participant: Participant }>()('waiting_joined'),
  /** Someone left the waiting room: admitted, removed, or their connection closed. */
  waitingLeft: roomEvent<{ participant: Participant; admitted: boolean }>()('waiting_left'),
} as const;
export type CoreEvent = (typeof coreEvents)[keyof typeof coreEvents];

// ── groups ──────────────────────────────────────────────────────────────────

/**
 * Groups partition a room's participants (breakout rooms today): everyone is in exactly one group, `null`
 * being the main room. Group-scoped broadcasts and each feature's `onGroupsChanged` let media and chat scope
 * what people receive without knowing who made the groups.
 */
export interface RoomGroups {
  /** The group of this participant; null: the main room. */
  of(participantId: string): string | null;
  same(a: string, b: string): boolean;
  /** Participants in this group (null: the main room). */
  members(group: string | null): readonly Participant[];
  /** The whole grouping: participant id → group id (the main room's members are absent). */
  all(): ReadonlyMap<string, string>;
  /** Replaces the grouping; every feature's onGroupsChanged runs in this task. */
  set(groups: ReadonlyMap<string, string>): void;
}

export interface GroupsChange {
  readonly groups: ReadonlyMap<string, string>;
  readonly previous: ReadonlyMap<string, string>;
  /** Participants whose group changed. */
  readonly moved: readonly string[];
}

// ── what a feature sees of the room ─────────────────────────────────────────

type MessageIn<P extends AnyFeatureProtocol> = z.input<P['messages']>;
type ErrorExtra = Omit<SignalingErrorPayload, 'message' | 'error'>;

export interface SendOptions {
  /** Leave this participant out (usually the one who caused the message). */
  except?: Participant | string | undefined;
  /** Only to this group (null: the main room). Absent: everyone. */
  group?: string | null | undefined;
}

export type AdmissionDecision<P extends AnyFeatureProtocol = AnyFeatureProtocol> = 'admit' | 'wait' | { refuse: ErrorOf<P> };

/** The room as one feature sees it: sending is always in that feature's namespace, with its message types. */
export interface FeatureRoom<P extends AnyFeatureProtocol = AnyFeatureProtocol, Emits extends AnyRoomEvent = never, Consumes extends AnyRoomEvent = never> {
  readonly id: string;
  readonly name: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Room settings as stored when the room opened on this node. */
  readonly settings: { readonly waitingRoom: boolean };
  readonly groups: RoomGroups;
  /** Everyone in the room, including those in their resume window (not those in the waiting room). */
  participants(): readonly Participant[];
  /** Those in the waiting room, in the order they came. `send` reaches them; broadcasts do not. */
  waiting(): readonly Participant[];
  participant(id: string): Participant | undefined;
  permissionsOf(who: Participant): ReadonlySet<Permission>;
  send(to: Participant | string, message: MessageIn<P>): void;
  broadcast(message: MessageIn<P>, options?: SendOptions): void;
  sendTo(role: ParticipantRole, message: MessageIn<P>, options?: SendOptions): void;
  sendError(to: Participant | string, error: ErrorOf<P>, extra?: ErrorExtra): void;
  emit<E extends Emits>(event: E, payload: PayloadOf<E>): void;
  on<E extends Consumes | CoreEvent>(event: E, handler: (payload: PayloadOf<E>) => void): void;
  /** Runs `fn` later as a task of this room (in order with commands); cleared when the room closes. Returns a cancel function. */
  setTimer(ms: number, fn: () => void): () => void;
  /**
   * Runs I/O outside the room's queue. `then` (result) or `fail` (error) run later as tasks of this room,
   * never after the room closed. Without `fail`, an error is logged.
   */
  spawn<T>(work: Promise<T> | (() => Promise<T>), then?: (result: T) => void, fail?: (err: unknown) => void): void;
  /** Lets a waiting participant in: every feature's onJoin runs and they get join_success. */
  admit(id: string): void;
  /** Sends an admitted participant back to the waiting room: features see them leave (reason `removed`), their connection stays. */
  moveToWaiting(id: string): void;
  /** Change a participant's public state; emits participant_updated (control tells everyone). */
  updateParticipant(id: string, changes: { displayName?: string; role?: ParticipantRole }): void;
  /**
   * Removes a participant now (kick, ban, end): they get control/removed with the reason, every feature's
   * onLeave runs with reason `removed`, the others see `left`, the resumption token is revoked and the
   * socket closes with 4003. Someone in the waiting room is removed from it the same way.
   */
  removeParticipant(id: string, reason: RemovedReason): void;
}

/** What a hook gets: the room, this feature's state, and who is acting. */
export interface FeatureContext<P extends AnyFeatureProtocol, State, Emits extends AnyRoomEvent = never, Consumes extends AnyRoomEvent = never> {
  readonly room: FeatureRoom<P, Emits, Consumes>;
  readonly state: State;
  /** Permissions of the participant the hook is about (the sender, for onCommand). */
  readonly permissions: ReadonlySet<Permission>;
  readonly clock: Clock;
  send(to: Participant | string, message: MessageIn<P>): void;
  broadcast(message: MessageIn<P>, options?: SendOptions): void;
  sendTo(role: ParticipantRole, message: MessageIn<P>, options?: SendOptions): void;
  emit<E extends Emits>(event: E, payload: PayloadOf<E>): void;
  /**
   * Like `room.spawn`; in onCommand a failure without `fail` is answered to the sender: a CommandError with
   * its code, anything else as `internal_error` (logged), both with the command's action.
   */
  spawn<T>(work: Promise<T> | (() => Promise<T>), then?: (result: T) => void, fail?: (err: unknown) => void): void;
}

/**
 * Thrown by a feature to refuse a command with a typed error for the sender. Throw it before changing state:
 * the core sends `{ message: "error", error: code }` in the feature's namespace and nothing else happens.
 */
export class CommandError<Code extends string = string> extends Error {
  constructor(
    public readonly code: Code,
    public readonly extra: ErrorExtra = {},
  ) {
    super(code);
    this.name = 'CommandError';
  }
}

/** A typed CommandError for one feature's codes: `const refuse = refusal(chatProtocol)`, `throw refuse('chat_full')`. */
export function refusal<P extends AnyFeatureProtocol>(_protocol: P) {
  return (code: ErrorOf<P>, extra: ErrorExtra = {}) => new CommandError(code, extra);
}

// ── hooks and descriptors ───────────────────────────────────────────────────

/** The room's own facts a feature may load before the room's first task (`load`). */
export interface RoomInfo {
  readonly id: string;
  readonly name: string;
  readonly logger: Logger;
}

export interface FeatureHooks<P extends AnyFeatureProtocol, State, Loaded = undefined, Emits extends AnyRoomEvent = never, Consumes extends AnyRoomEvent = never> {
  /**
   * I/O allowed: runs once when the room opens on this node, before its first task (so the first
   * join_success already carries what it loaded). A failure is logged and `init` gets `undefined`.
   */
  load?(room: RoomInfo): Promise<Loaded>;
  /** Per-room state, created when the room opens. Subscribe to room events here. */
  init(room: FeatureRoom<P, Emits, Consumes>, loaded: Loaded | undefined): State;
  /**
   * Asked before a new participant enters (never on resume): `wait` puts them in the waiting room, a refusal
   * sends them the error (control namespace) and closes with 4002. Any refusal wins over `wait`, any `wait` over `admit`.
   */
  admit?(ctx: FeatureContext<P, State, Emits, Consumes>, who: Participant): AdmissionDecision<P>;
  onJoin?(ctx: FeatureContext<P, State, Emits, Consumes>, who: Participant): void;
  /** `reason` says why (explicit leave, resume window ran out, removed, room closed). */
  onLeave?(ctx: FeatureContext<P, State, Emits, Consumes>, who: Participant, reason: LeftReason): void;
  onCommand(ctx: FeatureContext<P, State, Emits, Consumes>, who: Participant, cmd: z.output<P['commands']>): void;
  /** The room's groups changed (breakout started, someone moved, ended). */
  onGroupsChanged?(ctx: FeatureContext<P, State, Emits, Consumes>, change: GroupsChange): void;
  /**
   * This feature's stored data changed outside the room (its REST routes called `refreshLiveRoom`): runs as a
   * task of the live room on this node, about no one (no permissions). Re-read through spawn and tell the room.
   */
  refresh?(ctx: FeatureContext<P, State, Emits, Consumes>): void;
  /** Its part of join_success (under `modules.<namespace>`), for this receiver. */
  snapshot?(ctx: FeatureContext<P, State, Emits, Consumes>, forWhom: Participant): z.input<P['snapshot']>;
  /** I/O allowed: the room closed (empty, deleted, shutdown); the last chance to save. Shutdown waits for it. */
  onClose?(state: State): Promise<void> | void;
}

/** Long-lived things a feature's setup may use. */
export interface FeatureServices {
  logger: Logger;
  media: MediaService;
  signingKey: Signer;
  /** Time zone for server-made texts when the reader's is not known (IANA). */
  timeZone: string;
  /** TURN credentials per participant (media puts them into join_success); absent or undefined: no TURN. */
  turn?: { credentials(who: string): TurnCredentials | undefined };
  /** Telephone dial-in: the number callers dial (TELEPHONE_DIAL_IN_NUMBER); absent or null: none configured. */
  telephone?: { dialInNumber: string | null };
  /** Recording: where files go and how the recorder starts; absent: recording is unavailable (`recording_unavailable`). */
  recorder?: RecorderServices;
}

export interface FeatureDeps<Repos> {
  /** This feature's repositories (`repositories(db)`, or what a test provided). */
  repos: Repos;
  services: FeatureServices;
  /** Repositories of a feature listed in `requires`. */
  repositoriesOf<F extends AnyFeature>(feature: F): ReposOf<F>;
}

export interface RouteDeps<Repos> {
  services: Services;
  repos: Repos;
  repositoriesOf<F extends AnyFeature>(feature: F): ReposOf<F>;
  /**
   * After a committed write the live meeting must see: runs this feature's `refresh` hook in the room, if it
   * is live on this node (else nothing: a room that opens later loads the new data). Resolves once queued.
   */
  refreshLiveRoom(roomId: string): Promise<void>;
}

export interface FeatureDescriptor<
  P extends AnyFeatureProtocol = AnyFeatureProtocol,
  State = unknown,
  Loaded = unknown,
  Repos = unknown,
  Emits extends AnyRoomEvent = AnyRoomEvent,
  Consumes extends AnyRoomEvent = AnyRoomEvent,
> {
  readonly namespace: P['namespace'];
  readonly commands: P['commands'];
  readonly messages: P['messages'];
  readonly snapshot: P['snapshot'];
  readonly errors: P['errors'];
  /** The protocol itself (for typed tests and clients). */
  readonly protocol: P;
  /** Namespaces of features that must be enabled (and come earlier in the composition list). */
  readonly requires: readonly string[];
  readonly emits: readonly Emits[];
  readonly consumes: readonly Consumes[];
  /** Its storage, built on the deployment's database. */
  readonly repositories?: (db: Db) => Repos;
  /** Its migrations, by globally unique name (they sort in the order they run). */
  readonly migrations?: Readonly<Record<string, Migration>>;
  /** Its part of GDPR export and pseudonymisation; required when it has migrations (checked at composition). */
  readonly personalData?: PersonalDataUnit;
  /** Its REST routes (a Fastify plugin body). */
  readonly routes?: (app: FastifyInstance, deps: RouteDeps<Repos>) => Promise<void>;
  readonly setup: (deps: FeatureDeps<Repos>) => FeatureHooks<P, State, Loaded, Emits, Consumes>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFeature = FeatureDescriptor<AnyFeatureProtocol, any, any, any, any, any>;
export type ReposOf<F> = F extends FeatureDescriptor<AnyFeatureProtocol, unknown, unknown, infer R> ? R : never;
export type ProtocolOf<F> = F extends FeatureDescriptor<infer P> ? P : never;

/** The whole unit in one literal; see the module comment. */
export function defineFeature<
  const NS extends string,
  C extends z.ZodType,
  M extends z.ZodType,
  S extends z.ZodType,
  const E extends string,
  State,
  Loaded = undefined,
  Repos = undefined,
  const Emits extends AnyRoomEvent = never,
  const Consumes extends AnyRoomEvent = never,
>(def: {
  namespace: NS;
  commands: C;
  messages: M;
  snapshot: S;
  errors: readonly E[];
  requires?: readonly string[];
  emits?: readonly Emits[];
  consumes?: readonly Consumes[];
  repositories?: (db: Db) => Repos;
  migrations?: Readonly<Record<string, Migration>>;
  personalData?: PersonalDataUnit;
  routes?: (app: FastifyInstance, deps: RouteDeps<Repos>) => Promise<void>;
  setup: (deps: FeatureDeps<Repos>) => FeatureHooks<FeatureProtocolOf<NS, C, M, S, E>, State, Loaded, Emits, Consumes>;
}): FeatureDescriptor<FeatureProtocolOf<NS, C, M, S, E>, State, Loaded, Repos, Emits, Consumes> {
  const protocol = { namespace: def.namespace, commands: def.commands, messages: def.messages, snapshot: def.snapshot, errors: def.errors };
  return {
    ...protocol,
    protocol,
    requires: def.requires ?? [],
    emits: def.emits ?? [],
    consumes: def.consumes ?? [],
    ...(def.repositories ? { repositories: def.repositories } : {}),
    ...(def.migrations ? { migrations: def.migrations } : {}),
    ...(def.personalData ? { personalData: def.personalData } : {}),
    ...(def.routes ? { routes: def.routes } : {}),
    setup: def.setup,
  };
}

type FeatureProtocolOf<NS extends string, C extends z.ZodType, M extends z.ZodType, S extends z.ZodType, E extends string> = {
  readonly namespace: NS;
  readonly commands: C;
  readonly messages: M;
  readonly snapshot: S;
  readonly errors: readonly E[];
};

/** The hooks' types for a feature written as a separate function: `function hooks(deps): HooksOf<typeof chatProtocol, ChatState> {…}`. */
export type HooksOf<P extends AnyFeatureProtocol, State, Loaded = undefined, Emits extends AnyRoomEvent = never, Consumes extends AnyRoomEvent = never> = FeatureHooks<
  P,
  State,
  Loaded,
  Emits,
  Consumes
>;
export type ContextOf<P extends AnyFeatureProtocol, State, Emits extends AnyRoomEvent = never, Consumes extends AnyRoomEvent = never> = FeatureContext<P, State, Emits, Consumes>;
