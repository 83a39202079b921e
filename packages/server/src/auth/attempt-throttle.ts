import { isIPv4, isIPv6 } from 'node:net';

/** Growing waits after failures: `free` failures cost nothing, then each one doubles the wait, from `baseMs` up to `maxMs`. */
export interface Backoff {
  free: number;
  baseMs: number;
  maxMs: number;
}

export interface ThrottleLimits {
  /** Failures on one target (an account, a room, an invite) from one source address: refused with a wait. */
  pair: Backoff;
  /** Failures from one source address on any target: refused with a wait. */
  source: Backoff;
  /**
   * Failures on one target from all sources: never refused (that would let anyone lock the real
   * person out from elsewhere), only answered more slowly, up to `maxMs` per attempt.
   */
  target: Backoff;
  /** A counter with no new failure for this long starts again from zero. Must exceed every `maxMs`. */
  forgetMs: number;
  /** Bound on remembered counters (least recently failed ones go first). */
  maxEntries: number;
}

interface Entry {
  failures: number;
  lastFailureAt: number;
}

/**
 * Slows down guessing of a secret (a login password, a room or invite password). Three counters
 * per failure, kept per node in memory (a restart forgives; with several nodes each node has its own
 * budget, which still caps guessing at a small multiple):
 *
 * - (target, source): hard — after a few failures this address must wait exponentially longer
 *   before the next attempt on this target is even checked;
 * - source: hard — one address trying many targets (made-up user names, many rooms) waits likewise;
 * - target: soft — failures from many addresses only delay the answers on this target, so an
 *   attacker elsewhere can make the real person wait a few seconds but never locks them out.
 *
 * A success clears only its own (target, source) counter: it does not forgive the address's
 * other failures, nor anyone else's.
 */
export interface Attempt {
  /** Milliseconds to wait before trying again; 0: go ahead, and call `settle` once the answer is known. */
  retryAfterMs: number;
  /** Records the outcome and ends the attempt's in-flight count ('aborted': nothing was decided). */
  settle(outcome: 'success' | 'failure' | 'aborted'): void;
}

export class AttemptThrottle {
  private readonly entries = new Map<string, Entry>();
  /** Attempts checked but not yet decided: they count like failures, so a burst of parallel guesses cannot slip through together. */
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly limits: ThrottleLimits,
    private readonly now: () => number,
  ) {}

  /** Milliseconds before `source` may try `target` again; 0 when the attempt may be checked now. */
  retryAfterMs(target: string, source: string): number {
    const s = sourceKey(source);
    return Math.max(this.wait(`p|${target}|${s}`, this.limits.pair), this.wait(`s|${s}`, this.limits.source));
  }

  /** Starts an attempt: refused with a wait, or allowed and counted as in flight until settled. */
  begin(target: string, source: string): Attempt {
    const retryAfterMs = this.retryAfterMs(target, source);
    if (retryAfterMs > 0) return { retryAfterMs, settle: () => {} };
    const s = sourceKey(source);
    const keys = [`p|${target}|${s}`, `s|${s}`];
    for (const key of keys) this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
    let settled = false;
    return {
      retryAfterMs: 0,
      settle: (outcome) => {
        if (settled) return;
        settled = true;
        for (const key of keys) {
          const n = (this.inFlight.get(key) ?? 1) - 1;
          if (n > 0) this.inFlight.set(key, n);
          else this.inFlight.delete(key);
        }
        if (outcome === 'failure') this.recordFailure(target, source);
        if (outcome === 'success') this.recordSuccess(target, source);
      },
    };
  }

  /** Milliseconds to hold the answer to an attempt on `target` (failures from all sources). */
  delayMs(target: string): number {
    const entry = this.live(`t|${target}`);
    return entry ? backoff(entry.failures, this.limits.target) : 0;
  }

  recordFailure(target: string, source: string): void {
    const s = sourceKey(source);
    for (const key of [`p|${target}|${s}`, `s|${s}`, `t|${target}`]) this.bump(key);
  }

  recordSuccess(target: string, source: string): void {
    this.entries.delete(`p|${target}|${sourceKey(source)}`);
  }

  private wait(key: string, policy: Backoff): number {
    const entry = this.live(key);
    const pending = this.inFlight.get(key) ?? 0;
    if (!entry && !pending) return 0;
    const since = entry?.lastFailureAt ?? this.now();
    return Math.max(0, since + backoff((entry?.failures ?? 0) + pending, policy) - this.now());
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && this.now() - entry.lastFailureAt >= this.limits.forgetMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private bump(key: string): void {
    const failures = (this.live(key)?.failures ?? 0) + 1;
    // Re-inserted so that the map's order is least recently failed first.
    this.entries.delete(key);
    this.entries.set(key, { failures, lastFailureAt: this.now() });
    if (this.entries.size > this.limits.maxEntries) this.evict();
  }

  private evict(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (now - entry.lastFailureAt >= this.limits.forgetMs) this.entries.delete(key);
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.limits.maxEntries) break;
      this.entries.delete(key);
    }
  }
}

function backoff(failures: number, policy: Backoff): number {
  if (failures < policy.free) return 0;
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(failures - policy.free, 40));
}

/**
 * The unit an attacker pays for: an IPv4 address, or an IPv6 /64 (one customer line gets a whole
 * /64, so counting single IPv6 addresses would give an attacker 2^64 fresh budgets).
 */
export function sourceKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (!isIPv6(address)) return address;
  const [head = '', tail] = address.toLowerCase().split('%')[0]!.split('::') as [string, string | undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** Seconds for a Retry-After header: whole seconds, rounded up, at least 1. */
export const retryAfterSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
