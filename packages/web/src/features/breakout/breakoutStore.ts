import {
  BREAKOUT_NAMESPACE,
  BreakoutMessage,
  BreakoutSnapshot,
  type BreakoutDistribution,
  type BreakoutEndReason,
  type BreakoutSession,
  type JoinSuccess,
  type SignalingErrorCode,
} from '@plenum/protocol';
import type { SignalingClient } from '../../meeting/signalingClient.ts';

export interface BreakoutBroadcastView {
  text: string;
  from: string;
  sentAt: string;
}

export interface BreakoutView {
  selfId: string | null;
  session: BreakoutSession | null;
  /** The end is near (the server's warning arrived, or it had before this client joined). */
  warned: boolean;
  /** Server time minus this device's time, in ms. */
  offsetMs: number;
  /** The last moderator message to all rooms of the running session. */
  broadcast: BreakoutBroadcastView | null;
  /** How the last session ended, until the next one starts (for "You are back in the main room"). */
  ended: BreakoutEndReason | null;
  error: SignalingErrorCode | null;
}

export type BreakoutEvent =
  | { type: 'started'; session: BreakoutSession }
  | { type: 'warning'; session: BreakoutSession }
  | { type: 'broadcast'; message: BreakoutBroadcastView }
  | { type: 'ended'; reason: BreakoutEndReason };

type SignalingPort = Pick<SignalingClient, 'state' | 'onState' | 'onMessage' | 'send'>;

export interface BreakoutStartOptions {
  names: string[];
  distribution: BreakoutDistribution;
  /** participant id → room index (manual assignments; the rest follow `distribution`). */
  assignments: ReadonlyMap<string, number>;
  durationSeconds?: number;
  warningSeconds?: number;
}

/** The breakout rooms as this participant sees them; join_success (also after a resume) replaces everything. */
export class BreakoutStore {
  private view: BreakoutView = { selfId: null, session: null, warned: false, offsetMs: 0, broadcast: null, ended: null, error: null };
  private readonly listeners = new Set<() => void>();
  private readonly eventListeners = new Set<(event: BreakoutEvent) => void>();

  constructor(
    private readonly signaling: SignalingPort,
    private readonly now: () => number = Date.now,
  ) {
    signaling.onState((state) => {
      if (state.status === 'joined') this.joined(state.join);
    });
    signaling.onMessage((envelope) => {
      if (envelope.namespace === BREAKOUT_NAMESPACE) this.handle(envelope.payload, envelope.timestamp);
    });
    if (signaling.state.status === 'joined') this.joined(signaling.state.join);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): BreakoutView => this.view;

  onEvent(listener: (event: BreakoutEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  serverNow(): number {
    return this.now() + this.view.offsetMs;
  }

  start(options: BreakoutStartOptions): boolean {
    this.set({ error: null });
    return this.signaling.send(BREAKOUT_NAMESPACE, {
      action: 'start',
      rooms: options.names.map((name) => ({ name })),
      distribution: options.distribution,
      assignments: [...options.assignments].map(([participant_id, room]) => ({ participant_id, room })),
      ...(options.durationSeconds !== undefined ? { duration_seconds: options.durationSeconds } : {}),
      ...(options.durationSeconds !== undefined && options.warningSeconds !== undefined ? { warning_seconds: options.warningSeconds } : {}),
    });
  }

  /** Moves a participant (oneself: a visit) into a room, or back to the main room with `null`. */
  move(participantId: string, roomId: string | null): boolean {
    this.set({ error: null });
    return this.signaling.send(BREAKOUT_NAMESPACE, { action: 'move', participant_id: participantId, room_id: roomId });
  }

  broadcastMessage(text: string): boolean {
    this.set({ error: null });
    return this.signaling.send(BREAKOUT_NAMESPACE, { action: 'broadcast', text });
  }

  stop(): boolean {
    return this.signaling.send(BREAKOUT_NAMESPACE, { action: 'stop' });
  }

  private offsetFrom(serverTime: string): number {
    const server = Date.parse(serverTime);
    return Number.isFinite(server) ? server - this.now() : this.view.offsetMs;
  }

  private joined(join: JoinSuccess): void {
    const snapshot = BreakoutSnapshot.safeParse(join.modules[BREAKOUT_NAMESPACE]);
    if (!snapshot.success) return;
    const { session, warned, server_time } = snapshot.data;
    const sameSession = session !== null && this.view.session?.id === session.id;
    this.set({ selfId: join.id, session, warned, offsetMs: this.offsetFrom(server_time), broadcast: sameSession ? this.view.broadcast : null, error: null });
  }

  private handle(payload: unknown, timestamp: string): void {
    if ((payload as { message?: unknown }).message === 'error') {
      this.set({ error: (payload as { error: SignalingErrorCode }).error });
      return;
    }
    const parsed = BreakoutMessage.safeParse(payload);
    if (!parsed.success) return;
    const message = parsed.data;
    const session = this.view.session;
    switch (message.message) {
      case 'started':
        this.set({ session: message.session, warned: false, broadcast: null, ended: null, offsetMs: this.offsetFrom(timestamp), error: null });
        this.emit({ type: 'started', session: message.session });
        return;
      case 'moved': {
        if (session?.id !== message.session_id) return;
        const assignments = { ...session.assignments };
        if (message.room_id === null) delete assignments[message.participant_id];
        else assignments[message.participant_id] = message.room_id;
        this.set({ session: { ...session, assignments } });
        return;
      }
      case 'warning':
        if (session?.id !== message.session_id) return;
        this.set({ warned: true });
        this.emit({ type: 'warning', session });
        return;
      case 'broadcast': {
        if (session?.id !== message.session_id) return;
        const broadcast = { text: message.text, from: message.from.display_name, sentAt: message.sent_at };
        this.set({ broadcast });
        this.emit({ type: 'broadcast', message: broadcast });
        return;
      }
      case 'ended':
        if (session?.id !== message.session_id) return;
        this.set({ session: null, warned: false, broadcast: null, ended: message.reason });
        this.emit({ type: 'ended', reason: message.reason });
        return;
    }
  }

  private set(change: Partial<BreakoutView>): void {
    this.view = { ...this.view, ...change };
    for (const listener of this.listeners) listener();
  }

  private emit(event: BreakoutEvent): void {
    for (const listener of this.eventListeners) listener(event);
  }
}

/** The breakout room a participant is in (null: the main room, also when no breakout runs). */
export function roomOf(session: BreakoutSession | null, participantId: string | null): string | null {
  if (!session || !participantId) return null;
  return session.assignments[participantId] ?? null;
}

/** Whether `other` is in the same room as `self` (tiles show only them, as the server sends only their media). */
export function sameRoom(session: BreakoutSession | null, self: string | null, other: string): boolean {
  return roomOf(session, self) === roomOf(session, other);
}

const stores = new WeakMap<object, BreakoutStore>();

/** One store per signaling connection, created on first use. */
export function breakoutStoreFor(signaling: SignalingPort): BreakoutStore {
  let store = stores.get(signaling);
  if (!store) {
    store = new BreakoutStore(signaling);
    stores.set(signaling, store);
  }
  return store;
}
