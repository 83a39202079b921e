// SRTP (RFC 3711) for the caller's leg, keyed by SDES (RFC 4568): AES-CM-128 encryption with
// HMAC-SHA1 authentication (80- or 32-bit tag), key derivation rate 0, no MKI. Built on node:crypto
// (AES-128-CTR, HMAC-SHA1); verified against the RFC 3711 Appendix B vectors in srtp.test.ts.
// Receiver side: rollover counter estimate per SSRC (RFC 3711 §3.3.1, Appendix A) and a 64-packet
// replay window (§3.3.2). Only SRTP, no SRTCP: on SRTP calls the gateway sends no RTCP and absorbs what arrives unread.
// Keys are never logged; SrtpContext holds them in private fields only.
import { createCipheriv, createHmac, timingSafeEqual, type Cipher } from 'node:crypto';

export const SRTP_SUITES = {
  AES_CM_128_HMAC_SHA1_80: { tagLength: 10 },
  AES_CM_128_HMAC_SHA1_32: { tagLength: 4 },
} as const;
export type SrtpSuite = keyof typeof SRTP_SUITES;

export function isSrtpSuite(s: string): s is SrtpSuite {
  return Object.hasOwn(SRTP_SUITES, s);
}

export const MASTER_KEY_LENGTH = 16;
export const MASTER_SALT_LENGTH = 14;
const REPLAY_WINDOW = 64n;

/** AES-128 in counter mode from a 16-byte initial counter block (RFC 3711 §4.1.1); `len` bytes of keystream. */
export function aesCmKeystream(key: Buffer, iv: Buffer, len: number): Buffer {
  const c = createCipheriv('aes-128-ctr', key, iv);
  return Buffer.concat([c.update(Buffer.alloc(len)), c.final()]);
}

/** RFC 3711 §4.3.1 with key_derivation_rate 0: the session key of a label (0 cipher key, 1 auth key, 2 salt). */
export function deriveKey(masterKey: Buffer, masterSalt: Buffer, label: number, len: number): Buffer {
  const x = Buffer.alloc(16);
  masterSalt.copy(x, 0, 0, MASTER_SALT_LENGTH);
  x[7] = (x[7] ?? 0) ^ label; // key_id = label || r (r = 0), XORed into the low 56 bits of the salt
  return aesCmKeystream(masterKey, x, len);
}

export function deriveSessionKeys(masterKey: Buffer, masterSalt: Buffer): { cipherKey: Buffer; authKey: Buffer; salt: Buffer } {
  if (masterKey.length !== MASTER_KEY_LENGTH || masterSalt.length !== MASTER_SALT_LENGTH) throw new Error('SRTP master key must be 16 bytes and salt 14 bytes');
  return { cipherKey: deriveKey(masterKey, masterSalt, 0, 16), authKey: deriveKey(masterKey, masterSalt, 1, 20), salt: deriveKey(masterKey, masterSalt, 2, 14) };
}

/** IV = (salt · 2^16) XOR (SSRC · 2^64) XOR (index · 2^16) (RFC 3711 §4.1.1). */
export function packetIv(salt: Buffer, ssrc: number, index: bigint): Buffer {
  const iv = Buffer.alloc(16);
  salt.copy(iv, 0, 0, 14);
  iv.writeUInt32BE(((iv.readUInt32BE(4) ^ ssrc) >>> 0), 4);
  const idx = Buffer.alloc(8);
  idx.writeBigUInt64BE(index & 0xffff_ffff_ffffn);
  for (let i = 0; i < 6; i++) iv[8 + i] = (iv[8 + i] ?? 0) ^ (idx[2 + i] ?? 0);
  return iv;
}

/** Length of the RTP header (fixed part, CSRCs, extension); undefined when the packet is shorter. */
function headerLength(buf: Buffer): number | undefined {
  if (buf.length < 12 || (buf[0] ?? 0) >> 6 !== 2) return undefined;
  let n = 12 + ((buf[0] ?? 0) & 0x0f) * 4;
  if (((buf[0] ?? 0) & 0x10) !== 0) {
    if (buf.length < n + 4) return undefined;
    n += 4 + buf.readUInt16BE(n + 2) * 4;
  }
  return buf.length >= n ? n : undefined;
}

interface RecvState {
  roc: number;
  /** Highest sequence number received (s_l). */
  seq: number;
  /** Highest index authenticated, and the replay bitmask below it (bit 0 = highest). */
  highest: bigint;
  window: bigint;
}

export type UnprotectResult = { ok: true; packet: Buffer } | { ok: false; reason: 'short' | 'auth' | 'replay' };

/** One direction of an SRTP session (one master key): protect() for sending, unprotect() for receiving. */
export class SrtpContext {
  /** AES-128-ECB on the session key, kept for the life of the context: the counter blocks are built here
   *  (a new CTR cipher per packet costs ~10 µs of set-up, more than the encryption). */
  readonly #ecb: Cipher;
  readonly #authKey: Buffer;
  readonly #salt: Buffer;
  readonly tagLength: number;
  readonly #send = new Map<number, { roc: number; seq: number }>();
  readonly #recv = new Map<number, RecvState>();

