import { AttendanceSnapshot, JoinSuccess } from '@plenum/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModuleTester, type SimulatedParticipant } from '../../signaling/testing.ts';
import { AttendanceRepository } from '../../storage/attendance.ts';
import { RoomsRepository } from '../../storage/rooms.ts';
import { openTestStorage } from '../../storage/testing.ts';
import { createAttendanceModule } from './index.ts';

type TestStorage = Awaited<ReturnType<typeof openTestStorage>>;
let storage: TestStorage;
let repo: AttendanceRepository;
let ownerId: string;

beforeAll(async () => {
  storage = await openTestStorage('pglite');
  repo = new AttendanceRepository(storage.db);
  ownerId = crypto.randomUUID();
  await storage.db.insertInto('users').values({ id: ownerId, issuer: 'https://idp', subject: ownerId, display_name: 'Owner', email: null, role: 'user' }).execute();
}, 60_000);
afterAll(() => storage.close());

async function setup() {
  const roomId = crypto.randomUUID();
  await new RoomsRepository(storage.db).create({ id: roomId, owner_id: ownerId, name: 'Council', password_hash: null, waiting_room: false, e2e_encryption: false }, new Date());
  const t = new ModuleTester({ modules: [createAttendanceModule(repo)], roomId, timings: { resumeWindowMs: 30_000, emptyRoomGraceMs: 60_000 } });
  return { t, roomId };
}
const snapshotOf = (p: SimulatedParticipant) => AttendanceSnapshot.parse(JoinSuccess.parse(p.messages('control', 'join_success').at(-1)).modules.attendance);
const rows = async (meetingId: string) =>
  (await repo.entries(meetingId)).map((e) => [e.display_name, e.kind, new Date(e.joined_at).toISOString(), e.left_at ? new Date(e.left_at).toISOString() : null]);

describe('attendance module', () => {
  it('records joins and leaves of one meeting; a resume is not a leave; the meeting ends with the last leave', async () => {
    const { t, roomId } = await setup();
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    await t.advance(60_000);
    const anna = await t.join({ displayName: 'Anna', kind: 'guest', join: { display_name: 'Anna' } });
    const phone = await t.join({ displayName: 'Phone 0171', kind: 'sip' });
    const meetingId = snapshotOf(chair).meeting_id!;
    expect(meetingId).toMatch(/^[0-9a-f-]{36}$/);
    expect(snapshotOf(anna)).toEqual({});
    await t.advance(60_000);
    await anna.drop();
    await t.advance(10_000);
    await anna.resume();
    await t.advance(50_000);
    await phone.drop();
    await t.advance(30_000); // resume window runs out: left at 09:03:30
    await anna.leave();
    await t.advance(30_000);
    await chair.leave();
    expect(await rows(meetingId)).toEqual([
      ['Chair', 'user', '2026-01-01T09:00:00.000Z', '2026-01-01T09:04:00.000Z'],
      ['Anna', 'guest', '2026-01-01T09:01:00.000Z', '2026-01-01T09:03:30.000Z'],
      ['Phone 0171', 'sip', '2026-01-01T09:01:00.000Z', '2026-01-01T09:03:30.000Z'],
    ]);
    const [meeting] = await repo.listMeetings(roomId);
    expect(meeting).toMatchObject({ id: meetingId, participant_count: 3 });
    expect(new Date(meeting!.ended_at!).toISOString()).toBe('2026-01-01T09:04:00.000Z');

    // The room is still open (grace period), but it was empty: the next join starts a new meeting.
    await t.advance(10_000);
    const again = await t.join({ displayName: 'Chair', role: 'moderator' });
    const second = snapshotOf(again).meeting_id!;
    expect(second).not.toBe(meetingId);
    expect((await repo.listMeetings(roomId)).map((m) => [m.id, m.ended_at])).toEqual([
      [second, null],
      [meetingId, meeting!.ended_at],
    ]);
  });

  it('get_meeting answers moderators and refuses others with forbidden', async () => {
    const { t } = await setup();
    const chair = await t.join({ role: 'moderator' });
    const anna = await t.join();
    await chair.send('attendance', { action: 'get_meeting' });
    await anna.send('attendance', { action: 'get_meeting' });
    expect(chair.messages('attendance', 'meeting')).toEqual([{ message: 'meeting', meeting_id: snapshotOf(chair).meeting_id }]);
    expect(anna.messages('attendance')).toEqual([{ message: 'error', error: 'forbidden', action: 'get_meeting' }]);
  });
});
