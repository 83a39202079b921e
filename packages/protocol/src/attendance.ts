import { z } from 'zod';
import { ParticipantKind } from './control.ts';
import { defineProtocol } from './feature.ts';

/**
 * Attendance report (REST): who was in a room's meeting, and when. A meeting is one continuous occupation of
 * a room, from the first join until the last one left; each join/leave of a person is one attendance entry
 * (a connection loss that is resumed is not a leave).
 */

export const MeetingId = z.uuid();

export const MeetingSummary = z.object({
  id: MeetingId,
  room_id: z.uuid(),
  started_at: z.iso.datetime(),
  /** null while the meeting is still going on. */
  ended_at: z.iso.datetime().nullable(),
  /** Distinct people (participant ids) who were there. */
  participant_count: z.number().int().nonnegative(),
});
export type MeetingSummary = z.infer<typeof MeetingSummary>;

export const MeetingList = z.object({ meetings: z.array(MeetingSummary) });
export type MeetingList = z.infer<typeof MeetingList>;

export const AttendanceEntry = z.object({
  participant_id: z.uuid(),
  display_name: z.string(),
  kind: ParticipantKind,
  joined_at: z.iso.datetime(),
  /** null while still present. */
  left_at: z.iso.datetime().nullable(),
});
export type AttendanceEntry = z.infer<typeof AttendanceEntry>;

/** `?lang=` picks the report language; otherwise Accept-Language, then English. */
export const AttendanceReportQuery = z.object({ lang: z.enum(['de', 'en']).optional() }).strict();
export type AttendanceReportQuery = z.infer<typeof AttendanceReportQuery>;

// ── signaling namespace `attendance` ───────────────────────────────────────────

export const ATTENDANCE_NAMESPACE = 'attendance';
/** Moderators only: answered with `meeting`. */
export const AttendanceGetMeeting = z.object({ action: z.literal('get_meeting') }).strict();
export const AttendanceCommand = z.discriminatedUnion('action', [AttendanceGetMeeting]);
export type AttendanceCommand = z.infer<typeof AttendanceCommand>;
export const AttendanceMeeting = z.object({ message: z.literal('meeting'), meeting_id: MeetingId.nullable() });
export const AttendanceMessage = z.discriminatedUnion('message', [AttendanceMeeting]);
export type AttendanceMessage = z.infer<typeof AttendanceMessage>;
/** The `attendance` part of join_success: the meeting id for moderators (for the report links), empty for others. */
export const AttendanceSnapshot = z.object({ meeting_id: MeetingId.nullable().optional() });
export type AttendanceSnapshot = z.infer<typeof AttendanceSnapshot>;

export const attendanceProtocol = defineProtocol({
  namespace: ATTENDANCE_NAMESPACE,
  commands: AttendanceCommand,
  messages: AttendanceMessage,
  snapshot: AttendanceSnapshot,
});
