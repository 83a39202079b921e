import { sql, type Kysely } from 'kysely';

// Attendance: one row per meeting (continuous occupation of a room) and one per join of a participant.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('attendance_meetings')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('room_id', 'uuid', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ended_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('attendance_meetings_room_idx').on('attendance_meetings').columns(['room_id', 'started_at']).execute();

  await db.schema
    .createTable('attendance_entries')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('meeting_id', 'uuid', (c) => c.notNull().references('attendance_meetings.id').onDelete('cascade'))
    .addColumn('participant_id', 'uuid', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('user', 'guest', 'sip', 'recorder')`))
    .addColumn('joined_at', 'timestamptz', (c) => c.notNull())
    .addColumn('left_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('attendance_entries_meeting_idx').on('attendance_entries').columns(['meeting_id', 'joined_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('attendance_entries').execute();
  await db.schema.dropTable('attendance_meetings').execute();
}
