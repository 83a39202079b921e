import {
  CONTROL_NAMESPACE,
  PROTOCOL_VERSION,
  SignalingCloseCode,
  type ConnectionState,
  type ControlCommand,
  type JoinSuccess,
  type LeftReason,
  type ParticipantKind,
  type ParticipantPublic,
  type ParticipantRole,
  type RemovedReason,
  type SignalingErrorPayload,
} from '@plenum/protocol';
import type { Logger } from 'pino';
import type { ZodError } from 'zod';
import type { FeatureInstance } from './compose.ts';
import {
  CommandError,
  coreEvents,
  type AdmissionDecision,
  type AnyRoomEvent,
  type Clock,
  type FeatureContext,
  type FeatureRoom,
  type GroupsChange,
  type Participant,
  type Permission,
  type RoomGroups,
  type SendOptions,
  type TimerHandle,
} from './feature.ts';
import type { Admission } from './tickets.ts';
import { failureCode } from './failure.ts';

type ErrorExtra = Omit<SignalingErrorPayload, 'message' | 'error'>;
// The core's view of feature contexts: every feature's types erased to one shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyContext = FeatureContext<any, any, any, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyRoom = FeatureRoom<any, any, any>;
type JoinCommand = Extract<ControlCommand, { action: 'join' }>;

/** Serialises one server → client envelope. */
export function envelope(namespace: string, payload: object, clock: Clock): string {
  return JSON.stringify({ namespace, timestamp: clock.now().toISOString(), payload });
}

export function errorEnvelope(namespace: string, error: string, extra: ErrorExtra, clock: Clock): string {
  return envelope(namespace, { message: 'error', error, ...extra }, clock);
}

/** Zod issues as the client sees them: field paths and messages, never the values that were sent. */
export function issuesOf(error: ZodError): { path: string; message: string }[] {
  return error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.') || '/', message: i.message }));
}

/** A discriminated union on `action` that did not recognise the action at all. */
export function isUnknownAction(error: ZodError): boolean {
  return error.issues.some((i) => i.code === 'invalid_union' && i.path.length === 1 && i.path[0] === 'action');
}

export function permissionsFor(role: ParticipantRole): ReadonlySet<Permission> {
  return role === 'moderator' ? MODERATOR : NONE;
}
const MODERATOR: ReadonlySet<Permission> = new Set<Permission>(['moderate']);
const NONE: ReadonlySet<Permission> = new Set<Permission>();

export function publicParticipant(p: Participant): ParticipantPublic {
  return { id: p.id, display_name: p.displayName, role: p.role, kind: p.kind, connection: p.connection, joined_at: p.joinedAt.toISOString() };
}

/**
 * A connection as the room sees it (tldraw's TLRoomSocket): nothing but send, close and whether it is open.
 * The room never learns what is behind it (a WebSocket session, a simulated one).
 */
export interface ConnectionPort {
  send(text: string): void;
  close(code: number, reason: string): void;
  isOpen(): boolean;
}

/** A participant as the core holds it; features see it through the read-only `Participant`. */
export class Member implements Participant {
  displayName: string;
  role: ParticipantRole;
  connection: ConnectionState = 'connected';
  port: ConnectionPort | null = null;
  /** While join_success is being prepared, messages for this member wait here so join_success comes first. */
  buffer: string[] | null = null;
  resumeTimer: TimerHandle | null = null;

  constructor(
    readonly id: string,
    readonly kind: ParticipantKind,
    displayName: string,
    role: ParticipantRole,
    readonly userId: string | undefined,
    readonly inviteCode: string | undefined,
    readonly guestId: string | undefined,
    readonly joinedAt: Date,
    readonly resumption: string,
  ) {
    this.displayName = displayName;
    this.role = role;
  }
}

export interface RoomHost {
  clock: Clock;
  logger: Logger;
  resumeWindowMs(): number;
  emptyRoomGraceMs(): number;
  revokeResumption(token: string): void;
  /** The room closed (empty after the grace period, deleted, shutdown): forget it; `saved` settles when its features saved. */
  roomClosed(room: Room, saved: Promise<void>): void;
  /** A task failed (logged already); tests collect these. */
  taskFailed?(err: unknown): void;
}

