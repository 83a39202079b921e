import { AttemptThrottle, type Attempt, type ThrottleLimits } from '../../auth/attempt-throttle.ts';

const never = { free: Number.POSITIVE_INFINITY, baseMs: 0, maxMs: 0 };

/**
 * Wrong dial-in IDs and PINs, per trunk and per room (see AttemptThrottle for the counters):
 * - one room from one trunk address: 5 failures free, then 1 s, 2 s, 4 s, … up to 15 minutes;
 * - one trunk address over all rooms (wrong dial-in IDs included): 50 free (every caller of a provider may
 *   come through the same trunk), then the same growing waits;
 * - one room from all trunks: 10 free, then the same growing waits. Unlike a room password this is a hard
 *   limit: a caller's source is the trunk, not the person, so a per-source limit alone would let anyone behind
 *   a large provider guess on; a six-digit PIN needs the room's own lock. Someone guessing can make the room's
 *   callers wait, never get in; the moderators can give the room a new PIN.
 * A correct PIN clears only its (room, trunk) counter, not the room's, so a lockout is waited out.
 */
export const DIAL_IN_LIMITS: { calls: ThrottleLimits; rooms: ThrottleLimits } = {
  calls: {
    pair: { free: 5, baseMs: 1000, maxMs: 15 * 60_000 },
    source: { free: 50, baseMs: 1000, maxMs: 15 * 60_000 },
    target: never,
    forgetMs: 60 * 60_000,
    maxEntries: 30_000,
  },
  rooms: {
    pair: { free: 10, baseMs: 1000, maxMs: 15 * 60_000 },
    source: never,
    target: never,
    forgetMs: 60 * 60_000,
    maxEntries: 30_000,
  },
};

/** Where a failure with an ID that belongs to no room is counted (per trunk; there is no room to lock). */
const UNKNOWN = 'unknown';

export class DialInThrottle {
  private readonly calls: AttemptThrottle;
  private readonly rooms: AttemptThrottle;

  constructor(now: () => number, limits = DIAL_IN_LIMITS) {
    this.calls = new AttemptThrottle(limits.calls, now);
    this.rooms = new AttemptThrottle(limits.rooms, now);
  }

  /** Starts an attempt on a room (null: the ID belongs to no room) from a trunk: refused with a wait, or counted until settled. */
  begin(roomId: string | null, source: string): Attempt {
    const target = roomId ? `room:${roomId}` : UNKNOWN;
    const wait = Math.max(this.calls.retryAfterMs(target, source), roomId ? this.rooms.retryAfterMs(target, '*') : 0);
    if (wait > 0) return { retryAfterMs: wait, settle: () => {} };
    const attempts = [this.calls.begin(target, source), ...(roomId ? [this.rooms.begin(target, '*')] : [])];
    return {
      retryAfterMs: 0,
      settle: (outcome) => {
        for (const a of attempts) a.settle(outcome);
      },
    };
  }
}
