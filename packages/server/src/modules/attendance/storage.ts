import type { ParticipantKind } from '@plenum/protocol';
import type { ColumnType, Selectable } from 'kysely';
import type { Db } from '../../storage/database.ts';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface AttendanceMeetingsTable {
  id: string;
  room_id: string;
  started_at: Timestamp;
  ended_at: Timestamp | null;
}

export interface AttendanceEntriesTable {
  id: string;
  meeting_id: string;
  participant_id: string;
  display_name: string;
  kind: ParticipantKind;
  joined_at: Timestamp;
  left_at: Timestamp | null;
}

// The tables of migration 0002, added to the database type where they are used.
declare module '../../storage/schema.ts' {
  interface Database {
    attendance_meetings: AttendanceMeetingsTable;
    attendance_entries: AttendanceEntriesTable;
  }
}

export type MeetingRow = Selectable<AttendanceMeetingsTable>;
export type AttendanceEntryRow = Selectable<AttendanceEntriesTable>;
export type MeetingWithCount = MeetingRow & { participant_count: number };

export interface JoinRecord {
  participantId: string;
  displayName: string;
  kind: ParticipantKind;
  at: Date;
}

/**
 * The attendance feature's repositories (`ReposOf<typeof attendanceFeature>`, what `repositoriesOf(attendanceFeature)`
 * gives a feature that requires attendance): the public methods of AttendanceRepository, structurally, so a
 * test can provide an in-memory one.
 */
export type AttendanceRepos = { [K in keyof AttendanceRepository]: AttendanceRepository[K] };

/** Who was in which meeting of a room, and when: written by the `attendance` feature, read by the report. */
export class AttendanceRepository {
  constructor(private readonly db: Db) {}

  /**
   * Opens a meeting with this id (the room chooses it, so its moderators know it before the row is written).
   * Meetings (and entries) a crashed or stopped node left open are closed first, at the last moment anything
   * was recorded for them, so a report never shows two meetings of one room running at once. Returns the id.
   */
  async startMeeting(roomId: string, at: Date, id: string = crypto.randomUUID()): Promise<string> {
    await this.db.transaction().execute(async (trx) => {
      const stale = await trx.selectFrom('attendance_meetings').select(['id', 'started_at']).where('room_id', '=', roomId).where('ended_at', 'is', null).execute();
      for (const meeting of stale) {
        const last = await trx
          .selectFrom('attendance_entries')
          .select((eb) => [eb.fn.max('joined_at').as('joined'), eb.fn.max('left_at').as('left')])
          .where('meeting_id', '=', meeting.id)
          .executeTakeFirst();
        const times = [meeting.started_at, last?.joined, last?.left].filter((t): t is Date => t != null).map((t) => new Date(t).getTime());
        const end = new Date(Math.min(Math.max(...times), at.getTime()));
        await trx.updateTable('attendance_entries').set({ left_at: end }).where('meeting_id', '=', meeting.id).where('left_at', 'is', null).execute();
        await trx.updateTable('attendance_meetings').set({ ended_at: end }).where('id', '=', meeting.id).execute();
      }
      await trx.insertInto('attendance_meetings').values({ id, room_id: roomId, started_at: at, ended_at: null }).execute();
    });
    return id;
  }

  /** Closes the meeting and every entry still open in it. */
  async endMeeting(meetingId: string, at: Date): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('attendance_entries').set({ left_at: at }).where('meeting_id', '=', meetingId).where('left_at', 'is', null).execute();
      await trx.updateTable('attendance_meetings').set({ ended_at: at }).where('id', '=', meetingId).where('ended_at', 'is', null).execute();
    });
  }

  async recordJoin(meetingId: string, join: JoinRecord): Promise<void> {
    await this.db
      .insertInto('attendance_entries')
      .values({
        id: crypto.randomUUID(),
        meeting_id: meetingId,
        participant_id: join.participantId,
        display_name: join.displayName,
        kind: join.kind,
        joined_at: join.at,
        left_at: null,
      })
      .execute();
  }

  async recordLeave(meetingId: string, participantId: string, at: Date): Promise<void> {
    await this.db
      .updateTable('attendance_entries')
      .set({ left_at: at })
      .where('meeting_id', '=', meetingId)
      .where('participant_id', '=', participantId)
      .where('left_at', 'is', null)
      .execute();
  }

  /** The room's meetings, newest first. */
  async listMeetings(roomId: string): Promise<MeetingWithCount[]> {
    const rows = await this.db
      .selectFrom('attendance_meetings as m')
      .leftJoin('attendance_entries as e', 'e.meeting_id', 'm.id')
      .select(['m.id', 'm.room_id', 'm.started_at', 'm.ended_at'])
      .select((eb) => eb.fn.count<string | number>('e.participant_id').distinct().as('participant_count'))
      .where('m.room_id', '=', roomId)
      .groupBy(['m.id', 'm.room_id', 'm.started_at', 'm.ended_at'])
      .orderBy('m.started_at', 'desc')
      .orderBy('m.id')
      .execute();
    return rows.map((r) => ({ ...r, participant_count: Number(r.participant_count) }));
  }

  /** One meeting of this room (undefined when it does not exist or belongs to another room). */
  meeting(roomId: string, meetingId: string): Promise<MeetingRow | undefined> {
    return this.db.selectFrom('attendance_meetings').selectAll().where('id', '=', meetingId).where('room_id', '=', roomId).executeTakeFirst();
  }

  /** Everyone who joined the meeting, in the order they came. */
  entries(meetingId: string): Promise<AttendanceEntryRow[]> {
    return this.db.selectFrom('attendance_entries').selectAll().where('meeting_id', '=', meetingId).orderBy('joined_at').orderBy('display_name').orderBy('id').execute();
  }
}
