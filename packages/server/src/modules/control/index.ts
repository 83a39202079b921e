import { controlProtocol } from '@plenum/protocol';
import { publicParticipant } from '../../signaling/room.ts';
import { coreEvents, defineFeature, refusal, type HooksOf } from '../../signaling/feature.ts';

/**
 * `control`: presence. The core handles join (join_success), leave, the waiting room's `waiting` and a
 * removal's `removed`; this feature tells the others who joined, left or changed, and lets guests rename
 * themselves.
 */
const refuse = refusal(controlProtocol);

function hooks(): HooksOf<typeof controlProtocol, Record<string, never>> {
  return {
    init(room) {
      room.on(coreEvents.participantUpdated, ({ participant, changed }) => {
        // A connection change is news only to the others; a name or role change is confirmed to its subject too.
        const onlyConnection = changed.length === 1 && changed[0] === 'connection';
        room.broadcast({ message: 'update', participant: publicParticipant(participant) }, onlyConnection ? { except: participant } : {});
      });
      return {};
    },

    onJoin(ctx, who) {
      ctx.broadcast({ message: 'joined', participant: publicParticipant(who) }, { except: who });
    },

    onLeave(ctx, who, reason) {
      ctx.broadcast({ message: 'left', id: who.id, reason }, { except: who });
    },

    onCommand(ctx, who, cmd) {
      switch (cmd.action) {
        case 'update_display_name':
          // Users carry their account's name, so a council member cannot appear as someone else.
          if (who.kind !== 'guest') throw refuse('forbidden');
          ctx.room.updateParticipant(who.id, { displayName: cmd.display_name });
          return;
        case 'join':
        case 'leave':
          // Handled by the signaling core before onCommand; reaching here is a wiring bug.
          throw new Error(`control/${cmd.action} must be handled by the core`);
      }
    },
  };
}

export const controlFeature = defineFeature({ ...controlProtocol, setup: hooks });
