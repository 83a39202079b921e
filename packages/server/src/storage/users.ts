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

  /** Creates the user on first login, refreshes name, e-mail and role from the provider on every later one. */
  async upsertFromLogin(claims: IdentityClaims, now = new Date()): Promise<User> {
    return this.db
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
