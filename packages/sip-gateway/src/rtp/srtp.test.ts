import { describe, expect, it } from 'vitest';
import { buildRtp } from './packet.ts';
import { aesCmKeystream, deriveKey, deriveSessionKeys, packetIv, SrtpContext } from './srtp.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('RFC 3711 Appendix B test vectors', () => {
  it('B.2: AES-CM keystream', () => {
    const key = hex('2B7E151628AED2A6ABF7158809CF4F3C');
    const salt = hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD');
    const iv = packetIv(salt, 0, 0n);
    expect(iv).toEqual(hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000'));
    const ks = aesCmKeystream(key, iv, 0xff02 * 16);
    const block = (n: number) => ks.subarray(n * 16, n * 16 + 16).toString('hex').toUpperCase();
    expect(block(0)).toBe('E03EAD0935C95E80E166B16DD92B4EB4');
    expect(block(1)).toBe('D23513162B02D0F72A43A2FE4A5F97AB');
    expect(block(2)).toBe('41E95B3BB0A2E8DD477901E4FCA894C0');
    expect(block(0xfeff)).toBe('EC8CDF7398607CB0F2D21675EA9EA1E4');
    expect(block(0xff00)).toBe('362B7C3C6773516318A077D7FC5073AE');
    expect(block(0xff01)).toBe('6A2CC3787889374FBEB4C81B17BA6C44');
  });

  it('B.3: key derivation', () => {
    const mk = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
    const ms = hex('0EC675AD498AFEEBB6960B3AABE6');
    const k = deriveSessionKeys(mk, ms);
    expect(k.cipherKey.toString('hex').toUpperCase()).toBe('C61E7A93744F39EE10734AFE3FF7A087');
    expect(k.salt.toString('hex').toUpperCase()).toBe('30CBBC08863D8C85D49DB34A9AE1');
    expect(k.authKey.toString('hex').toUpperCase()).toBe('CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4');
    expect(deriveKey(mk, ms, 1, 94).toString('hex').toUpperCase()).toBe(
      'CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCEE049646C43D9327AD175578EF72270986371C10C9A369AC2F94A8C5FBCDDDC256D6E919A48B610EF17C2041E474035766B68642C59BBFC2F34DB60DBDFB2',
    );
  });

  it('the IV puts the SSRC and the 48-bit index in place', () => {
    const iv = packetIv(Buffer.alloc(14), 0x12345678, 0x9abcdef00203n);
    expect(iv.toString('hex')).toBe('00000000123456789abcdef002030000');
  });
});

const material = hex('E1F97A0D3E018BE0D64FA32C06DE41390EC675AD498AFEEBB6960B3AABE6');
const pkt = (seq: number, ssrc = 0xdecafbad) => buildRtp({ payloadType: 0, sequence: seq, timestamp: seq * 160, ssrc, payload: Buffer.alloc(160, seq & 0xff) });

