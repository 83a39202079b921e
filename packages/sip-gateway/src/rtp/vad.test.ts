import { describe, expect, it } from 'vitest';
import { encodeG711 } from './g711.ts';
import { decodeG711, frameLevelDb, VoiceActivity } from './vad.ts';

const frame = (amplitude: number, codec: 'pcmu' | 'pcma', freq = 440): Buffer => {
  const pcm = new Int16Array(160);
  for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(amplitude * Math.sin((2 * Math.PI * freq * i) / 8000));
  return encodeG711(pcm, codec);
};

describe('voice activity of a caller', () => {
  it('decodes G.711 back to the signal the encoder got (within its quantisation)', () => {
    for (const codec of ['pcmu', 'pcma'] as const) {
      const pcm = new Int16Array([0, 100, -100, 1000, -1000, 8000, -8000, 30000, -30000]);
      const back = decodeG711(encodeG711(pcm, codec), codec);
      pcm.forEach((s, i) => expect(Math.abs(back[i]! - s)).toBeLessThanOrEqual(Math.max(16, Math.abs(s) * 0.07)));
    }
    // A full-scale sine sits near −3 dBFS, a quiet one far below the threshold.
    expect(frameLevelDb(decodeG711(frame(32000, 'pcmu'), 'pcmu'))).toBeGreaterThan(-4);
    expect(frameLevelDb(decodeG711(frame(50, 'pcmu'), 'pcmu'))).toBeLessThan(-50);
  });

  it('talks after three loud frames, stops only after a long quiet stretch, ignores a click', () => {
    const vad = new VoiceActivity('pcma');
    const loud = frame(8000, 'pcma');
    const quiet = frame(30, 'pcma');
    // One click between quiet frames is no speech.
    expect([vad.push(quiet), vad.push(loud), vad.push(quiet), vad.push(quiet)]).toEqual([undefined, undefined, undefined, undefined]);
    expect([vad.push(loud), vad.push(loud), vad.push(loud)]).toEqual([undefined, undefined, true]);
    // A pause between words (10 frames = 200 ms) does not end talking.
    const pause = Array.from({ length: 10 }, () => vad.push(quiet));
    expect(pause.every((c) => c === undefined)).toBe(true);
    expect(vad.push(loud)).toBeUndefined();
    const silence = Array.from({ length: 40 }, () => vad.push(quiet));
    expect(silence.slice(0, 39).every((c) => c === undefined)).toBe(true);
    expect(silence[39]).toBe(false);
  });
});
