import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../storage/database.ts';
import type { User } from '../storage/schema.ts';

export const SESSION_COOKIE = 'plenum_session';

const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

export interface ActiveSession {
  user: User;
  csrfToken: string;
  idToken: string | null;
  expiresAt: Date;
}

/** Login sessions: an opaque random cookie value, stored only as its hash, with a per-session CSRF token. */
export class SessionService {
  constructor(
    private readonly db: Db,
    private readonly ttlMs: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(userId: string, idToken: string | null): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const created = this.now();
    const expiresAt = new Date(created.getTime() + this.ttlMs);
    await this.db
      .insertInto('sessions')
      .values({
        id: hashToken(token),
        user_id: userId,
        csrf_token: randomBytes(24).toString('base64url'),
        id_token: idToken,
        created_at: created,
        expires_at: expiresAt,
      })
      .execute();
    return { token, expiresAt };
  }

  async resolve(token: string | undefined): Promise<ActiveSession | null> {
    if (!token || token.length > 200) return null;
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .selectAll('users')
      .select(['sessions.csrf_token', 'sessions.id_token', 'sessions.expires_at'])
      .where('sessions.id', '=', hashToken(token))
      .where('sessions.expires_at', '>', this.now())
      .executeTakeFirst();
    if (!row) return null;
    const { csrf_token, id_token, expires_at, ...user } = row;
    return { user, csrfToken: csrf_token, idToken: id_token, expiresAt: new Date(expires_at) };
  }

  async destroy(token: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', hashToken(token)).execute();
  }

  async purgeExpired(): Promise<number> {
    const res = await this.db.deleteFrom('sessions').where('expires_at', '<=', this.now()).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}

export function csrfMatches(expected: string, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
