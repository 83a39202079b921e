import { sql, type Kysely } from 'kysely';

// Committee: the roster of a room (members and deputies, linked to an account or a personal invite),
// its agenda, and its quorum rule.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('committee_members')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('room_id', 'uuid', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('invite_code', 'text', (c) => c.references('invites.code').onDelete('set null'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('member', 'deputy')`))
    .addColumn('voting', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('substitutes_for', 'uuid', (c) => c.references('committee_members.id').onDelete('set null'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('committee_members_room_idx').on('committee_members').columns(['room_id', 'position']).execute();

  await db.schema
    .createTable('agenda_items')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('room_id', 'uuid', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('public', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('motion', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('agenda_items_room_idx').on('agenda_items').columns(['room_id', 'position']).execute();

  await db.schema
    .createTable('committee_settings')
    .addColumn('room_id', 'uuid', (c) => c.primaryKey().references('rooms.id').onDelete('cascade'))
    .addColumn('quorum_rule', 'text', (c) =>
      c.notNull().defaultTo('more_than_half').check(sql`quorum_rule in ('more_than_half', 'at_least_two_thirds', 'at_least_count')`),
    )
    .addColumn('quorum_count', 'integer')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('committee_settings').execute();
  await db.schema.dropTable('agenda_items').execute();
  await db.schema.dropTable('committee_members').execute();
}
