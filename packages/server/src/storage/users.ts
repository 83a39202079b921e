import { appendAdminAudit, type Trx } from '../audit/admin-log.ts';
import type { Db } from './database.ts';
import type { User } from './schema.ts';

export interface IdentityClaims {
  issuer: string;
  subject: string;
  displayName: string;
  email: string | null;
  role: 'admin' | 'user';
}

export class UsersRepository {
  constructor(private readonly db: Db) {}

  /**
   * Creates the user on first login, refreshes name, e-mail and role from the provider on every later one. A role
   * that changes (or a new user who starts as admin) is an administrative act done at the provider: it goes into
   * the admin audit log in the same transaction, with the provider as actor.
   */
  async upsertFromLogin(claims: IdentityClaims, now = new Date()): Promise<User> {
    return this.db.transaction().execute(async (trx) => {
      const before = await trx.selectFrom('users').select('role').where('issuer', '=', claims.issuer).where('subject', '=', claims.subject).executeTakeFirst();
      const user = await this.upsert(trx, claims, now);
      if ((before?.role ?? 'user') !== user.role) {
        await appendAdminAudit(trx, {
          actor: `provider:${claims.issuer}`,
          action: 'user.role_changed',
          target: user.id,
          details: { from: before?.role ?? null, to: user.role },
          at: now,
        });
      }
      return user;
    });
  }

  private upsert(db: Trx, claims: IdentityClaims, now: Date): Promise<User> {
    return db
      .insertInto('users')
      .values({
        id: crypto.randomUUID(),
        issuer: claims.issuer,
        subject: claims.subject,
        display_name: claims.displayName,
        email: claims.email,
        role: claims.role,
        created_at: now,
        last_login_at: now,
      })
      .onConflict((oc) =>
        oc.columns(['issuer', 'subject']).doUpdateSet({
          display_name: claims.displayName,
          email: claims.email,
          role: claims.role,
          last_login_at: now,
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async byId(id: string): Promise<User | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }
}
