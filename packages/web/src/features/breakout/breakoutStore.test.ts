import { BreakoutStart, type BreakoutSession } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import { FeatureConnection } from '../../meeting/featureStore.ts';
import { FakeSignaling } from '../../meeting/testing/fakeSignaling.ts';
import { BreakoutStore, roomOf, sameRoom, type BreakoutEvent } from './breakoutStore.ts';

const SELF = '00000000-0000-4000-8000-000000000001';
const MATE = '00000000-0000-4000-8000-000000000002';
const OTHER = '00000000-0000-4000-8000-000000000003';

const session: BreakoutSession = {
  id: '1',
  rooms: [
    { id: '1-1', name: 'Room 1' },
    { id: '1-2', name: 'Room 2' },
  ],
  assignments: { [SELF]: '1-1', [MATE]: '1-1', [OTHER]: '1-2' },
  started_at: '2026-01-01T09:00:00.000Z',
  ends_at: '2026-01-01T09:01:00.000Z',
  warning_at: '2026-01-01T09:00:50.000Z',
  started_by: '00000000-0000-4000-8000-0000000000ff',
};

describe('breakout store', () => {
  it('tells when a moderator moves this participant, with the room, but not when they move themselves (#15 defect 4)', () => {
    const signaling = new FakeSignaling({ namespace: 'breakout', selfId: SELF });
    const store = new FeatureConnection(signaling).storeOf(BreakoutStore);
    const events: BreakoutEvent[] = [];
    store.onEvent((e) => events.push(e));
    signaling.join({ session, warned: false, server_time: '2026-01-01T09:00:00.000Z' });
    signaling.deliver({ message: 'moved', session_id: '1', participant_id: SELF, room_id: '1-2', by: MATE });
    signaling.deliver({ message: 'moved', session_id: '1', participant_id: SELF, room_id: '1-1', by: SELF });
    signaling.deliver({ message: 'moved', session_id: '1', participant_id: OTHER, room_id: '1-1', by: MATE });
    signaling.deliver({ message: 'moved', session_id: '1', participant_id: SELF, room_id: null, by: MATE });
    expect(events.map((e) => (e.type === 'moved' ? e.roomId : e.type))).toEqual(['1-2', null]);
    expect(events[0]).toMatchObject({ type: 'moved', session: { assignments: { [SELF]: '1-2' } } });
  });

  it('takes a running session from join_success (late joiner or resume) with the server clock offset', () => {
    const signaling = new FakeSignaling({ namespace: 'breakout', selfId: SELF });
    const store = new FeatureConnection(signaling, { now: () => Date.parse('2026-01-01T08:59:50.000Z') }).storeOf(BreakoutStore);
    signaling.join({ session, warned: true, server_time: '2026-01-01T09:00:55.000Z' });
    const view = store.getSnapshot();
    expect(view).toMatchObject({ selfId: SELF, session, warned: true });
    expect(store.serverNow()).toBe(Date.parse('2026-01-01T09:00:55.000Z'));
    expect(roomOf(view.session, SELF)).toBe('1-1');
    expect(sameRoom(view.session, SELF, MATE)).toBe(true);
    expect(sameRoom(view.session, SELF, OTHER)).toBe(false);
    // Without a session everyone is in the main room together.
    expect(sameRoom(null, SELF, OTHER)).toBe(true);
  });

  it('follows start, moves, warning, broadcast and end, and sends valid commands', () => {
    const signaling = new FakeSignaling({ namespace: 'breakout', selfId: SELF });
    const store = new FeatureConnection(signaling).storeOf(BreakoutStore);
    const events: BreakoutEvent['type'][] = [];
    store.onEvent((e) => events.push(e.type));
    signaling.join({ session: null, warned: false, server_time: '2026-01-01T09:00:00.000Z' });
    signaling.deliver({ message: 'started', session });
    signaling.deliver({ message: 'moved', session_id: '1', participant_id: OTHER, room_id: '1-1' });
    expect(sameRoom(store.getSnapshot().session, SELF, OTHER)).toBe(true);
    signaling.deliver({ message: 'moved', session_id: '1', participant_id: SELF, room_id: null });
    expect(roomOf(store.getSnapshot().session, SELF)).toBeNull();
    signaling.deliver({ message: 'moved', session_id: 'old', participant_id: SELF, room_id: '1-2' });
    expect(roomOf(store.getSnapshot().session, SELF)).toBeNull();
    signaling.deliver({ message: 'warning', session_id: '1', ends_at: session.ends_at });
    signaling.deliver({ message: 'broadcast', session_id: '1', text: 'Two minutes', from: { id: MATE, display_name: 'Chair' }, sent_at: '2026-01-01T09:00:30.000Z' });
    expect(store.getSnapshot()).toMatchObject({ warned: true, broadcast: { text: 'Two minutes', from: 'Chair' } });
    signaling.deliver({ message: 'ended', session_id: '1', reason: 'expired', ended_at: '2026-01-01T09:01:00.000Z' });
    expect(store.getSnapshot()).toMatchObject({ session: null, warned: false, broadcast: null, ended: 'expired' });
    // Only the move of this participant is an event (a notice, #15 defect 4), not of others, nor of an old session.
    expect(events).toEqual(['started', 'moved', 'warning', 'broadcast', 'ended']);

    store.start({ names: ['A', 'B'], distribution: 'manual', assignments: new Map([[MATE, 1]]), durationSeconds: 120, warningSeconds: 30 });
    store.start({ names: ['A'], distribution: 'even', assignments: new Map(), warningSeconds: 30 });
    expect(signaling.payloads[0]).toEqual({ action: 'start', rooms: [{ name: 'A' }, { name: 'B' }], distribution: 'manual', assignments: [{ participant_id: MATE, room: 1 }], duration_seconds: 120, warning_seconds: 30 });
    // A warning without a duration is never sent; both commands pass the protocol's schema.
    expect(signaling.payloads[1]).toEqual({ action: 'start', rooms: [{ name: 'A' }], distribution: 'even', assignments: [] });
    for (const cmd of signaling.payloads) expect(BreakoutStart.safeParse(cmd).success).toBe(true);
    signaling.deliver({ message: 'error', error: 'forbidden', action: 'start' });
    expect(store.getSnapshot().error).toBe('forbidden');
  });
});
