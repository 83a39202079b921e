import { afterEach, describe, expect, it } from 'vitest';
import { featureCatalogue } from '../features.ts';
import { backends, openTestStorage } from '../storage/testing.ts';
import { personalDataUnits } from './personal-data.ts';
import { runRetention } from './retention.ts';

const now = new Date('2027-06-01T10:00:00Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
const periods = { attendance: 365, minutes_drafts: 180, invites: 90, recordings: 30 };

describe.each(backends)('GDPR retention on %s', (backend) => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('deletes ended meetings and idle drafts older than the period, keeps newer ones, running meetings and the drafts of live rooms', async () => {
    const storage = await openTestStorage(backend);
    close = storage.close;
    const db = storage.db;
    const owner = crypto.randomUUID();
    await db.insertInto('users').values({ id: owner, issuer: 'urn:t', subject: owner, display_name: 'Owner', email: null, role: 'user' }).execute();
    const rooms = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()] as const;
    for (const id of rooms) await db.insertInto('rooms').values({ id, owner_id: owner, name: 'Council', waiting_room: false, e2e_encryption: false }).execute();
    const meeting = async (ended: Date | null, started: Date) => {
      const id = crypto.randomUUID();
      await db.insertInto('attendance_meetings').values({ id, room_id: rooms[0], started_at: started, ended_at: ended }).execute();
      await db.insertInto('attendance_entries').values({ id: crypto.randomUUID(), meeting_id: id, participant_id: crypto.randomUUID(), display_name: 'Anna', kind: 'user', joined_at: started, left_at: ended }).execute();
      return id;
    };
    const old = await meeting(daysAgo(400), daysAgo(400));
    const recent = await meeting(daysAgo(10), daysAgo(10));
    const running = await meeting(null, daysAgo(500));
    await db.insertInto('minutes_documents').values({ room_id: rooms[0], state: 'AA==', sealed: false, updated_at: daysAgo(200) }).execute();
    await db.insertInto('minutes_documents').values({ room_id: rooms[1], state: 'AA==', sealed: false, updated_at: daysAgo(200) }).execute();
    await db.insertInto('minutes_documents').values({ room_id: rooms[2], state: 'AA==', sealed: false, updated_at: daysAgo(5) }).execute();
    // Sealed minutes are the record of the session: never purged, however old.
    await db.insertInto('minutes_documents').values({ room_id: rooms[3], state: 'AA==', sealed: true, updated_at: daysAgo(3000) }).execute();
    // Invites: revoked 100 days ago and expired 100 days ago go; expired 10 days ago, revoked yesterday and open-ended stay.
    const invite = (code: string, v: { expires_at?: Date; revoked_at?: Date }) =>
      db.insertInto('invites').values({ code, room_id: rooms[0], label: code, created_by: owner, created_at: daysAgo(400), ...v }).execute();
    await invite('revoked-long-ago', { revoked_at: daysAgo(100) });
    await invite('expired-long-ago', { expires_at: daysAgo(100) });
    await invite('expired-recently', { expires_at: daysAgo(10) });
    await invite('revoked-yesterday', { revoked_at: daysAgo(1), expires_at: daysAgo(-30) });
    await invite('open-ended', {});
    const live = new Set<string>([rooms[1]]);

    const run = await runRetention(db, featureCatalogue, periods, now, { isLive: (id) => Promise.resolve(live.has(id)) });
    expect(run.deleted).toEqual({ attendance: 2, minutes_drafts: 1, invites: 2, recordings: 0 });
    expect((await db.selectFrom('invites').select('code').orderBy('code').execute()).map((r) => r.code)).toEqual(['expired-recently', 'open-ended', 'revoked-yesterday']);
    const meetings = (await db.selectFrom('attendance_meetings').select('id').execute()).map((r) => r.id).sort();
    expect(meetings).toEqual([recent, running].sort());
    expect(meetings).not.toContain(old);
    expect(await db.selectFrom('attendance_entries').select('id').execute()).toHaveLength(2);
    expect((await db.selectFrom('minutes_documents').select('room_id').execute()).map((r) => r.room_id).sort()).toEqual([rooms[1], rooms[2], rooms[3]].sort());
    const audit = await db.selectFrom('admin_audit_log').selectAll().execute();
    expect(audit.map((a) => [a.actor, a.action])).toEqual([['system:retention', 'retention.purged']]);

    // A second run finds nothing and writes no audit entry; period 0 keeps everything.
    expect((await runRetention(db, featureCatalogue, periods, now, { isLive: () => Promise.resolve(false) })).deleted).toEqual({ attendance: 0, minutes_drafts: 1, invites: 0, recordings: 0 });
    expect((await runRetention(db, featureCatalogue, { attendance: 0, minutes_drafts: 0, invites: 0, recordings: 0 }, new Date(now.getTime() + 1e12), { isLive: () => Promise.resolve(false) })).deleted).toEqual({});
    expect(await db.selectFrom('attendance_meetings').select('id').execute()).toHaveLength(2);
  });

  it('every table is either purged by a rule or kept with a reason', async () => {
    const storage = await openTestStorage(backend);
    close = storage.close;
    const rows = await storage.db
      .selectFrom('information_schema.tables' as never)
      .select('table_name' as never)
      .where('table_schema' as never, '=', storage.schema as never)
      .execute();
    const tables = (rows as { table_name: string }[]).map((r) => r.table_name).filter((t) => !t.startsWith('kysely_')).sort();
    const declared = new Set<string>();
    for (const { unit } of personalDataUnits(featureCatalogue)) {
      for (const rule of Object.values(unit.retention.purge ?? {})) for (const t of rule.tables) declared.add(t);
      for (const t of Object.keys(unit.retention.kept ?? {})) declared.add(t);
    }
    expect(tables.filter((t) => !declared.has(t))).toEqual([]);
    expect(tables.length).toBeGreaterThan(10);
  });
});
