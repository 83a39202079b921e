import type { JoinSuccess, Poll, ServerEnvelope } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import type { ConnectionState } from '../../meeting/signalingClient.ts';
import { PollsStore, type PollsEvent } from './pollsStore.ts';

class FakeSignaling {
  state: ConnectionState = { status: 'connecting' };
  sent: Record<string, unknown>[] = [];
  private stateListeners: ((s: ConnectionState) => void)[] = [];
  private messageListeners: ((e: ServerEnvelope) => void)[] = [];
  onState(l: (s: ConnectionState) => void) {
    this.stateListeners.push(l);
    return () => {};
  }
  onMessage(l: (e: ServerEnvelope) => void) {
    this.messageListeners.push(l);
    return () => {};
  }
  send(_namespace: string, payload: { action: string } & Record<string, unknown>) {
    this.sent.push(payload);
    return true;
  }
  join(polls: unknown) {
    const join: JoinSuccess = {
      message: 'join_success',
      protocol_version: 1,
      id: '00000000-0000-4000-8000-000000000001',
      display_name: 'Me',
      role: 'participant',
      kind: 'guest',
      room: { id: '00000000-0000-4000-8000-0000000000aa', name: 'Room' },
      participants: [],
      modules: { polls },
      resumed: false,
    };
    this.state = { status: 'joined', join };
    for (const l of this.stateListeners) l(this.state);
  }
  deliver(payload: Record<string, unknown> & { message: string }) {
    for (const l of this.messageListeners) l({ namespace: 'polls', timestamp: '2026-01-01T09:00:00.000Z', payload });
  }
}

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
    const signaling = new FakeSignaling();
    const store = new PollsStore(signaling);
    const events: PollsEvent['type'][] = [];
    store.onEvent((e) => events.push(e.type));
    signaling.join({ open: null, last: null });
    signaling.deliver({ message: 'started', poll });
    expect(store.getSnapshot().open).toEqual({ poll, voted: false, voters: 0, results: [{ option_id: 0, votes: 0 }, { option_id: 1, votes: 0 }] });
    store.vote('1', [1]);
    expect(signaling.sent).toEqual([{ action: 'vote', poll_id: '1', choices: [1] }]);
    signaling.deliver({ message: 'vote_counted', poll_id: '1' });
    signaling.deliver({ message: 'votes_updated', poll_id: '1', voters: 1, results: [{ option_id: 0, votes: 0 }, { option_id: 1, votes: 1 }] });
    expect(store.getSnapshot().open).toMatchObject({ voted: true, voters: 1 });
    signaling.deliver({ message: 'done', poll_id: '1', reason: 'closed', voters: 1, results: [{ option_id: 0, votes: 0 }, { option_id: 1, votes: 1 }], ended_at: '2026-01-01T09:01:00.000Z' });
    expect(store.getSnapshot()).toMatchObject({ open: null, last: { poll, reason: 'closed', voters: 1 } });
    expect(events).toEqual(['opened', 'counted', 'done']);
  });

  it('takes "already voted" from the snapshot after a resume, and shows refusals', () => {
    const signaling = new FakeSignaling();
    const store = new PollsStore(signaling);
    signaling.join({ open: { poll: { ...poll, live: false }, voted: true, voters: 3 }, last: null });
    expect(store.getSnapshot().open).toEqual({ poll: { ...poll, live: false }, voted: true, voters: 3 });
    signaling.deliver({ message: 'error', error: 'already_voted', action: 'vote' });
    expect(store.getSnapshot().error).toBe('already_voted');
    store.create({ question: 'Q', options: ['a', 'b', 'c'], multiple: true, maxChoices: 2, live: false, durationSeconds: 60 });
    store.create({ question: 'Q', options: ['a', 'b'], multiple: false, maxChoices: 2, live: true });
    expect(store.getSnapshot().error).toBeNull();
    expect(signaling.sent).toEqual([
      { action: 'create', question: 'Q', options: ['a', 'b', 'c'], choice: 'multiple', max_choices: 2, live: false, duration_seconds: 60 },
      { action: 'create', question: 'Q', options: ['a', 'b'], choice: 'single', live: true },
    ]);
  });
});
