import { PROTOCOL_VERSION, type JoinSuccess, type ServerEnvelope, type SpeakerQueueSnapshot } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import type { ConnectionState } from '../../meeting/signalingClient.ts';
import { secondsLeft, SpeakerQueueStore } from './speakerQueueStore.ts';

const me = '11111111-1111-4111-8111-111111111111';
const anna = '22222222-2222-4222-8222-222222222222';
const ben = '33333333-3333-4333-8333-333333333333';
const base: SpeakerQueueSnapshot = { strategy: 'playlist', time_limit_seconds: null, auto_append_hands: false, list: [], current: null, nominated: null };

function fakeSignaling(snapshot: SpeakerQueueSnapshot) {
  const join: JoinSuccess = {
    message: 'join_success',
    protocol_version: PROTOCOL_VERSION,
    id: me,
    display_name: 'Me',
    role: 'moderator',
    kind: 'user',
    room: { id: '44444444-4444-4444-8444-444444444444', name: 'Council' },
    participants: [],
    modules: { speaker_queue: snapshot },
    resumed: false,
  };
  const messageListeners: ((e: ServerEnvelope) => void)[] = [];
  const sent: { namespace: string; payload: Record<string, unknown> }[] = [];
  return {
    sent,
    deliver: (e: ServerEnvelope) => messageListeners.forEach((l) => l(e)),
    port: {
      state: { status: 'joined', join } as ConnectionState,
      onState: () => () => {},
      onMessage: (l: (e: ServerEnvelope) => void) => {
        messageListeners.push(l);
        return () => {};
      },
      send: (namespace: string, payload: { action: string } & Record<string, unknown>) => {
        sent.push({ namespace, payload });
        return true;
      },
    },
  };
}

describe('speaker queue store', () => {
  it('takes the join snapshot, replaces it with every update and ignores other namespaces and junk', () => {
    const s = fakeSignaling({ ...base, list: [anna] });
    const store = new SpeakerQueueStore(s.port as never);
    expect(store.getSnapshot().state?.list).toEqual([anna]);
    const next = { ...base, current: { participant_id: anna, started_at: '2026-01-01T09:00:00.000Z', time_limit_seconds: 60 } };
    s.deliver({ namespace: 'speaker_queue', timestamp: new Date(Date.now() + 5_000).toISOString(), payload: { message: 'updated', reason: 'moderator', state: next } });
    expect(store.getSnapshot().state).toEqual(next);
    // The server's clock runs 5 s ahead of this one.
    expect(store.getSnapshot().clockOffsetMs).toBeGreaterThan(4_000);
    s.deliver({ namespace: 'hands', timestamp: new Date().toISOString(), payload: { message: 'updated', state: base } });
    s.deliver({ namespace: 'speaker_queue', timestamp: new Date().toISOString(), payload: { message: 'updated', state: { nope: 1 } } });
    expect(store.getSnapshot().state).toEqual(next);
  });

  it('reorders the playlist with set_list and sends the other commands', () => {
    const s = fakeSignaling({ ...base, list: [anna, ben] });
    const store = new SpeakerQueueStore(s.port as never);
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
