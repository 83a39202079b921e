import { timerProtocol, type Timer, type TimerEndReason, type TimerSnapshot } from '@plenum/protocol';
import { defineFeature, refusal, type FeatureRoom, type HooksOf, type Participant } from '../../signaling/feature.ts';

/**
 * `timer`: one timer per room (as in OpenTalk): a countdown, a stopwatch, or a coffee break (a countdown
 * during which clients show a break screen and switch camera and microphone off). The server's clock decides
 * when a countdown ends; clients only get timestamps. The timer keeps running when its starter leaves — the
 * chair dropping out must not cut a break short.
 */

interface RunningTimer {
  timer: Timer;
  /** Participants who marked themselves ready (ready check only). */
  ready: Set<string>;
  /** Cancels the countdown's end (countdowns only). */
  cancelEnd: (() => void) | null;
}

export interface TimerState {
  /** Kept for the countdown's end, which runs as a room timer outside any command. */
  room: FeatureRoom<typeof timerProtocol>;
  running: RunningTimer | null;
  /** Numbers the timers of this room, so a late `ready` for an old timer cannot touch a new one. */
  counter: number;
}

const refuse = refusal(timerProtocol);

function end(state: TimerState, reason: TimerEndReason, by?: string): void {
  const running = state.running;
  if (!running) return;
  running.cancelEnd?.();
  state.running = null;
  state.room.broadcast({ message: 'ended', timer_id: running.timer.id, reason, ended_at: state.room.clock.now().toISOString(), ...(by ? { by } : {}) });
}

/** Ready states go to moderators and to the participant concerned, not to everyone. */
function tellReady(state: TimerState, who: Participant, timerId: string, ready: boolean): void {
  const message = { message: 'ready_status_updated' as const, timer_id: timerId, participant_id: who.id, ready };
  state.room.sendTo('moderator', message);
  if (who.role !== 'moderator') state.room.send(who, message);
}

function hooks(): HooksOf<typeof timerProtocol, TimerState> {
  return {
    init(room) {
      return { room, running: null, counter: 0 };
    },

    onLeave(ctx, who) {
      ctx.state.running?.ready.delete(who.id);
    },

    onCommand(ctx, who, cmd) {
      const { state } = ctx;
      const moderator = ctx.permissions.has('moderate');
      switch (cmd.action) {
        case 'start': {
          if (!moderator) throw refuse('forbidden');
          if (state.running) throw refuse('timer_already_running');
          const now = ctx.clock.now();
          const id = String(++state.counter);
          const timer: Timer = {
            id,
            kind: cmd.kind,
            style: cmd.style,
            ...(cmd.title ? { title: cmd.title } : {}),
            ready_check: cmd.ready_check,
            started_at: now.toISOString(),
            ...(cmd.duration_seconds !== undefined ? { ends_at: new Date(now.getTime() + cmd.duration_seconds * 1000).toISOString() } : {}),
            started_by: who.id,
          };
          const running: RunningTimer = { timer, ready: new Set(), cancelEnd: null };
          if (cmd.duration_seconds !== undefined) {
            running.cancelEnd = ctx.room.setTimer(cmd.duration_seconds * 1000, () => {
              if (state.running === running) end(state, 'expired');
            });
          }
          state.running = running;
          ctx.broadcast({ message: 'started', timer });
          return;
        }
        case 'stop':
          if (!moderator) throw refuse('forbidden');
          if (!state.running) throw refuse('timer_not_running');
          end(state, 'stopped', who.id);
          return;
        case 'update_ready_status': {
          const running = state.running;
          if (!running || !running.timer.ready_check) throw refuse('timer_not_running');
          if (running.ready.has(who.id) === cmd.ready) return;
          if (cmd.ready) running.ready.add(who.id);
          else running.ready.delete(who.id);
          tellReady(state, who, running.timer.id, cmd.ready);
          return;
        }
      }
    },

    snapshot(ctx, forWhom): TimerSnapshot {
      const running = ctx.state.running;
      const ready = running ? [...running.ready].filter((id) => ctx.permissions.has('moderate') || id === forWhom.id) : [];
      return { timer: running?.timer ?? null, server_time: ctx.clock.now().toISOString(), ready };
    },
  };
}

export const timerFeature = defineFeature({ ...timerProtocol, setup: hooks });
