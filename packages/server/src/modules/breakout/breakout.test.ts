import { describe, expect, it } from 'vitest';
import { ModuleTester, type SimulatedParticipant } from '../../signaling/testing.ts';
import { chatFeature } from '../chat/index.ts';
import { createMediaFeature } from '../media/index.ts';
import { FakeMediaService, type FakeMediaRoom } from '../media/testing/fake-media.ts';
import { breakoutFeature, createBreakoutFeature, distribute } from './index.ts';

const setup = (random?: () => number) => new ModuleTester({ features: [createBreakoutFeature({ random })], timings: { resumeWindowMs: 30_000 } });
const snapshotOf = (p: SimulatedParticipant) => p.snapshot(breakoutFeature);
const errors = (p: SimulatedParticipant) => p.errors(breakoutFeature).map((e) => e.error);

async function meeting(t: ModuleTester, guests = 4) {
  const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
  const people: SimulatedParticipant[] = [];
  for (let i = 0; i < guests; i++) people.push(await t.join({ displayName: `Guest ${i + 1}`, kind: 'guest' }));
  return { chair, people };
}

const twoRooms = [{ name: 'Room 1' }, { name: 'Room 2' }];

describe('distribute', () => {
  const people = ['a', 'b', 'c', 'd', 'e'];
  it('even: consecutive blocks whose sizes differ by at most one', () => {
    expect([...distribute(people, ['r1', 'r2'], 'even', Math.random)]).toEqual([
      ['a', 'r1'],
      ['b', 'r1'],
      ['c', 'r1'],
      ['d', 'r2'],
      ['e', 'r2'],
    ]);
  });
  it('round robin deals in joining order; random shuffles first', () => {
    expect([...distribute(people, ['r1', 'r2'], 'round_robin', Math.random).values()]).toEqual(['r1', 'r2', 'r1', 'r2', 'r1']);
    // With random() always 0 the Fisher–Yates shuffle rotates: e, ... — any order, but dealt evenly.
    const shuffled = distribute(people, ['r1', 'r2'], 'random', () => 0);
    expect(new Set(shuffled.keys())).toEqual(new Set(people));
    expect([...shuffled.values()].filter((r) => r === 'r1')).toHaveLength(3);
    expect([...shuffled.keys()]).not.toEqual(people);
  });
});

