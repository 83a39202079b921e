import { sql } from 'kysely';
import type { PersonalDataUnit } from './unit.ts';

const asTheRoom = 'kept as long as the room exists (deleted with it by its owner or an admin)';
const noPersonalData = 'no personal data';

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
  async delete(db, s) {
    // The seat stays (quorum, deputies and votes refer to it), without its holder: pseudonym, no account, no address.
    const r = await db
      .updateTable('committee_members')
      .set({ display_name: s.pseudonym, user_email: null, user_id: null })
      .where((eb) => (s.email ? eb.or([eb('user_id', '=', s.userId), eb('user_email', '=', s.email)]) : eb('user_id', '=', s.userId)))
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  },
  keptOnDelete: { committee_members: 'the seat belongs to the committee (quorum, deputies and votes refer to it): kept under the pseudonym, unlinked from the account and its address' },
  retention: {
    kept: {
      committee_members: `${asTheRoom}: the roster gives voting rights and quorum to every future meeting`,
      agenda_items: `${asTheRoom}: the agenda of the room`,
      committee_settings: noPersonalData,
    },
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
  delete(db, s) {
    return attendancePersonalData.pseudonymise(db, s);
  },
  keptOnDelete: {
    attendance_entries: 'who attended a meeting is evidence for its quorum and decisions: kept under the pseudonym until RETENTION_ATTENDANCE_DAYS after the meeting',
  },
  retention: {
    purge: {
      attendance: {
        period: 'attendance',
        tables: ['attendance_meetings', 'attendance_entries'],
        description: 'ended meetings and their attendance entries, counted from the end of the meeting; a running meeting (not ended) is never touched',
        async purge(trx, olderThan) {
          const ended = trx.selectFrom('attendance_meetings').select('id').where('ended_at', 'is not', null).where('ended_at', '<', olderThan);
          const entries = await trx.deleteFrom('attendance_entries').where('meeting_id', 'in', ended).executeTakeFirst();
          const meetings = await trx.deleteFrom('attendance_meetings').where('ended_at', 'is not', null).where('ended_at', '<', olderThan).executeTakeFirst();
          return Number(entries.numDeletedRows) + Number(meetings.numDeletedRows);
        },
      },
    },
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
  delete: () => Promise.resolve(0),
  keptOnDelete: { legal_vote_events: legalRecord, legal_vote_ballots: 'holds an unlinkable voter key only' },
  retained: { legal_vote_events: legalRecord, legal_vote_ballots: 'holds an unlinkable voter key only', legal_vote_urn: 'secret ballots, unlinkable to anyone' },
  retention: {
    kept: {
      legal_votes: legalRecord,
      legal_vote_events: legalRecord,
      legal_vote_ballots: `${legalRecord}; holds who has voted (not how), which the signed result counts`,
      legal_vote_urn: 'secret ballots waiting for the close of an open vote; emptied by the close',
    },
  },
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
  delete: () => Promise.resolve(0),
  keptOnDelete: { minutes_versions: legalRecord },
  retained: { minutes_versions: legalRecord, minutes_documents: 'the draft is free text edited by the room and is not searched for names; deleted after RETENTION_MINUTES_DRAFT_DAYS without edits' },
  retention: {
    purge: {
      minutes_drafts: {
        period: 'minutes_drafts',
        tables: ['minutes_documents'],
        description: 'the working draft of a room not edited for the period (sealed versions stay); the draft of a room that is live is kept',
        async purge(trx, olderThan, ctx) {
          // A sealed document is the record as sealed (it stays locked); only unsealed working drafts go.
          const stale = await trx.selectFrom('minutes_documents').select('room_id').where('updated_at', '<', olderThan).where('sealed', '=', false).execute();
          const rooms: string[] = [];
          for (const { room_id } of stale) if (!(await ctx.isLive(room_id))) rooms.push(room_id);
          if (!rooms.length) return 0;
          const r = await trx.deleteFrom('minutes_documents').where('room_id', 'in', rooms).where('updated_at', '<', olderThan).where('sealed', '=', false).executeTakeFirst();
          return Number(r.numDeletedRows);
        },
      },
    },
    kept: { minutes_versions: legalRecord },
  },
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
  async delete(db, s) {
    // A ban of the account goes with it; a ban the person placed stays (deleting it would lift it), under the pseudonym.
    const banned = await db.deleteFrom('moderation_bans').where('ban_key', '=', `user:${s.userId}`).executeTakeFirst();
    const placed = await db.updateTable('moderation_bans').set({ banned_by: s.pseudonym }).where('banned_by', '=', s.displayName).executeTakeFirst();
    return Number(banned.numDeletedRows) + Number(placed.numUpdatedRows);
  },
  keptOnDelete: { moderation_bans: 'bans the person placed on others stay in force (deleting one would lift it), with the pseudonym as who placed it' },
  retention: {
    kept: {
      moderation_bans: `${asTheRoom} or until the ban is lifted: deleting a ban would lift it`,
      moderation_room_locks: noPersonalData,
    },
  },
};

/**
 * Dial-in IDs and PINs of rooms: about rooms, not people. Personal phone PINs belong to a personal invite (the one
 * a roster member holds): a credential of that member, with no name, number or account of its own. They are
 * exported with the invites the account created (which the core exports) and go with their invite: deleted with
 * it (also by the invites' retention rule) and with the room.
 */
export const telephonePersonalData: PersonalDataUnit = {
  async export(db, s) {
    const rows = await db
      .selectFrom('telephone_personal_pins as p')
      .innerJoin('invites as i', 'i.code', 'p.invite_code')
      .select(['p.room_id', 'i.label', 'p.created_at'])
      .where('i.created_by', '=', s.userId)
      .orderBy('p.created_at')
      .execute();
    return { telephone_personal_pins: rows };
  },
  pseudonymise: () => Promise.resolve(0),
  // The PINs go with the invites the account created, which the core deletes with the account.
  delete: () => Promise.resolve(0),
  retained: { telephone_personal_pins: 'holds no name: a PIN of an invite, deleted with the invite' },
  retention: {
    kept: {
      telephone_dial_ins: `${noPersonalData}; ${asTheRoom}`,
      telephone_personal_pins: 'a personal invite\u2019s phone PIN (a credential, no name or number): kept as long as its invite exists, deleted with it (RETENTION_INVITES_DAYS after revocation or expiry) and with the room',
    },
  },
};

/**
 * Planned meetings: those the account organized, its invitations (by account or by its e-mail address), and its
 * calendar feed (only whether one exists; the token is stored as a hash).
 */
export const meetingsPersonalData: PersonalDataUnit = {
  async export(db, s) {
    const organized = await db
      .selectFrom('planned_meetings')
      .select(['id', 'room_id', 'title', 'start_local', 'end_local', 'time_zone', 'rrule', 'cancelled_at', 'created_at'])
      .where('organizer_id', '=', s.userId)
      .orderBy('created_at')
      .execute();
    const invitations = await db
      .selectFrom('planned_meeting_invitees')
      .select(['meeting_id', 'email', 'display_name', 'language', 'created_at'])
      .where((eb) => (s.email ? eb.or([eb('user_id', '=', s.userId), eb('email', '=', s.email.toLowerCase())]) : eb('user_id', '=', s.userId)))
      .orderBy('created_at')
      .execute();
    const feeds = await db.selectFrom('calendar_feeds').select(['created_at']).where('user_id', '=', s.userId).execute();
    return { planned_meetings: organized, planned_meeting_invitees: invitations, calendar_feeds: feeds };
  },
  async pseudonymise(db, s) {
    const r = await db
      .updateTable('planned_meeting_invitees')
      .set({ display_name: s.pseudonym, email: `${s.userId}@pseudonymised.invalid` })
      .where((eb) => (s.email ? eb.or([eb('user_id', '=', s.userId), eb('email', '=', s.email.toLowerCase())]) : eb('user_id', '=', s.userId)))
      .executeTakeFirst();
    // A feed URL names no one, but it would still show the pseudonymised account's meetings: it goes.
    const f = await db.deleteFrom('calendar_feeds').where('user_id', '=', s.userId).executeTakeFirst();
    return Number(r.numUpdatedRows) + Number(f.numDeletedRows);
  },
  async delete(db, s) {
    // Invitations by account or address go; meetings the person organized go with the account (foreign key).
    const inv = await db
      .deleteFrom('planned_meeting_invitees')
      .where((eb) => (s.email ? eb.or([eb('user_id', '=', s.userId), eb('email', '=', s.email.toLowerCase())]) : eb('user_id', '=', s.userId)))
      .executeTakeFirst();
    const organized = await db.deleteFrom('planned_meetings').where('organizer_id', '=', s.userId).executeTakeFirst();
    const f = await db.deleteFrom('calendar_feeds').where('user_id', '=', s.userId).executeTakeFirst();
    return Number(inv.numDeletedRows) + Number(organized.numDeletedRows) + Number(f.numDeletedRows);
  },
  retention: {
    kept: {
      planned_meetings: `${asTheRoom}: the room's planned meetings (titles and times; the organizer by account)`,
      planned_meeting_invitees: `${asTheRoom}, with their meeting; a removed invitee's row goes at once`,
      calendar_feeds: 'until the account revokes its feed, is pseudonymised or deleted',
    },
  },
};
