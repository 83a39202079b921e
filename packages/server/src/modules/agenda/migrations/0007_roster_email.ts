import type { Kysely } from 'kysely';

// A roster entry can be linked to an account by the e-mail address the editor gave: kept as written, so the
// editor sees what it wrote (and nothing of the account), and so the link resolves when the account appears.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('committee_members').addColumn('user_email', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('committee_members').dropColumn('user_email').execute();
}
