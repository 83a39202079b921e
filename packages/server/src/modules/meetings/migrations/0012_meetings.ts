import { sql, type Kysely } from 'kysely';

// Planned meetings (issue #16): a meeting of a room in time, its invitees, and each account's calendar feed token.
// Times are kept as planned (wall-clock time and IANA zone) and, for queries, as UTC instants of the first start
// and the last end of the series.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('planned_meetings')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('room_id', 'uuid', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('organizer_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('start_local', 'text', (c) => c.notNull())
    .addColumn('end_local', 'text', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('rrule', 'text')
    .addColumn('exceptions', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    // Single occurrences moved or retitled: [{ occurrence, start, end, title? }] (RECURRENCE-ID).
    .addColumn('overrides', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
    .addColumn('series_ends_at', 'timestamptz', (c) => c.notNull())
    .addColumn('waiting_room', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('password_required', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('sequence', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('cancelled_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('planned_meetings_end_after_start', sql`end_local > start_local`)
    .execute();
  await db.schema.createIndex('planned_meetings_room').on('planned_meetings').column('room_id').execute();
  await db.schema.createIndex('planned_meetings_series_end').on('planned_meetings').column('series_ends_at').execute();
  await db.schema
    .createTable('planned_meeting_invitees')
    .addColumn('meeting_id', 'uuid', (c) => c.notNull().references('planned_meetings.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text')
    .addColumn('language', 'text', (c) => c.notNull().check(sql`language in ('de', 'en')`))
    .addColumn('user_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('invite_code', 'text', (c) => c.references('invites.code').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('planned_meeting_invitees_pk', ['meeting_id', 'email'])
    .execute();
  await db.schema.createIndex('planned_meeting_invitees_user').on('planned_meeting_invitees').column('user_id').execute();
  await db.schema.createIndex('planned_meeting_invitees_email').on('planned_meeting_invitees').column('email').execute();
  await db.schema
    .createTable('calendar_feeds')
    .addColumn('user_id', 'uuid', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    // SHA-256 of the token: a database leak gives no working feed URL.
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('calendar_feeds').execute();
  await db.schema.dropTable('planned_meeting_invitees').execute();
  await db.schema.dropTable('planned_meetings').execute();
}