describe('breakout', () => {
  it('distributes the non-moderators evenly; the chair stays in the main room; late joiners start there and get the state', async () => {
    const t = setup();
    const { chair, people } = await meeting(t);
    await chair.send(breakoutFeature, { action: 'start', rooms: twoRooms, distribution: 'even', duration_seconds: 600, warning_seconds: 60 });
    const session = {
      id: '1',
      rooms: [
        { id: '1-1', name: 'Room 1' },
        { id: '1-2', name: 'Room 2' },
      ],
      assignments: { [people[0]!.id]: '1-1', [people[1]!.id]: '1-1', [people[2]!.id]: '1-2', [people[3]!.id]: '1-2' },
      started_at: '2026-01-01T09:00:00.000Z',
      ends_at: '2026-01-01T09:10:00.000Z',
      warning_at: '2026-01-01T09:09:00.000Z',
      started_by: chair.id,
    };
    for (const p of [chair, ...people]) expect(p.messages(breakoutFeature)).toEqual([{ message: 'started', session }]);

    await t.advance(120_000);
    const late = await t.join({ displayName: 'Late', kind: 'guest' });
    expect(snapshotOf(late)).toEqual({ session, warned: false, server_time: '2026-01-01T09:02:00.000Z' });
    expect(snapshotOf(late).session!.assignments[late.id]).toBeUndefined();

    // A resumed participant keeps their room and gets the state again.
    await people[2]!.drop();
    await t.advance(5_000);
    await people[2]!.resume();
    expect(snapshotOf(people[2]!).session!.assignments[people[2]!.id]).toBe('1-2');
  });

  it('warns before the end and brings everyone back when the time runs out', async () => {
    const t = setup();
    const { chair, people } = await meeting(t, 2);
    await chair.send(breakoutFeature, { action: 'start', rooms: twoRooms, distribution: 'round_robin', duration_seconds: 20, warning_seconds: 10 });
    await t.advance(9_999);
    expect(people[0]!.messages(breakoutFeature, 'warning')).toEqual([]);
    await t.advance(1);
    for (const p of [chair, ...people]) expect(p.messages(breakoutFeature, 'warning')).toEqual([{ message: 'warning', session_id: '1', ends_at: '2026-01-01T09:00:20.000Z' }]);
    expect(snapshotOf(await t.join()).warned).toBe(true);
    await t.advance(9_999);
    expect(people[0]!.messages(breakoutFeature, 'ended')).toEqual([]);
    await t.advance(1);
    for (const p of [chair, ...people]) expect(p.messages(breakoutFeature, 'ended')).toEqual([{ message: 'ended', session_id: '1', reason: 'expired', ended_at: '2026-01-01T09:00:20.000Z' }]);
    expect(snapshotOf(await t.join()).session).toBeNull();
    expect(t.clock.pendingTimers).toBe(0);
  });

  it('without a warning time the default of 60 s applies; a session without duration runs until stopped', async () => {
    const t = setup();
    const { chair, people } = await meeting(t, 2);
    await chair.send(breakoutFeature, { action: 'start', rooms: twoRooms, distribution: 'manual', duration_seconds: 300 });
    expect(people[0]!.messages(breakoutFeature, 'started')[0]).toMatchObject({ session: { warning_at: '2026-01-01T09:04:00.000Z', assignments: {} } });
    await chair.send(breakoutFeature, { action: 'start', rooms: twoRooms, distribution: 'manual' });
    expect(errors(chair)).toEqual(['breakout_already_running']);
    await chair.send(breakoutFeature, { action: 'stop' });
    expect(people[0]!.messages(breakoutFeature, 'ended')).toEqual([{ message: 'ended', session_id: '1', reason: 'stopped', ended_at: '2026-01-01T09:00:00.000Z', by: chair.id }]);
    await t.advance(600_000);
    expect(people[0]!.messages(breakoutFeature, 'ended')).toHaveLength(1);
    expect(people[0]!.messages(breakoutFeature, 'warning')).toEqual([]);

    await chair.send(breakoutFeature, { action: 'start', rooms: twoRooms, distribution: 'manual', assignments: [{ participant_id: people[1]!.id, room: 1 }] });
    const second = people[0]!.messages(breakoutFeature, 'started')[1]!;
    expect(second).toMatchObject({ session: { id: '2', rooms: [{ id: '2-1' }, { id: '2-2' }], assignments: { [people[1]!.id]: '2-2' } } });
    expect(second).not.toHaveProperty('session.ends_at');
    await t.advance(24 * 3_600_000);
    expect(people[0]!.messages(breakoutFeature, 'ended')).toHaveLength(1);
    // Malformed: a warning without duration, an assignment to a room that does not exist, no rooms.
    await chair.send(breakoutFeature, { action: 'stop' });
    await chair.send(breakoutFeature, { action: 'start', rooms: twoRooms, distribution: 'manual', warning_seconds: 10 });
    await chair.send(breakoutFeature, { action: 'start', rooms: twoRooms, distribution: 'manual', duration_seconds: 10, warning_seconds: 10 });
    await chair.send(breakoutFeature, { action: 'start', rooms: twoRooms, distribution: 'manual', assignments: [{ participant_id: people[1]!.id, room: 2 }] });
    await chair.send(breakoutFeature, { action: 'start', rooms: [], distribution: 'even' });
    await chair.send(breakoutFeature, { action: 'start', rooms: twoRooms, distribution: 'manual', assignments: [{ participant_id: crypto.randomUUID(), room: 0 }] });
    expect(errors(chair).slice(1)).toEqual(['invalid_command', 'invalid_command', 'invalid_command', 'invalid_command', 'participant_not_found']);
  });

  it('moderators move people and themselves (visit); a broadcast reaches every room; someone who leaves loses their place', async () => {
    const t = setup();
    const { chair, people } = await meeting(t, 3);
    await chair.send(breakoutFeature, { action: 'move', participant_id: people[0]!.id, room_id: null });
    expect(errors(chair)).toEqual(['breakout_not_running']);
    await chair.send(breakoutFeature, { action: 'start', rooms: twoRooms, distribution: 'manual', assignments: [{ participant_id: people[0]!.id, room: 0 }] });
    await chair.send(breakoutFeature, { action: 'move', participant_id: chair.id, room_id: '1-1' });
    await chair.send(breakoutFeature, { action: 'move', participant_id: people[1]!.id, room_id: '1-2' });
    await chair.send(breakoutFeature, { action: 'move', participant_id: people[0]!.id, room_id: null });
    await chair.send(breakoutFeature, { action: 'move', participant_id: people[0]!.id, room_id: null }); // no change, no message
    await chair.send(breakoutFeature, { action: 'move', participant_id: people[2]!.id, room_id: '9-9' });
    expect(errors(chair).slice(1)).toEqual(['breakout_room_not_found']);
    expect(people[2]!.messages(breakoutFeature, 'moved').map((m) => m.message === 'moved' && [m.participant_id, m.room_id])).toEqual([
      [chair.id, '1-1'],
      [people[1]!.id, '1-2'],
      [people[0]!.id, null],
    ]);
    expect(snapshotOf(await t.join()).session!.assignments).toEqual({ [chair.id]: '1-1', [people[1]!.id]: '1-2' });

    await chair.send(breakoutFeature, { action: 'broadcast', text: '  Five more minutes  ' });
    for (const p of [chair, ...people]) {
      expect(p.messages(breakoutFeature, 'broadcast')).toEqual([{ message: 'broadcast', session_id: '1', text: 'Five more minutes', from: { id: chair.id, display_name: 'Chair' }, sent_at: '2026-01-01T09:00:00.000Z' }]);
    }
    await people[1]!.leave();
    expect(snapshotOf(await t.join()).session!.assignments).toEqual({ [chair.id]: '1-1' });
  });

  it('refuses every command from participants with forbidden, and changes nothing', async () => {
    const t = setup();
    const { chair, people } = await meeting(t, 2);
    const [anna, ben] = people as [SimulatedParticipant, SimulatedParticipant];

    await anna.send(breakoutFeature, { action: 'start', rooms: twoRooms, distribution: 'even' });
    expect(errors(anna)).toEqual(['forbidden']);
    expect(chair.messages(breakoutFeature)).toEqual([]);
    expect(snapshotOf(await t.join()).session).toBeNull();

    await chair.send(breakoutFeature, { action: 'start', rooms: twoRooms, distribution: 'round_robin', duration_seconds: 60, warning_seconds: 30 });
    const before = snapshotOf(await t.join()).session;
    chair.clear();
    anna.clear();
    await anna.send(breakoutFeature, { action: 'move', participant_id: anna.id, room_id: '1-2' });
    await anna.send(breakoutFeature, { action: 'move', participant_id: ben.id, room_id: null });
    await anna.send(breakoutFeature, { action: 'broadcast', text: 'Hello all rooms' });
    await anna.send(breakoutFeature, { action: 'stop' });
    expect(anna.errors(breakoutFeature)).toEqual([
      { message: 'error', error: 'forbidden', action: 'move' },
      { message: 'error', error: 'forbidden', action: 'move' },
      { message: 'error', error: 'forbidden', action: 'broadcast' },
      { message: 'error', error: 'forbidden', action: 'stop' },
    ]);
    expect(chair.messages(breakoutFeature)).toEqual([]);
    expect(ben.messages(breakoutFeature, 'broadcast')).toEqual([]);
    expect(snapshotOf(await t.join()).session).toEqual(before);
  });
});

