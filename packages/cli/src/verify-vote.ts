import { createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import { fingerprintOfKey, normalizeFingerprint, verifyVoteExport, type TrustedKey, type TrustedKeyEntry } from '../../server/src/modules/legal_vote/verify.ts';

/** The verifier itself is the server's pure one (no database, no network); this adds key lookup and wording. */

export interface VerifyOptions {
  /** SPKI DER, base64. */
  publicKey?: string;
  /** A file with the public key: PEM, base64 of the SPKI DER, the DER bytes, or the JSON of /.well-known/plenum-signing-key. */
  publicKeyFile?: string;
  /** A URL answering like /.well-known/plenum-signing-key ({ public_key }). */
  keyUrl?: string;
  /** The deployment key's fingerprint, `SHA256:<64 hex>` (printed on the vote's PDF report and served at the key URL). */
  fingerprint?: string;
}

/**
 * `ok`: verified against a trusted key; `untrusted`: chain and tally intact and the signature matches the key
 * inside the export, but nothing says that key is the deployment's; `failed`: the export does not verify.
 */
export type VerifyOutcome = { kind: 'ok' | 'untrusted' | 'failed'; message: string; warning?: string } | { kind: 'usage'; message: string };

export const TRUST_OPTIONS = '--fingerprint SHA256:…, --public-key-file <file>, --public-key <base64> or --key-url https://<host>/.well-known/plenum-signing-key';

/** An Ed25519 SubjectPublicKeyInfo as base64 DER, or an error message. */
function ed25519Spki(input: { der: Buffer } | { pem: string }, from: string): { key: string } | { error: string } {
  try {
    const key = 'pem' in input ? createPublicKey(input.pem) : createPublicKey({ key: input.der, format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ed25519') return { error: `${from} is a ${key.asymmetricKeyType ?? 'unknown'} key, not an Ed25519 public key` };
    return { key: key.export({ type: 'spki', format: 'der' }).toString('base64') };
  } catch {
    return { error: `${from} is not an Ed25519 public key` };
  }
}

/**
 * The JSON of /.well-known/plenum-signing-key: with `keys` (after key rotation) every key with its validity, the
 * one an export names picked by id; without, the one key at the top level.
 */
function keyDocument(body: unknown, from: string): { trust: TrustedKey } | { error: string } {
  const doc = body as { public_key?: unknown; keys?: unknown };
  if (Array.isArray(doc.keys)) {
    const keys: TrustedKeyEntry[] = [];
    for (const k of doc.keys as Record<string, unknown>[]) {
      if (typeof k !== 'object' || k === null || typeof k.public_key !== 'string') return { error: `a key in ${from} has no public_key` };
      const parsed = ed25519Spki({ der: Buffer.from(k.public_key, 'base64') }, `a key in ${from}`);
      if ('error' in parsed) return parsed;
      const keyId = fingerprintOfKey(parsed.key);
      // The id is the fingerprint: a document whose id does not match its key is not to be trusted.
      if (typeof k.key_id === 'string' && k.key_id !== keyId) return { error: `${from} lists the key id ${k.key_id} for a key with the fingerprint ${keyId}` };
      keys.push({ keyId, publicKey: parsed.key, validFrom: typeof k.valid_from === 'string' ? k.valid_from : null, validUntil: typeof k.valid_until === 'string' ? k.valid_until : null });
    }
    if (keys.length === 0) return { error: `no keys in ${from}` };
    return { trust: { keys } };
  }
  if (typeof doc.public_key !== 'string') return { error: `no public_key in ${from}` };
  const parsed = ed25519Spki({ der: Buffer.from(doc.public_key, 'base64') }, from);
  return 'error' in parsed ? parsed : { trust: { publicKey: parsed.key } };
}

function keyFromFile(file: string): { key: string } | { trust: TrustedKey } | { error: string } {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    return { error: `cannot read the public key file ${file}: ${(err as Error).message}` };
  }
  const text = bytes.toString('utf8').trim();
  if (text.includes('-----BEGIN')) return ed25519Spki({ pem: text }, file);
  if (text.startsWith('{')) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { error: `${file} is not valid JSON` };
    }
    return keyDocument(body, file);
  }
  if (/^[A-Za-z0-9+/=\s]+$/.test(text)) return ed25519Spki({ der: Buffer.from(text.replace(/\s+/g, ''), 'base64') }, file);
  return ed25519Spki({ der: bytes }, file);
}

/** The key or fingerprint the reader trusts, from whichever option was given; null when none was. */
async function trustedKey(options: VerifyOptions): Promise<{ trust: TrustedKey; source: string } | null | { error: string }> {
  if (options.fingerprint !== undefined) {
    const fingerprint = normalizeFingerprint(options.fingerprint);
    if (!fingerprint) return { error: `--fingerprint must look like SHA256:<64 hex digits>, not ${options.fingerprint}` };
    return { trust: { fingerprint }, source: 'pinned fingerprint' };
  }
  if (options.publicKey !== undefined) {
    const parsed = ed25519Spki({ der: Buffer.from(options.publicKey, 'base64') }, 'the --public-key value');
    return 'error' in parsed ? parsed : { trust: { publicKey: parsed.key }, source: 'given public key' };
  }
  if (options.publicKeyFile !== undefined) {
    const parsed = keyFromFile(options.publicKeyFile);
    if ('error' in parsed) return parsed;
    return { trust: 'trust' in parsed ? parsed.trust : { publicKey: parsed.key }, source: `key file ${options.publicKeyFile}` };
  }
  if (options.keyUrl !== undefined) {
    try {
      const res = await fetch(options.keyUrl, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) return { error: `cannot fetch the public key: HTTP ${res.status} from ${options.keyUrl}` };
      const parsed = keyDocument(await res.json(), `the answer of ${options.keyUrl}`);
      return 'error' in parsed ? parsed : { trust: parsed.trust, source: options.keyUrl };
    } catch (err) {
      return { error: `cannot fetch the public key from ${options.keyUrl}: ${(err as Error).message}` };
    }
  }
  return null;
}

export async function verifyVote(doc: unknown, options: VerifyOptions): Promise<VerifyOutcome> {
  const trusted = await trustedKey(options);
  if (trusted && 'error' in trusted) return { kind: 'usage', message: trusted.error };
  const result = verifyVoteExport(doc, trusted?.trust);
  if (result.ok) {
    const tally = result.tally ? ` tally ${Object.entries(result.tally).map(([k, v]) => `${k}=${v}`).join(' ')};` : '';
    if (!trusted || !result.trusted) {
      return {
        kind: 'untrusted',
        message:
          `NOT VERIFIED vote ${result.voteId} (${result.state}): ${result.events} events, chain intact, signature NOT verified against a trusted key; ` +
          `head ${result.headHash};${tally} the signature matches only the key inside the export (${result.keyFingerprint}), which anyone who changed the export could have put there`,
        warning: `to verify, name the deployment's key: ${TRUST_OPTIONS} (the fingerprint is printed on the vote's PDF report)`,
      };
    }
    return {
      kind: 'ok',
      message: `OK vote ${result.voteId} (${result.state}): ${result.events} events, chain intact, head ${result.headHash};${tally} signature valid (key ${result.keyFingerprint}, trusted: ${trusted.source})`,
    };
  }
  const where = result.seq !== null ? `event seq ${result.seq} (position ${result.position})` : result.position !== null ? `event at position ${result.position}` : 'the export';
  return { kind: 'failed', message: `FAILED at ${where}: ${result.problem}` };
}
