import { createHash } from 'node:crypto';
import type { ColumnType, Selectable, Transaction } from 'kysely';
import type { Db } from '../../storage/database.ts';
import type { Database } from '../../storage/schema.ts';

type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A column with a database default: optional on insert. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;

export interface PlannedMeetingsTable {
  id: string;
  room_id: string;
  organizer_id: string;
  title: string;
  description: Defaulted<string>;
  start_local: string;
  end_local: string;
  time_zone: string;
  rrule: string | null;
  exceptions: ColumnType<string[], string, string>;
  overrides: ColumnType<StoredOverride[], string | undefined, string>;
  starts_at: Timestamp;
  ends_at: Timestamp;
  series_ends_at: Timestamp;
  waiting_room: Defaulted<boolean>;
  password_required: Defaulted<boolean>;
  sequence: Defaulted<number>;
  cancelled_at: Timestamp | null;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface PlannedMeetingInviteesTable {
  meeting_id: string;
  email: string;
  display_name: string | null;
  language: 'de' | 'en';
  user_id: string | null;
  invite_code: string | null;
  created_at: DefaultedTimestamp;
}

export interface CalendarFeedsTable {
  user_id: string;
  token_hash: string;
  created_at: DefaultedTimestamp;
}

// The tables of migration 0012, added to the database type where they are used.
declare module '../../storage/schema.ts' {
  interface Database {
    planned_meetings: PlannedMeetingsTable;
    planned_meeting_invitees: PlannedMeetingInviteesTable;
    calendar_feeds: CalendarFeedsTable;
  }
}

export type PlannedMeetingRow = Selectable<PlannedMeetingsTable>;
export type InviteeRow = Selectable<PlannedMeetingInviteesTable>;
export type MeetingRecord = PlannedMeetingRow & { room_name: string; room_owner_id: string; organizer_name: string; organizer_email: string | null };

export type NewMeeting = Omit<PlannedMeetingRow, 'created_at' | 'updated_at' | 'cancelled_at' | 'sequence' | 'exceptions' | 'overrides'> & {
  exceptions: string[];
  overrides: StoredOverride[];
};
export type NewInvitee = Omit<InviteeRow, 'created_at' | 'meeting_id'>;

export const hashFeedToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** The meetings feature's repository (structural, so a test can provide another). */
export type MeetingsRepos = { [K in keyof MeetingsRepository]: MeetingsRepository[K] };

export interface StoredOverride {
  occurrence: string;
  start: string;
  end: string;
  title?: string;
}

type Executor = Db | Transaction<Database>;

/** Planned meetings with their invitees, and the calendar feed tokens. */
export class MeetingsRepository {
  constructor(private readonly db: Db) {}

  private select(db: Executor) {
    return db
      .selectFrom('planned_meetings as m')
      .innerJoin('rooms as r', 'r.id', 'm.room_id')
      .innerJoin('users as u', 'u.id', 'm.organizer_id')
      .selectAll('m')
      .select(['r.name as room_name', 'r.owner_id as room_owner_id', 'u.display_name as organizer_name', 'u.email as organizer_email']);
  }

  /** Runs `fn` in one transaction: a meeting, its invitees and their invite links are written together or not at all. */
  transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  async insert(trx: Executor, meeting: NewMeeting, invitees: readonly NewInvitee[], at: Date): Promise<void> {
    await trx
      .insertInto('planned_meetings')
      .values({ ...meeting, exceptions: JSON.stringify(meeting.exceptions), overrides: JSON.stringify(meeting.overrides), sequence: 0, cancelled_at: null, created_at: at, updated_at: at })
      .execute();
    if (invitees.length) await trx.insertInto('planned_meeting_invitees').values(invitees.map((i) => ({ ...i, meeting_id: meeting.id, created_at: at }))).execute();
  }

  async update(
    trx: Executor,
    id: string,
    changes: Partial<Omit<NewMeeting, 'id' | 'room_id' | 'organizer_id'>>,
    invitees: { add: readonly NewInvitee[]; remove: readonly string[] } | undefined,
    at: Date,
  ): Promise<void> {
    const { exceptions, overrides, ...rest } = changes;
    await trx
      .updateTable('planned_meetings')
      .set((eb) => ({ ...rest, ...(exceptions ? { exceptions: JSON.stringify(exceptions) } : {}), ...(overrides ? { overrides: JSON.stringify(overrides) } : {}), sequence: eb('sequence', '+', 1), updated_at: at }))
      .where('id', '=', id)
      .execute();
    if (invitees?.remove.length) await trx.deleteFrom('planned_meeting_invitees').where('meeting_id', '=', id).where('email', 'in', invitees.remove).execute();
    if (invitees?.add.length) await trx.insertInto('planned_meeting_invitees').values(invitees.add.map((i) => ({ ...i, meeting_id: id, created_at: at }))).execute();
  }

