import { GENESIS_HASH, chainHash } from './chain.ts';

/**
 * The admin audit log's chain, checked without a database (`plenum verify-audit`, the tests). Each entry's hash
 * is SHA-256(prev_hash ‖ JCS({ seq, at, actor, action, target, details })), the first entry chains to
 * GENESIS_HASH, and seq counts 1, 2, 3, … without gaps. A changed entry breaks its own hash; a removed one
 * breaks the sequence and the next link; a reordered pair breaks the sequence. What the chain alone cannot show
 * is entries cut off at the end: for that, compare with a head (seq and hash) noted earlier (`expectHead`).
 */
export { ADMIN_AUDIT_EXPORT_FORMAT } from '@plenum/protocol';

export interface AuditEntryContent {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  details: unknown;
}

export interface AuditEntry extends AuditEntryContent {
  prev_hash: string;
  hash: string;
}

export const auditContentOf = (e: AuditEntryContent): AuditEntryContent => ({ seq: e.seq, at: e.at, actor: e.actor, action: e.action, target: e.target, details: e.details });

export type AuditVerifyResult =
  | { ok: true; entries: number; head: { seq: number; hash: string } | null }
  | { ok: false; seq: number | null; position: number | null; problem: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `entries` in the order of the file; `expectHead`, when given, must be in the chain (a known earlier head). */
export function verifyAuditEntries(entries: unknown, expectHead?: { seq: number; hash: string }): AuditVerifyResult {
  if (!Array.isArray(entries)) return { ok: false, seq: null, position: null, problem: 'no list of entries' };
  let prev = GENESIS_HASH;
  let headSeen = false;
  for (const [index, raw] of entries.entries()) {
    const position = index + 1;
    if (!isObject(raw)) return { ok: false, seq: null, position, problem: 'the entry is not an object' };
    const seq = typeof raw.seq === 'number' ? raw.seq : null;
    const at = (problem: string) => ({ ok: false as const, seq, position, problem });
    if (seq !== position) return at(`sequence broken: expected seq ${position} at position ${position}, found ${seq ?? 'none'}`);
    if (typeof raw.at !== 'string' || typeof raw.actor !== 'string' || typeof raw.action !== 'string' || !(raw.target === null || typeof raw.target === 'string') || !('details' in raw)) {
      return at('the entry lacks at, actor, action, target or details');
    }
    if (raw.prev_hash !== prev) return at(`prev_hash does not link to the previous entry's hash (expected ${prev}, found ${String(raw.prev_hash)})`);
    let expected: string;
    try {
      expected = chainHash(prev, auditContentOf(raw as unknown as AuditEntryContent));
    } catch {
      return at('the entry cannot be hashed');
    }
    if (raw.hash !== expected) return at(`hash mismatch: the entry hashes to ${expected}, the log says ${String(raw.hash)}`);
    if (expectHead && expectHead.seq === seq) {
      if (expectHead.hash !== expected) return at(`the expected head ${expectHead.seq}:${expectHead.hash} differs from this entry's hash ${expected}`);
      headSeen = true;
    }
    prev = expected;
  }
  if (expectHead && !headSeen) {
    return { ok: false, seq: null, position: null, problem: `the log ends at seq ${entries.length}, before the expected head ${expectHead.seq}: entries were removed at the end` };
  }
  const last = entries.at(-1) as { seq: number; hash: string } | undefined;
  return { ok: true, entries: entries.length, head: last ? { seq: last.seq, hash: last.hash } : null };
}
