import { PROTOCOL_VERSION } from '@plenum/protocol';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ModuleTester, provide, type SimulatedParticipant } from '../../signaling/testing.ts';
import { migrateToLatest, openStorage, type Storage } from '../../storage/database.ts';
import { coreMigrations } from '../../storage/migrations/index.ts';
import { RoomsRepository } from '../../storage/rooms.ts';
import { attendanceFeature } from './index.ts';
import { AttendanceRepository, type AttendanceRepos, type JoinRecord, type MeetingRow } from './storage.ts';

const timings = { resumeWindowMs: 30_000, emptyRoomGraceMs: 60_000 };
const snapshotOf = (p: SimulatedParticipant) => p.snapshot(attendanceFeature);

describe('attendance feature on the database', () => {
  let storage: Storage;
  let repo: AttendanceRepository;
  let ownerId: string;

  beforeAll(async () => {
    // Only the core's and this feature's migrations: this test needs no other feature.
    storage = await openStorage({});
    await migrateToLatest(storage.db, { ...coreMigrations, ...attendanceFeature.migrations });
    repo = new AttendanceRepository(storage.db);
    ownerId = crypto.randomUUID();
    await storage.db.insertInto('users').values({ id: ownerId, issuer: 'https://idp', subject: ownerId, display_name: 'Owner', email: null, role: 'user' }).execute();
  }, 60_000);
  afterAll(() => storage.close());

  async function setup() {
    const roomId = crypto.randomUUID();
    await new RoomsRepository(storage.db).create({ id: roomId, owner_id: ownerId, name: 'Council', password_hash: null, waiting_room: false, e2e_encryption: false }, new Date());
    const t = new ModuleTester({ features: [attendanceFeature], provide: [provide(attendanceFeature, repo)], roomId, timings });
    return { t, roomId };
  }
  const rows = async (meetingId: string) =>
    (await repo.entries(meetingId)).map((e) => [e.display_name, e.kind, new Date(e.joined_at).toISOString(), e.left_at ? new Date(e.left_at).toISOString() : null]);

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
    expect(t.taskErrors).toEqual([]);
  });

  it('get_meeting answers moderators and refuses others with forbidden', async () => {
    const { t } = await setup();
    const chair = await t.join({ role: 'moderator' });
    const anna = await t.join();
    await chair.send(attendanceFeature, { action: 'get_meeting' });
    await anna.send(attendanceFeature, { action: 'get_meeting' });
    expect(chair.messages(attendanceFeature, 'meeting')).toEqual([{ message: 'meeting', meeting_id: snapshotOf(chair).meeting_id }]);
    expect(anna.messages(attendanceFeature)).toEqual([]);
    expect(anna.errors(attendanceFeature)).toEqual([{ message: 'error', error: 'forbidden', action: 'get_meeting' }]);
  });
});

/** An in-memory repository that records every write as it begins and ends; `delay` makes a write slow. */
function fakeRepository(delay: (call: string) => Promise<void> = () => Promise.resolve()) {
  const log: string[] = [];
  const meetings = new Map<string, MeetingRow>();
  const joins: (JoinRecord & { meetingId: string })[] = [];
  async function step(call: string, work: () => void = () => {}): Promise<void> {
    log.push(`${call} begins`);
    await delay(call);
    work();
    log.push(`${call} ends`);
  }
  const repos: AttendanceRepos = {
    async startMeeting(roomId, at, id = crypto.randomUUID()) {
      await step(`start ${id}`, () => meetings.set(id, { id, room_id: roomId, started_at: at, ended_at: null }));
      return id;
    },
    endMeeting: (meetingId) => step(`end ${meetingId}`),
    recordJoin: (meetingId, join) => step(`join ${join.displayName}`, () => joins.push({ ...join, meetingId })),
    recordLeave: (_meetingId, participantId) => step(`leave ${joins.find((j) => j.participantId === participantId)?.displayName}`),
    listMeetings: async () => [],
    meeting: async (_roomId, meetingId) => meetings.get(meetingId),
    entries: async () => [],
  };
  return { repos, log, meetings, joins };
}

describe('attendance feature, its writes', () => {
  it('the first moderator gets the meeting id in join_success while the meeting is still being written', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const fake = fakeRepository((call) => (call.startsWith('start') ? held : Promise.resolve()));
    const t = new ModuleTester({ features: [attendanceFeature], provide: [provide(attendanceFeature, fake.repos)], timings });
    const chair = t.connect({ roomId: t.roomId, participantId: crypto.randomUUID(), kind: 'user', userId: crypto.randomUUID(), displayName: 'Chair', isRoomOwner: true, resumption: 'r-chair' });
    const joining = chair.send('control', { action: 'join', protocol_version: PROTOCOL_VERSION });
    await vi.waitFor(() => expect(chair.messages('control', 'join_success')).toHaveLength(1));
    const meetingId = snapshotOf(chair).meeting_id!;
    expect(meetingId).toMatch(/^[0-9a-f-]{36}$/);
    // The join waits for its meeting: nothing else was written yet.
    expect(fake.log).toEqual([`start ${meetingId} begins`]);
    release();
    await joining;
    expect(fake.log).toEqual([`start ${meetingId} begins`, `start ${meetingId} ends`, 'join Chair begins', 'join Chair ends']);
    expect(fake.meetings.get(meetingId)).toMatchObject({ id: meetingId, room_id: t.roomId });
    expect(fake.joins.map((j) => j.meetingId)).toEqual([meetingId]);
  });

  it('writes one after another, in the order things happened, even when earlier writes are slower', async () => {
    // Each write takes less time than the one before: without the room's chain, the later ones would overtake.
    let ms = 40;
    const fake = fakeRepository(() => new Promise((resolve) => setTimeout(resolve, (ms = Math.max(0, ms - 10)))));
    const t = new ModuleTester({ features: [attendanceFeature], provide: [provide(attendanceFeature, fake.repos)], timings });
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    const anna = await t.join({ displayName: 'Anna' });
    const meetingId = snapshotOf(chair).meeting_id!;
    // Both leaves reach the room before either write finished.
    await Promise.all([anna.leave(), chair.leave()]);
    const again = await t.join({ displayName: 'Ben', role: 'moderator' });
    const second = snapshotOf(again).meeting_id!;
    expect(second).not.toBe(meetingId);
    const calls = [`start ${meetingId}`, 'join Chair', 'join Anna', 'leave Anna', `end ${meetingId}`, `start ${second}`, 'join Ben'];
    expect(fake.log).toEqual(calls.flatMap((c) => [`${c} begins`, `${c} ends`]));
  });

  it('a write that fails is logged with what it was about, and the room carries on', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const fake = fakeRepository();
    fake.repos.recordJoin = () => Promise.reject(new Error('disk full'));
    const t = new ModuleTester({ features: [attendanceFeature], provide: [provide(attendanceFeature, fake.repos)], logger, timings });
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    const meetingId = snapshotOf(chair).meeting_id!;
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'attendance: recording a join failed', roomId: t.roomId, feature: 'attendance', meetingId, participantId: chair.id, err: expect.objectContaining({ message: 'disk full' }) }),
    ]);
    // Later writes still happen.
    const anna = await t.join({ displayName: 'Anna' });
    await anna.leave();
    await t.settle();
    expect(fake.log.filter((l) => l.endsWith('ends'))).toEqual([`start ${meetingId} ends`, 'leave undefined ends']);
    expect(lines).toHaveLength(2);
  });
});
