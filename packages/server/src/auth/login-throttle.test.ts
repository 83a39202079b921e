import { describe, expect, it } from 'vitest';
import { LoginThrottle } from './login-throttle.ts';

describe('LoginThrottle', () => {
  const limits = { perAccount: 3, perAddress: 5, windowMs: 60_000, maxEntries: 100 };

  it('blocks a username from an address after too many failures, until the window passes', () => {
    let now = 0;
    const throttle = new LoginThrottle(limits, () => now);
    for (let i = 0; i < 3; i++) {
      expect(throttle.isBlocked('10.0.0.1', 'alice')).toBe(false);
      throttle.recordFailure('10.0.0.1', 'Alice');
    }
    expect(throttle.isBlocked('10.0.0.1', 'alice')).toBe(true);
    expect(throttle.isBlocked('10.0.0.2', 'alice')).toBe(false);
    expect(throttle.isBlocked('10.0.0.1', 'bob')).toBe(false);
    now = 60_001;
    expect(throttle.isBlocked('10.0.0.1', 'alice')).toBe(false);
  });

  it('blocks an address that tries many usernames', () => {
    const throttle = new LoginThrottle(limits, () => 0);
    for (const name of ['a', 'b', 'c', 'd', 'e']) throttle.recordFailure('10.0.0.9', name);
    expect(throttle.isBlocked('10.0.0.9', 'fresh-name')).toBe(true);
    expect(throttle.isBlocked('10.0.0.8', 'fresh-name')).toBe(false);
  });

  it('forgives the username after a success', () => {
    const throttle = new LoginThrottle(limits, () => 0);
    throttle.recordFailure('ip', 'carol');
    throttle.recordFailure('ip', 'carol');
    throttle.recordSuccess('ip', 'carol');
    throttle.recordFailure('ip', 'carol');
    expect(throttle.isBlocked('ip', 'carol')).toBe(false);
  });

  it('keeps its memory bounded', () => {
    const throttle = new LoginThrottle({ ...limits, maxEntries: 10 }, () => 0);
    for (let i = 0; i < 1000; i++) throttle.recordFailure(`ip-${i}`, 'x');
    expect((throttle as unknown as { failures: Map<string, unknown> }).failures.size).toBeLessThanOrEqual(10);
  });
});
