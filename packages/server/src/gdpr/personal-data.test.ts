import { afterEach, describe, expect, it } from 'vitest';
import { SigningKey } from '../audit/signing.ts';
import { featureCatalogue } from '../features.ts';
import { loadExport } from '../modules/legal_vote/export.ts';
import { LegalVoteRepository } from '../modules/legal_vote/storage.ts';
import { voteParams } from '../modules/legal_vote/testing.ts';
import { verifyVoteExport } from '../modules/legal_vote/verify.ts';
import { featureMigrations } from '../signaling/compose.ts';
import type { AnyFeature } from '../signaling/feature.ts';
import type { Db } from '../storage/database.ts';
import { backends, openTestStorage } from '../storage/testing.ts';
import { verifyAuditEntries } from '../audit/admin-log-verify.ts';
import { readAdminAudit } from '../audit/admin-log.ts';
import { deletePersonalData, exportPersonalData, LastAdminError, pseudonymisePersonalData, pseudonymOf } from './personal-data.ts';
import { runRetention } from './retention.ts';

const at = new Date('2026-03-02T09:00:00Z');
const key = SigningKey.generate();

async function person(db: Db, name: string, email: string) {
  const localId = crypto.randomUUID();
  const id = crypto.randomUUID();
  await db.insertInto('local_accounts').values({ id: localId, username: name.toLowerCase().replace(' ', '.'), password_hash: 'x', display_name: name, email, is_admin: false }).execute();
  await db.insertInto('users').values({ id, issuer: 'https://plenum.test/oidc', subject: localId, display_name: name, email, role: 'user' }).execute();
  await db.insertInto('sessions').values({ id: `s-${id}`, user_id: id, csrf_token: 'c', id_token: null, expires_at: new Date(Date.now() + 3600_000) }).execute();
  return { id, localId, name, email };
}

/** Every text value in the database, to look for a name or address anywhere. */
async function everyValue(db: Db): Promise<string> {
  const tables = ['users', 'local_accounts', 'sessions', 'rooms', 'invites', 'committee_members', 'attendance_entries', 'planned_meeting_invitees'] as const;
  const out: unknown[] = [];
  for (const t of tables) out.push(await db.selectFrom(t).selectAll().execute());
  return JSON.stringify(out);
}

