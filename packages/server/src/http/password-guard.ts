import type { FastifyReply, FastifyRequest } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import { AttemptThrottle, retryAfterSeconds, type ThrottleLimits } from '../auth/attempt-throttle.ts';
import { verifyPassword } from '../auth/passwords.ts';
import { PlenumError } from './errors.ts';

/**
 * Limits for room and invite passwords (shared by /start, /start-invited and invite verify):
 * - one room or invite from one address: 5 wrong passwords free, then 1 s, 2 s, 4 s, … up to 15 minutes;
 * - one address over all rooms and invites: 20 free, then the same growing waits;
 * - one room or invite from all addresses: after 10 wrong passwords each answer is held up to 5 s
 *   (never refused: people who know the password must still get in while someone elsewhere guesses).
 */
export const ROOM_PASSWORD_LIMITS: ThrottleLimits = {
  pair: { free: 5, baseMs: 1000, maxMs: 15 * 60_000 },
  source: { free: 20, baseMs: 1000, maxMs: 15 * 60_000 },
  target: { free: 10, baseMs: 250, maxMs: 5000 },
  forgetMs: 60 * 60_000,
  maxEntries: 30_000,
};

export const createPasswordThrottle = (now: () => Date) => new AttemptThrottle(ROOM_PASSWORD_LIMITS, () => now().getTime());

/** Whose secret a password attempt guesses: an invite's own password, or else its room's. */
export const passwordTarget = (invite: { code: string; password_hash: string | null } | null, roomId: string) =>
  invite?.password_hash ? `invite:${invite.code}` : `room:${roomId}`;

/**
 * Checks a room or invite password under the throttle: a source that failed too often gets 429 with
 * Retry-After before the password is even looked at; a wrong password is PLENUM_ERR_WRONG_PASSWORD
 * and counts; a missing one is refused without counting (nobody guessed anything).
 */
export async function checkGuardedPassword(
  throttle: AttemptThrottle,
  request: FastifyRequest,
  reply: FastifyReply,
  target: string,
  hash: string,
  password: string | undefined,
): Promise<void> {
  if (!password) throw new PlenumError('PLENUM_ERR_WRONG_PASSWORD');
  const attempt = throttle.begin(target, request.ip);
  if (attempt.retryAfterMs > 0) {
    const seconds = retryAfterSeconds(attempt.retryAfterMs);
    request.log.warn({ retryAfterMs: attempt.retryAfterMs }, 'room or invite password throttled after repeated failures');
    void reply.header('Retry-After', String(seconds));
    throw new PlenumError('PLENUM_ERR_RATE_LIMITED', `Too many wrong passwords; try again in ${seconds} s`);
  }
  let ok: boolean;
  try {
    const delayMs = throttle.delayMs(target);
    if (delayMs > 0) await sleep(delayMs);
    ok = await verifyPassword(hash, password);
  } catch (err) {
    attempt.settle('aborted');
    throw err;
  }
  attempt.settle(ok ? 'success' : 'failure');
  if (!ok) throw new PlenumError('PLENUM_ERR_WRONG_PASSWORD');
}
