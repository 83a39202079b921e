import { sql, type Kysely } from 'kysely';

// Meeting recordings (issue #13): one row per recording with where its file is, how big it is and its SHA-256,
// and who consented (display name and, for accounts, the user id, for GDPR requests). Access (list, download,
// delete) is written to the hash-chained admin audit log. The row goes with its room; the retention rule
// `recordings` deletes file and row RETENTION_RECORDINGS_DAYS after the recording ended.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('recordings')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('room_id', 'uuid', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ended_at', 'timestamptz')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('recording').check(sql`status in ('recording', 'complete', 'failed')`))
    .addColumn('participants', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('file_path', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint')
    .addColumn('sha256', 'text', (c) => c.check(sql`sha256 ~ '^[0-9a-f]{64}$'`))
    .execute();
  await db.schema.createIndex('recordings_room_idx').on('recordings').columns(['room_id', 'started_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('recordings').execute();
}
