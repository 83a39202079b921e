import type { ColumnType, Selectable } from 'kysely';
import type { Db } from '../../storage/database.ts';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface ModerationBansTable {
  id: string;
  room_id: string;
  /** `user:<userId>` or `guest:<guestId>`: the person, never a shared invite link. */
  ban_key: string;
  /** Their name when they were banned (what moderators see in the list). */
  display_name: string;
  /** The moderator's name. */
  banned_by: string;
  banned_at: Timestamp;
  reason: string | null;
}

export interface ModerationRoomLocksTable {
  room_id: string;
  locked: boolean;
  updated_at: Timestamp;
}

// The tables of migration 0009, added to the database type where they are used.
declare module '../../storage/schema.ts' {
  interface Database {
    moderation_bans: ModerationBansTable;
    moderation_room_locks: ModerationRoomLocksTable;
  }
}

export type BanRow = Selectable<ModerationBansTable>;

export interface NewBan {
  id: string;
  roomId: string;
  banKey: string;
  displayName: string;
  bannedBy: string;
  bannedAt: Date;
  reason?: string | null;
}

export interface ModerationLoaded {
  bans: BanRow[];
  locked: boolean;
}

/** What the moderation feature stores: bans and the lock of each room. */
export interface ModerationStore {
  load(roomId: string): Promise<ModerationLoaded>;
  /** Stores the ban; banning someone already banned keeps the first row and returns it. */
  addBan(ban: NewBan): Promise<BanRow>;
  /** False when there was no such ban in that room. */
  removeBan(roomId: string, banId: string): Promise<boolean>;
  setLocked(roomId: string, locked: boolean, at: Date): Promise<void>;
}

export interface ModerationRepos {
  store: ModerationStore;
}

export class ModerationRepository implements ModerationStore {
  constructor(private readonly db: Db) {}

  async load(roomId: string): Promise<ModerationLoaded> {
    const [bans, lock] = await Promise.all([
      this.db.selectFrom('moderation_bans').selectAll().where('room_id', '=', roomId).orderBy('banned_at').orderBy('id').execute(),
      this.db.selectFrom('moderation_room_locks').select('locked').where('room_id', '=', roomId).executeTakeFirst(),
    ]);
    return { bans, locked: lock?.locked ?? false };
  }

  async addBan(ban: NewBan): Promise<BanRow> {
    const inserted = await this.db
      .insertInto('moderation_bans')
      .values({
        id: ban.id,
        room_id: ban.roomId,
        ban_key: ban.banKey,
        display_name: ban.displayName,
        banned_by: ban.bannedBy,
        banned_at: ban.bannedAt,
        reason: ban.reason ?? null,
      })
      .onConflict((oc) => oc.columns(['room_id', 'ban_key']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return inserted;
    return this.db.selectFrom('moderation_bans').selectAll().where('room_id', '=', ban.roomId).where('ban_key', '=', ban.banKey).executeTakeFirstOrThrow();
  }

  async removeBan(roomId: string, banId: string): Promise<boolean> {
    const res = await this.db.deleteFrom('moderation_bans').where('room_id', '=', roomId).where('id', '=', banId).executeTakeFirst();
    return res.numDeletedRows > 0n;
  }

  async setLocked(roomId: string, locked: boolean, at: Date): Promise<void> {
    await this.db
      .insertInto('moderation_room_locks')
      .values({ room_id: roomId, locked, updated_at: at })
      .onConflict((oc) => oc.column('room_id').doUpdateSet({ locked, updated_at: at }))
      .execute();
  }
}

/** In memory, for module tests without a database (the durable tests use ModerationRepository on both databases). */
export class MemoryModerationStore implements ModerationStore {
  readonly bans = new Map<string, BanRow>();
  readonly locks = new Map<string, boolean>();

  load(roomId: string): Promise<ModerationLoaded> {
    const bans = [...this.bans.values()].filter((b) => b.room_id === roomId);
    return Promise.resolve({ bans, locked: this.locks.get(roomId) ?? false });
  }

  addBan(ban: NewBan): Promise<BanRow> {
    const existing = [...this.bans.values()].find((b) => b.room_id === ban.roomId && b.ban_key === ban.banKey);
    if (existing) return Promise.resolve(existing);
    const row: BanRow = { id: ban.id, room_id: ban.roomId, ban_key: ban.banKey, display_name: ban.displayName, banned_by: ban.bannedBy, banned_at: ban.bannedAt, reason: ban.reason ?? null };
    this.bans.set(row.id, row);
    return Promise.resolve(row);
  }

  removeBan(roomId: string, banId: string): Promise<boolean> {
    const row = this.bans.get(banId);
    if (!row || row.room_id !== roomId) return Promise.resolve(false);
    this.bans.delete(banId);
    return Promise.resolve(true);
  }

  setLocked(roomId: string, locked: boolean): Promise<void> {
    this.locks.set(roomId, locked);
    return Promise.resolve();
  }
}
