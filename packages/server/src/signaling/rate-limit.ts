/** A token bucket: `ratePerSecond` tokens flow in, at most `burst` are kept; each command takes one. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly nowMs: () => number,
  ) {
    this.tokens = burst;
    this.last = nowMs();
  }

  /** True when a token was available (and taken). */
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** True when no token has been taken that has not flowed back: the bucket is as good as a new one. */
  isFull(): boolean {
    this.refill();
    return this.tokens >= this.burst;
  }

  /** Milliseconds until the next token. */
  retryAfterMs(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000);
  }

  private refill(): void {
    const now = this.nowMs();
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.ratePerSecond);
  }
}
