import type { SpeakerQueueSnapshot } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import { FeatureConnection } from '../../meeting/featureStore.ts';
import { FakeSignaling } from '../../meeting/testing/fakeSignaling.ts';
import { secondsLeft, SpeakerQueueStore } from './speakerQueueStore.ts';

const me = '11111111-1111-4111-8111-111111111111';
const anna = '22222222-2222-4222-8222-222222222222';
const ben = '33333333-3333-4333-8333-333333333333';
const base: SpeakerQueueSnapshot = { strategy: 'playlist', time_limit_seconds: null, auto_append_hands: false, list: [], current: null, nominated: null };

/** Joined as moderator before the store exists, as when the meeting screen mounts the feature. */
function joinedSignaling(snapshot: SpeakerQueueSnapshot) {
  const signaling = new FakeSignaling({
    namespace: 'speaker_queue',
    selfId: me,
    role: 'moderator',
    kind: 'user',
    room: { id: '44444444-4444-4444-8444-444444444444', name: 'Council' },
  });
  signaling.join(snapshot);
  return signaling;
}

describe('speaker queue store', () => {
  it('tells this participant when a moderator gives them the floor, once, and not when they are only listed or took it themselves (#15 defect 4)', () => {
    const s = joinedSignaling(base);
    const store = new FeatureConnection(s).storeOf(SpeakerQueueStore);
    const events: string[] = [];
    store.onEvent((e) => events.push(e.type));
    const speaking = (who: string) => ({ ...base, current: { participant_id: who, started_at: '2026-01-01T09:00:00.000Z', time_limit_seconds: null } });
    s.deliver({ message: 'updated', reason: 'list_changed', by: anna, state: { ...base, list: [me] } });
    s.deliver({ message: 'updated', reason: 'moderator', by: anna, state: speaking(ben) });
    expect(events).toEqual([]);
    s.deliver({ message: 'updated', reason: 'moderator', by: anna, state: speaking(me) });
    s.deliver({ message: 'updated', reason: 'configured', by: anna, state: { ...speaking(me), time_limit_seconds: 60 } });
    expect(events).toEqual(['floor_given']);
    s.deliver({ message: 'updated', reason: 'yielded', by: me, state: base });
    s.deliver({ message: 'updated', reason: 'moderator', by: me, state: speaking(me) });
    expect(events).toEqual(['floor_given']);
  });

  it('takes the join snapshot, replaces it with every update and ignores other namespaces and junk', () => {
    const s = joinedSignaling({ ...base, list: [anna] });
    const store = new FeatureConnection(s).storeOf(SpeakerQueueStore);
    expect(store.getSnapshot().state?.list).toEqual([anna]);
    const next = { ...base, current: { participant_id: anna, started_at: '2026-01-01T09:00:00.000Z', time_limit_seconds: 60 } };
    s.deliver({ message: 'updated', reason: 'moderator', state: next }, { timestamp: new Date(Date.now() + 5_000).toISOString() });
    expect(store.getSnapshot().state).toEqual(next);
    // The server's clock runs 5 s ahead of this one: the connection's clock has learnt it from the envelope.
    expect(store.serverNow() - Date.now()).toBeGreaterThan(4_000);
    s.deliver({ message: 'updated', state: base }, { namespace: 'hands', timestamp: new Date().toISOString() });
    s.deliver({ message: 'updated', state: { nope: 1 } }, { timestamp: new Date().toISOString() });
    expect(store.getSnapshot().state).toEqual(next);
  });

  it('reorders the playlist with set_list and sends the other commands', () => {
    const s = joinedSignaling({ ...base, list: [anna, ben] });
    const store = new FeatureConnection(s).storeOf(SpeakerQueueStore);
    expect(store.move(ben, -1)).toBe(true);
    expect(store.move(anna, -1)).toBe(false);
    store.configure({ time_limit_seconds: 120 });
    store.yieldFloor();
    expect(s.sent).toEqual([
      { namespace: 'speaker_queue', payload: { action: 'set_list', participant_ids: [ben, anna] } },
      { namespace: 'speaker_queue', payload: { action: 'configure', time_limit_seconds: 120 } },
      { namespace: 'speaker_queue', payload: { action: 'yield' } },
    ]);
  });

  it('counts down from the start and the limit, never below zero', () => {
    const state = { ...base, current: { participant_id: anna, started_at: '2026-01-01T09:00:00.000Z', time_limit_seconds: 90 } };
    const at = (iso: string) => Date.parse(iso);
    expect(secondsLeft(state, at('2026-01-01T09:00:00.000Z'))).toBe(90);
    expect(secondsLeft(state, at('2026-01-01T09:01:00.500Z'))).toBe(30);
    expect(secondsLeft(state, at('2026-01-01T09:05:00.000Z'))).toBe(0);
    expect(secondsLeft({ ...state, current: { ...state.current, time_limit_seconds: null } }, 0)).toBeNull();
    expect(secondsLeft(base, 0)).toBeNull();
  });
});
