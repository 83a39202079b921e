import { ControlCommand } from '@plenum/protocol';
import { publicParticipant } from '../../signaling/room.ts';
import { CommandError, defineModule } from '../types.ts';

/**
 * `control`: presence. The core handles join (join_success) and leave; this module tells the others
 * who joined, left or changed, and lets guests rename themselves.
 */
export const controlModule = defineModule<ControlCommand, Record<string, never>>({
  namespace: 'control',
  commands: ControlCommand,

  init(room) {
    room.on('participant_updated', ({ participant, changed }) => {
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
        if (who.kind !== 'guest') throw new CommandError('forbidden');
        ctx.room.updateParticipant(who.id, { displayName: cmd.display_name });
        return;
      case 'join':
      case 'leave':
        // Handled by the signaling core before onCommand; reaching here is a wiring bug.
        throw new Error(`control/${cmd.action} must be handled by the core`);
    }
  },
});
