import { sql, type Kysely } from 'kysely';

// Durable moderation: a room's bans (one row per banned person: `user:<id>` or `guest:<guestId>`, never an
// invite link) and its lock, so both survive a restart and a room that closed and reopened. Both go with the room.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('moderation_bans')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('room_id', 'uuid', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('ban_key', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('banned_by', 'text', (c) => c.notNull())
    .addColumn('banned_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('reason', 'text')
    .addUniqueConstraint('moderation_bans_room_key', ['room_id', 'ban_key'])
    .execute();

  await db.schema
    .createTable('moderation_room_locks')
    .addColumn('room_id', 'uuid', (c) => c.primaryKey().references('rooms.id').onDelete('cascade'))
    .addColumn('locked', 'boolean', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('moderation_room_locks').execute();
  await db.schema.dropTable('moderation_bans').execute();
}
