import { attendancePersonalData } from '../../gdpr/features.ts';
import { attendanceProtocol, type AttendanceSnapshot } from '@plenum/protocol';
import { defineFeature, refusal, type FeatureDeps, type FeatureRoom, type HooksOf } from '../../signaling/feature.ts';
import * as m0002 from './migrations/0002_attendance.ts';
import { attendanceRoutes } from './routes.ts';
import { AttendanceRepository, type AttendanceRepos } from './storage.ts';

/**
 * `attendance` (report part): writes who joined and left a room's meeting, and when, to the database.
 * A meeting is one continuous occupation of the room: it starts with the first join and ends when the last
 * participant leaves. A connection loss that is resumed is not a leave (the core calls onLeave only when the
 * resume window runs out, and then with the time it ran out).
 *
 * The hooks take the times and decide synchronously; the writes leave the room's queue one after another on a
 * per-room chain, so the database sees them in the order they happened (a join never before its meeting was
 * opened, the meeting's end never before the last leave) while the room answers everyone meanwhile.
 */

export interface AttendanceState {
  /** The meeting going on (chosen here, so the first moderator's join_success has it before the row is written). */
  meetingId: string | null;
  /** The room's writes, in order; each waits for the one before and never rejects (failures are logged). */
  writes: Promise<void>;
}

type Room = FeatureRoom<typeof attendanceProtocol>;
const refuse = refusal(attendanceProtocol);

/** Queues one write behind the room's earlier ones; a failure is logged with what was being written. */
function write(room: Room, state: AttendanceState, what: string, context: Record<string, unknown>, work: () => Promise<unknown>): void {
  const next = state.writes.then(work).then(
    () => undefined,
    (err: unknown) => room.logger.error({ err, ...context }, `attendance: ${what} failed`),
  );
  state.writes = next;
  // Spawned so the room's idle() and shutdown wait for it.
  room.spawn(next);
}

function hooks({ repos }: FeatureDeps<AttendanceRepos>): HooksOf<typeof attendanceProtocol, AttendanceState> {
  return {
    init() {
      return { meetingId: null, writes: Promise.resolve() };
    },

    onJoin(ctx, who) {
      const { state, room } = ctx;
      const at = ctx.clock.now();
      if (!state.meetingId) {
        const meetingId = crypto.randomUUID();
        state.meetingId = meetingId;
        write(room, state, 'starting the meeting', { meetingId, at }, () => repos.startMeeting(room.id, at, meetingId));
      }
      const meetingId = state.meetingId;
      const join = { participantId: who.id, displayName: who.displayName, kind: who.kind, at };
      write(room, state, 'recording a join', { meetingId, participantId: who.id, at }, () => repos.recordJoin(meetingId, join));
    },

    onLeave(ctx, who) {
      const { state, room } = ctx;
      const meetingId = state.meetingId;
      if (!meetingId) return;
      const at = ctx.clock.now();
      if (room.participants().length === 0) {
        // The last one closes the meeting and every entry still open (theirs too).
        state.meetingId = null;
        write(room, state, 'ending the meeting', { meetingId, participantId: who.id, at }, () => repos.endMeeting(meetingId, at));
      } else {
        write(room, state, 'recording a leave', { meetingId, participantId: who.id, at }, () => repos.recordLeave(meetingId, who.id, at));
      }
    },

    onCommand(ctx, who) {
      if (!ctx.permissions.has('moderate')) throw refuse('forbidden');
      ctx.send(who, { message: 'meeting', meeting_id: ctx.state.meetingId });
    },

    /** Moderators learn the meeting id (for the report links); others get nothing. */
    snapshot(ctx, forWhom): AttendanceSnapshot {
      return ctx.room.permissionsOf(forWhom).has('moderate') ? { meeting_id: ctx.state.meetingId } : {};
    },

    // The last writes finish before shutdown closes the database (they are spawned, too; this says so).
    onClose(state) {
      return state.writes;
    },
  };
}

export const attendanceFeature = defineFeature({
  ...attendanceProtocol,
  repositories: (db): AttendanceRepos => new AttendanceRepository(db),
  migrations: { '0002_attendance': m0002 },
  personalData: attendancePersonalData,
  routes: attendanceRoutes,
  setup: (deps) => hooks(deps),
});
