import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { backends, openTestStorage } from '../storage/testing.ts';
import { GENESIS_HASH, canonicalJson, chainHash, firstBrokenLink, type ChainEntry } from './chain.ts';
import { SigningKey, verifySignature } from './signing.ts';
import { SigningKeyring } from './keyring.ts';

describe('canonical JSON and the hash chain', () => {
  it('orders keys as RFC 8785 does, whatever the insertion order', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: { z: 1.5, y: 'ü' } })).toBe('{"a":[true,null,"x"],"b":1,"c":{"y":"ü","z":1.5}}');
    expect(canonicalJson({ b: 2, a: 1 })).toBe(canonicalJson({ a: 1, b: 2 }));
  });

  it('hashes the previous hash bytes followed by the canonical JSON', () => {
    const expected = createHash('sha256')
      .update(Buffer.concat([Buffer.alloc(32), Buffer.from('{"n":1,"type":"started"}', 'utf8')]))
      .digest('hex');
    expect(chainHash(GENESIS_HASH, { type: 'started', n: 1 })).toBe(expected);
    expect(() => chainHash('not-hex', {})).toThrow(TypeError);
  });

  const build = (contents: unknown[]): ChainEntry[] => {
    let prev = GENESIS_HASH;
    return contents.map((content) => {
      const hash = chainHash(prev, content);
      const e = { content, prevHash: prev, hash };
      prev = hash;
      return e;
    });
  };

  it('names the first entry that was changed, removed or moved', () => {
    const chain = build([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    expect(firstBrokenLink(chain)).toBeUndefined();
    const changed = chain.map((e, i) => (i === 2 ? { ...e, content: { n: 33 } } : e));
    expect(firstBrokenLink(changed)).toEqual({ index: 2, reason: 'hash' });
    const removed = chain.filter((_, i) => i !== 1);
    expect(firstBrokenLink(removed)).toEqual({ index: 1, reason: 'prev_hash' });
    const swapped = [chain[0]!, chain[2]!, chain[1]!, chain[3]!];
    expect(firstBrokenLink(swapped)).toEqual({ index: 1, reason: 'prev_hash' });
  });
});

describe('Ed25519 signing key', () => {
  it('signs and verifies; any change to message, signature or key fails', () => {
    const key = SigningKey.generate();
    const sig = key.sign('plenum-vote:1:abc');
    expect(verifySignature(key.publicKey.public_key, 'plenum-vote:1:abc', sig)).toBe(true);
    expect(verifySignature(key.publicKey.public_key, 'plenum-vote:1:abd', sig)).toBe(false);
    const flipped = Buffer.from(sig, 'base64');
    flipped[0] = flipped[0]! ^ 1;
    expect(verifySignature(key.publicKey.public_key, 'plenum-vote:1:abc', flipped.toString('base64'))).toBe(false);
    expect(verifySignature(SigningKey.generate().publicKey.public_key, 'plenum-vote:1:abc', sig)).toBe(false);
    expect(verifySignature('garbage', 'x', sig)).toBe(false);
    expect(key.publicKey.fingerprint).toMatch(/^SHA256:[0-9a-f]{64}$/);
    expect(JSON.stringify(key)).not.toContain('PRIVATE');
  });

  for (const backend of backends) {
    it(`is generated once per deployment and shared by every node (${backend})`, async () => {
      const storage = await openTestStorage(backend);
      try {
        const [a, b] = await Promise.all([SigningKeyring.load(storage.db), SigningKeyring.load(storage.db)]);
        expect(a.publicKey).toEqual(b.publicKey);
        expect(verifySignature(a.publicKey.public_key, 'm', b.sign('m'))).toBe(true);
      } finally {
        await storage.close();
      }
    });
  }
});