describe('SrtpContext', () => {
  for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] as const) {
    it(`${suite}: protect → unprotect gives the packet back; the payload is encrypted, the header is not`, () => {
      const tx = SrtpContext.fromKeyMaterial(suite, material);
      const rx = SrtpContext.fromKeyMaterial(suite, material);
      const p = pkt(1000);
      const s = tx.protect(p);
      expect(s.length).toBe(p.length + (suite.endsWith('80') ? 10 : 4));
      expect(s.subarray(0, 12)).toEqual(p.subarray(0, 12));
      expect(s.subarray(12, p.length)).not.toEqual(p.subarray(12));
      const r = rx.unprotect(s);
      expect(r).toEqual({ ok: true, packet: p });
    });
  }

  it('the payload is XORed with the AES-CM keystream of the packet\'s IV (session keys of B.3)', () => {
    const tx = SrtpContext.fromKeyMaterial('AES_CM_128_HMAC_SHA1_80', material);
    const zero = buildRtp({ payloadType: 0, sequence: 0x1234, timestamp: 1, ssrc: 0xdecafbad, payload: Buffer.alloc(300) });
    const keys = deriveSessionKeys(material.subarray(0, 16), material.subarray(16));
    const ks = aesCmKeystream(keys.cipherKey, packetIv(keys.salt, 0xdecafbad, 0x1234n), 300);
    expect(tx.protect(zero).subarray(12, 312)).toEqual(ks);
  });

  it('refuses a tampered packet, a wrong key and a replay; accepts reordering within 64 packets', () => {
    const tx = SrtpContext.fromKeyMaterial('AES_CM_128_HMAC_SHA1_80', material);
    const rx = SrtpContext.fromKeyMaterial('AES_CM_128_HMAC_SHA1_80', material);
    const other = SrtpContext.fromKeyMaterial('AES_CM_128_HMAC_SHA1_80', Buffer.alloc(30, 7));
    const packets = Array.from({ length: 200 }, (_, i) => tx.protect(pkt(100 + i)));
    const bad = Buffer.from(packets[0] ?? Buffer.alloc(0));
    bad[20] = (bad[20] ?? 0) ^ 1;
    expect(rx.unprotect(bad)).toEqual({ ok: false, reason: 'auth' });
    expect(other.unprotect(packets[0] ?? Buffer.alloc(0))).toEqual({ ok: false, reason: 'auth' });
    expect(rx.unprotect(Buffer.alloc(15))).toEqual({ ok: false, reason: 'short' });
    expect(rx.unprotect(packets[0] ?? Buffer.alloc(0)).ok).toBe(true);
    expect(rx.unprotect(packets[0] ?? Buffer.alloc(0))).toEqual({ ok: false, reason: 'replay' });
    expect(rx.unprotect(packets[100] ?? Buffer.alloc(0)).ok).toBe(true);
    expect(rx.unprotect(packets[50] ?? Buffer.alloc(0)).ok).toBe(true); // 50 behind: in the window
    expect(rx.unprotect(packets[50] ?? Buffer.alloc(0))).toEqual({ ok: false, reason: 'replay' });
    expect(rx.unprotect(packets[30] ?? Buffer.alloc(0))).toEqual({ ok: false, reason: 'replay' }); // 70 behind: too old
    expect(rx.unprotect(packets[199] ?? Buffer.alloc(0)).ok).toBe(true);
    expect(rx.unprotect(packets[140] ?? Buffer.alloc(0)).ok).toBe(true);
  });

  it('rollover counter across the sequence wrap, with reordering around it', () => {
    const tx = SrtpContext.fromKeyMaterial('AES_CM_128_HMAC_SHA1_80', material);
    const rx = SrtpContext.fromKeyMaterial('AES_CM_128_HMAC_SHA1_80', material);
    const seqs = Array.from({ length: 40 }, (_, i) => (0xfff0 + i) & 0xffff);
    const plain = seqs.map((s) => pkt(s));
    const prot = plain.map((p) => tx.protect(p));
    // After the wrap the tag covers ROC 1: the same packet under ROC 0 would not authenticate.
    const fresh = SrtpContext.fromKeyMaterial('AES_CM_128_HMAC_SHA1_80', material);
    expect(fresh.unprotect(prot[20] ?? Buffer.alloc(0))).toEqual({ ok: false, reason: 'auth' });
    const order = [...Array(40).keys()];
    [order[15], order[17]] = [order[17] ?? 0, order[15] ?? 0]; // 0xffff and 0x0001 swapped
    for (const i of order) expect(rx.unprotect(prot[i] ?? Buffer.alloc(0))).toEqual({ ok: true, packet: plain[i] });
    // A late packet from before the wrap (ROC 0) is told apart from a new one and refused as a replay.
    expect(rx.unprotect(prot[14] ?? Buffer.alloc(0))).toEqual({ ok: false, reason: 'replay' });
  });

  it('keeps state per SSRC', () => {
    const tx = SrtpContext.fromKeyMaterial('AES_CM_128_HMAC_SHA1_32', material);
    const rx = SrtpContext.fromKeyMaterial('AES_CM_128_HMAC_SHA1_32', material);
    expect(rx.unprotect(tx.protect(pkt(5, 1))).ok).toBe(true);
    expect(rx.unprotect(tx.protect(pkt(5, 2))).ok).toBe(true);
    expect(rx.unprotect(tx.protect(pkt(6, 1))).ok).toBe(true);
  });
});
