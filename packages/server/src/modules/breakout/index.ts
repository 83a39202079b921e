import {
  breakoutProtocol,
  DEFAULT_BREAKOUT_WARNING_SECONDS,
  type BreakoutDistribution,
  type BreakoutEndReason,
  type BreakoutSession,
  type BreakoutSnapshot,
} from '@plenum/protocol';
import { defineFeature, refusal, type FeatureRoom, type HooksOf } from '../../signaling/feature.ts';

/**
 * `breakout`: a moderator splits the meeting into breakout rooms for a while (as in OpenTalk). Everyone stays
 * in this signaling room; breakout only decides who is in which group and hands that grouping to the core
 * (`room.groups.set`) — every feature's onGroupsChanged runs then: media subscribes each participant only to
 * the publications of their group, chat delivers room messages only within it. The server's clock ends a timed
 * breakout (with a warning before); a moderator can end it early. Moderators are not distributed automatically:
 * they stay in the main room unless assigned, and can move themselves to visit a room.
 */

interface Running {
  session: BreakoutSession;
  /** participant → room id; the source of `session.assignments` and of the room's grouping. */
  groups: Map<string, string>;
  warned: boolean;
  cancelTimers: (() => void)[];
}

export interface BreakoutState {
  running: Running | null;
  /** Sessions started in this room so far: the next session's id. */
  counter: number;
}

export interface BreakoutOptions {
  /** Random numbers in [0, 1) for the `random` distribution (injectable for tests). */
  random?: () => number;
}

type Room = FeatureRoom<typeof breakoutProtocol>;
const refuse = refusal(breakoutProtocol);

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

/** The session's assignments follow the groups; the core's grouping too (no session: everyone in the main room). */
function publish(room: Room, state: BreakoutState): void {
  const running = state.running;
  if (running) running.session = { ...running.session, assignments: Object.fromEntries(running.groups) };
  room.groups.set(new Map(running?.groups ?? []));
}

function end(room: Room, state: BreakoutState, reason: BreakoutEndReason, by?: string): void {
  const running = state.running;
  if (!running) return;
  for (const cancel of running.cancelTimers) cancel();
  state.running = null;
  // Everyone is back in the main room (media and chat follow) before clients hear that it ended.
  publish(room, state);
  room.broadcast({ message: 'ended', session_id: running.session.id, reason, ended_at: room.clock.now().toISOString(), ...(by ? { by } : {}) });
}

function hooks(random: () => number): HooksOf<typeof breakoutProtocol, BreakoutState> {
  return {
    init() {
      return { running: null, counter: 0 };
    },

    onLeave(ctx, who) {
      // A resume is not a leave: only someone really gone loses their place (a return starts in the main room).
      // The core already dropped them from the room's grouping, so only the session's own copy changes here.
      const running = ctx.state.running;
      if (running?.groups.delete(who.id)) running.session = { ...running.session, assignments: Object.fromEntries(running.groups) };
    },

    onCommand(ctx, who, cmd) {
      const { state } = ctx;
      const room = ctx.room;
      if (!ctx.permissions.has('moderate')) throw refuse('forbidden');
      switch (cmd.action) {
        case 'start': {
          if (state.running) throw refuse('breakout_already_running');
          const present = room.participants();
          for (const a of cmd.assignments) if (!present.some((p) => p.id === a.participant_id)) throw refuse('participant_not_found');

          const session = ++state.counter;
          const rooms = cmd.rooms.map((r, i) => ({ id: `${session}-${i + 1}`, name: r.name }));
          const groups = new Map(cmd.assignments.map((a) => [a.participant_id, rooms[a.room]!.id] as const));
          if (cmd.distribution !== 'manual') {
            const rest = present.filter((p) => p.role !== 'moderator' && !groups.has(p.id)).map((p) => p.id);
            for (const [id, to] of distribute(
              rest,
              rooms.map((r) => r.id),
              cmd.distribution,
              random,
            ))
              groups.set(id, to);
          }

          const now = ctx.clock.now();
          const at = (seconds: number) => new Date(now.getTime() + seconds * 1000).toISOString();
          const duration = cmd.duration_seconds;
          const warning = duration === undefined ? undefined : (cmd.warning_seconds ?? DEFAULT_BREAKOUT_WARNING_SECONDS);
          const warnAfter = duration !== undefined && warning !== undefined && warning < duration ? duration - warning : undefined;
          const endsAt = duration !== undefined ? at(duration) : undefined;
          const running: Running = {
            session: {
              id: String(session),
              rooms,
              assignments: {},
              started_at: now.toISOString(),
              ...(endsAt !== undefined ? { ends_at: endsAt } : {}),
              ...(warnAfter !== undefined ? { warning_at: at(warnAfter) } : {}),
              started_by: who.id,
            },
            groups,
            warned: false,
            cancelTimers: [],
          };
          if (duration !== undefined) {
            running.cancelTimers.push(
              room.setTimer(duration * 1000, () => {
                if (state.running === running) end(room, state, 'expired');
              }),
            );
          }
          if (warnAfter !== undefined && endsAt !== undefined) {
            running.cancelTimers.push(
              room.setTimer(warnAfter * 1000, () => {
                if (state.running !== running) return;
                running.warned = true;
                room.broadcast({ message: 'warning', session_id: running.session.id, ends_at: endsAt });
              }),
            );
          }
          state.running = running;
          publish(room, state);
          ctx.broadcast({ message: 'started', session: running.session });
          return;
        }
        case 'move': {
          const running = state.running;
          if (!running) throw refuse('breakout_not_running');
          if (!room.participant(cmd.participant_id)) throw refuse('participant_not_found');
          if (cmd.room_id !== null && !running.session.rooms.some((r) => r.id === cmd.room_id)) throw refuse('breakout_room_not_found');
          if ((running.groups.get(cmd.participant_id) ?? null) === cmd.room_id) return;
          if (cmd.room_id === null) running.groups.delete(cmd.participant_id);
          else running.groups.set(cmd.participant_id, cmd.room_id);
          publish(room, state);
          ctx.broadcast({ message: 'moved', session_id: running.session.id, participant_id: cmd.participant_id, room_id: cmd.room_id, by: who.id });
          return;
        }
        case 'broadcast': {
          const running = state.running;
          if (!running) throw refuse('breakout_not_running');
          // To everyone, in every group: no `group` option.
          ctx.broadcast({ message: 'broadcast', session_id: running.session.id, text: cmd.text, from: { id: who.id, display_name: who.displayName }, sent_at: ctx.clock.now().toISOString() });
          return;
        }
        case 'stop':
          if (!state.running) throw refuse('breakout_not_running');
          end(room, state, 'stopped', who.id);
          return;
      }
    },

    snapshot(ctx): BreakoutSnapshot {
      const running = ctx.state.running;
      return { session: running?.session ?? null, warned: running?.warned ?? false, server_time: ctx.clock.now().toISOString() };
    },
  };
}

/** `breakout` with its own source of randomness (tests). */
export function createBreakoutFeature(options: BreakoutOptions = {}) {
  const random = options.random ?? Math.random;
  return defineFeature({ ...breakoutProtocol, setup: () => hooks(random) });
}

export const breakoutFeature = createBreakoutFeature();
