import { HandsCommand, type HandLoweredReason, type HandsSnapshot, type RaisedHand } from '@plenum/protocol';
import { CommandError, defineModule, type ModuleContext } from '../types.ts';

/**
 * `hands`: raised hands, in the order they went up, visible to everyone (as in the council chamber, and as
 * in OpenTalk). A hand stays up through a short connection loss and goes down when its owner leaves.
 */

declare module '../types.ts' {
  interface RoomEventMap {
    /** For other modules (speaker_queue appends raised hands to its list). */
    hand_raised: { participantId: string };
    hands_lowered: { participantIds: readonly string[]; reason: HandLoweredReason };
  }
}

export interface HandsState {
  enabled: boolean;
  /** participant id → when raised; a Map keeps insertion order, which is the order of raising. */
  raised: Map<string, Date>;
}

function lower(ctx: ModuleContext<HandsState>, ids: readonly string[], reason: HandLoweredReason, by?: string): void {
  const lowered = ids.filter((id) => ctx.state.raised.delete(id));
  if (lowered.length === 0) return;
  ctx.broadcast({ message: 'hands_lowered', participant_ids: lowered, reason, ...(by ? { by } : {}) });
  ctx.emit('hands_lowered', { participantIds: lowered, reason });
}

export const handsModule = defineModule<HandsCommand, HandsState>({
  namespace: 'hands',
  commands: HandsCommand,

  init() {
    return { enabled: true, raised: new Map() };
  },

  onLeave(ctx, who) {
    lower(ctx, [who.id], 'left');
  },

  onCommand(ctx, who, cmd) {
    const { state } = ctx;
    const moderator = ctx.permissions.has('moderate');
    switch (cmd.action) {
      case 'raise_hand': {
        if (!state.enabled) throw new CommandError('hands_disabled');
        // Raising again keeps the original place in the queue.
        if (state.raised.has(who.id)) return;
        const raisedAt = ctx.clock.now();
        state.raised.set(who.id, raisedAt);
        const hand: RaisedHand = { participant_id: who.id, raised_at: raisedAt.toISOString() };
        ctx.broadcast({ message: 'hand_raised', hand });
        ctx.emit('hand_raised', { participantId: who.id });
        return;
      }
      case 'lower_hand':
        lower(ctx, [who.id], 'self');
        return;
      case 'lower_hands':
        if (!moderator) throw new CommandError('forbidden');
        lower(ctx, cmd.participant_ids ?? [...state.raised.keys()], 'moderator', who.id);
        return;
      case 'enable_raise_hands':
      case 'disable_raise_hands': {
        if (!moderator) throw new CommandError('forbidden');
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
});
