// G.711 µ-law and A-law encoders (ITU-T G.711) for 16-bit linear PCM.

export function linearToUlaw(sample: number): number {
  const BIAS = 0x84;
  const CLIP = 32635;
  let s = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

const SEG_AEND = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

/** After the Sun reference implementation (g711.c, linear2alaw). */
export function linearToAlaw(sample: number): number {
  let v = Math.max(-32768, Math.min(32767, Math.round(sample))) >> 3;
  let mask: number;
  if (v >= 0) mask = 0xd5;
  else {
    mask = 0x55;
    v = -v - 1;
  }
  let seg = 0;
  while (seg < 8 && v > (SEG_AEND[seg] ?? 0)) seg++;
  if (seg >= 8) return 0x7f ^ mask;
  const aval = (seg << 4) | (seg < 2 ? (v >> 1) & 0x0f : (v >> seg) & 0x0f);
  return (aval ^ mask) & 0xff;
}

export function encodeG711(pcm: Int16Array, codec: 'pcmu' | 'pcma'): Buffer {
  const out = Buffer.alloc(pcm.length);
  const enc = codec === 'pcmu' ? linearToUlaw : linearToAlaw;
  for (let i = 0; i < pcm.length; i++) out[i] = enc(pcm[i] ?? 0);
  return out;
}

/** Silence in each law. */
export const SILENCE = { pcmu: 0xff, pcma: 0xd5 } as const;
