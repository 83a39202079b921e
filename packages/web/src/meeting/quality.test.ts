import { describe, expect, it } from 'vitest';
import { classifyQuality, lossBetween, readStats } from './quality.ts';

describe('connection quality', () => {
  it('classifies round-trip time and loss', () => {
    expect(classifyQuality(null, null)).toBe('unknown');
    expect(classifyQuality(0.02, 0)).toBe('good');
    expect(classifyQuality(0.2, 0)).toBe('fair');
    expect(classifyQuality(0.05, 0.05)).toBe('fair');
    expect(classifyQuality(0.5, 0)).toBe('poor');
    expect(classifyQuality(null, 0.2)).toBe('poor');
  });

  it('computes loss between two measurements', () => {
    expect(lossBetween(null, { received: 0, lost: 0 })).toBeNull();
    expect(lossBetween({ received: 100, lost: 0 }, { received: 190, lost: 10 })).toBeCloseTo(0.1);
    expect(lossBetween({ received: 100, lost: 5 }, { received: 200, lost: 5 })).toBe(0);
  });

  it('reads the nominated pair and the inbound counters from a stats report', () => {
    const stats = readStats([
      { type: 'candidate-pair', state: 'succeeded', nominated: true, currentRoundTripTime: 0.03 },
      { type: 'candidate-pair', state: 'failed', nominated: false, currentRoundTripTime: 9 },
      { type: 'inbound-rtp', packetsReceived: 50, packetsLost: 2 },
      { type: 'inbound-rtp', packetsReceived: 30, packetsLost: 1 },
      { type: 'remote-inbound-rtp', fractionLost: 0.01 },
    ]);
    expect(stats).toEqual({ rtt: 0.03, counters: { received: 80, lost: 3 }, remoteLoss: 0.01 });
  });
});
