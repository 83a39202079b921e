import { AttendanceCommand, type AttendanceSnapshot } from '@plenum/protocol';
import type { JoinRecord } from '../../storage/attendance.ts';
import { CommandError, defineModule } from '../types.ts';

/**
 * `attendance` (report part): writes who joined and left a room's meeting, and when, to the database.
 * A meeting is one continuous occupation of the room: it starts with the first join and ends when the last
 * participant leaves. A connection loss that is resumed is not a leave (the core calls onLeave only when the
 * resume window runs out, and then with the time it ran out).
 */

/** What the module needs from storage (AttendanceRepository; tests may pass an in-memory one). */
export interface AttendanceStore {
  startMeeting(roomId: string, at: Date): Promise<string>;
  endMeeting(meetingId: string, at: Date): Promise<void>;
  recordJoin(meetingId: string, join: JoinRecord): Promise<void>;
  recordLeave(meetingId: string, participantId: string, at: Date): Promise<void>;
}

export interface AttendanceState {
  meetingId: string | null;
}


export function createAttendanceModule(store: AttendanceStore) {
  return defineModule<AttendanceCommand, AttendanceState>({
    namespace: 'attendance',
    commands: AttendanceCommand,

    init() {
      return { meetingId: null };
    },

    async onJoin(ctx, who) {
      const at = ctx.clock.now();
      ctx.state.meetingId ??= await store.startMeeting(ctx.room.id, at);
      await store.recordJoin(ctx.state.meetingId, { participantId: who.id, displayName: who.displayName, kind: who.kind, at });
    },

    async onLeave(ctx, who) {
      const meetingId = ctx.state.meetingId;
      if (!meetingId) return;
      const at = ctx.clock.now();
      if (ctx.room.participants().length === 0) {
        ctx.state.meetingId = null;
        await store.endMeeting(meetingId, at);
      } else {
        await store.recordLeave(meetingId, who.id, at);
      }
    },

    onCommand(ctx, who) {
      if (!ctx.permissions.has('moderate')) throw new CommandError('forbidden');
      ctx.send(who, { message: 'meeting', meeting_id: ctx.state.meetingId });
    },

    /** Moderators learn the meeting id (for the report links); others get nothing. */
    snapshot(ctx, forWhom): AttendanceSnapshot {
      return ctx.room.permissionsOf(forWhom).has('moderate') ? { meeting_id: ctx.state.meetingId } : {};
    },
  });
}