export interface RoomInit {
  id: string;
  name: string;
  waitingRoom: boolean;
}

interface Task {
  run: () => void;
  /** Called instead of `run` when the room closed before the task's turn. */
  dropped: (() => void) | undefined;
}

const isThenable = (value: unknown): value is PromiseLike<unknown> => typeof (value as { then?: unknown } | null)?.then === 'function';

/**
 * One live room on this node: a single-writer actor. Every change (join, command, drop, timer, the result of
 * spawned I/O) is a task in one queue, handled one at a time, synchronously, in arrival order — so features
 * never see concurrent calls and the queue never waits on the database or the media server.
 */
export class Room {
  readonly id: string;
  readonly name: string;
  readonly settings: { readonly waitingRoom: boolean };
  readonly members = new Map<string, Member>();
  /** In the waiting room: connected, not admitted; features do not see them as participants. */
  readonly waiting = new Map<string, Member>();
  closed = false;
  private readonly tasks: Task[] = [];
  private draining = false;
  private readonly inflight = new Set<Promise<void>>();
  private readonly states = new Map<string, unknown>();
  private readonly rooms = new Map<string, AnyRoom>();
  private readonly handlers = new Map<string, ((payload: never) => void)[]>();
  private readonly timers = new Set<TimerHandle>();
  private grouping: ReadonlyMap<string, string> = new Map();
  private emptyTimer: TimerHandle | null = null;
  private closing: Promise<void> | null = null;
  private readonly log: Logger;

  constructor(
    init: RoomInit,
    private readonly features: readonly FeatureInstance[],
    loaded: ReadonlyMap<string, unknown>,
    private readonly host: RoomHost,
  ) {
    this.id = init.id;
    this.name = init.name;
    this.settings = { waitingRoom: init.waitingRoom };
    this.log = host.logger.child({ roomId: init.id });
    for (const feature of features) {
      const room = this.featureRoom(feature.namespace);
      this.rooms.set(feature.namespace, room);
      this.states.set(feature.namespace, feature.hooks.init(room, loaded.get(feature.namespace)));
    }
  }

  // ── the queue ─────────────────────────────────────────────────────────────

  /** Queues a task; it runs now if the room is idle. When the room has closed (or closes first), `dropped` runs instead. */
  enqueue(run: () => void, dropped?: () => void): void {
    if (this.closed) {
      dropped?.();
      return;
    }
    this.tasks.push({ run, dropped });
    if (!this.draining) this.drain();
  }