  constructor(readonly suite: SrtpSuite, masterKey: Buffer, masterSalt: Buffer) {
    const k = deriveSessionKeys(masterKey, masterSalt);
    this.#ecb = createCipheriv('aes-128-ecb', k.cipherKey, null);
    this.#ecb.setAutoPadding(false);
    this.#authKey = k.authKey;
    this.#salt = k.salt;
    this.tagLength = SRTP_SUITES[suite].tagLength;
  }

  /** From the SDES inline key material: 30 bytes = master key || master salt. */
  static fromKeyMaterial(suite: SrtpSuite, material: Buffer): SrtpContext {
    if (material.length !== MASTER_KEY_LENGTH + MASTER_SALT_LENGTH) throw new Error('SDES key material must be 30 bytes');
    return new SrtpContext(suite, material.subarray(0, 16), material.subarray(16, 30));
  }

  #tag(authenticated: Buffer, roc: number): Buffer {
    const r = Buffer.alloc(4);
    r.writeUInt32BE(roc >>> 0);
    return createHmac('sha1', this.#authKey).update(authenticated).update(r).digest().subarray(0, this.tagLength);
  }

  #crypt(buf: Buffer, from: number, ssrc: number, index: bigint): void {
    const len = buf.length - from;
    if (len <= 0) return;
    const iv = packetIv(this.#salt, ssrc, index);
    const n = Math.ceil(len / 16);
    if (n > 0x10000) throw new Error('SRTP packet too long');
    // Counter blocks IV + i (RFC 3711 §4.1.1: the block counter lives in the IV's low 16 bits, zero here).
    const blocks = Buffer.alloc(n * 16);
    for (let i = 0; i < n; i++) {
      iv.copy(blocks, i * 16);
      blocks.writeUInt16BE(i, i * 16 + 14);
    }
    const ks = this.#ecb.update(blocks);
    for (let i = 0; i < len; i++) buf[from + i] = (buf[from + i] ?? 0) ^ (ks[i] ?? 0);
  }

  /** RTP → SRTP. The ROC of each SSRC advances when its sequence number wraps. */
  protect(rtp: Buffer): Buffer {
    const hl = headerLength(rtp);
    if (hl === undefined) throw new Error('not an RTP packet');
    const ssrc = rtp.readUInt32BE(8);
    const seq = rtp.readUInt16BE(2);
    const st = this.#send.get(ssrc);
    let roc = st?.roc ?? 0;
    if (st && seq < st.seq && st.seq - seq > 0x8000) roc = (roc + 1) >>> 0;
    if (!st || ((seq - st.seq) & 0xffff) < 0x8000) {
      if (this.#send.size > 64 && !st) this.#send.clear();
      this.#send.set(ssrc, { roc, seq });
    }
    const out = Buffer.alloc(rtp.length + this.tagLength);
    rtp.copy(out);
    const body = out.subarray(0, rtp.length);
    this.#crypt(body, hl, ssrc, (BigInt(roc) << 16n) | BigInt(seq));
    this.#tag(body, roc).copy(out, rtp.length);
    return out;
  }

  /** SRTP → RTP, or why the packet was dropped (a failed check changes no state). */
  unprotect(srtp: Buffer): UnprotectResult {
    const hl = srtp.length - this.tagLength >= 12 ? headerLength(srtp.subarray(0, srtp.length - this.tagLength)) : undefined;
    if (hl === undefined) return { ok: false, reason: 'short' };
    const ssrc = srtp.readUInt32BE(8);
    const seq = srtp.readUInt16BE(2);
    const st = this.#recv.get(ssrc);
    // RFC 3711 Appendix A: the ROC guess v from the highest sequence number s_l.
    let v = st?.roc ?? 0;
    if (st) {
      if (st.seq < 0x8000) {
        if (seq - st.seq > 0x8000) v = st.roc - 1;
      } else if (st.seq - 0x8000 > seq) v = st.roc + 1;
    }
    if (v < 0) return { ok: false, reason: 'replay' }; // before the first packet's ROC 0: too old
    v = v >>> 0;
    const index = (BigInt(v) << 16n) | BigInt(seq);
    if (st) {
      if (index <= st.highest) {
        const delta = st.highest - index;
        if (delta >= REPLAY_WINDOW || ((st.window >> delta) & 1n) === 1n) return { ok: false, reason: 'replay' };
      }
    }
    const bodyLen = srtp.length - this.tagLength;
    const body = srtp.subarray(0, bodyLen);
    const tag = srtp.subarray(bodyLen);
    if (!timingSafeEqual(tag, this.#tag(body, v))) return { ok: false, reason: 'auth' };
    const out = Buffer.from(body);
    this.#crypt(out, hl, ssrc, index);
    if (!st) {
      if (this.#recv.size > 64) this.#recv.clear();
      this.#recv.set(ssrc, { roc: v, seq, highest: index, window: 1n });
    } else if (index > st.highest) {
      const shift = index - st.highest;
      st.window = shift >= REPLAY_WINDOW ? 1n : ((st.window << shift) | 1n) & ((1n << REPLAY_WINDOW) - 1n);
      st.highest = index;
      st.roc = v;
      st.seq = seq;
    } else st.window |= 1n << (st.highest - index);
    return { ok: true, packet: out };
  }
}
