import {
  BreakoutCommand,
  DEFAULT_BREAKOUT_WARNING_SECONDS,
  type BreakoutDistribution,
  type BreakoutEndReason,
  type BreakoutSession,
  type BreakoutSnapshot,
} from '@plenum/protocol';
import { CommandError, defineModule, type RoomContext } from '../types.ts';
import './events.ts';

/**
 * `breakout`: a moderator splits the meeting into breakout rooms for a while (as in OpenTalk). Everyone stays
 * in this signaling room; breakout only decides who is in which group and tells the other modules through
 * the room event `breakout_groups` — media then subscribes each participant only to the publications of
 * their group, chat delivers room messages only within it. The server's clock ends a timed breakout (with a
 * warning before); a moderator can end it early. Moderators are not distributed automatically: they stay in
 * the main room unless assigned, and can move themselves to visit a room.
 */

interface Running {
  session: BreakoutSession;
  /** participant → room id; the source of `session.assignments`. */
  groups: Map<string, string>;
  warned: boolean;
  cancelTimers: (() => void)[];
}

export interface BreakoutState {
  room: RoomContext;
  running: Running | null;
  counter: number;
}

export interface BreakoutOptions {
  /** Random numbers in [0, 1) for the `random` distribution (injectable for tests). */
  random?: () => number;
}

/** Spreads `people` (in joining order) over `rooms` room ids. */
export function distribute(people: readonly string[], rooms: readonly string[], how: Exclude<BreakoutDistribution, 'manual'>, random: () => number): Map<string, string> {
  const order = [...people];
  if (how === 'random') {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
  }
  const out = new Map<string, string>();
  if (how === 'even') {
    // Consecutive blocks: the first `extra` rooms get one more.
    const base = Math.floor(order.length / rooms.length);
    const extra = order.length % rooms.length;
    let next = 0;
    rooms.forEach((room, i) => {
      const size = base + (i < extra ? 1 : 0);
      for (let k = 0; k < size; k++) out.set(order[next++]!, room);
    });
    return out;
  }
  order.forEach((id, i) => out.set(id, rooms[i % rooms.length]!));
  return out;
}

function publish(state: BreakoutState): void {
  const running = state.running;
  if (running) running.session = { ...running.session, assignments: Object.fromEntries(running.groups) };
  state.room.emit('breakout_groups', { groups: new Map(running?.groups ?? []) });
}

function end(state: BreakoutState, reason: BreakoutEndReason, by?: string): void {
  const running = state.running;
  if (!running) return;
  for (const cancel of running.cancelTimers) cancel();
  state.running = null;
  publish(state);
  state.room.broadcast({ message: 'ended', session_id: running.session.id, reason, ended_at: state.room.clock.now().toISOString(), ...(by ? { by } : {}) });
}

function requireModerator(moderator: boolean): void {
  if (!moderator) throw new CommandError('forbidden');
}

export function createBreakoutModule(options: BreakoutOptions = {}) {
  const random = options.random ?? Math.random;
  return defineModule<BreakoutCommand, BreakoutState>({
    namespace: 'breakout',
    commands: BreakoutCommand,

    init(room) {
      return { room, running: null, counter: 0 };
    },

    onLeave(ctx, who) {
      // A resume is not a leave: only someone really gone loses their place (a return starts in the main room).
      const running = ctx.state.running;
      if (running?.groups.delete(who.id)) publish(ctx.state);
    },

    onCommand(ctx, who, cmd) {
      const { state } = ctx;
      requireModerator(ctx.permissions.has('moderate'));
      switch (cmd.action) {
        case 'start': {
          if (state.running) throw new CommandError('breakout_already_running');
          const present = ctx.room.participants();
          for (const a of cmd.assignments) if (!present.some((p) => p.id === a.participant_id)) throw new CommandError('participant_not_found');

          const session = ++state.counter;
          const rooms = cmd.rooms.map((r, i) => ({ id: `${session}-${i + 1}`, name: r.name }));
          const groups = new Map(cmd.assignments.map((a) => [a.participant_id, rooms[a.room]!.id] as const));
          if (cmd.distribution !== 'manual') {
            const rest = present.filter((p) => p.role !== 'moderator' && !groups.has(p.id)).map((p) => p.id);
            for (const [id, room] of distribute(
              rest,
              rooms.map((r) => r.id),
              cmd.distribution,
              random,
            ))
              groups.set(id, room);
          }

          const now = ctx.clock.now();
          const at = (seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();
          const duration = cmd.duration_seconds;
          const warning = duration === undefined ? undefined : (cmd.warning_seconds ?? DEFAULT_BREAKOUT_WARNING_SECONDS);
          const warnAfter = duration !== undefined && warning !== undefined && warning < duration ? duration - warning : undefined;
          const running: Running = {
            session: {
              id: String(session),
              rooms,
              assignments: {},
              started_at: now.toISOString(),
              ...(duration !== undefined ? { ends_at: at(duration) } : {}),
              ...(warnAfter !== undefined ? { warning_at: at(warnAfter) } : {}),
              started_by: who.id,
            },
            groups,
            warned: false,
            cancelTimers: [],
          };
          if (duration !== undefined) {
            running.cancelTimers.push(
              ctx.room.setTimer(duration * 1000, () => {
                if (state.running === running) end(state, 'expired');
              }),
            );
          }
          if (warnAfter !== undefined) {
            running.cancelTimers.push(
              ctx.room.setTimer(warnAfter * 1000, () => {
                if (state.running !== running) return;
                running.warned = true;
                state.room.broadcast({ message: 'warning', session_id: running.session.id, ends_at: running.session.ends_at });
              }),
            );
          }
          state.running = running;
          publish(state);
          ctx.broadcast({ message: 'started', session: running.session });
          return;
        }
        case 'move': {
          const running = state.running;
          if (!running) throw new CommandError('breakout_not_running');
          if (!ctx.room.participant(cmd.participant_id)) throw new CommandError('participant_not_found');
          if (cmd.room_id !== null && !running.session.rooms.some((r) => r.id === cmd.room_id)) throw new CommandError('breakout_room_not_found');
          if ((running.groups.get(cmd.participant_id) ?? null) === cmd.room_id) return;
          if (cmd.room_id === null) running.groups.delete(cmd.participant_id);
          else running.groups.set(cmd.participant_id, cmd.room_id);
          publish(state);
          ctx.broadcast({ message: 'moved', session_id: running.session.id, participant_id: cmd.participant_id, room_id: cmd.room_id, by: who.id });
          return;
        }
        case 'broadcast': {
          const running = state.running;
          if (!running) throw new CommandError('breakout_not_running');
          ctx.broadcast({ message: 'broadcast', session_id: running.session.id, text: cmd.text, from: { id: who.id, display_name: who.displayName }, sent_at: ctx.clock.now().toISOString() });
          return;
        }
        case 'stop':
          if (!state.running) throw new CommandError('breakout_not_running');
          end(state, 'stopped', who.id);
          return;
      }
    },

    snapshot(ctx): BreakoutSnapshot {
      const running = ctx.state.running;
      return { session: running?.session ?? null, warned: running?.warned ?? false, server_time: ctx.clock.now().toISOString() };
    },
  });
}
