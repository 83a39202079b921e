import { sql } from 'kysely';
import type { PersonalDataUnit } from './unit.ts';

/** Committee roster: entries linked to the account or to its e-mail address. */
export const committeePersonalData: PersonalDataUnit = {
  async export(db, s) {
    const rows = await db
      .selectFrom('committee_members')
      .selectAll()
      .where((eb) => (s.email ? eb.or([eb('user_id', '=', s.userId), eb('user_email', '=', s.email)]) : eb('user_id', '=', s.userId)))
      .orderBy('created_at')
      .execute();
    return { committee_members: rows };
  },
  async pseudonymise(db, s) {
    const r = await db
      .updateTable('committee_members')
      .set({ display_name: s.pseudonym, user_email: null })
      .where((eb) => (s.email ? eb.or([eb('user_id', '=', s.userId), eb('user_email', '=', s.email)]) : eb('user_id', '=', s.userId)))
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  },
};

/**
 * Attendance entries carry no account id, only the name shown in the room: an account's entries are those of kind
 * `user` under its display name.
 */
export const attendancePersonalData: PersonalDataUnit = {
  async export(db, s) {
    const rows = await db
      .selectFrom('attendance_entries as e')
      .innerJoin('attendance_meetings as m', 'm.id', 'e.meeting_id')
      .select(['e.id', 'e.meeting_id', 'm.room_id', 'e.display_name', 'e.kind', 'e.joined_at', 'e.left_at'])
      .where('e.kind', '=', 'user')
      .where('e.display_name', '=', s.displayName)
      .orderBy('e.joined_at')
      .execute();
    return { attendance_entries: rows };
  },
  async pseudonymise(db, s) {
    const r = await db
      .updateTable('attendance_entries')
      .set({ display_name: s.pseudonym })
      .where('kind', '=', 'user')
      .where('display_name', '=', s.displayName)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  },
};

const legalRecord = 'signed and hash-chained record of a decision, kept by legal obligation (Art. 17(3)(b) GDPR); rewriting it would break its verification';

/** Votes: exported where the account appears; never rewritten. */
export const legalVotePersonalData: PersonalDataUnit = {
  async export(db, s) {
    const rows = await db
      .selectFrom('legal_vote_events')
      .select(['vote_id', 'seq', 'type', 'content', 'created_at'])
      .where(sql<boolean>`content::text like ${'%' + s.userId + '%'}`)
      .orderBy('vote_id')
      .orderBy('seq')
      .execute();
    return { legal_vote_events: rows };
  },
  pseudonymise: () => Promise.resolve(0),
  retained: { legal_vote_events: legalRecord, legal_vote_ballots: 'holds an unlinkable voter key only', legal_vote_urn: 'secret ballots, unlinkable to anyone' },
};

/** Minutes: sealed versions are exported where the account appears; never rewritten. Drafts are free text. */
export const minutesPersonalData: PersonalDataUnit = {
  async export(db, s) {
    const rows = await db
      .selectFrom('minutes_versions')
      .select(['room_id', 'version', 'content', 'created_at'])
      .where((eb) => eb.or([sql<boolean>`content::text like ${'%' + s.userId + '%'}`, sql<boolean>`content::text like ${'%' + s.displayName + '%'}`]))
      .orderBy('room_id')
      .orderBy('version')
      .execute();
    return { minutes_versions: rows };
  },
  pseudonymise: () => Promise.resolve(0),
  retained: { minutes_versions: legalRecord, minutes_documents: 'the draft is free text edited by the room and is not searched for names; no automatic retention yet' },
};

/** Moderation: the account's bans (keyed `user:<id>`), and bans it placed (recorded by the moderator's name). */
export const moderationPersonalData: PersonalDataUnit = {
  async export(db, s) {
    const rows = await db
      .selectFrom('moderation_bans')
      .select(['id', 'room_id', 'ban_key', 'display_name', 'banned_by', 'banned_at', 'reason'])
      .where((eb) => eb.or([eb('ban_key', '=', `user:${s.userId}`), eb('banned_by', '=', s.displayName)]))
      .orderBy('banned_at')
      .execute();
    return { moderation_bans: rows };
  },
  async pseudonymise(db, s) {
    const banned = await db.updateTable('moderation_bans').set({ display_name: s.pseudonym }).where('ban_key', '=', `user:${s.userId}`).executeTakeFirst();
    const placed = await db.updateTable('moderation_bans').set({ banned_by: s.pseudonym }).where('banned_by', '=', s.displayName).executeTakeFirst();
    return Number(banned.numUpdatedRows) + Number(placed.numUpdatedRows);
  },
};
