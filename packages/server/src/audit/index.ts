export { GENESIS_HASH, canonicalJson, chainHash, firstBrokenLink, type ChainEntry } from './chain.ts';
export { SigningKey, fingerprintOf, loadSigningKey, verifySignature, type PublicKeyInfo } from './signing.ts';
