import { sql, type Kysely } from 'kysely';

// Telephone dial-in: one row per room with its numeric dial-in ID (unique across rooms) and PIN. The PIN is
// stored as typed (moderators read it back to tell callers); it goes with the room.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('telephone_dial_ins')
    .addColumn('room_id', 'uuid', (c) => c.primaryKey().references('rooms.id').onDelete('cascade'))
    .addColumn('dial_in_id', 'text', (c) => c.notNull().unique().check(sql`dial_in_id ~ '^[0-9]{4,20}$'`))
    .addColumn('pin', 'text', (c) => c.notNull().check(sql`pin ~ '^[0-9]{4,12}$'`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('telephone_dial_ins').execute();
}
