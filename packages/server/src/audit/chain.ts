import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * The hash chain shared by votes and sealed minutes (architecture: Audit-proof voting and minutes).
 * Each entry's hash is SHA-256(previous hash bytes ‖ canonical JSON of the entry), canonical JSON being
 * RFC 8785 (JCS), so any verifier in any language gets the same bytes. The first entry chains to 32 zero bytes.
 */
export const GENESIS_HASH = '0'.repeat(64);

const HEX64 = /^[0-9a-f]{64}$/;

/** RFC 8785 canonical JSON. Throws on values JSON cannot represent (undefined at top level, NaN, …). */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return text;
}

/** SHA-256(prev ‖ canonical_json(content)) as lowercase hex. */
export function chainHash(prevHash: string, content: unknown): string {
  if (!HEX64.test(prevHash)) throw new TypeError('prevHash must be 64 lowercase hex digits');
  return createHash('sha256').update(Buffer.from(prevHash, 'hex')).update(canonicalJson(content), 'utf8').digest('hex');
}

export interface ChainEntry {
  /** What is hashed: everything about the entry except its own hash/prev hash/signature. */
  content: unknown;
  prevHash: string;
  hash: string;
}

/** Index of the first entry whose link or hash does not match, or -1 when the whole chain holds. */
export function firstBrokenLink(entries: readonly ChainEntry[]): { index: number; reason: 'prev_hash' | 'hash' } | undefined {
  let prev = GENESIS_HASH;
  for (const [index, e] of entries.entries()) {
    if (e.prevHash !== prev) return { index, reason: 'prev_hash' };
    let expected: string;
    try {
      expected = chainHash(prev, e.content);
    } catch {
      return { index, reason: 'hash' };
    }
    if (expected !== e.hash) return { index, reason: 'hash' };
    prev = e.hash;
  }
  return undefined;
}
