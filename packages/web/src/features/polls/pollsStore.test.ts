import type { Poll } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import { FeatureConnection } from '../../meeting/featureStore.ts';
import { FakeSignaling } from '../../meeting/testing/fakeSignaling.ts';
import { PollsStore, type PollsEvent } from './pollsStore.ts';

const poll: Poll = {
  id: '1',
  question: 'Coffee or tea?',
  options: [
    { id: 0, text: 'Coffee' },
    { id: 1, text: 'Tea' },
  ],
  choice: 'single',
  max_choices: 1,
  live: true,
  started_at: '2026-01-01T09:00:00.000Z',
};

describe('polls store', () => {
  it('follows a poll from start to result', () => {
    const signaling = new FakeSignaling({ namespace: 'polls' });
    const store = new FeatureConnection(signaling).storeOf(PollsStore);
    const events: PollsEvent['type'][] = [];
    store.onEvent((e) => events.push(e.type));
    signaling.join({ open: null, last: null });
    signaling.deliver({ message: 'started', poll });
    expect(store.getSnapshot().open).toEqual({ poll, voted: false, voters: 0, results: [{ option_id: 0, votes: 0 }, { option_id: 1, votes: 0 }] });
    store.vote('1', [1]);
    expect(signaling.payloads).toEqual([{ action: 'vote', poll_id: '1', choices: [1] }]);
    signaling.deliver({ message: 'vote_counted', poll_id: '1' });
    signaling.deliver({ message: 'votes_updated', poll_id: '1', voters: 1, results: [{ option_id: 0, votes: 0 }, { option_id: 1, votes: 1 }] });
    expect(store.getSnapshot().open).toMatchObject({ voted: true, voters: 1 });
    signaling.deliver({ message: 'done', poll_id: '1', reason: 'closed', voters: 1, results: [{ option_id: 0, votes: 0 }, { option_id: 1, votes: 1 }], ended_at: '2026-01-01T09:01:00.000Z' });
    expect(store.getSnapshot()).toMatchObject({ open: null, last: { poll, reason: 'closed', voters: 1 } });
    expect(events).toEqual(['opened', 'counted', 'done']);
  });

  it('takes "already voted" from the snapshot after a resume, and shows refusals', () => {
    const signaling = new FakeSignaling({ namespace: 'polls' });
    const store = new FeatureConnection(signaling).storeOf(PollsStore);
    signaling.join({ open: { poll: { ...poll, live: false }, voted: true, voters: 3 }, last: null });
    expect(store.getSnapshot().open).toEqual({ poll: { ...poll, live: false }, voted: true, voters: 3 });
    signaling.deliver({ message: 'error', error: 'already_voted', action: 'vote' });
    expect(store.getSnapshot().error).toBe('already_voted');
    store.create({ question: 'Q', options: ['a', 'b', 'c'], multiple: true, maxChoices: 2, live: false, durationSeconds: 60 });
    store.create({ question: 'Q', options: ['a', 'b'], multiple: false, maxChoices: 2, live: true });
    expect(store.getSnapshot().error).toBeNull();
    expect(signaling.payloads).toEqual([
      { action: 'create', question: 'Q', options: ['a', 'b', 'c'], choice: 'multiple', max_choices: 2, live: false, duration_seconds: 60 },
      { action: 'create', question: 'Q', options: ['a', 'b'], choice: 'single', live: true },
    ]);
  });
});
