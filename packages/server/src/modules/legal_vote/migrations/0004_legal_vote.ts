import { sql, type Kysely } from 'kysely';

// Legal votes: one row per vote, its append-only hash-chained event log, and who voted (one ballot each).
// room_id has no foreign key on purpose: a vote's record must outlive the room (deleting a room must not
// delete, nor be blocked by, the audit log).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('legal_votes')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('room_id', 'uuid', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('agenda_item_id', 'uuid')
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('roll_call', 'live_roll_call', 'pseudonymous', 'secret')`))
    .addColumn('parameters', 'jsonb', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('open', 'closed', 'cancelled')`))
    .addColumn('opened_at', 'timestamptz', (c) => c.notNull())
    .addColumn('closed_at', 'timestamptz')
    .addColumn('head_seq', 'integer', (c) => c.notNull())
    .addColumn('head_hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('legal_votes_room_idx').on('legal_votes').columns(['room_id', 'opened_at']).execute();

  await db.schema
    .createTable('legal_vote_events')
    .addColumn('vote_id', 'uuid', (c) => c.notNull().references('legal_votes.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    // Exactly what is hashed: hash = SHA-256(prev_hash bytes ‖ RFC 8785 canonical JSON of content).
    .addColumn('content', 'jsonb', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('signature', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('legal_vote_events_pk', ['vote_id', 'seq'])
    .execute();

  // Insert-only: UPDATE, DELETE and TRUNCATE are refused by the database itself.
  await sql`
    create function legal_vote_events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'legal_vote_events is append-only (% refused)', tg_op using errcode = 'P0001';
    end;
    $$`.execute(db);
  await sql`
    create trigger legal_vote_events_no_change before update or delete on legal_vote_events
    for each row execute function legal_vote_events_append_only()`.execute(db);
  await sql`
    create trigger legal_vote_events_no_truncate before truncate on legal_vote_events
    for each statement execute function legal_vote_events_append_only()`.execute(db);

  // Who voted (one ballot per voter). No timestamp or sequence column, so a row cannot be matched to a
  // ballot event of a pseudonymous or secret vote by time or order.
  await db.schema
    .createTable('legal_vote_ballots')
    .addColumn('vote_id', 'uuid', (c) => c.notNull().references('legal_votes.id'))
    .addColumn('voter_key', 'text', (c) => c.notNull())
    .addUniqueConstraint('legal_vote_ballots_once', ['vote_id', 'voter_key'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('legal_vote_ballots').execute();
  await sql`drop trigger if exists legal_vote_events_no_truncate on legal_vote_events`.execute(db);
  await sql`drop trigger if exists legal_vote_events_no_change on legal_vote_events`.execute(db);
  await db.schema.dropTable('legal_vote_events').execute();
  await sql`drop function if exists legal_vote_events_append_only()`.execute(db);
  await db.schema.dropTable('legal_votes').execute();
}
