import { PERSONAL_PIN_DIGITS } from '@plenum/protocol';
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

export interface TelephonePersonalPinsTable {
  invite_code: string;
  room_id: string;
  pin: string;
  created_at: DefaultedTimestamp;
}

// The tables of migrations 0011 and 0014, added to the database type where they are used.
declare module '../../storage/schema.ts' {
  interface Database {
    telephone_dial_ins: TelephoneDialInsTable;
    telephone_personal_pins: TelephonePersonalPinsTable;
  }
}

export type DialInRow = Selectable<TelephoneDialInsTable>;

/** Length of a dial-in ID: 10 digits, the first never 0 (9·10⁹ IDs, so a guessed one is rarely a room's). */
export const DIAL_IN_ID_DIGITS = 10;
export const PIN_DIGITS = 6;
export { PERSONAL_PIN_DIGITS };

/** A random dial-in ID from the operating system's CSPRNG: not sequential, nothing to learn from one about another. */
export function newDialInId(): string {
  return String(randomInt(1, 10)) + Array.from({ length: DIAL_IN_ID_DIGITS - 1 }, () => String(randomInt(0, 10))).join('');
}

/** A random PIN of six digits (leading zeros allowed). */
export function newPin(): string {
  return Array.from({ length: PIN_DIGITS }, () => String(randomInt(0, 10))).join('');
}

/** A personal PIN of eight digits (leading zeros allowed): never the length of a room PIN, so the two cannot collide. */
export function newPersonalPin(): string {
  return Array.from({ length: PERSONAL_PIN_DIGITS }, () => String(randomInt(0, 10))).join('');
}

/** A personal PIN as the service call needs it: with the state of its invite. */
export interface PersonalPinForCall {
  invite_code: string;
  pin: string;
  label: string | null;
  revoked_at: Date | null;
  expires_at: Date | null;
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
    private readonly generate: { id: () => string; pin: () => string; personalPin?: () => string } = { id: newDialInId, pin: newPin },
  ) {}

  private personalPin(): string {
    return (this.generate.personalPin ?? newPersonalPin)();
  }

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

  /**
   * The personal PINs of these invites of the room, made now for those that have none (made lazily: the first
   * moderator who looks). A PIN that happens to be another invite's of the same room is drawn again (the unique
   * index decides). Codes of invites of another room get none.
   */
  async personalPins(roomId: string, inviteCodes: readonly string[], at: Date = new Date()): Promise<Map<string, string>> {
    const read = async () => {
      if (inviteCodes.length === 0) return new Map<string, string>();
      const rows = await this.db
        .selectFrom('telephone_personal_pins')
        .select(['invite_code', 'pin'])
        .where('room_id', '=', roomId)
        .where('invite_code', 'in', [...inviteCodes])
        .execute();
      return new Map(rows.map((r) => [r.invite_code, r.pin]));
    };
    const pins = await read();
    for (const code of inviteCodes) {
      if (pins.has(code)) continue;
      const pin = await this.createPersonalPin(roomId, code, at);
      if (pin !== undefined) pins.set(code, pin);
    }
    return pins;
  }

  /** Makes one invite its PIN (a concurrent request may have made it first: that one stays); undefined: no such invite in the room. */
  private async createPersonalPin(roomId: string, code: string, at: Date): Promise<string | undefined> {
    for (let attempt = 0; attempt < 8; attempt++) {
      try {
        // Only an invite of this room: the row is made from the invite row itself.
        await this.db
          .insertInto('telephone_personal_pins')
          .columns(['invite_code', 'room_id', 'pin', 'created_at'])
          .expression(
            this.db
              .selectFrom('invites')
              .select((eb) => [eb.ref('code').as('invite_code'), eb.ref('room_id').as('room_id'), eb.val(this.personalPin()).as('pin'), eb.val(at).as('created_at')])
              .where('code', '=', code)
              .where('room_id', '=', roomId),
          )
          .onConflict((oc) => oc.column('invite_code').doNothing())
          .execute();
      } catch (err) {
        // The PIN is another invite's of this room already: draw again.
        if (isUniqueViolation(err)) continue;
        throw err;
      }
      const row = await this.db.selectFrom('telephone_personal_pins').select('pin').where('invite_code', '=', code).where('room_id', '=', roomId).executeTakeFirst();
      return row?.pin;
    }
    throw new Error('telephone: no free personal PIN found');
  }

  /** Forgets the personal PIN of one invite of the room, or all of the room's: the next `personalPins` draws new ones. */
  async dropPersonalPins(roomId: string, inviteCode?: string): Promise<number> {
    let q = this.db.deleteFrom('telephone_personal_pins').where('room_id', '=', roomId);
    if (inviteCode !== undefined) q = q.where('invite_code', '=', inviteCode);
    const r = await q.executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Every personal PIN of the room with its invite's state (the service call compares all of them). */
  personalPinsForCall(roomId: string): Promise<PersonalPinForCall[]> {
    return this.db
      .selectFrom('telephone_personal_pins as p')
      .innerJoin('invites as i', 'i.code', 'p.invite_code')
      .select(['p.invite_code', 'p.pin', 'i.label', 'i.revoked_at', 'i.expires_at'])
      .where('p.room_id', '=', roomId)
      .execute();
  }
}