  private drain(): void {
    this.draining = true;
    try {
      for (let task = this.tasks.shift(); task; task = this.tasks.shift()) {
        if (this.closed) {
          task.dropped?.();
          continue;
        }
        try {
          task.run();
        } catch (err) {
          this.log.error({ err }, 'room task failed');
          this.host.taskFailed?.(err);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** Resolves once nothing is queued and no spawned work is still running (tests; shutdown). */
  async idle(): Promise<void> {
    for (let round = 0; round < 10_000; round++) {
      if (this.tasks.length === 0 && this.inflight.size === 0) {
        if (this.closing) await this.closing;
        return;
      }
      await Promise.allSettled([...this.inflight]);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private spawn<T>(work: Promise<T> | (() => Promise<T>), then: ((result: T) => void) | undefined, fail: (err: unknown) => void): void {
    let promise: Promise<T>;
    try {
      promise = typeof work === 'function' ? work() : work;
    } catch (err) {
      promise = Promise.reject(err);
    }
    const tracked = promise.then(
      (result) => {
        if (then) this.enqueue(() => then(result));
      },
      (err: unknown) => this.enqueue(() => fail(err), () => this.log.warn({ err }, 'spawned work failed after the room closed')),
    );
    this.inflight.add(tracked);
    void tracked.finally(() => this.inflight.delete(tracked));
  }

  /** Runs one feature hook; a hook that returned a promise broke the rule that hooks are synchronous. */
  private call<R>(namespace: string, hook: string, fn: () => R): R {
    const result = fn();
    if (isThenable(result)) {
      result.then(undefined, (err: unknown) => this.log.error({ err, namespace, hook }, 'feature hook failed'));
      throw new Error(`the feature "${namespace}" returned a promise from ${hook}: hooks must be synchronous (use spawn)`);
    }
    return result;
  }

  // ── lifecycle (inside a task) ─────────────────────────────────────────────

  join(port: ConnectionPort, admission: Admission, cmd: JoinCommand): void {
    if (!port.isOpen()) {
      // The joiner vanished before joining; a room opened only for them must not stay open forever.
      if (this.members.size === 0 && this.waiting.size === 0) this.scheduleEmptyClose();
      return;
    }
    this.cancelEmptyTimer();
    const existing = this.members.get(admission.participantId);
    if (existing) return this.resume(existing, port);
    const stillWaiting = this.waiting.get(admission.participantId);
    // A second connection of someone waiting replaces the first and queues again.
    if (stillWaiting) this.leaveWaiting(stillWaiting, SignalingCloseCode.replaced, 'replaced by a newer connection');
    const displayName = admission.kind === 'guest' && cmd.display_name ? cmd.display_name : admission.displayName;
    const member = new Member(
      admission.participantId,
      admission.kind,
      displayName,
      admission.isRoomOwner ? 'moderator' : 'participant',
      admission.userId,
      admission.inviteCode,
      admission.guestId,
      this.host.clock.now(),
      admission.resumption,
    );
    member.port = port;
    const decision = this.admission(member);
    if (decision !== 'admit' && decision !== 'wait') {
      this.log.info({ participantId: member.id, error: decision.refuse }, 'join refused');
      port.send(errorEnvelope(CONTROL_NAMESPACE, decision.refuse, { action: 'join' }, this.host.clock));
      port.close(SignalingCloseCode.joinRefused, decision.refuse);
      if (this.members.size === 0 && this.waiting.size === 0) this.scheduleEmptyClose();
      return;
    }
    if (decision === 'wait') {
      this.waiting.set(member.id, member);
      this.log.info({ participantId: member.id }, 'participant is waiting');
      this.deliver(member, envelope(CONTROL_NAMESPACE, { message: 'waiting' }, this.host.clock));
      this.emit(coreEvents.waitingJoined.name, { participant: member });
      return;
    }
    this.enter(member);
  }

  private admission(member: Member): AdmissionDecision {
    let decision: AdmissionDecision = 'admit';
    for (const feature of this.features) {
      const admit = feature.hooks.admit;
      if (!admit) continue;
      const answer = this.call(feature.namespace, 'admit', () => admit(this.context(feature, member), member) as AdmissionDecision);
      if (answer !== 'admit' && answer !== 'wait') return answer;
      if (answer === 'wait') decision = 'wait';
    }
    return decision;
  }

  /** The participant becomes part of the meeting: features' onJoin, then join_success. */
  private enter(member: Member): void {
    member.buffer = [];
    this.members.set(member.id, member);
    this.log.info({ participantId: member.id, kind: member.kind, role: member.role }, 'participant joined');
    for (const feature of this.features) {
      const onJoin = feature.hooks.onJoin;
      if (!onJoin) continue;
      try {
        this.call(feature.namespace, 'onJoin', () => onJoin(this.context(feature, member), member));
      } catch (err) {
        // Never silent: logged with its context, and the participant learns that this feature failed for them.
        this.log.error({ err, namespace: feature.namespace, participantId: member.id }, 'feature onJoin failed');
        this.host.taskFailed?.(err);
        this.deliver(member, errorEnvelope(feature.namespace, failureCode(err), { action: 'join' }, this.host.clock));
      }
    }
    this.sendJoinSuccess(member, false);
  }

  /** A new connection for a participant who is still here (dropped socket, or a second tab with the same resumption). */
  private resume(member: Member, port: ConnectionPort): void {
    const previous = member.port;
    if (previous && previous !== port) previous.close(SignalingCloseCode.replaced, 'replaced by a newer connection');
    if (member.resumeTimer) {
      this.host.clock.clearTimeout(member.resumeTimer);
      member.resumeTimer = null;
    }
    member.port = port;
    member.buffer = [];
    const wasDisconnected = member.connection === 'disconnected';
    member.connection = 'connected';
    this.log.info({ participantId: member.id }, 'participant resumed');
    if (wasDisconnected) this.emit(coreEvents.participantUpdated.name, { participant: member, changed: ['connection'] });
    this.sendJoinSuccess(member, true);
  }

  private sendJoinSuccess(member: Member, resumed: boolean): void {
    const modules: Record<string, unknown> = {};
    for (const feature of this.features) {
      const snapshot = feature.hooks.snapshot;
      if (!snapshot) continue;
      try {
        modules[feature.namespace] = this.call(feature.namespace, 'snapshot', () => snapshot(this.context(feature, member), member));
      } catch (err) {
        this.log.error({ err, namespace: feature.namespace, participantId: member.id }, 'feature snapshot failed');
        this.host.taskFailed?.(err);
      }
    }
    const payload: JoinSuccess = {
      message: 'join_success',
      protocol_version: PROTOCOL_VERSION,
      id: member.id,
      display_name: member.displayName,
      role: member.role,
      kind: member.kind,
      room: { id: this.id, name: this.name },
      participants: [...this.members.values()].filter((m) => m !== member).map(publicParticipant),
      modules,
      resumed,
    };
    const queued = member.buffer ?? [];
    member.buffer = null;
    member.port?.send(envelope(CONTROL_NAMESPACE, payload, this.host.clock));
    for (const text of queued) member.port?.send(text);
  }

  /** Out of the waiting room without entering (gone, removed, replaced): close their connection. */
  private leaveWaiting(member: Member, code: number, reason: string): void {
    if (this.waiting.get(member.id) !== member) return;
    this.waiting.delete(member.id);
    const port = member.port;
    member.port = null;
    this.log.info({ participantId: member.id, reason }, 'participant left the waiting room');
    this.emit(coreEvents.waitingLeft.name, { participant: member, admitted: false });
    port?.close(code, reason);
    if (this.members.size === 0 && this.waiting.size === 0) this.scheduleEmptyClose();
  }

  /** This connection is gone without control/leave: keep the participant for the resume window. */
  disconnect(port: ConnectionPort): void {
    const waiting = [...this.waiting.values()].find((m) => m.port === port);
    // Waiting has no resume window: whoever comes back queues again.
    if (waiting) return this.leaveWaiting(waiting, SignalingCloseCode.normal, 'gone');
    const member = this.memberOf(port);
    if (!member) return;
    member.port = null;
    member.buffer = null;
    member.connection = 'disconnected';
    this.log.info({ participantId: member.id }, 'participant connection lost');
    this.emit(coreEvents.participantUpdated.name, { participant: member, changed: ['connection'] });
    member.resumeTimer = this.host.clock.setTimeout(() => {
      this.enqueue(() => {
        if (this.members.get(member.id) === member && member.connection === 'disconnected') this.leave(member, 'timeout');
      });
    }, this.host.resumeWindowMs());
  }

  private memberOf(port: ConnectionPort): Member | undefined {
    for (const m of this.members.values()) if (m.port === port) return m;
    return undefined;
  }

  leave(member: Member, reason: LeftReason): void {
    if (this.members.get(member.id) !== member) return;
    this.members.delete(member.id);
    if (member.resumeTimer) this.host.clock.clearTimeout(member.resumeTimer);
    member.resumeTimer = null;
    const port = member.port;
    member.port = null;
    member.buffer = null;
    this.dropFromGroups(member.id);
    this.log.info({ participantId: member.id, reason }, 'participant left');
    this.runLeaveHooks(member, reason);
    if (reason === 'left' || reason === 'removed') this.host.revokeResumption(member.resumption);
    port?.close(reason === 'removed' ? SignalingCloseCode.removed : SignalingCloseCode.normal, reason);
    if (this.members.size === 0 && this.waiting.size === 0) this.scheduleEmptyClose();
  }

  private runLeaveHooks(member: Member, reason: LeftReason): void {
    for (const feature of this.features) {
      const onLeave = feature.hooks.onLeave;
      if (!onLeave) continue;
      try {
        this.call(feature.namespace, 'onLeave', () => onLeave(this.context(feature, member), member, reason));
      } catch (err) {
        this.log.error({ err, namespace: feature.namespace, participantId: member.id }, 'feature onLeave failed');
        this.host.taskFailed?.(err);
      }
    }
  }

  /** An admitted participant goes back to the waiting room: the others see them leave; their connection stays. */
  private backToWaiting(member: Member): void {
    if (!member.port) return this.leave(member, 'removed');
    this.members.delete(member.id);
    if (member.resumeTimer) this.host.clock.clearTimeout(member.resumeTimer);
    member.resumeTimer = null;
    member.buffer = null;
    this.dropFromGroups(member.id);
    this.runLeaveHooks(member, 'removed');
    this.waiting.set(member.id, member);
    this.log.info({ participantId: member.id }, 'participant sent to the waiting room');
    this.deliver(member, envelope(CONTROL_NAMESPACE, { message: 'waiting' }, this.host.clock));
    this.emit(coreEvents.waitingJoined.name, { participant: member });
  }

  /** A command from a connection of this room, for a namespace that exists. */
  command(port: ConnectionPort, namespace: string, payload: { action: string }): void {
    const waitingMember = [...this.waiting.values()].find((m) => m.port === port);
    if (waitingMember) {
      // In the waiting room one can only leave.
      if (namespace === CONTROL_NAMESPACE && payload.action === 'leave') return this.leaveWaiting(waitingMember, SignalingCloseCode.normal, 'left');
      return port.send(errorEnvelope(namespace, 'not_joined', { action: payload.action }, this.host.clock));
    }
    const member = this.memberOf(port);
    if (!member) {
      if (port.isOpen()) port.send(errorEnvelope(namespace, 'not_joined', { action: payload.action }, this.host.clock));
      return;
    }
    const feature = this.features.find((f) => f.namespace === namespace);
    if (!feature) return port.send(errorEnvelope(namespace, 'unknown_namespace', {}, this.host.clock));
    const parsed = feature.commands.safeParse(payload);
    if (!parsed.success) {
      const error = isUnknownAction(parsed.error)
        ? errorEnvelope(namespace, 'unknown_action', { action: payload.action }, this.host.clock)
        : errorEnvelope(namespace, 'invalid_command', { action: payload.action, issues: issuesOf(parsed.error) }, this.host.clock);
      return port.send(error);
    }
    if (namespace === CONTROL_NAMESPACE) {
      // Joining and leaving are the core's business; control's feature handles what happens inside the room.
      if (payload.action === 'join') return port.send(errorEnvelope(namespace, 'already_joined', { action: 'join' }, this.host.clock));
      if (payload.action === 'leave') return this.leave(member, 'left');
    }
    const refuse = (err: unknown) => {
      if (err instanceof CommandError) {
        this.deliver(member, errorEnvelope(namespace, err.code, { action: payload.action, ...err.extra }, this.host.clock));
      } else if (failureCode(err) === 'storage_unavailable') {
        this.log.warn({ err: { message: (err as Error).message }, namespace, action: payload.action }, 'feature command failed: database unavailable');
        this.deliver(member, errorEnvelope(namespace, 'storage_unavailable', { action: payload.action }, this.host.clock));
      } else {
        this.log.error({ err, namespace, action: payload.action }, 'feature command failed');
        this.host.taskFailed?.(err);
        this.deliver(member, errorEnvelope(namespace, 'internal_error', { action: payload.action }, this.host.clock));
      }
    };
    try {
      const ctx = this.context(feature, member, refuse);
      this.call(namespace, 'onCommand', () => feature.hooks.onCommand(ctx, member, parsed.data));
    } catch (err) {
      refuse(err);
    }
  }

  /** One feature's `refresh` hook: its stored data changed outside the room (`hub.refresh`). */
  refresh(namespace: string): void {
    const feature = this.features.find((f) => f.namespace === namespace);
    const hook = feature?.hooks.refresh;
    if (!feature || !hook) return;
    try {
      const ctx = this.context(feature, null);
      this.call(namespace, 'refresh', () => hook(ctx));
    } catch (err) {
      this.log.error({ err, namespace }, 'feature refresh failed');
      this.host.taskFailed?.(err);
    }
  }

  /**
   * Ends the room: tells everyone (when `notify`), closes their connections, stops every timer, drops what
   * is still queued, and lets each feature save (onClose). Resolves when those saves are done.
   */
  close(reason: string, notify: boolean): Promise<void> {
    if (this.closing) return this.closing;
    this.closed = true;
    this.cancelEmptyTimer();
    for (const timer of this.timers) this.host.clock.clearTimeout(timer);
    this.timers.clear();
    const closingText = envelope(CONTROL_NAMESPACE, { message: 'closing', reason }, this.host.clock);
    for (const member of [...this.members.values(), ...this.waiting.values()]) {
      if (member.resumeTimer) this.host.clock.clearTimeout(member.resumeTimer);
      const port = member.port;
      member.port = null;
      if (!port) continue;
      if (notify) port.send(closingText);
      port.close(SignalingCloseCode.goingAway, reason);
    }
    this.waiting.clear();
    this.members.clear();
    this.handlers.clear();
    this.log.info({ reason }, 'room closed');
    const saves = this.features.map(async (feature) => {
      try {
        await feature.hooks.onClose?.(this.states.get(feature.namespace));
      } catch (err) {
        this.log.error({ err, namespace: feature.namespace }, 'feature onClose failed');
      }
    });
    // Work already spawned (a ballot being written) finishes too before shutdown closes the database.
    this.closing = Promise.all([...saves, ...this.inflight]).then(() => undefined);
    this.host.roomClosed(this, this.closing);
    // What is still queued learns that the room is gone.
    for (let task = this.tasks.shift(); task; task = this.tasks.shift()) task.dropped?.();
    return this.closing;
  }

  private scheduleEmptyClose(): void {
    this.cancelEmptyTimer();
    this.emptyTimer = this.host.clock.setTimeout(() => {
      this.enqueue(() => {
        if (this.members.size === 0 && this.waiting.size === 0) void this.close('empty', false);
      });
    }, this.host.emptyRoomGraceMs());
  }

  private cancelEmptyTimer(): void {
    if (this.emptyTimer) this.host.clock.clearTimeout(this.emptyTimer);
    this.emptyTimer = null;
  }

  // ── groups ────────────────────────────────────────────────────────────────

  private groupOf(id: string): string | null {
    return this.grouping.get(id) ?? null;
  }

  private dropFromGroups(id: string): void {
    if (!this.grouping.has(id)) return;
    const next = new Map(this.grouping);
    next.delete(id);
    this.grouping = next;
  }

  private setGroups(groups: ReadonlyMap<string, string>): void {
    const previous = this.grouping;
    const next = new Map([...groups].filter(([id]) => this.members.has(id)));
    const ids = new Set([...previous.keys(), ...next.keys()]);
    const moved = [...ids].filter((id) => (previous.get(id) ?? null) !== (next.get(id) ?? null));
    this.grouping = next;
    const change: GroupsChange = { groups: next, previous, moved };
    for (const feature of this.features) {
      const onGroupsChanged = feature.hooks.onGroupsChanged;
      if (!onGroupsChanged) continue;
      try {
        this.call(feature.namespace, 'onGroupsChanged', () => onGroupsChanged(this.context(feature, null), change));
      } catch (err) {
        this.log.error({ err, namespace: feature.namespace }, 'feature onGroupsChanged failed');
        this.host.taskFailed?.(err);
      }
    }
  }

  // ── what features see ─────────────────────────────────────────────────────

  private deliver(to: Member, text: string): void {
    if (to.buffer) to.buffer.push(text);
    else to.port?.send(text);
  }

  private resolve(to: Participant | string): Member | undefined {
    const id = typeof to === 'string' ? to : to.id;
    return this.members.get(id) ?? this.waiting.get(id);
  }

  private emit(event: string, payload: unknown): void {
    for (const handler of this.handlers.get(event) ?? []) {
      try {
        (handler as (p: unknown) => void)(payload);
      } catch (err) {
        this.log.error({ err, event }, 'room event handler failed');
        this.host.taskFailed?.(err);
      }
    }
  }

  private recipients(options: SendOptions | undefined, filter?: (m: Member) => boolean): Member[] {
    const skip = options?.except === undefined ? undefined : typeof options.except === 'string' ? options.except : options.except.id;
    const group = options?.group;
    return [...this.members.values()].filter((m) => m.id !== skip && (group === undefined || this.groupOf(m.id) === group) && (!filter || filter(m)));
  }

  private featureRoom(namespace: string): AnyRoom {
    const clock = this.host.clock;
    const logger = this.log.child({ feature: namespace });
    const groups: RoomGroups = {
      of: (id) => this.groupOf(id),
      same: (a, b) => this.groupOf(a) === this.groupOf(b),
      members: (group) => [...this.members.values()].filter((m) => this.groupOf(m.id) === group),
      all: () => this.grouping,
      set: (next) => this.setGroups(next),
    };
    return {
      id: this.id,
      name: this.name,
      clock,
      logger,
      settings: this.settings,
      groups,
      participants: () => [...this.members.values()],
      waiting: () => [...this.waiting.values()],
      participant: (id) => this.members.get(id),
      permissionsOf: (who) => permissionsFor(who.role),
      send: (to, message) => {
        const member = this.resolve(to);
        if (member) this.deliver(member, envelope(namespace, message as object, clock));
      },
      broadcast: (message, options) => {
        const text = envelope(namespace, message as object, clock);
        for (const member of this.recipients(options)) this.deliver(member, text);
      },
      sendTo: (role, message, options) => {
        const text = envelope(namespace, message as object, clock);
        for (const member of this.recipients(options, (m) => m.role === role)) this.deliver(member, text);
      },
      sendError: (to, error, extra = {}) => {
        const member = this.resolve(to);
        if (member) this.deliver(member, errorEnvelope(namespace, error as string, extra, clock));
      },
      emit: (event: AnyRoomEvent, payload: unknown) => this.emit(event.name, payload),
      on: (event: AnyRoomEvent, handler: (payload: never) => void) => {
        const list = this.handlers.get(event.name) ?? [];
        list.push(handler);
        this.handlers.set(event.name, list);
      },
      setTimer: (ms, fn) => {
        const handle = clock.setTimeout(() => {
          this.timers.delete(handle);
          this.enqueue(fn);
        }, ms);
        this.timers.add(handle);
        return () => {
          clock.clearTimeout(handle);
          this.timers.delete(handle);
        };
      },
      spawn: (work, then, fail) => this.spawn(work, then, fail ?? ((err: unknown) => logger.error({ err }, 'spawned work failed'))),
      admit: (id) => {
        const member = this.waiting.get(id);
        if (!member) return;
        this.waiting.delete(id);
        this.emit(coreEvents.waitingLeft.name, { participant: member, admitted: true });
        this.enter(member);
      },
      moveToWaiting: (id) => {
        const member = this.members.get(id);
        if (member) this.backToWaiting(member);
      },
      updateParticipant: (id, changes) => {
        const member = this.members.get(id);
        if (!member) return;
        const changed: ('display_name' | 'role')[] = [];
        if (changes.displayName !== undefined && changes.displayName !== member.displayName) {
          member.displayName = changes.displayName;
          changed.push('display_name');
        }
        if (changes.role !== undefined && changes.role !== member.role) {
          member.role = changes.role;
          changed.push('role');
        }
        if (changed.length) this.emit(coreEvents.participantUpdated.name, { participant: member, changed });
      },
      removeParticipant: (id, reason: RemovedReason) => {
        const removed = envelope(CONTROL_NAMESPACE, { message: 'removed', reason }, clock);
        const member = this.members.get(id);
        if (member) {
          this.deliver(member, removed);
          this.leave(member, 'removed');
        }
        const waiting = this.waiting.get(id);
        if (waiting) {
          this.deliver(waiting, removed);
          this.host.revokeResumption(waiting.resumption);
          this.leaveWaiting(waiting, SignalingCloseCode.removed, 'removed');
        }
      },
    };
  }

  /**
   * A hook's context. `refuse` (commands only) answers a failed spawn without its own `fail` to the sender.
   * `who` null: a hook about no one (groups changed), with no permissions.
   */
  private context(feature: FeatureInstance, who: Participant | null, refuse?: (err: unknown) => void): AnyContext {
    const room = this.rooms.get(feature.namespace)!;
    return {
      room,
      state: this.states.get(feature.namespace),
      permissions: who ? permissionsFor(who.role) : NONE,
      clock: this.host.clock,
      send: room.send,
      broadcast: room.broadcast,
      sendTo: room.sendTo,
      emit: room.emit,
      spawn: (work, then, fail) => room.spawn(work, then, fail ?? refuse),
    };
  }
}
