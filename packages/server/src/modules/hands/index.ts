import { handsProtocol, type HandLoweredReason, type HandsSnapshot, type RaisedHand } from '@plenum/protocol';
import { defineFeature, refusal, type ContextOf, type HooksOf } from '../../signaling/feature.ts';
import { floorGiven } from '../speaker_queue/events.ts';
import { handRaised, handsLowered } from './events.ts';

/**
 * `hands`: raised hands, in the order they went up, visible to everyone (as in the council chamber, and as
 * in OpenTalk). A hand stays up through a short connection loss and goes down when its owner leaves.
 */

export interface HandsState {
  enabled: boolean;
  /** participant id → when raised; a Map keeps insertion order, which is the order of raising. */
  raised: Map<string, Date>;
}

type Emits = typeof handRaised | typeof handsLowered;
type Ctx = Pick<ContextOf<typeof handsProtocol, HandsState, Emits>, 'state' | 'broadcast' | 'emit'>;
const refuse = refusal(handsProtocol);

function lower(ctx: Ctx, ids: readonly string[], reason: HandLoweredReason, by?: string): void {
  const lowered = ids.filter((id) => ctx.state.raised.delete(id));
  if (lowered.length === 0) return;
  ctx.broadcast({ message: 'hands_lowered', participant_ids: lowered, reason, ...(by ? { by } : {}) });
  ctx.emit(handsLowered, { participantIds: lowered, reason });
}

function hooks(): HooksOf<typeof handsProtocol, HandsState, undefined, Emits, typeof floorGiven> {
  return {
    init(room) {
      const state: HandsState = { enabled: true, raised: new Map() };
      // Given the floor: the hand has done its job.
      room.on(floorGiven, ({ participantId }) => {
        lower({ state, broadcast: (m, o) => room.broadcast(m, o), emit: (e, p) => room.emit(e, p) }, [participantId], 'floor');
      });
      return state;
    },

    onLeave(ctx, who) {
      lower(ctx, [who.id], 'left');
    },

    onCommand(ctx, who, cmd) {
      const { state } = ctx;
      const moderator = ctx.permissions.has('moderate');
      switch (cmd.action) {
        case 'raise_hand': {
          if (!state.enabled) throw refuse('hands_disabled');
          // Raising again keeps the original place in the queue.
          if (state.raised.has(who.id)) return;
          const raisedAt = ctx.clock.now();
          state.raised.set(who.id, raisedAt);
          const hand: RaisedHand = { participant_id: who.id, raised_at: raisedAt.toISOString() };
          ctx.broadcast({ message: 'hand_raised', hand });
          ctx.emit(handRaised, { participantId: who.id });
          return;
        }
        case 'lower_hand':
          lower(ctx, [who.id], 'self');
          return;
        case 'lower_hands':
          if (!moderator) throw refuse('forbidden');
          lower(ctx, cmd.participant_ids ?? [...state.raised.keys()], 'moderator', who.id);
          return;
        case 'enable_raise_hands':
        case 'disable_raise_hands': {
          if (!moderator) throw refuse('forbidden');
          const enabled = cmd.action === 'enable_raise_hands';
          if (state.enabled === enabled) return;
          state.enabled = enabled;
          // Hands first, so clients see the queue empty before "disabled".
          if (!enabled) lower(ctx, [...state.raised.keys()], 'disabled', who.id);
          ctx.broadcast({ message: enabled ? 'raise_hands_enabled' : 'raise_hands_disabled', by: who.id });
          return;
        }
      }
    },

    snapshot(ctx): HandsSnapshot {
      return {
        enabled: ctx.state.enabled,
        hands: [...ctx.state.raised].map(([id, at]) => ({ participant_id: id, raised_at: at.toISOString() })),
      };
    },
  };
}

export const handsFeature = defineFeature({ ...handsProtocol, emits: [handRaised, handsLowered], consumes: [floorGiven], setup: hooks });
