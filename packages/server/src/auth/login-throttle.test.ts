import { describe, expect, it } from 'vitest';
import { AttemptThrottle, sourceKey, type ThrottleLimits } from './attempt-throttle.ts';
import { LoginThrottle } from './login-throttle.ts';

const limits: ThrottleLimits = {
  pair: { free: 3, baseMs: 1000, maxMs: 8000 },
  source: { free: 5, baseMs: 1000, maxMs: 8000 },
  target: { free: 4, baseMs: 100, maxMs: 400 },
  forgetMs: 60_000,
  maxEntries: 100,
};

describe('LoginThrottle', () => {
  it('makes one username from one address wait exponentially longer after a few failures', () => {
    let now = 0;
    const throttle = new LoginThrottle(limits, () => now);
    for (let i = 0; i < 3; i++) {
      expect(throttle.retryAfterMs('10.0.0.1', 'alice')).toBe(0);
      throttle.recordFailure('10.0.0.1', 'Alice');
    }
    expect(throttle.retryAfterMs('10.0.0.1', 'alice')).toBe(1000);
    expect(throttle.retryAfterMs('10.0.0.2', 'alice')).toBe(0);
    expect(throttle.retryAfterMs('10.0.0.1', 'bob')).toBe(0);
    now = 1000;
    expect(throttle.retryAfterMs('10.0.0.1', 'alice')).toBe(0);
    throttle.recordFailure('10.0.0.1', 'alice');
    expect(throttle.retryAfterMs('10.0.0.1', 'alice')).toBe(2000);
    for (let i = 0; i < 5; i++) throttle.recordFailure('10.0.0.1', 'alice');
    expect(throttle.retryAfterMs('10.0.0.1', 'alice')).toBe(8000);
    // Quiet for the forget period: a fresh start.
    now += 60_000;
    expect(throttle.retryAfterMs('10.0.0.1', 'alice')).toBe(0);
  });

  it('stops an address that tries many usernames, and nobody else', () => {
    const throttle = new LoginThrottle(limits, () => 0);
    for (const name of ['a', 'b', 'c', 'd', 'e']) throttle.recordFailure('10.0.0.9', name);
    expect(throttle.retryAfterMs('10.0.0.9', 'fresh-name')).toBe(1000);
    expect(throttle.retryAfterMs('10.0.0.8', 'a')).toBe(0);
  });

  it('only slows down an account that fails from many addresses, never refusing a fresh address', () => {
    const throttle = new LoginThrottle(limits, () => 0);
    for (let i = 0; i < 20; i++) throttle.recordFailure(`10.1.0.${i}`, 'admin');
    expect(throttle.retryAfterMs('10.2.0.1', 'admin')).toBe(0);
    expect(throttle.delayMs('admin')).toBe(400);
    expect(throttle.delayMs('other')).toBe(0);
  });

  it('forgives the username from this address after a success, not the address total nor other addresses', () => {
    const throttle = new LoginThrottle(limits, () => 0);
    for (let i = 0; i < 3; i++) throttle.recordFailure('ip-a', 'carol');
    for (let i = 0; i < 3; i++) throttle.recordFailure('ip-b', 'carol');
    throttle.recordSuccess('ip-a', 'carol');
    expect(throttle.retryAfterMs('ip-a', 'carol')).toBe(0);
    expect(throttle.retryAfterMs('ip-b', 'carol')).toBe(1000);
    throttle.recordFailure('ip-a', 'dave');
    throttle.recordFailure('ip-a', 'erin');
    expect(throttle.retryAfterMs('ip-a', 'frank')).toBe(1000);
  });

  it('counts attempts in flight, so parallel guesses cannot all pass the check before the first failure is known', () => {
    const throttle = new AttemptThrottle(limits, () => 0);
    const attempts = Array.from({ length: 5 }, () => throttle.begin('room:1', '10.0.0.1'));
    expect(attempts.map((a) => a.retryAfterMs)).toEqual([0, 0, 0, 1000, 1000]);
    for (const a of attempts) a.settle('failure');
    expect(throttle.retryAfterMs('room:1', '10.0.0.1')).toBe(1000);
    const throttle2 = new AttemptThrottle(limits, () => 0);
    const aborted = throttle2.begin('room:1', '10.0.0.1');
    aborted.settle('aborted');
    aborted.settle('failure');
    expect((throttle2 as unknown as { inFlight: Map<string, number> }).inFlight.size).toBe(0);
    expect(throttle2.retryAfterMs('room:1', '10.0.0.1')).toBe(0);
  });

  it('keeps its memory bounded', () => {
    const throttle = new AttemptThrottle({ ...limits, maxEntries: 10 }, () => 0);
    for (let i = 0; i < 1000; i++) throttle.recordFailure('x', `ip-${i}`);
    expect((throttle as unknown as { entries: Map<string, unknown> }).entries.size).toBeLessThanOrEqual(10);
  });
});

describe('sourceKey', () => {
  it('counts IPv4 addresses singly, IPv4-mapped IPv6 as IPv4, and IPv6 per /64', () => {
    expect(sourceKey('192.0.2.1')).toBe('192.0.2.1');
    expect(sourceKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(sourceKey('2001:db8:1:2::99')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(sourceKey('::1')).toBe('0:0:0:0::/64');
    expect(sourceKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});
