/**
 * Slows down password guessing at the embedded provider: after too many failed logins for one
 * username from one address (or from one address overall) within the window, further attempts
 * are refused without even checking the password. Per node and in memory: a restart forgives,
 * and with several nodes an attacker gets the budget once per node, which still caps guessing.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly limits = { perAccount: 10, perAddress: 50, windowMs: 15 * 60_000, maxEntries: 10_000 },
    private readonly now: () => number = () => Date.now(),
  ) {}

  isBlocked(address: string, username: string): boolean {
    return this.count(accountKey(address, username)) >= this.limits.perAccount || this.count(addressKey(address)) >= this.limits.perAddress;
  }

  recordFailure(address: string, username: string): void {
    this.bump(accountKey(address, username));
    this.bump(addressKey(address));
  }

  /** A successful login clears that username's failures from this address (not the address total). */
  recordSuccess(address: string, username: string): void {
    this.failures.delete(accountKey(address, username));
  }

  private count(key: string): number {
    const entry = this.failures.get(key);
    if (!entry) return 0;
    if (entry.resetAt <= this.now()) {
      this.failures.delete(key);
      return 0;
    }
    return entry.count;
  }

  private bump(key: string): void {
    const current = this.count(key);
    const existing = this.failures.get(key);
    this.failures.delete(key);
    this.failures.set(key, { count: current + 1, resetAt: existing && current > 0 ? existing.resetAt : this.now() + this.limits.windowMs });
    if (this.failures.size > this.limits.maxEntries) this.evict();
  }

  /** Bounded memory: drop expired entries, then the least recently bumped ones. */
  private evict(): void {
    const now = this.now();
    for (const [key, entry] of this.failures) if (entry.resetAt <= now) this.failures.delete(key);
    for (const key of this.failures.keys()) {
      if (this.failures.size <= this.limits.maxEntries) break;
      this.failures.delete(key);
    }
  }
}

const accountKey = (address: string, username: string) => `a|${address}|${username.trim().toLowerCase()}`;
const addressKey = (address: string) => `i|${address}`;
