import {
  breakoutProtocol,
  type BreakoutDistribution,
  type BreakoutEndReason,
  type BreakoutSession,
  type ErrorOf,
  type ErrorPayloadOf,
  type JoinSuccess,
  type MessageOf,
  type SnapshotOf,
} from '@plenum/protocol';
import { FeatureStore, type FeatureConnection } from '../../meeting/featureStore.ts';

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
  /** The last moderator message to all rooms of the running session. */
  broadcast: BreakoutBroadcastView | null;
  /** How the last session ended, until the next one starts (for "You are back in the main room"). */
  ended: BreakoutEndReason | null;
  error: ErrorOf<typeof breakoutProtocol> | null;
}

export type BreakoutEvent =
  | { type: 'started'; session: BreakoutSession }
  | { type: 'warning'; session: BreakoutSession }
  | { type: 'broadcast'; message: BreakoutBroadcastView }
  | { type: 'ended'; reason: BreakoutEndReason }
  /** A moderator moved this participant (room null: back to the main room). */
  | { type: 'moved'; session: BreakoutSession; roomId: string | null };

export interface BreakoutStartOptions {
  names: string[];
  distribution: BreakoutDistribution;
  /** participant id → room index (manual assignments; the rest follow `distribution`). */
  assignments: ReadonlyMap<string, number>;
  durationSeconds?: number;
  warningSeconds?: number;
}

/** The breakout rooms as this participant sees them; join_success (also after a resume) replaces everything. */
export class BreakoutStore extends FeatureStore<typeof breakoutProtocol, BreakoutView, BreakoutEvent> {
  constructor(connection: FeatureConnection) {
    super(connection, breakoutProtocol, { selfId: null, session: null, warned: false, broadcast: null, ended: null, error: null });
  }

  /** The server's current time in ms, as well as this device can tell. */
  serverNow(): number {
    return this.connection.clock.now();
  }

  start(options: BreakoutStartOptions): boolean {
    this.set({ error: null });
    return this.send({
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
    return this.send({ action: 'move', participant_id: participantId, room_id: roomId });
  }

  broadcastMessage(text: string): boolean {
    this.set({ error: null });
    return this.send({ action: 'broadcast', text });
  }

  stop(): boolean {
    return this.send({ action: 'stop' });
  }

  protected joined(snapshot: SnapshotOf<typeof breakoutProtocol>, join: JoinSuccess): void {
    const { session, warned, server_time } = snapshot;
    this.connection.clock.observe(server_time);
    const sameSession = session !== null && this.view.session?.id === session.id;
    this.set({ selfId: join.id, session, warned, broadcast: sameSession ? this.view.broadcast : null, error: null });
  }

  protected override refused(error: ErrorPayloadOf<typeof breakoutProtocol>): void {
    this.set({ error: error.error });
  }

  protected handle(message: MessageOf<typeof breakoutProtocol>): void {
    const session = this.view.session;
    switch (message.message) {
      case 'started':
        this.set({ session: message.session, warned: false, broadcast: null, ended: null, error: null });
        this.emit({ type: 'started', session: message.session });
        return;
      case 'moved': {
        if (session?.id !== message.session_id) return;
        const assignments = { ...session.assignments };
        if (message.room_id === null) delete assignments[message.participant_id];
        else assignments[message.participant_id] = message.room_id;
        const moved = { ...session, assignments };
        this.set({ session: moved });
        if (message.participant_id === this.view.selfId && message.by !== this.view.selfId) this.emit({ type: 'moved', session: moved, roomId: message.room_id });
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