describe('breakout with chat', () => {
  it('room chat stays in the breakout room, also in the history of a resumed participant; private messages cross rooms', async () => {
    const t = new ModuleTester({ features: [breakoutFeature, chatFeature] });
    const { chair, people } = await meeting(t, 4);
    const [a, b, c, d] = people as [SimulatedParticipant, SimulatedParticipant, SimulatedParticipant, SimulatedParticipant];
    await chair.send(chatFeature, { action: 'send_message', text: 'Before', to: { scope: 'room' } });
    await chair.send(breakoutFeature, { action: 'start', rooms: twoRooms, distribution: 'even' });
    await a.send(chatFeature, { action: 'send_message', text: 'Hello room 1', to: { scope: 'room' } });
    await c.send(chatFeature, { action: 'send_message', text: 'Hello room 2', to: { scope: 'room' } });
    await chair.send(chatFeature, { action: 'send_message', text: 'Main only', to: { scope: 'room' } });
    await d.send(chatFeature, { action: 'send_message', text: 'Psst', to: { scope: 'private', participant_id: a.id } });
    const texts = (p: SimulatedParticipant) => p.messages(chatFeature, 'message_sent').map((m) => m.entry.text);
    expect(texts(a)).toEqual(['Before', 'Hello room 1', 'Psst']);
    expect(texts(b)).toEqual(['Before', 'Hello room 1']);
    expect(texts(c)).toEqual(['Before', 'Hello room 2']);
    expect(texts(d)).toEqual(['Before', 'Hello room 2', 'Psst']);
    expect(texts(chair)).toEqual(['Before', 'Main only']);

    const history = (p: SimulatedParticipant) => p.snapshot(chatFeature).messages.map((m) => m.text);
    await b.drop();
    await b.resume();
    expect(history(b)).toEqual(['Hello room 1']);
    expect(history(await t.join())).toEqual(['Before', 'Main only']);

    await chair.send(breakoutFeature, { action: 'stop' });
    await b.send(chatFeature, { action: 'send_message', text: 'Back', to: { scope: 'room' } });
    for (const p of [chair, a, c]) expect(texts(p).at(-1)).toBe('Back');
    expect(t.taskErrors).toEqual([]);
  });
});

