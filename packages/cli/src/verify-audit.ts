import { ADMIN_AUDIT_EXPORT_FORMAT, verifyAuditEntries } from '../../server/src/audit/admin-log-verify.ts';

/**
 * `plenum verify-audit <audit-log.json>`: checks an export of the admin audit log offline. The file is what
 * `GET /v1/admin/audit-log` answers (`{ format, entries, next_after }`), one page or several pages' entries put
 * together into one `entries` list (or a JSON array of pages), starting at seq 1. `--head <seq>:<hash>` is a head
 * noted earlier (from an earlier export, a printout, another system): the log must contain it, which also catches
 * entries cut off at the end, the one change the chain alone cannot show.
 */
export type AuditOutcome = { kind: 'ok' | 'failed'; message: string } | { kind: 'usage'; message: string };

function entriesOf(doc: unknown): unknown[] | string {
  const pages = Array.isArray(doc) ? doc : [doc];
  const entries: unknown[] = [];
  for (const page of pages) {
    if (typeof page !== 'object' || page === null || (page as { format?: unknown }).format !== ADMIN_AUDIT_EXPORT_FORMAT) {
      return `not an admin audit log export (format must be ${ADMIN_AUDIT_EXPORT_FORMAT})`;
    }
    const list = (page as { entries?: unknown }).entries;
    if (!Array.isArray(list)) return 'an export page has no entries list';
    entries.push(...list);
  }
  return entries;
}

export function parseHead(text: string): { seq: number; hash: string } | null {
  const m = /^(\d+):([0-9a-f]{64})$/i.exec(text.trim());
  return m ? { seq: Number(m[1]), hash: m[2]!.toLowerCase() } : null;
}

export function verifyAudit(doc: unknown, head?: { seq: number; hash: string }): AuditOutcome {
  const entries = entriesOf(doc);
  if (typeof entries === 'string') return { kind: 'failed', message: `FAILED: ${entries}` };
  const result = verifyAuditEntries(entries, head);
  if (!result.ok) {
    const where = result.seq !== null ? `entry seq ${result.seq} (position ${result.position})` : result.position !== null ? `entry at position ${result.position}` : 'the log';
    return { kind: 'failed', message: `FAILED at ${where}: ${result.problem}` };
  }
  if (!result.head) return { kind: 'ok', message: 'OK admin audit log: no entries' };
  return {
    kind: 'ok',
    message: `OK admin audit log: ${result.entries} entries, chain intact, head ${result.head.seq}:${result.head.hash}${head ? `, contains the expected head ${head.seq}` : ' (note the head: a later export must contain it)'}`,
  };
}
