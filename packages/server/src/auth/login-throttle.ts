import { AttemptThrottle, type Attempt, type ThrottleLimits } from './attempt-throttle.ts';

/**
 * Login limits of the embedded provider (see AttemptThrottle for the three counters):
 * - one user name from one address: 5 failures free, then 1 s, 2 s, 4 s, … up to 15 minutes;
 * - one address over all user names: 20 failures free, then the same growing waits — made-up
 *   names from one address stop that address, nobody else;
 * - one user name from all addresses: after 10 failures each answer is held up to 5 s, never
 *   refused, so an attacker elsewhere cannot lock a known account out.
 */
export const LOGIN_LIMITS: ThrottleLimits = {
  pair: { free: 5, baseMs: 1000, maxMs: 15 * 60_000 },
  source: { free: 20, baseMs: 1000, maxMs: 15 * 60_000 },
  target: { free: 10, baseMs: 250, maxMs: 5000 },
  forgetMs: 60 * 60_000,
  maxEntries: 30_000,
};

/** Slows down password guessing at the embedded provider, per user name and per address. */
export class LoginThrottle {
  private readonly throttle: AttemptThrottle;

  constructor(limits: ThrottleLimits = LOGIN_LIMITS, now: () => number = () => Date.now()) {
    this.throttle = new AttemptThrottle(limits, now);
  }

  /** Milliseconds before this address may try this user name again (0: go ahead). */
  retryAfterMs(address: string, username: string): number {
    return this.throttle.retryAfterMs(account(username), address);
  }

  /** Starts a login attempt (see AttemptThrottle.begin). */
  begin(address: string, username: string): Attempt {
    return this.throttle.begin(account(username), address);
  }

  /** Milliseconds to hold the answer for this user name (failures from everywhere). */
  delayMs(username: string): number {
    return this.throttle.delayMs(account(username));
  }

  recordFailure(address: string, username: string): void {
    this.throttle.recordFailure(account(username), address);
  }

  /** A successful login clears that user name's failures from this address (not the address total, nor other addresses'). */
  recordSuccess(address: string, username: string): void {
    this.throttle.recordSuccess(account(username), address);
  }
}

const account = (username: string) => username.trim().toLowerCase();
