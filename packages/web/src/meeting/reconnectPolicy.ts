/**
 * When to try again after the signaling connection dropped. Injectable so tests (and operators' builds)
 * can choose other timings; the default gives up when the server's resume window (30 s) is over, because
 * after that the server has already told the others that this participant left.
 */
export interface ReconnectPolicy {
  /** Milliseconds to wait before attempt number `attempt` (1-based), or null to give up. */
  nextDelayMs(attempt: number, elapsedMs: number): number | null;
}

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  /** Total time after the drop after which no new attempt starts. */
  giveUpAfterMs?: number;
  /** 0..1: spreads the attempts of many clients after a server restart. */
  jitter?: number;
  random?: () => number;
}

export function exponentialBackoff(options: BackoffOptions = {}): ReconnectPolicy {
  const { initialMs = 500, maxMs = 5_000, giveUpAfterMs = 30_000, jitter = 0.2, random = Math.random } = options;
  return {
    nextDelayMs(attempt, elapsedMs) {
      const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
      const delay = Math.round(base * (1 - jitter + 2 * jitter * random()));
      return elapsedMs + delay > giveUpAfterMs ? null : delay;
    },
  };
}
