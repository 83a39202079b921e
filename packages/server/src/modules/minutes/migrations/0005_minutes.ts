import { sql, type Kysely } from 'kysely';

// Minutes: the live Yjs document of each room (overwritten as it is edited) and the sealed versions
// (insert-only: a trigger refuses UPDATE and DELETE, so a sealed version is never changed or removed).
// Sealed versions keep no foreign key to the room: they are records that outlive it.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('minutes_documents')
    .addColumn('room_id', 'uuid', (c) => c.primaryKey().references('rooms.id').onDelete('cascade'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('sealed', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('minutes_versions')
    .addColumn('room_id', 'uuid', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().check(sql`version >= 1`))
    .addColumn('content', 'jsonb', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addColumn('key_fingerprint', 'text', (c) => c.notNull())
    .addColumn('yjs_state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('minutes_versions_pk', ['room_id', 'version'])
    .execute();

  await sql`
    create function minutes_versions_insert_only() returns trigger language plpgsql as $$
    begin
      raise exception 'minutes_versions is insert-only: % refused', tg_op using errcode = 'P0001';
    end
    $$`.execute(db);
  await sql`
    create trigger minutes_versions_insert_only before update or delete on minutes_versions
    for each row execute function minutes_versions_insert_only()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('minutes_versions').execute();
  await sql`drop function if exists minutes_versions_insert_only()`.execute(db);
  await db.schema.dropTable('minutes_documents').execute();
}
