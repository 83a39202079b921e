import { appendAdminAudit, type AuditRecord } from '../audit/admin-log.ts';
import type { Db } from './database.ts';
import type { RoomRow } from './schema.ts';

export type RoomWithOwner = RoomRow & { owner_name: string };

export class RoomsRepository {
  constructor(private readonly db: Db) {}

  private withOwner() {
    return this.db
      .selectFrom('rooms')
      .innerJoin('users', 'users.id', 'rooms.owner_id')
      .selectAll('rooms')
      .select('users.display_name as owner_name');
  }

  async create(row: Omit<RoomRow, 'created_at' | 'updated_at'>, now: Date): Promise<RoomWithOwner> {
    await this.db.insertInto('rooms').values({ ...row, created_at: now, updated_at: now }).execute();
    return (await this.byId(row.id))!;
  }

  byId(id: string): Promise<RoomWithOwner | undefined> {
    return this.withOwner().where('rooms.id', '=', id).executeTakeFirst();
  }

  listByOwner(ownerId: string): Promise<RoomWithOwner[]> {
    return this.withOwner().where('rooms.owner_id', '=', ownerId).orderBy('rooms.created_at', 'desc').orderBy('rooms.id').execute();
  }

  listAll(): Promise<RoomWithOwner[]> {
    return this.withOwner().orderBy('rooms.created_at', 'desc').orderBy('rooms.id').execute();
  }

  async update(
    id: string,
    changes: Partial<Pick<RoomRow, 'name' | 'password_hash' | 'waiting_room' | 'e2e_encryption'>>,
    now: Date,
  ): Promise<RoomWithOwner | undefined> {
    await this.db.updateTable('rooms').set({ ...changes, updated_at: now }).where('id', '=', id).execute();
    return this.byId(id);
  }

  /** Deletes the room (invites go with it); with `audit`, its admin audit log entry is written in the same transaction. */
  async delete(id: string, audit?: AuditRecord): Promise<boolean> {
    if (!audit) {
      const res = await this.db.deleteFrom('rooms').where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    }
    return this.db.transaction().execute(async (trx) => {
      const res = await trx.deleteFrom('rooms').where('id', '=', id).executeTakeFirst();
      const deleted = Number(res.numDeletedRows) > 0;
      if (deleted) await appendAdminAudit(trx, audit);
      return deleted;
    });
  }
}
