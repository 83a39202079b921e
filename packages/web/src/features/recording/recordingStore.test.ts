import { describe, expect, it } from 'vitest';
import { FeatureConnection } from '../../meeting/featureStore.ts';
import { FakeSignaling } from '../../meeting/testing/fakeSignaling.ts';
import { RecordingStore, type RecordingEvent } from './recordingStore.ts';

function setUp(snapshot = { active: false, paused: false, since: null as string | null, consent: null as boolean | null }) {
  const signaling = new FakeSignaling({ namespace: 'recording', role: 'moderator' });
  const store = new RecordingStore(new FeatureConnection(signaling));
  const events: RecordingEvent[] = [];
  store.onEvent((e) => events.push(e));
  store.connect();
  signaling.join(snapshot);
  return { signaling, store, events };
}

const SINCE = '2026-12-04T19:00:00.000Z';

describe('recording store', () => {
  it('opens the consent prompt when asked, sends the answer, and closes it', () => {
    const { signaling, store, events } = setUp();
    expect(store.getSnapshot()).toMatchObject({ active: false, prompt: false });
    signaling.deliver({ message: 'recording_state', active: true, paused: false, since: SINCE });
    signaling.deliver({ message: 'consent_request' });
    expect(store.getSnapshot()).toMatchObject({ active: true, since: SINCE, prompt: true, consent: null });
    expect(events).toEqual([{ type: 'started' }]);
    store.answer(false);
    expect(signaling.sent.at(-1)).toMatchObject({ namespace: 'recording', payload: { action: 'consent', given: false } });
    expect(store.getSnapshot()).toMatchObject({ prompt: false, consent: false });
    // Changing one's mind: the prompt opens again, the answer goes out.
    store.reconsider();
    expect(store.getSnapshot().prompt).toBe(true);
    store.answer(true);
    signaling.deliver({ message: 'consent_state', given: true });
    expect(store.getSnapshot()).toMatchObject({ prompt: false, consent: true });
    signaling.deliver({ message: 'recording_state', active: false, paused: false, since: null });
    expect(store.getSnapshot()).toMatchObject({ active: false, consent: null, prompt: false });
    expect(events).toEqual([{ type: 'started' }, { type: 'stopped' }]);
  });

  it('a late joiner who has not answered sees the prompt from the snapshot', () => {
    const { store } = setUp({ active: true, paused: false, since: SINCE, consent: null });
    expect(store.getSnapshot()).toMatchObject({ active: true, prompt: true });
    const answered = setUp({ active: true, paused: true, since: SINCE, consent: true }).store;
    expect(answered.getSnapshot()).toMatchObject({ paused: true, prompt: false, consent: true });
  });

  it('moderators start, pause and stop; a failure is kept for them', () => {
    const { signaling, store } = setUp();
    store.start();
    store.pause(true);
    store.pause(false);
    store.stop();
    expect(signaling.sent.map((c) => (c.payload as { action: string }).action)).toEqual(['start', 'pause', 'resume', 'stop']);
    signaling.deliver({ message: 'recording_failed', reason: 'disk full' });
    expect(store.getSnapshot().failed).toBe('disk full');
    signaling.deliver({ message: 'error', error: 'recording_unavailable', action: 'start' });
    expect(store.getSnapshot().error).toBe('recording_unavailable');
  });
});
