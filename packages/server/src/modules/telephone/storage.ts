import { randomInt } from 'node:crypto';
import type { ColumnType, Selectable } from 'kysely';
import type { Db } from '../../storage/database.ts';

type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface TelephoneDialInsTable {
  room_id: string;
  dial_in_id: string;
  pin: string;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

// The table of migration 0011, added to the database type where it is used.
declare module '../../storage/schema.ts' {
  interface Database {
    telephone_dial_ins: TelephoneDialInsTable;
  }
}

export type DialInRow = Selectable<TelephoneDialInsTable>;

/** Length of a dial-in ID: 10 digits, the first never 0 (9·10⁹ IDs, so a guessed one is rarely a room's). */
export const DIAL_IN_ID_DIGITS = 10;
export const PIN_DIGITS = 6;

/** A random dial-in ID from the operating system's CSPRNG: not sequential, nothing to learn from one about another. */
export function newDialInId(): string {
  return String(randomInt(1, 10)) + Array.from({ length: DIAL_IN_ID_DIGITS - 1 }, () => String(randomInt(0, 10))).join('');
}

/** A random PIN of six digits (leading zeros allowed). */
export function newPin(): string {
  return Array.from({ length: PIN_DIGITS }, () => String(randomInt(0, 10))).join('');
}

const isUniqueViolation = (err: unknown) => typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';

/** The telephone feature's repository (structural, so a test can provide an in-memory one). */
export type TelephoneRepos = { [K in keyof TelephoneRepository]: TelephoneRepository[K] };

/**
 * Dial-in ID and PIN per room, made on first use (the first moderator who asks, or a regeneration). A new ID
 * that happens to be another room's already is drawn again (the unique index decides, not a read before).
 */
export class TelephoneRepository {
  constructor(
    private readonly db: Db,
    private readonly generate: { id: () => string; pin: () => string } = { id: newDialInId, pin: newPin },
  ) {}

  /** The room's dial-in ID and PIN, made now when the room has none yet. */
  async forRoom(roomId: string, at: Date = new Date()): Promise<DialInRow> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const existing = await this.db.selectFrom('telephone_dial_ins').selectAll().where('room_id', '=', roomId).executeTakeFirst();
      if (existing) return existing;
      try {
        // Two moderators asking at once: one insert wins, the other finds its row on the next round.
        await this.db
          .insertInto('telephone_dial_ins')
          .values({ room_id: roomId, dial_in_id: this.generate.id(), pin: this.generate.pin(), created_at: at, updated_at: at })
          .onConflict((oc) => oc.column('room_id').doNothing())
          .execute();
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
    }
    throw new Error('telephone: no free dial-in ID found');
  }

  /** A new dial-in ID and PIN for the room (the old ones stop working at once). */
  async regenerate(roomId: string, at: Date = new Date()): Promise<DialInRow> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const values = { room_id: roomId, dial_in_id: this.generate.id(), pin: this.generate.pin(), created_at: at, updated_at: at };
      try {
        return await this.db
          .insertInto('telephone_dial_ins')
          .values(values)
          .onConflict((oc) => oc.column('room_id').doUpdateSet({ dial_in_id: values.dial_in_id, pin: values.pin, updated_at: at }))
          .returningAll()
          .executeTakeFirstOrThrow();
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
    }
    throw new Error('telephone: no free dial-in ID found');
  }

  /** The room a dial-in ID belongs to, with its PIN; undefined for an ID no room has. */
  byDialInId(dialInId: string): Promise<Pick<DialInRow, 'room_id' | 'pin'> | undefined> {
    return this.db.selectFrom('telephone_dial_ins').select(['room_id', 'pin']).where('dial_in_id', '=', dialInId).executeTakeFirst();
  }
}
