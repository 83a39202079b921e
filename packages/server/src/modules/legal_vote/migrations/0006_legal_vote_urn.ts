import { type Kysely } from 'kysely';

// The urn: ballots of pseudonymous and secret votes, accepted but not yet in the hash chain. They are chained
// when the vote closes (or is cancelled), sorted by their content, and deleted from here in the same
// transaction — so nothing at rest orders them by the time they were cast (see docs/security.md). A random
// primary key, no time and no sequence column.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('legal_vote_urn')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('vote_id', 'uuid', (c) => c.notNull().references('legal_votes.id'))
    .addColumn('content', 'jsonb', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('legal_vote_urn_vote_idx').on('legal_vote_urn').column('vote_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('legal_vote_urn').execute();
}
