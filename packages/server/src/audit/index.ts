export { GENESIS_HASH, canonicalJson, chainHash, firstBrokenLink, type ChainEntry } from './chain.ts';
export { SigningKey, fingerprintOf, verifySignature, type PublicKeyInfo } from './signing.ts';
export { SigningKeyring, type PublishedKey } from './keyring.ts';
export { appendAdminAudit, readAdminAudit, type AuditRecord } from './admin-log.ts';
