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
  type SignalingErrorCode,
  type SignalingErrorPayload,
} from '@plenum/protocol';
import type { Logger } from 'pino';
import type { ZodError } from 'zod';
import {
  CommandError,
  type AdmissionDecision,
  type AnySignalingModule,
  type Clock,
  type ModuleContext,
  type Participant,
  type Permission,
  type RoomContext,
  type RoomEventMap,
  type RoomEventName,
  type SendOptions,
  type TimerHandle,
} from '../modules/types.ts';
import type { SignalingSession } from './session.ts';

type ErrorExtra = Omit<SignalingErrorPayload, 'message' | 'error'>;

/** Serialises one server → client envelope. */
export function envelope(namespace: string, payload: object, clock: Clock): string {
  return JSON.stringify({ namespace, timestamp: clock.now().toISOString(), payload });
}

export function errorEnvelope(namespace: string, error: SignalingErrorCode, extra: ErrorExtra, clock: Clock): string {
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

/** A participant as the core holds it; modules see it through the read-only `Participant`. */
export class Member implements Participant {
  displayName: string;
  role: ParticipantRole;
  connection: ConnectionState = 'connected';
  session: SignalingSession | null = null;
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
  /** The room closed itself (empty after the grace period, or shutdown): forget it. */
  roomClosed(room: Room): void;
}

/**
 * One live room on this node: a single-writer actor. Every change (join, command, drop, timer) is a task
 * in one promise queue, handled one at a time in arrival order, so modules never see concurrent calls.
 */
export class Room {
  readonly members = new Map<string, Member>();
  /** In the waiting room: connected, not admitted; modules do not see them as participants. */
  readonly waiting = new Map<string, Member>();
  closed = false;
  private queue: Promise<void> = Promise.resolve();
  private readonly states = new Map<string, unknown>();
  private readonly contexts = new Map<string, RoomContext>();
  private readonly handlers = new Map<string, ((payload: never) => void)[]>();
  private readonly timers = new Set<TimerHandle>();
  private emptyTimer: TimerHandle | null = null;
  private readonly log: Logger;

  constructor(
    readonly id: string,
    readonly name: string,
    private readonly modules: readonly AnySignalingModule[],
    private readonly host: RoomHost,
    readonly settings: { readonly waitingRoom: boolean } = { waitingRoom: false },
  ) {
    this.log = host.logger.child({ roomId: id });
    for (const module of modules) {
      const ctx = this.roomContext(module.namespace);
      this.contexts.set(module.namespace, ctx);
      this.states.set(module.namespace, module.init(ctx));
    }
  }

  /** Queues a task; the returned promise settles when it has run. A failing task is logged and does not stop the queue. */
  enqueue(task: () => void | Promise<void>): Promise<void> {
    const run = this.queue.then(task).catch((err: unknown) => {
      this.log.error({ err }, 'room task failed');
    });
    this.queue = run;
    return run;
  }

  // ── lifecycle (call only from inside a task) ───────────────────────────────

  async join(session: SignalingSession, cmd: Extract<ControlCommand, { action: 'join' }>): Promise<void> {
    if (session.state === 'closed') {
      // The joiner vanished before joining; a room opened only for them must not stay open forever.
      if (this.members.size === 0 && !this.closed) this.scheduleEmptyClose();
      return;
    }
    if (this.closed) return session.rejoin(cmd);
    this.cancelEmptyTimer();
    const a = session.admission;
    const existing = this.members.get(a.participantId);
    if (existing) return this.resume(existing, session);
    const stillWaiting = this.waiting.get(a.participantId);
    // A second connection of someone waiting replaces the first and queues again.
    if (stillWaiting) this.leaveWaiting(stillWaiting, SignalingCloseCode.replaced, 'replaced by a newer connection');
    const displayName = a.kind === 'guest' && cmd.display_name ? cmd.display_name : a.displayName;
    const member = new Member(
      a.participantId,
      a.kind,
      displayName,
      a.isRoomOwner ? 'moderator' : 'participant',
      a.userId,
      a.inviteCode,
      this.host.clock.now(),
      a.resumption,
    );
    member.session = session;
    const decision = this.admission(member);
    if (decision !== 'admit' && decision !== 'wait') {
      this.log.info({ participantId: member.id, error: decision.refuse }, 'join refused');
      session.sendError(CONTROL_NAMESPACE, decision.refuse, { action: 'join' });
      session.close(SignalingCloseCode.joinRefused, decision.refuse);
      if (this.members.size === 0 && this.waiting.size === 0) this.scheduleEmptyClose();
      return;
    }
    session.attach(member);
    if (decision === 'wait') {
      this.waiting.set(member.id, member);
      this.log.info({ participantId: member.id, kind: member.kind }, 'participant waiting');
      this.emit('waiting_joined', { participant: member });
      return;
    }
    await this.enter(member);
  }

  /** Asks every module's `admit`; a refusal wins over `wait`, `wait` over `admit`. */
  private admission(member: Member): AdmissionDecision {
    let decision: AdmissionDecision = 'admit';
    for (const module of this.modules) {
      if (!module.admit) continue;
      let answer: AdmissionDecision;
      try {
        answer = module.admit(this.moduleContext(module, member), member);
      } catch (err) {
        this.log.error({ err, namespace: module.namespace }, 'module admit failed');
        answer = { refuse: 'internal_error' };
      }
      if (answer !== 'admit' && answer !== 'wait') return answer;
      if (answer === 'wait') decision = 'wait';
    }
    return decision;
  }

  /** The participant becomes part of the meeting: modules' onJoin, then join_success. */
  private async enter(member: Member): Promise<void> {
    member.buffer = [];
    this.members.set(member.id, member);
    this.log.info({ participantId: member.id, kind: member.kind, role: member.role }, 'participant joined');
    for (const module of this.modules) {
      if (!module.onJoin) continue;
      try {
        await module.onJoin(this.moduleContext(module, member), member);
      } catch (err) {
        this.log.error({ err, namespace: module.namespace }, 'module onJoin failed');
      }
    }
    this.sendJoinSuccess(member, false);
  }

  /** A new connection for a participant who is still here (dropped socket, or a second tab with the same resumption). */
  private resume(member: Member, session: SignalingSession): void {
    const previous = member.session;
    if (previous && previous !== session) {
      previous.detach();
      previous.close(SignalingCloseCode.replaced, 'replaced by a newer connection');
    }
    if (member.resumeTimer) {
      this.host.clock.clearTimeout(member.resumeTimer);
      member.resumeTimer = null;
    }
    member.session = session;
    member.buffer = [];
    session.attach(member);
    const wasDisconnected = member.connection === 'disconnected';
    member.connection = 'connected';
    this.log.info({ participantId: member.id }, 'participant resumed');
    if (wasDisconnected) this.emit('participant_updated', { participant: member, changed: ['connection'] });
    this.sendJoinSuccess(member, true);
  }

  private sendJoinSuccess(member: Member, resumed: boolean): void {
    const modules: Record<string, unknown> = {};
    for (const module of this.modules) {
      if (!module.snapshot) continue;
      try {
        modules[module.namespace] = module.snapshot(this.moduleContext(module, member), member);
      } catch (err) {
        this.log.error({ err, namespace: module.namespace }, 'module snapshot failed');
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
    const waiting = member.buffer ?? [];
    member.buffer = null;
    member.session?.deliver(envelope(CONTROL_NAMESPACE, payload, this.host.clock));
    for (const text of waiting) member.session?.deliver(text);
  }

  /** Out of the waiting room without entering (gone, removed, replaced): close their connection. */
  private leaveWaiting(member: Member, code: number, reason: string): void {
    if (this.waiting.get(member.id) !== member) return;
    this.waiting.delete(member.id);
    const session = member.session;
    member.session = null;
    this.log.info({ participantId: member.id, reason }, 'participant left the waiting room');
    this.emit('waiting_left', { participant: member, admitted: false });
    if (session) {
      session.detach();
      session.close(code, reason);
    }
    if (this.members.size === 0 && this.waiting.size === 0) this.scheduleEmptyClose();
  }

  /** The socket of this session is gone without control/leave: keep the participant for the resume window. */
  disconnect(session: SignalingSession): void {
    const waiting = session.member;
    // Waiting has no resume window: whoever comes back queues again.
    if (waiting && waiting.session === session && this.waiting.get(waiting.id) === waiting) return this.leaveWaiting(waiting, SignalingCloseCode.normal, 'gone');
    const member = session.member;
    if (!member || member.session !== session || this.members.get(member.id) !== member) return;
    member.session = null;
    member.buffer = null;
    member.connection = 'disconnected';
    this.log.info({ participantId: member.id }, 'participant connection lost');
    this.emit('participant_updated', { participant: member, changed: ['connection'] });
    member.resumeTimer = this.host.clock.setTimeout(() => {
      void this.enqueue(() => {
        if (this.members.get(member.id) === member && member.connection === 'disconnected') return this.leave(member, 'timeout');
      });
    }, this.host.resumeWindowMs());
  }

  async leave(member: Member, reason: LeftReason): Promise<void> {
    if (this.members.get(member.id) !== member) return;
    this.members.delete(member.id);
    if (member.resumeTimer) this.host.clock.clearTimeout(member.resumeTimer);
    member.resumeTimer = null;
    const session = member.session;
    member.session = null;
    member.buffer = null;
    this.log.info({ participantId: member.id, reason }, 'participant left');
    for (const module of this.modules) {
      if (!module.onLeave) continue;
      try {
        await module.onLeave(this.moduleContext(module, member), member, reason);
      } catch (err) {
        this.log.error({ err, namespace: module.namespace }, 'module onLeave failed');
      }
    }
    if (reason === 'left' || reason === 'removed') this.host.revokeResumption(member.resumption);
    if (session) {
      session.detach();
      session.close(reason === 'removed' ? SignalingCloseCode.removed : SignalingCloseCode.normal, reason);
    }
    if (this.members.size === 0 && this.waiting.size === 0) this.scheduleEmptyClose();
  }

  /** An admitted participant goes back to the waiting room: the others see them leave; their connection stays. */
  private async backToWaiting(member: Member): Promise<void> {
    const session = member.session;
    if (!session) return this.leave(member, 'removed');
    this.members.delete(member.id);
    if (member.resumeTimer) this.host.clock.clearTimeout(member.resumeTimer);
    member.resumeTimer = null;
    member.buffer = null;
    for (const module of this.modules) {
      if (!module.onLeave) continue;
      try {
        await module.onLeave(this.moduleContext(module, member), member, 'removed');
      } catch (err) {
        this.log.error({ err, namespace: module.namespace }, 'module onLeave failed');
      }
    }
    this.waiting.set(member.id, member);
    this.log.info({ participantId: member.id }, 'participant sent to the waiting room');
    this.emit('waiting_joined', { participant: member });
  }

  /** A command from a joined session, already known to belong to a registered namespace. */
  async command(session: SignalingSession, namespace: string, payload: { action: string }): Promise<void> {
    if (this.closed) return session.forward(namespace, payload);
    const member = session.member;
    if (!member || member.session !== session) {
      if (session.state !== 'closed') session.sendError(namespace, 'not_joined', { action: payload.action });
      return;
    }
    if (this.waiting.get(member.id) === member) {
      // In the waiting room one can only leave.
      if (namespace === CONTROL_NAMESPACE && payload.action === 'leave') return this.leaveWaiting(member, SignalingCloseCode.normal, 'left');
      return session.sendError(namespace, 'not_joined', { action: payload.action });
    }
    const module = this.modules.find((m) => m.namespace === namespace);
    if (!module) return session.sendError(namespace, 'unknown_namespace');
    const parsed = module.commands.safeParse(payload);
    if (!parsed.success) {
      return isUnknownAction(parsed.error)
        ? session.sendError(namespace, 'unknown_action', { action: payload.action })
        : session.sendError(namespace, 'invalid_command', { action: payload.action, issues: issuesOf(parsed.error) });
    }
    if (namespace === CONTROL_NAMESPACE) {
      // Joining and leaving are the core's business; control's module handles what happens inside the room.
      if (payload.action === 'join') return session.sendError(namespace, 'already_joined', { action: 'join' });
      if (payload.action === 'leave') return this.leave(member, 'left');
    }
    try {
      await module.onCommand(this.moduleContext(module, member), member, parsed.data);
    } catch (err) {
      if (err instanceof CommandError) {
        session.sendError(namespace, err.code, { action: payload.action, ...err.extra });
      } else {
        this.log.error({ err, namespace, action: payload.action }, 'module command failed');
        session.sendError(namespace, 'internal_error', { action: payload.action });
      }
    }
  }

  /** Ends the room: tells everyone (when `notify`), closes their sockets, stops every timer. */
  close(reason: string, notify: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelEmptyTimer();
    for (const timer of this.timers) this.host.clock.clearTimeout(timer);
    this.timers.clear();
    for (const member of this.members.values()) {
      if (member.resumeTimer) this.host.clock.clearTimeout(member.resumeTimer);
      const session = member.session;
      if (!session) continue;
      if (notify) session.deliver(envelope(CONTROL_NAMESPACE, { message: 'closing', reason }, this.host.clock));
      session.detach();
      session.close(SignalingCloseCode.goingAway, reason);
    }
    for (const member of this.waiting.values()) {
      const session = member.session;
      if (!session) continue;
      if (notify) session.deliver(envelope(CONTROL_NAMESPACE, { message: 'closing', reason }, this.host.clock));
      session.detach();
      session.close(SignalingCloseCode.goingAway, reason);
    }
    this.waiting.clear();
    this.members.clear();
    this.handlers.clear();
    this.log.info({ reason }, 'room closed');
    this.host.roomClosed(this);
  }

  private scheduleEmptyClose(): void {
    this.cancelEmptyTimer();
    this.emptyTimer = this.host.clock.setTimeout(() => {
      void this.enqueue(() => {
        if (this.members.size === 0 && this.waiting.size === 0) this.close('empty', false);
      });
    }, this.host.emptyRoomGraceMs());
  }

  private cancelEmptyTimer(): void {
    if (this.emptyTimer) this.host.clock.clearTimeout(this.emptyTimer);
    this.emptyTimer = null;
  }

  // ── what modules see ──────────────────────────────────────────────────────

  private deliver(to: Member, text: string): void {
    if (to.buffer) to.buffer.push(text);
    else to.session?.deliver(text);
  }

  private resolve(to: Participant | string): Member | undefined {
    const id = typeof to === 'string' ? to : to.id;
    return this.members.get(id) ?? this.waiting.get(id);
  }

  private emit<E extends RoomEventName>(event: E, payload: RoomEventMap[E]): void {
    for (const handler of this.handlers.get(event) ?? []) {
      try {
        (handler as (p: RoomEventMap[E]) => void)(payload);
      } catch (err) {
        this.log.error({ err, event }, 'room event handler failed');
      }
    }
  }

  private roomContext(namespace: string): RoomContext {
    const clock = this.host.clock;
    const exceptId = (options?: SendOptions) => (options?.except === undefined ? undefined : typeof options.except === 'string' ? options.except : options.except.id);
    const room: RoomContext = {
      id: this.id,
      name: this.name,
      clock,
      logger: this.log.child({ module: namespace }),
      settings: this.settings,
      participants: () => [...this.members.values()],
      waiting: () => [...this.waiting.values()],
      admit: async (id) => {
        const member = this.waiting.get(id);
        if (!member) return;
        this.waiting.delete(id);
        this.emit('waiting_left', { participant: member, admitted: true });
        await this.enter(member);
      },
      moveToWaiting: async (id) => {
        const member = this.members.get(id);
        if (member) await this.backToWaiting(member);
      },
      participant: (id) => this.members.get(id),
      permissionsOf: (who) => permissionsFor(who.role),
      send: (to, message) => {
        const member = this.resolve(to);
        if (member) this.deliver(member, envelope(namespace, message, clock));
      },
      broadcast: (message, options) => {
        const skip = exceptId(options);
        const text = envelope(namespace, message, clock);
        for (const member of this.members.values()) if (member.id !== skip) this.deliver(member, text);
      },
      sendTo: (role, message, options) => {
        const skip = exceptId(options);
        const text = envelope(namespace, message, clock);
        for (const member of this.members.values()) if (member.role === role && member.id !== skip) this.deliver(member, text);
      },
      sendError: (to, error, extra = {}) => {
        const member = this.resolve(to);
        if (member) this.deliver(member, errorEnvelope(namespace, error, extra, clock));
      },
      emit: (event, payload) => this.emit(event, payload),
      on: (event, handler) => {
        const list = this.handlers.get(event) ?? [];
        list.push(handler as (payload: never) => void);
        this.handlers.set(event, list);
      },
      setTimer: (ms, fn) => {
        const handle = clock.setTimeout(() => {
          this.timers.delete(handle);
          void this.enqueue(() => (this.closed ? undefined : fn()));
        }, ms);
        this.timers.add(handle);
        return () => {
          clock.clearTimeout(handle);
          this.timers.delete(handle);
        };
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
        if (changed.length) this.emit('participant_updated', { participant: member, changed });
      },
      removeParticipant: async (id) => {
        const member = this.members.get(id);
        if (member) await this.leave(member, 'removed');
        const waiting = this.waiting.get(id);
        if (waiting) {
          this.host.revokeResumption(waiting.resumption);
          this.leaveWaiting(waiting, SignalingCloseCode.removed, 'removed');
        }
      },
    };
    return room;
  }

  private moduleContext(module: AnySignalingModule, who: Participant): ModuleContext<unknown> {
    const room = this.contexts.get(module.namespace)!;
    return {
      room,
      state: this.states.get(module.namespace),
      permissions: permissionsFor(who.role),
      clock: this.host.clock,
      send: room.send,
      broadcast: room.broadcast,
      sendTo: room.sendTo,
      emit: room.emit,
    };
  }
}
