import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { sql, type Kysely } from 'kysely';

/**
 * Signing keys with validity periods (rotation), and the append-only, hash-chained log of administrative actions.
 *
 * `signing_keys`: one row per Ed25519 key the deployment has ever signed with. The id is the key's fingerprint
 * (`SHA256:<hex>` over the SPKI DER), so an export that names its key id names a value anyone can recompute from
 * the key. The private key is kept as PKCS#8 PEM, protected exactly as `server_secrets` was (database access
 * control; see docs/security.md). At most one key is current (`valid_until` null). The key that existed before
 * (`server_secrets.signing_key_ed25519`) becomes the first row, valid since that secret was created, so every
 * export signed before this migration stays verifiable.
 *
 * `admin_audit_log`: seq, time, actor, action, target, details, prev_hash, hash; insert-only like
 * `legal_vote_events` (UPDATE, DELETE and TRUNCATE are refused by triggers).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('signing_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('algorithm', 'text', (c) => c.notNull().check(sql`algorithm = 'Ed25519'`))
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('private_key', 'text', (c) => c.notNull())
    .addColumn('valid_from', 'timestamptz', (c) => c.notNull())
    .addColumn('valid_until', 'timestamptz')
    .execute();
  // One current key at a time, also when several nodes start (or rotate) at once.
  await sql`create unique index signing_keys_one_current on signing_keys ((true)) where valid_until is null`.execute(db);

  const old = await db.selectFrom('server_secrets').select(['value', 'created_at']).where('name', '=', 'signing_key_ed25519').executeTakeFirst();
  if (old) {
    const der = createPublicKey(createPrivateKey(old.value as string)).export({ type: 'spki', format: 'der' });
    await db
      .insertInto('signing_keys')
      .values({
        id: `SHA256:${createHash('sha256').update(der).digest('hex')}`,
        algorithm: 'Ed25519',
        public_key: der.toString('base64'),
        private_key: old.value,
        valid_from: new Date(0),
        valid_until: null,
      })
      .execute();
    // One place for the private key from now on.
    await db.deleteFrom('server_secrets').where('name', '=', 'signing_key_ed25519').execute();
  }

  await db.schema
    .createTable('admin_audit_log')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('details', 'jsonb', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await sql`
    create function admin_audit_log_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'admin_audit_log is append-only (% refused)', tg_op using errcode = 'P0001';
    end;
    $$`.execute(db);
  await sql`
    create trigger admin_audit_log_no_change before update or delete on admin_audit_log
    for each row execute function admin_audit_log_append_only()`.execute(db);
  await sql`
    create trigger admin_audit_log_no_truncate before truncate on admin_audit_log
    for each statement execute function admin_audit_log_append_only()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  const current = await db.selectFrom('signing_keys').select('private_key').where('valid_until', 'is', null).executeTakeFirst();
  if (current) {
    await db.insertInto('server_secrets').values({ name: 'signing_key_ed25519', value: current.private_key }).onConflict((oc) => oc.column('name').doNothing()).execute();
  }
  await sql`drop trigger if exists admin_audit_log_no_truncate on admin_audit_log`.execute(db);
  await sql`drop trigger if exists admin_audit_log_no_change on admin_audit_log`.execute(db);
  await db.schema.dropTable('admin_audit_log').execute();
  await sql`drop function if exists admin_audit_log_append_only()`.execute(db);
  await db.schema.dropTable('signing_keys').execute();
}