// Media's part of breakout (subscriptions follow the groups). Converted to the typed API only: the media
// feature is being migrated separately, and owns this behaviour through its onGroupsChanged.
describe('breakout with media', () => {
  function mediaSetup() {
    const service = new FakeMediaService();
    const media = createMediaFeature(service);
    const t = new ModuleTester({ features: [breakoutFeature, media] });
    return { t, media, room: () => service.rooms[0] as FakeMediaRoom };
  }
  const sorted = (...ps: SimulatedParticipant[]) => ps.map((p) => p.id).sort();

  it('media subscriptions follow the breakout rooms, and everyone receives everyone again at the end', async () => {
    const { t, media, room } = mediaSetup();
    /** Whose publications `p` is subscribed to now (answering an open offer so the next one can come). */
    async function receives(fake: FakeMediaRoom, p: SimulatedParticipant): Promise<string[]> {
      for (let i = 0; i < 3 && fake.awaiting(p.id); i++) {
        await p.send(media, { action: 'subscribe_answer', sdp: `answer sdp ${i}` });
        await t.advance(0);
      }
      return [...new Set(fake.subscribedStreams(p.id).map((s) => s.participantId))].sort();
    }
    const { chair, people } = await meeting(t, 4);
    const [a, b, c, d] = people as [SimulatedParticipant, SimulatedParticipant, SimulatedParticipant, SimulatedParticipant];
    const all = [chair, a, b, c, d];
    for (const p of all) await p.send(media, { action: 'publish', source: 'camera', sdp: 'v=0 fake offer sdp' });
    for (const p of all) await p.send(media, { action: 'subscribe' });
    expect(await receives(room(), a)).toEqual(sorted(chair, b, c, d));

    await chair.send(breakoutFeature, { action: 'start', rooms: twoRooms, distribution: 'even', duration_seconds: 60, warning_seconds: 10 });
    await t.advance(0);
    expect(await receives(room(), a)).toEqual(sorted(b));
    expect(await receives(room(), c)).toEqual(sorted(d));
    expect(await receives(room(), chair)).toEqual([]);

    // The chair visits room 2; a new subscription (e.g. after a reconnect) is filtered as well.
    await chair.send(breakoutFeature, { action: 'move', participant_id: chair.id, room_id: '1-2' });
    await t.advance(0);
    expect(await receives(room(), chair)).toEqual(sorted(c, d));
    expect(await receives(room(), d)).toEqual(sorted(chair, c));
    expect(await receives(room(), a)).toEqual(sorted(b));
    await b.send(media, { action: 'subscribe' });
    expect(await receives(room(), b)).toEqual(sorted(a));

    await t.advance(60_000);
    await t.advance(0);
    expect(a.messages(breakoutFeature, 'ended')).toHaveLength(1);
    expect(await receives(room(), a)).toEqual(sorted(chair, b, c, d));
    expect(await receives(room(), chair)).toEqual(sorted(a, b, c, d));
  });
});
