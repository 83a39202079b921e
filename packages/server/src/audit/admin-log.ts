import { sql, type Transaction } from 'kysely';
import type { Db } from '../storage/database.ts';
import type { Database } from '../storage/schema.ts';
import { GENESIS_HASH, chainHash } from './chain.ts';
import { auditContentOf, type AuditEntry, type AuditEntryContent } from './admin-log-verify.ts';

/**
 * The append-only, hash-chained log of administrative actions (issue #11): room deletions, role changes, key
 * rotations, account creation, everything under /v1/admin. An entry is written in the same transaction as the
 * action it records, so there is no action without its entry and no entry without its action. Appends are
 * serialized by an exclusive table lock (readers are not blocked), which makes seq gap-free and the chain linear
 * also with several nodes on one PostgreSQL. UPDATE, DELETE and TRUNCATE are refused by triggers (migration
 * 0008); someone with the rights to lift those is caught by `plenum verify-audit`.
 */
export interface AuditRecord {
  /** Who: `user:<id>` (a signed-in person), `cli:<os user>`, `config:ADMIN_USERNAME`, `provider:<issuer>`. */
  actor: string;
  /** What, dotted: `room.deleted`, `user.role_changed`, `signing_key.rotated`, `account.created`. */
  action: string;
  /** Whom or what it concerned (a room id, a user id, a key id), or null. */
  target: string | null;
  /** Anything else worth keeping; never secrets or passwords. JSON. */
  details: Record<string, unknown>;
  at: Date;
}

export type Trx = Transaction<Database>;

function rowToEntry(row: { seq: string | number; at: Date | string; actor: string; action: string; target: string | null; details: unknown; prev_hash: string; hash: string }): AuditEntry {
  return {
    seq: Number(row.seq),
    at: new Date(row.at).toISOString(),
    actor: row.actor,
    action: row.action,
    target: row.target,
    details: typeof row.details === 'string' ? JSON.parse(row.details) : row.details,
    prev_hash: row.prev_hash,
    hash: row.hash,
  };
}

/** Appends one entry inside `trx` (the transaction of the action itself). */
export async function appendAdminAudit(trx: Trx, record: AuditRecord): Promise<AuditEntry> {
  await sql`lock table admin_audit_log in exclusive mode`.execute(trx);
  const last = await trx.selectFrom('admin_audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const content: AuditEntryContent = {
    seq: last ? Number(last.seq) + 1 : 1,
    at: record.at.toISOString(),
    actor: record.actor,
    action: record.action,
    target: record.target,
    // Through JSON once, so what is hashed is exactly what jsonb gives back (no undefined, no Date objects).
    details: JSON.parse(JSON.stringify(record.details)) as unknown,
  };
  const prevHash = last?.hash ?? GENESIS_HASH;
  const hash = chainHash(prevHash, auditContentOf(content));
  await trx
    .insertInto('admin_audit_log')
    .values({ seq: content.seq, at: record.at, actor: content.actor, action: content.action, target: content.target, details: JSON.stringify(content.details), prev_hash: prevHash, hash })
    .execute();
  return { ...content, prev_hash: prevHash, hash };
}

/** Entries with seq > `afterSeq`, oldest first, at most `limit`. */
export async function readAdminAudit(db: Db, afterSeq: number, limit: number): Promise<AuditEntry[]> {
  const rows = await db.selectFrom('admin_audit_log').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
  return rows.map(rowToEntry);
}
