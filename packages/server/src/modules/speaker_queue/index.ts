import { randomInt } from 'node:crypto';
import { speakerQueueProtocol, type SpeakerQueueChangeReason, type SpeakerQueueSnapshot, type SpeakerQueueStrategy } from '@plenum/protocol';
import { defineFeature, refusal, type ContextOf, type FeatureRoom, type HooksOf } from '../../signaling/feature.ts';
import { handRaised, handsLowered } from '../hands/events.ts';
import { floorGiven } from './events.ts';

/**
 * `speaker_queue`: who has the floor, who follows, and for how long (see the protocol file for the strategies).
 * The time limit is enforced by a room timer; clients only display the countdown from `started_at`.
 * Raised hands reach this feature as room events from `hands`, never through its state. It works without
 * `hands` (auto-append then never fires), so it consumes those events but does not require the feature.
 */

type Consumes = typeof handRaised | typeof handsLowered;

export interface SpeakerQueueState {
  /** Kept for the event handlers and the turn's time limit, which run outside any command. */
  room: FeatureRoom<typeof speakerQueueProtocol, typeof floorGiven, Consumes>;
  strategy: SpeakerQueueStrategy;
  timeLimitSeconds: number | null;
  autoAppendHands: boolean;
  list: string[];
  current: { participantId: string; startedAt: Date; timeLimitSeconds: number | null } | null;
  nominated: string | null;
  cancelTimer: (() => void) | null;
  /** The strategy's choice of the next speaker. */
  pickNext: (state: SpeakerQueueState) => string | null;
}

export interface SpeakerQueueOptions {
  /** Index in [0, n) for the `random` strategy; injectable so tests are deterministic. */
  pick?: (n: number) => number;
}

type Ctx = ContextOf<typeof speakerQueueProtocol, SpeakerQueueState, never, Consumes>;
const refuse = refusal(speakerQueueProtocol);

function snapshotOf(state: SpeakerQueueState): SpeakerQueueSnapshot {
  return {
    strategy: state.strategy,
    time_limit_seconds: state.timeLimitSeconds,
    auto_append_hands: state.autoAppendHands,
    list: [...state.list],
    current: state.current
      ? { participant_id: state.current.participantId, started_at: state.current.startedAt.toISOString(), time_limit_seconds: state.current.timeLimitSeconds }
      : null,
    nominated: state.nominated,
  };
}

function announce(state: SpeakerQueueState, reason: SpeakerQueueChangeReason, by?: string): void {
  state.room.broadcast({ message: 'updated', reason, ...(by ? { by } : {}), state: snapshotOf(state) });
}

/** Gives the floor to `id` (or nobody); restarts the time limit. Does not announce. */
function setSpeaker(state: SpeakerQueueState, id: string | null): void {
  state.cancelTimer?.();
  state.cancelTimer = null;
  if (id === null) {
    state.current = null;
    return;
  }
  state.list = state.list.filter((x) => x !== id);
  if (state.nominated === id) state.nominated = null;
  const limit = state.timeLimitSeconds;
  const turn = { participantId: id, startedAt: state.room.clock.now(), timeLimitSeconds: limit };
  state.current = turn;
  // Whoever has the floor no longer asks for it: `hands` lowers their hand.
  state.room.emit(floorGiven, { participantId: id });
  if (limit !== null) {
    state.cancelTimer = state.room.setTimer(limit * 1000, () => {
      if (state.current !== turn) return;
      state.cancelTimer = null;
      advance(state);
      announce(state, 'time_up');
    });
  }
}

function makePicker(pick: (n: number) => number): SpeakerQueueState['pickNext'] {
  return (state) => {
    switch (state.strategy) {
      case 'none':
        return null;
      case 'playlist':
        return state.list[0] ?? null;
      case 'random':
        return state.list.length === 0 ? null : (state.list[pick(state.list.length)] ?? null);
      case 'nomination':
        return state.nominated;
    }
  };
}

/** Ends the current turn and starts whoever the strategy picks. */
function advance(state: SpeakerQueueState): void {
  setSpeaker(state, state.pickNext(state));
}

function requireModerator(ctx: Ctx): void {
  if (!ctx.permissions.has('moderate')) throw refuse('forbidden');
}

function requirePresent(ctx: Ctx, id: string): void {
  if (!ctx.room.participant(id)) throw refuse('participant_not_found');
}

