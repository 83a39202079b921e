import { afterEach, describe, expect, it } from 'vitest';
import { RoomsRepository } from '../../storage/rooms.ts';
import { backends, openTestStorage } from '../../storage/testing.ts';
import { AttendanceRepository } from './storage.ts';

const t = (s: string) => new Date(`2026-03-02T${s}Z`);

describe.each(backends)('attendance repository on %s', (backend) => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  async function setup() {
    const storage = await openTestStorage(backend);
    close = storage.close;
    const ownerId = crypto.randomUUID();
    await storage.db.insertInto('users').values({ id: ownerId, issuer: 'https://idp', subject: ownerId, display_name: 'Owner', email: null, role: 'user' }).execute();
    const rooms = new RoomsRepository(storage.db);
    const mk = async (name: string) =>
      (await rooms.create({ id: crypto.randomUUID(), owner_id: ownerId, name, password_hash: null, waiting_room: false, e2e_encryption: false }, t('08:00:00'))).id;
    return { storage, repo: new AttendanceRepository(storage.db), roomId: await mk('Council'), otherRoomId: await mk('Other'), rooms };
  }

  it('records meetings with joins and leaves, lists them newest first with distinct counts', async () => {
    const { repo, roomId, otherRoomId } = await setup();
    const m1 = await repo.startMeeting(roomId, t('09:00:00'));
    const anna = crypto.randomUUID();
    const ben = crypto.randomUUID();
    await repo.recordJoin(m1, { participantId: anna, displayName: 'Anna Äbel', kind: 'user', at: t('09:00:00') });
    await repo.recordJoin(m1, { participantId: ben, displayName: 'Ben', kind: 'sip', at: t('09:05:00') });
    await repo.recordLeave(m1, anna, t('09:30:00'));
    // Anna comes back: a second entry for the same participant id.
    await repo.recordJoin(m1, { participantId: anna, displayName: 'Anna Äbel', kind: 'user', at: t('09:40:00') });
    await repo.endMeeting(m1, t('10:00:00'));
    const m2 = await repo.startMeeting(roomId, t('14:00:00'));
    await repo.startMeeting(otherRoomId, t('15:00:00'));

    const list = await repo.listMeetings(roomId);
    expect(list.map((m) => [m.id, m.participant_count, m.ended_at && new Date(m.ended_at).toISOString()])).toEqual([
      [m2, 0, null],
      [m1, 2, '2026-03-02T10:00:00.000Z'],
    ]);
    expect(new Date(list[1]!.started_at).toISOString()).toBe('2026-03-02T09:00:00.000Z');
    const entries = await repo.entries(m1);
    expect(entries.map((e) => [e.display_name, e.kind, new Date(e.joined_at).toISOString(), e.left_at && new Date(e.left_at).toISOString()])).toEqual([
      ['Anna Äbel', 'user', '2026-03-02T09:00:00.000Z', '2026-03-02T09:30:00.000Z'],
      ['Ben', 'sip', '2026-03-02T09:05:00.000Z', '2026-03-02T10:00:00.000Z'],
      ['Anna Äbel', 'user', '2026-03-02T09:40:00.000Z', '2026-03-02T10:00:00.000Z'],
    ]);
    expect(await repo.meeting(roomId, m1)).toMatchObject({ id: m1, room_id: roomId });
    expect(await repo.meeting(otherRoomId, m1)).toBeUndefined();
  });

  it('closes a meeting a stopped node left open when the room starts its next one', async () => {
    const { repo, roomId } = await setup();
    const stale = await repo.startMeeting(roomId, t('09:00:00'));
    await repo.recordJoin(stale, { participantId: crypto.randomUUID(), displayName: 'A', kind: 'guest', at: t('09:10:00') });
    const fresh = await repo.startMeeting(roomId, t('11:00:00'));
    const [next, old] = await repo.listMeetings(roomId);
    expect(next!.id).toBe(fresh);
    expect(next!.ended_at).toBeNull();
    expect(old!.id).toBe(stale);
    expect(new Date(old!.ended_at!).toISOString()).toBe('2026-03-02T09:10:00.000Z');
    expect((await repo.entries(stale)).map((e) => e.left_at && new Date(e.left_at).toISOString())).toEqual(['2026-03-02T09:10:00.000Z']);
  });

  it('opens a meeting with the id the room chose', async () => {
    const { repo, roomId } = await setup();
    const id = crypto.randomUUID();
    expect(await repo.startMeeting(roomId, t('09:00:00'), id)).toBe(id);
    expect(await repo.meeting(roomId, id)).toMatchObject({ id, room_id: roomId, ended_at: null });
    // The same id twice is refused: a meeting is opened once.
    await expect(repo.startMeeting(roomId, t('09:05:00'), id)).rejects.toThrow();
  });

  it('refuses unknown kinds and goes with its room', async () => {
    const { repo, roomId, rooms } = await setup();
    const m = await repo.startMeeting(roomId, t('09:00:00'));
    await expect(repo.recordJoin(m, { participantId: crypto.randomUUID(), displayName: 'X', kind: 'robot' as never, at: t('09:00:00') })).rejects.toThrow();
    await rooms.delete(roomId);
    expect(await repo.listMeetings(roomId)).toEqual([]);
    expect(await repo.entries(m)).toEqual([]);
  });
});