describe.each(backends)('GDPR export and pseudonymisation on %s', (backend) => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  async function setup() {
    const storage = await openTestStorage(backend);
    close = storage.close;
    const db = storage.db;
    const anna = await person(db, 'Anna Alpha', 'anna@example.org');
    const bert = await person(db, 'Bert Beta', 'bert@example.org');
    const roomId = crypto.randomUUID();
    await db.insertInto('rooms').values({ id: roomId, owner_id: anna.id, name: 'Council', waiting_room: false, e2e_encryption: false }).execute();
    await db.insertInto('invites').values({ code: 'inv1', room_id: roomId, label: 'for Bert', created_by: anna.id }).execute();
    for (const [i, p] of [anna, bert].entries()) {
      await db.insertInto('committee_members').values({ id: crypto.randomUUID(), room_id: roomId, display_name: p.name, user_id: p.id, user_email: p.email, role: 'member', voting: true, position: i }).execute();
    }
    const meetingId = crypto.randomUUID();
    await db.insertInto('attendance_meetings').values({ id: meetingId, room_id: roomId, started_at: at, ended_at: null }).execute();
    for (const p of [anna, bert]) {
      await db.insertInto('attendance_entries').values({ id: crypto.randomUUID(), meeting_id: meetingId, participant_id: crypto.randomUUID(), display_name: p.name, kind: 'user', joined_at: at, left_at: null }).execute();
    }
    // Anna banned from the room (by Bert), and Bert banned by Anna: both rows are about Anna.
    await db.insertInto('moderation_bans').values({ id: crypto.randomUUID(), room_id: roomId, ban_key: `user:${anna.id}`, display_name: anna.name, banned_by: bert.name, banned_at: at, reason: null }).execute();
    await db.insertInto('moderation_bans').values({ id: crypto.randomUUID(), room_id: roomId, ban_key: `user:${bert.id}`, display_name: bert.name, banned_by: anna.name, banned_at: at, reason: null }).execute();
    // A planned meeting with both invited: Anna by her address only (invited before she had an account), Bert as an account; Anna's calendar feed.
    const plannedId = crypto.randomUUID();
    await db
      .insertInto('planned_meetings')
      .values({ id: plannedId, room_id: roomId, organizer_id: anna.id, title: 'Haushalt', start_local: '2026-03-17T18:00', end_local: '2026-03-17T20:00', time_zone: 'Europe/Berlin', starts_at: at, ends_at: at, series_ends_at: at, exceptions: '[]' })
      .execute();
    await db.insertInto('planned_meeting_invitees').values({ meeting_id: plannedId, email: anna.email, display_name: anna.name, language: 'de', user_id: null, invite_code: null }).execute();
    await db.insertInto('planned_meeting_invitees').values({ meeting_id: plannedId, email: bert.email, display_name: bert.name, language: 'en', user_id: bert.id, invite_code: null }).execute();
    await db.insertInto('calendar_feeds').values({ user_id: anna.id, token_hash: 'h' }).execute();
    // A sealed roll-call vote in which both voted.
    const votes = new LegalVoteRepository(db);
    const params = voteParams('roll_call', 2);
    params.eligible = [anna, bert].map((p) => ({ voter_id: p.id, display_name: p.name, substitutes_for: null, proxy: null }));
    await votes.create({ roomId, params, at });
    for (const p of [anna, bert]) await votes.castBallot(params.vote.id, p.id, { voter_id: p.id, display_name: p.name, choices: ['yes'], cast_by_proxy: null }, at);
    await votes.close(params.vote.id, 'chair', at, key);
    return { db, anna, bert, roomId, votes, voteId: params.vote.id };
  }

  it('the export holds the person’s data from every unit and nothing of anyone else', { timeout: 60_000 }, async () => {
    const { db, anna, bert } = await setup();
    const exp = (await exportPersonalData(db, featureCatalogue, anna.id))!;
    const text = JSON.stringify(exp);
    for (const v of [anna.id, anna.email, anna.name, anna.localId, 'Council', 'for Bert']) expect(text).toContain(v);
    expect(exp.units.core!.users).toHaveLength(1);
    expect(exp.units.core!.local_accounts).toHaveLength(1);
    expect(exp.units.core!.sessions).toHaveLength(1);
    expect(exp.units.agenda!.committee_members).toHaveLength(1);
    expect(exp.units.attendance!.attendance_entries).toHaveLength(1);
    expect(exp.units.moderation!.moderation_bans).toHaveLength(2);
    expect(exp.units.meetings!.planned_meetings).toHaveLength(1);
    expect(exp.units.meetings!.planned_meeting_invitees).toEqual([expect.objectContaining({ email: anna.email, display_name: anna.name })]);
    expect(exp.units.meetings!.calendar_feeds).toHaveLength(1);
    expect(exp.units.legal_vote!.legal_vote_events!.length).toBeGreaterThanOrEqual(1);
    expect(exp.retained).toHaveProperty('legal_vote_events');
    // Bert's ballot event names both voters only in the close event's results; his own ballot is not in Anna's export.
    const annaEvents = exp.units.legal_vote!.legal_vote_events as { type: string; content: unknown }[];
    expect(annaEvents.filter((e) => JSON.stringify(e.content).includes(bert.id) && !JSON.stringify(e.content).includes(anna.id))).toEqual([]);
    for (const v of [bert.email, bert.localId]) expect(text).not.toContain(v);
    expect(await exportPersonalData(db, featureCatalogue, crypto.randomUUID())).toBeUndefined();
  });

  it('pseudonymisation removes name and e-mail from every table, ends sessions, audits, and the sealed vote still verifies', { timeout: 60_000 }, async () => {
    const { db, anna, bert, votes, voteId } = await setup();
    const before = (await loadExport(votes, voteId, key.publicKey))!;
    expect(verifyVoteExport(before, key.publicKey.public_key)).toMatchObject({ ok: true });
    const result = (await pseudonymisePersonalData(db, featureCatalogue, anna.id, 'user:admin', at))!;
    expect(result.pseudonym).toBe(pseudonymOf(anna.id));
    const all = await everyValue(db);
    for (const v of [anna.name, anna.email, 'anna.alpha']) expect(all).not.toContain(v);
    for (const v of [bert.name, bert.email]) expect(all).toContain(v);
    expect(all).toContain(result.pseudonym);
    expect(await db.selectFrom('sessions').select('user_id').execute()).toEqual([{ user_id: bert.id }]);
    expect(await db.selectFrom('calendar_feeds').select('user_id').execute()).toEqual([]);
    const local = await db.selectFrom('local_accounts').select('password_hash').where('id', '=', anna.localId).executeTakeFirstOrThrow();
    expect(local.password_hash).not.toBe('x');
    const audit = await db.selectFrom('admin_audit_log').select(['action', 'target', 'actor']).where('action', '=', 'user.pseudonymised').execute();
    expect(audit).toEqual([{ action: 'user.pseudonymised', target: anna.id, actor: 'user:admin' }]);
    const after = (await loadExport(votes, voteId, key.publicKey))!;
    expect(after).toEqual(before);
    expect(verifyVoteExport(after, key.publicKey.public_key)).toMatchObject({ ok: true, state: 'closed' });
    expect(await pseudonymisePersonalData(db, featureCatalogue, crypto.randomUUID(), 'user:admin', at)).toBeUndefined();
  });

  it('deletion removes the account, its login, sessions, rooms and data; kept rows carry the pseudonym; the sealed vote still verifies; the audit entry names no one', { timeout: 60_000 }, async () => {
    const { db, anna, bert, votes, voteId, roomId } = await setup();
    // Bert's own room, where Anna sits on the roster: the room stays, her seat stays without her.
    const bertRoom = crypto.randomUUID();
    await db.insertInto('rooms').values({ id: bertRoom, owner_id: bert.id, name: 'Bert room', waiting_room: false, e2e_encryption: false }).execute();
    await db.insertInto('committee_members').values({ id: crypto.randomUUID(), room_id: bertRoom, display_name: anna.name, user_id: anna.id, user_email: anna.email, role: 'member', voting: true, position: 0 }).execute();
    const before = (await loadExport(votes, voteId, key.publicKey))!;
    const result = (await deletePersonalData(db, featureCatalogue, anna.id, 'user:admin', at))!;
    expect(result.pseudonym).toBe(pseudonymOf(anna.id));
    expect(result.rooms).toEqual([roomId]);
    expect(result.kept).toHaveProperty('legal_vote_events');
    expect(result.kept).toHaveProperty('committee_members');
    expect(await db.selectFrom('users').select('id').execute()).toEqual([{ id: bert.id }]);
    expect(await db.selectFrom('local_accounts').select('id').execute()).toEqual([{ id: bert.localId }]);
    expect(await db.selectFrom('sessions').select('user_id').execute()).toEqual([{ user_id: bert.id }]);
    expect(await db.selectFrom('rooms').select('id').execute()).toEqual([{ id: bertRoom }]);
    expect(await db.selectFrom('calendar_feeds').select('user_id').execute()).toEqual([]);
    expect(await db.selectFrom('moderation_bans').select('id').execute()).toEqual([]); // both were in Anna's room
    const seat = await db.selectFrom('committee_members').select(['display_name', 'user_id', 'user_email']).where('room_id', '=', bertRoom).execute();
    expect(seat).toEqual([{ display_name: result.pseudonym, user_id: null, user_email: null }]);
    const all = await everyValue(db);
    for (const v of [anna.name, anna.email, 'anna.alpha', anna.localId]) expect(all).not.toContain(v);
    for (const v of [bert.name, bert.email]) expect(all).toContain(v);
    expect(await exportPersonalData(db, featureCatalogue, anna.id)).toBeUndefined();
    // The signed vote (no foreign key to the room) is unchanged and verifies.
    const after = (await loadExport(votes, voteId, key.publicKey))!;
    expect(after).toEqual(before);
    expect(verifyVoteExport(after, key.publicKey.public_key)).toMatchObject({ ok: true, state: 'closed', tally: { yes: 2 } });
    const log = await readAdminAudit(db, 0, 100);
    expect(log.map((e) => [e.action, e.target])).toEqual([['user.deleted', anna.id]]);
    for (const v of [anna.name, anna.email, 'anna.alpha', 'Council']) expect(JSON.stringify(log)).not.toContain(v);
    expect(verifyAuditEntries(log)).toMatchObject({ ok: true, entries: 1 });
    expect(await deletePersonalData(db, featureCatalogue, crypto.randomUUID(), 'user:admin', at)).toBeUndefined();
  });

  it('the last admin cannot be deleted; with a second admin it can', { timeout: 60_000 }, async () => {
    const { db, anna, bert } = await setup();
    await db.updateTable('users').set({ role: 'admin' }).where('id', '=', anna.id).execute();
    await expect(deletePersonalData(db, featureCatalogue, anna.id, `user:${anna.id}`, at)).rejects.toBeInstanceOf(LastAdminError);
    expect(await db.selectFrom('users').select('id').where('id', '=', anna.id).execute()).toHaveLength(1);
    expect(await readAdminAudit(db, 0, 10)).toEqual([]);
    await db.updateTable('users').set({ role: 'admin' }).where('id', '=', bert.id).execute();
    expect(await deletePersonalData(db, featureCatalogue, anna.id, `user:${bert.id}`, at)).toMatchObject({ pseudonym: pseudonymOf(anna.id) });
  });

  it('a retention purge after pseudonymisation deletes the old attendance; the sealed vote export is unchanged and verifies, the audit chain holds', { timeout: 60_000 }, async () => {
    const { db, anna, votes, voteId } = await setup();
    const before = (await loadExport(votes, voteId, key.publicKey))!;
    await pseudonymisePersonalData(db, featureCatalogue, anna.id, 'user:admin', at);
    await db.updateTable('attendance_meetings').set({ ended_at: at }).execute();
    const years = new Date(at.getTime() + 3 * 365 * 86_400_000);
    const run = await runRetention(db, featureCatalogue, { attendance: 365, minutes_drafts: 180, invites: 90, recordings: 30 }, years, { isLive: () => Promise.resolve(false) });
    expect(run.deleted.attendance).toBe(3); // the meeting and both entries
    expect(await db.selectFrom('attendance_entries').select('id').execute()).toEqual([]);
    const after = (await loadExport(votes, voteId, key.publicKey))!;
    expect(after).toEqual(before);
    expect(verifyVoteExport(after, key.publicKey.public_key)).toMatchObject({ ok: true, state: 'closed', tally: { yes: 2 } });
    const log = await readAdminAudit(db, 0, 100);
    expect(log.map((e) => e.action)).toEqual(['user.pseudonymised', 'retention.purged']);
    expect(verifyAuditEntries(log)).toMatchObject({ ok: true, entries: 2 });
  });
});

describe('a feature with storage must declare its personal data', () => {
  it('is refused at composition without personalData', () => {
    const base = featureCatalogue.find((f) => f.namespace === 'attendance')!;
    expect(() => featureMigrations([base])).not.toThrow();
    const { personalData: _unused, ...undeclared } = base;
    expect(() => featureMigrations([undeclared as AnyFeature])).toThrow(/"attendance" stores data .* declares no personalData/);
  });

  it('is refused at composition when its personalData has no delete operation', () => {
    const base = featureCatalogue.find((f) => f.namespace === 'attendance')!;
    const { delete: _unused, ...noDelete } = base.personalData!;
    expect(() => featureMigrations([{ ...base, personalData: noDelete } as AnyFeature])).toThrow(/"attendance" declares personalData without a delete operation/);
  });
});
