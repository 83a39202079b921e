import { sql, type Kysely } from 'kysely';

// Personal phone PINs: one per personal invite (the invite a roster member holds), eight digits, unique within
// the room. The PIN goes with its invite (deleted with it, and so with the room); a revoked or expired invite's
// PIN is refused by the service call, not deleted, so the invite's row and its PIN stay together.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('telephone_personal_pins')
    .addColumn('invite_code', 'text', (c) => c.primaryKey().references('invites.code').onDelete('cascade'))
    .addColumn('room_id', 'uuid', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('pin', 'text', (c) => c.notNull().check(sql`pin ~ '^[0-9]{8}$'`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('telephone_personal_pins_room_pin_key', ['room_id', 'pin'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('telephone_personal_pins').execute();
}
