import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

/**
 * An Ed25519 signing key: signs closing vote events and sealed minutes. The deployment's keys (current and
 * retired) live in `signing_keys` (keyring.ts); their public halves are published at
 * /.well-known/plenum-signing-key so anyone can check an export without trusting the server that made it.
 */
export interface PublicKeyInfo {
  algorithm: 'Ed25519';
  /** SubjectPublicKeyInfo (DER), base64. */
  public_key: string;
  /** "SHA256:" + hex of SHA-256 over the DER bytes: short enough to print in a PDF and compare by eye. */
  fingerprint: string;
}

/** What signs votes and minutes: one key (tests) or the deployment's keyring (keyring.ts). */
export interface Signer {
  readonly publicKey: PublicKeyInfo;
  /** The id of the key `sign` uses now (its fingerprint); read in the same step as the signature. */
  readonly keyId: string;
  sign(message: string): string;
  /** Picks up a rotation made elsewhere (another node, the CLI) before signing; a single key has none. */
  refresh?(): Promise<void>;
}

/** Which key made a signature: the keyring knows every key the deployment used (`signerOf`). */
export interface KeyLookup {
  readonly publicKey: PublicKeyInfo & { key_id?: string };
  signerOf(message: string, signature: string): (PublicKeyInfo & { key_id: string }) | undefined;
}

export class SigningKey implements Signer {
  readonly publicKey: PublicKeyInfo;

  constructor(private readonly privateKey: KeyObject) {
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new TypeError('signing key must be Ed25519');
    const der = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
    this.publicKey = { algorithm: 'Ed25519', public_key: der.toString('base64'), fingerprint: fingerprintOf(der) };
  }

  /** The key id exports name: the fingerprint. */
  get keyId(): string {
    return this.publicKey.fingerprint;
  }

  /** PKCS#8 PEM, for `signing_keys` only. */
  privateKeyPem(): string {
    return this.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }

  static generate(): SigningKey {
    return new SigningKey(generateKeyPairSync('ed25519').privateKey);
  }

  static fromPem(pem: string): SigningKey {
    return new SigningKey(createPrivateKey(pem));
  }

  /** Signature over the UTF-8 bytes of `message`, base64. */
  sign(message: string): string {
    return sign(null, Buffer.from(message, 'utf8'), this.privateKey).toString('base64');
  }

  /** Never logged: pino redacts `*.secret`, and this object exposes no private material by default. */
  toJSON(): PublicKeyInfo {
    return this.publicKey;
  }
}

export function fingerprintOf(spkiDer: Buffer): string {
  return `SHA256:${createHash('sha256').update(spkiDer).digest('hex')}`;
}

/** Checks an Ed25519 signature made by `SigningKey.sign`. False (never throws) for malformed input. */
export function verifySignature(publicKeyBase64: string, message: string, signatureBase64: string): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(publicKeyBase64, 'base64'), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ed25519') return false;
    return verify(null, Buffer.from(message, 'utf8'), key, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}
