import { generateKeyPairSync } from 'node:crypto';
import type { Db } from '../storage/database.ts';
import { appendAdminAudit, type Trx } from './admin-log.ts';
import { SigningKey, verifySignature, type PublicKeyInfo } from './signing.ts';

/** A key as the well-known document lists it: current and previous ones, each with its validity period. */
export interface PublishedKey extends PublicKeyInfo {
  key_id: string;
  valid_from: string;
  /** Null for the current key. */
  valid_until: string | null;
}

interface LoadedKey {
  info: PublishedKey;
  key: SigningKey;
}

const iso = (d: Date | string) => new Date(d).toISOString();
/** The first key of a deployment had no predecessor: valid since the beginning (also for tests with old clocks). */
const BEGINNING = new Date(0);

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}

/**
 * The deployment's Ed25519 signing keys (table `signing_keys`, migration 0008). Signs with the current key and
 * says which (`keyId`, read in the same synchronous step as the signature). `rotate()` retires the current key
 * and makes a new one in one transaction, together with its audit log entry; retired keys stay listed, with
 * their validity period, so every export signed earlier stays verifiable. Other nodes learn of a rotation
 * through `refresh()`, which the vote and minutes modules call before they sign.
 */
export class SigningKeyring {
  private current!: LoadedKey;
  private all: LoadedKey[] = [];

  private constructor(private readonly db: Db) {}

  /** Loads the keys; on a fresh database makes the first one (several nodes starting at once agree on one). */
  static async load(db: Db): Promise<SigningKeyring> {
    const ring = new SigningKeyring(db);
    await ring.refresh();
    return ring;
  }

  get publicKey(): PublishedKey {
    return this.current.info;
  }

  get keyId(): string {
    return this.current.info.key_id;
  }

  /** Signature with the current key, base64 (see `keyId`). */
  sign(message: string): string {
    return this.current.key.sign(message);
  }

  /** Current first, then the retired ones, newest first. */
  keys(): PublishedKey[] {
    return this.all.map((k) => k.info);
  }

  byId(keyId: string): PublishedKey | undefined {
    return this.all.find((k) => k.info.key_id === keyId)?.info;
  }

  /** The key whose public half verifies `signature` over `message` (a signed event whose key id was not stored). */
  signerOf(message: string, signature: string): PublishedKey | undefined {
    return this.all.find((k) => verifySignature(k.info.public_key, message, signature))?.info;
  }

  /** Re-reads the keys when another node (or the CLI) rotated; cheap when nothing changed. */
  async refresh(): Promise<void> {
    const head = await this.db.selectFrom('signing_keys').select('id').where('valid_until', 'is', null).executeTakeFirst();
    if (head && head.id === this.current?.info.key_id) return;
    if (!head) {
      try {
        await this.db.insertInto('signing_keys').values(newKeyRow(BEGINNING)).execute();
      } catch (err) {
        if (!isUniqueViolation(err)) throw err; // another node made the first key at the same moment
      }
    }
    const rows = await this.db.selectFrom('signing_keys').selectAll().orderBy('valid_from', 'desc').execute();
    this.all = rows
      .map((row) => ({
        key: SigningKey.fromPem(row.private_key),
        info: { key_id: row.id, algorithm: 'Ed25519' as const, public_key: row.public_key, fingerprint: row.id, valid_from: iso(row.valid_from), valid_until: row.valid_until ? iso(row.valid_until) : null },
      }))
      .sort((a, b) => (a.info.valid_until === null ? -1 : b.info.valid_until === null ? 1 : b.info.valid_from.localeCompare(a.info.valid_from)));
    const current = this.all.find((k) => k.info.valid_until === null);
    if (!current) throw new Error('no current signing key');
    this.current = current;
  }

  /**
   * Retires the current key at `at` and makes a new one valid from `at`, with the audit entry, in one
   * transaction. Returns the new key and the one it replaced.
   */
  async rotate(actor: string, at: Date, reason: string | null = null): Promise<{ current: PublishedKey; previous: PublishedKey }> {
    const result = await this.db.transaction().execute(async (trx) => rotateIn(trx, actor, at, reason));
    await this.refresh();
    return { current: this.byId(result.current)!, previous: this.byId(result.previous)! };
  }
}

function newKeyRow(validFrom: Date) {
  const key = new SigningKey(generateKeyPairSync('ed25519').privateKey);
  return {
    id: key.publicKey.fingerprint,
    algorithm: 'Ed25519' as const,
    public_key: key.publicKey.public_key,
    private_key: key.privateKeyPem(),
    valid_from: validFrom,
    valid_until: null,
  };
}

/** The rotation itself, inside a transaction (the CLI and the REST route both come here through `rotate`). */
async function rotateIn(trx: Trx, actor: string, at: Date, reason: string | null): Promise<{ current: string; previous: string }> {
  // The row lock makes two rotations at once run one after the other; the second retires the first's new key.
  const old = await trx.selectFrom('signing_keys').select(['id', 'valid_from']).where('valid_until', 'is', null).forUpdate().executeTakeFirst();
  if (!old) throw new Error('no current signing key to rotate');
  // A clock that went backwards must not give a key that ends before it began.
  const when = at < new Date(old.valid_from) ? new Date(old.valid_from) : at;
  await trx.updateTable('signing_keys').set({ valid_until: when }).where('id', '=', old.id).execute();
  const row = newKeyRow(when);
  await trx.insertInto('signing_keys').values(row).execute();
  await appendAdminAudit(trx, { actor, action: 'signing_key.rotated', target: row.id, details: { previous_key_id: old.id, new_key_id: row.id, ...(reason ? { reason } : {}) }, at: when });
  return { current: row.id, previous: old.id };
}