  async cancel(trx: Executor, id: string, at: Date): Promise<boolean> {
    const r = await trx
      .updateTable('planned_meetings')
      .set((eb) => ({ cancelled_at: at, sequence: eb('sequence', '+', 1), updated_at: at }))
      .where('id', '=', id)
      .where('cancelled_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  byId(id: string, db: Executor = this.db): Promise<MeetingRecord | undefined> {
    return this.select(db).where('m.id', '=', id).executeTakeFirst();
  }

  invitees(meetingId: string, db: Executor = this.db): Promise<InviteeRow[]> {
    return db.selectFrom('planned_meeting_invitees').selectAll().where('meeting_id', '=', meetingId).orderBy('created_at').orderBy('email').execute();
  }

  listByRoom(roomId: string): Promise<MeetingRecord[]> {
    return this.select(this.db).where('m.room_id', '=', roomId).orderBy('m.starts_at').execute();
  }

  /**
   * The meetings a user sees, not cancelled, whose series has not ended before `from` and started before `to`:
   * organized by them, in rooms they own, or with them invited (by account or by their e-mail address).
   */
  async forUser(user: { id: string; email: string | null }, from: Date, to: Date): Promise<(MeetingRecord & { invited: boolean })[]> {
    const rows = await this.select(this.db)
      .select((eb) =>
        eb
          .exists(
            eb
              .selectFrom('planned_meeting_invitees as i')
              .select('i.meeting_id')
              .whereRef('i.meeting_id', '=', 'm.id')
              .where((w) => (user.email ? w.or([w('i.user_id', '=', user.id), w('i.email', '=', user.email.toLowerCase())]) : w('i.user_id', '=', user.id))),
          )
          .as('invited'),
      )
      .where('m.cancelled_at', 'is', null)
      .where('m.series_ends_at', '>=', from)
      .where('m.starts_at', '<', to)
      .where((eb) =>
        eb.or([
          eb('m.organizer_id', '=', user.id),
          eb('r.owner_id', '=', user.id),
          eb.exists(
            eb
              .selectFrom('planned_meeting_invitees as i')
              .select('i.meeting_id')
              .whereRef('i.meeting_id', '=', 'm.id')
              .where((w) => (user.email ? w.or([w('i.user_id', '=', user.id), w('i.email', '=', user.email.toLowerCase())]) : w('i.user_id', '=', user.id))),
          ),
        ]),
      )
      .orderBy('m.starts_at')
      .execute();
    return rows.map((r) => ({ ...r, invited: Boolean(r.invited) }));
  }

  /** A user's meetings for the feed, from `from` on (cancelled ones drop out: a calendar then removes them). */
  async forFeed(user: { id: string; email: string | null }, from: Date): Promise<MeetingRecord[]> {
    const far = new Date('9999-01-01T00:00:00Z');
    return this.forUser(user, from, far);
  }

  /** The room's meetings that have not ended by `at`, soonest first. */
  activeInRoom(roomId: string, at: Date): Promise<MeetingRecord[]> {
    return this.select(this.db).where('m.room_id', '=', roomId).where('m.cancelled_at', 'is', null).where('m.series_ends_at', '>=', at).orderBy('m.starts_at').execute();
  }

  /** Accounts by e-mail address (lower case). */
  async accountsByEmail(emails: readonly string[], db: Executor = this.db): Promise<Map<string, { id: string; display_name: string }>> {
    if (!emails.length) return new Map();
    const rows = await db
      .selectFrom('users')
      .select(['id', 'display_name', 'email'])
      .where((eb) => eb(eb.fn('lower', ['email']), 'in', emails))
      .execute();
    return new Map(rows.map((r) => [r.email!.toLowerCase(), { id: r.id, display_name: r.display_name }]));
  }

  // ── calendar feed ──

  async feedOf(userId: string): Promise<{ created_at: Date } | undefined> {
    return this.db.selectFrom('calendar_feeds').select('created_at').where('user_id', '=', userId).executeTakeFirst();
  }

  /** A new token for the user's feed; the previous one stops working. */
  async setFeed(userId: string, token: string, at: Date): Promise<void> {
    const token_hash = hashFeedToken(token);
    await this.db
      .insertInto('calendar_feeds')
      .values({ user_id: userId, token_hash, created_at: at })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ token_hash, created_at: at }))
      .execute();
  }

  async revokeFeed(userId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('calendar_feeds').where('user_id', '=', userId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async userByFeedToken(token: string): Promise<{ id: string; email: string | null; display_name: string } | undefined> {
    return this.db
      .selectFrom('calendar_feeds as f')
      .innerJoin('users as u', 'u.id', 'f.user_id')
      .select(['u.id', 'u.email', 'u.display_name'])
      .where('f.token_hash', '=', hashFeedToken(token))
      .executeTakeFirst();
  }
}
