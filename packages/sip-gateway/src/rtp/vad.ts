// Voice activity of a caller from the energy of their G.711 audio: Janus reads no audio levels from
// plain-RTP AudioBridge legs, so the gateway tells the room when a caller talks (media/phone_talking).
import type { Codec } from '../sdp.ts';

/** G.711 byte → 16-bit linear sample (ITU-T G.711), as two 256-entry tables. */
const ULAW = new Int16Array(256);
const ALAW = new Int16Array(256);
for (let i = 0; i < 256; i++) {
  const u = ~i & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  ULAW[i] = u & 0x80 ? 0x84 - t : t - 0x84;
  const a = i ^ 0x55;
  const seg = (a & 0x70) >> 4;
  let v = (a & 0x0f) << 4;
  v = seg === 0 ? v + 8 : seg === 1 ? v + 0x108 : (v + 0x108) << (seg - 1);
  ALAW[i] = a & 0x80 ? v : -v;
}

export function decodeG711(payload: Buffer, codec: Codec): Int16Array {
  const table = codec === 'pcmu' ? ULAW : ALAW;
  const out = new Int16Array(payload.length);
  for (let i = 0; i < payload.length; i++) out[i] = table[payload[i]!]!;
  return out;
}

/** Level in dBFS of one frame (−∞ for digital silence). */
export function frameLevelDb(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return samples.length === 0 ? -Infinity : 10 * Math.log10(sum / samples.length / (32768 * 32768));
}

export interface VoiceActivityOptions {
  /** Frames louder than this count as speech (dBFS). Line noise on phone trunks sits near −60. */
  thresholdDb: number;
  /** Consecutive loud frames before "talking" (debounces clicks). */
  onFrames: number;
  /** Consecutive quiet frames before "stopped" (a pause between words is no stop). */
  offFrames: number;
}

const DEFAULTS: VoiceActivityOptions = { thresholdDb: -40, onFrames: 3, offFrames: 40 };

/** Hysteresis on frame levels: `push` returns the new state when it changes, else undefined. */
export class VoiceActivity {
  private talking = false;
  private run = 0;

  constructor(
    private readonly codec: Codec,
    private readonly options: VoiceActivityOptions = DEFAULTS,
  ) {}

  push(payload: Buffer): boolean | undefined {
    const loud = frameLevelDb(decodeG711(payload, this.codec)) > this.options.thresholdDb;
    if (loud === this.talking) {
      this.run = 0;
      return undefined;
    }
    this.run++;
    if (this.run < (this.talking ? this.options.offFrames : this.options.onFrames)) return undefined;
    this.talking = loud;
    this.run = 0;
    return this.talking;
  }
}