function hooks(pickNext: SpeakerQueueState['pickNext']): HooksOf<typeof speakerQueueProtocol, SpeakerQueueState, undefined, typeof floorGiven, Consumes> {
  return {
    init(room) {
      const state: SpeakerQueueState = {
        room,
        strategy: 'playlist',
        timeLimitSeconds: null,
        autoAppendHands: false,
        list: [],
        current: null,
        nominated: null,
        cancelTimer: null,
        pickNext,
      };
      room.on(handRaised, ({ participantId }) => {
        if (!state.autoAppendHands || state.list.includes(participantId) || state.current?.participantId === participantId) return;
        state.list.push(participantId);
        announce(state, 'hand', participantId);
      });
      room.on(handsLowered, ({ participantIds, reason }) => {
        // Only a hand its owner took down withdraws the request; a moderator lowering hands is tidying up.
        if (!state.autoAppendHands || reason !== 'self') return;
        const before = state.list.length;
        state.list = state.list.filter((id) => !participantIds.includes(id));
        if (state.list.length !== before) announce(state, 'hand', participantIds[0]);
      });
      return state;
    },

    onLeave(ctx, who) {
      const { state } = ctx;
      const listed = state.list.includes(who.id);
      const nominated = state.nominated === who.id;
      const speaking = state.current?.participantId === who.id;
      if (!listed && !nominated && !speaking) return;
      state.list = state.list.filter((id) => id !== who.id);
      if (nominated) state.nominated = null;
      if (speaking) advance(state);
      announce(state, 'left', who.id);
    },

    onCommand(ctx, who, cmd) {
      const { state } = ctx;
      switch (cmd.action) {
        case 'configure': {
          requireModerator(ctx);
          if (cmd.strategy !== undefined) {
            state.strategy = cmd.strategy;
            if (cmd.strategy !== 'nomination') state.nominated = null;
          }
          // A new limit applies from the next turn on; the running one keeps what it was started with.
          if (cmd.time_limit_seconds !== undefined) state.timeLimitSeconds = cmd.time_limit_seconds;
          if (cmd.auto_append_hands !== undefined) state.autoAppendHands = cmd.auto_append_hands;
          announce(state, 'configured', who.id);
          return;
        }
        case 'set_list': {
          requireModerator(ctx);
          const ids = [...new Set(cmd.participant_ids)];
          for (const id of ids) requirePresent(ctx, id);
          state.list = ids.filter((id) => id !== state.current?.participantId);
          announce(state, 'list_changed', who.id);
          return;
        }
        case 'add': {
          requireModerator(ctx);
          requirePresent(ctx, cmd.participant_id);
          if (state.list.includes(cmd.participant_id) || state.current?.participantId === cmd.participant_id) return;
          state.list.push(cmd.participant_id);
          announce(state, 'list_changed', who.id);
          return;
        }
        case 'remove': {
          if (cmd.participant_id !== who.id) requireModerator(ctx);
          if (!state.list.includes(cmd.participant_id)) return;
          state.list = state.list.filter((id) => id !== cmd.participant_id);
          announce(state, 'list_changed', who.id);
          return;
        }
        case 'next':
          requireModerator(ctx);
          advance(state);
          announce(state, 'moderator', who.id);
          return;
        case 'set_speaker':
          requireModerator(ctx);
          if (cmd.participant_id !== null) requirePresent(ctx, cmd.participant_id);
          setSpeaker(state, cmd.participant_id);
          announce(state, 'moderator', who.id);
          return;
        case 'yield':
          if (state.current?.participantId !== who.id) throw refuse('forbidden');
          advance(state);
          announce(state, 'yielded', who.id);
          return;
        case 'nominate': {
          if (state.current?.participantId !== who.id) requireModerator(ctx);
          if (state.strategy !== 'nomination') throw refuse('wrong_strategy');
          requirePresent(ctx, cmd.participant_id);
          if (cmd.participant_id === state.current?.participantId) throw refuse('invalid_command');
          state.nominated = cmd.participant_id;
          announce(state, 'nominated', who.id);
          return;
        }
      }
    },

    snapshot(ctx): SpeakerQueueSnapshot {
      return snapshotOf(ctx.state);
    },
  };
}

export function createSpeakerQueueFeature(options: SpeakerQueueOptions = {}) {
  const pickNext = makePicker(options.pick ?? ((n) => randomInt(n)));
  return defineFeature({ ...speakerQueueProtocol, emits: [floorGiven], consumes: [handRaised, handsLowered], setup: () => hooks(pickNext) });
}

export const speakerQueueFeature = createSpeakerQueueFeature();
