import type { Db } from './database.ts';
import type { InviteRow } from './schema.ts';

export class InvitesRepository {
  constructor(private readonly db: Db) {}

  async create(row: Omit<InviteRow, 'revoked_at'>): Promise<InviteRow> {
    return this.db.insertInto('invites').values({ ...row, revoked_at: null }).returningAll().executeTakeFirstOrThrow();
  }

  byCode(code: string): Promise<InviteRow | undefined> {
    return this.db.selectFrom('invites').selectAll().where('code', '=', code).executeTakeFirst();
  }

  listByRoom(roomId: string): Promise<InviteRow[]> {
    return this.db.selectFrom('invites').selectAll().where('room_id', '=', roomId).orderBy('created_at', 'desc').execute();
  }

  /** Revoking keeps the row (who invited whom stays traceable); it only stops the code from working. */
  async revoke(roomId: string, code: string, now: Date): Promise<InviteRow | undefined> {
    return this.db
      .updateTable('invites')
      .set({ revoked_at: now })
      .where('room_id', '=', roomId)
      .where('code', '=', code)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
  }
}
