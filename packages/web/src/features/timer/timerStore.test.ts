import type { Timer } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import { FeatureConnection } from '../../meeting/featureStore.ts';
import { FakeSignaling } from '../../meeting/testing/fakeSignaling.ts';
import { TimerStore, formatDuration, timerDisplayMs, type TimerEvent } from './timerStore.ts';

const SELF = '00000000-0000-4000-8000-000000000001';
const CHAIR = '00000000-0000-4000-8000-000000000002';

const coffee: Timer = {
  id: '1',
  kind: 'countdown',
  style: 'coffee_break',
  ready_check: true,
  started_at: '2026-01-01T09:00:00.000Z',
  ends_at: '2026-01-01T09:15:00.000Z',
  started_by: CHAIR,
};

describe('timer store', () => {
  it('computes the time left from the server clock, even when this device’s clock is off', () => {
    const signaling = new FakeSignaling({ namespace: 'timer', selfId: SELF });
    // This device is 90 s behind the server.
    let deviceNow = Date.parse('2026-01-01T08:58:30.000Z');
    const store = new FeatureConnection(signaling, { now: () => deviceNow }).storeOf(TimerStore);
    signaling.join({ timer: null, server_time: '2026-01-01T09:00:00.000Z', ready: [] });
    signaling.deliver({ message: 'started', timer: { ...coffee, style: 'normal' } }, { timestamp: '2026-01-01T09:00:00.000Z' });
    const timer = store.getSnapshot().timer!;
    expect(formatDuration(timerDisplayMs(timer, store.serverNow()))).toBe('15:00');
    deviceNow += 61_500;
    expect(formatDuration(timerDisplayMs(timer, store.serverNow()))).toBe('13:59');
    expect(formatDuration(timerDisplayMs({ ...timer, ends_at: undefined }, store.serverNow()))).toBe('1:01');
    expect(formatDuration(3_723_000)).toBe('1:02:03');
    expect(formatDuration(-5_000)).toBe('0:00');
  });

  it('announces a coffee break once, also across a resume, and remembers "Back now"', () => {
    const signaling = new FakeSignaling({ namespace: 'timer', selfId: SELF });
    const store = new FeatureConnection(signaling).storeOf(TimerStore);
    const events: TimerEvent['type'][] = [];
    store.onEvent((e) => events.push(e.type));
    signaling.join({ timer: coffee, server_time: '2026-01-01T09:01:00.000Z', ready: [] });
    expect(events).toEqual(['break_started']);
    store.dismissBreak();
    expect(store.getSnapshot().breakDismissed).toBe(true);
    signaling.join({ timer: coffee, server_time: '2026-01-01T09:02:00.000Z', ready: [SELF] });
    expect(events).toEqual(['break_started']);
    expect(store.getSnapshot()).toMatchObject({ breakDismissed: true, ready: new Set([SELF]) });
    signaling.deliver({ message: 'ended', timer_id: '1', reason: 'stopped', ended_at: '2026-01-01T09:03:00.000Z', by: CHAIR }, { timestamp: '2026-01-01T09:03:00.000Z' });
    expect(events).toEqual(['break_started', 'ended']);
    expect(store.getSnapshot().timer).toBeNull();
    // The next break is a new one.
    signaling.deliver({ message: 'started', timer: { ...coffee, id: '2', started_at: '2026-01-01T10:00:00.000Z' } }, { timestamp: '2026-01-01T10:00:00.000Z' });
    expect(events).toEqual(['break_started', 'ended', 'started', 'break_started']);
    expect(store.getSnapshot().breakDismissed).toBe(false);
  });

  it('tracks ready states and sends the commands the server expects', () => {
    const signaling = new FakeSignaling({ namespace: 'timer', selfId: SELF });
    const store = new FeatureConnection(signaling).storeOf(TimerStore);
    signaling.join({ timer: coffee, server_time: '2026-01-01T09:01:00.000Z', ready: [] });
    store.setReady(true);
    signaling.deliver({ message: 'ready_status_updated', timer_id: '1', participant_id: SELF, ready: true }, { timestamp: '2026-01-01T09:01:00.000Z' });
    // A late update for another timer changes nothing.
    signaling.deliver({ message: 'ready_status_updated', timer_id: '9', participant_id: CHAIR, ready: true }, { timestamp: '2026-01-01T09:01:00.000Z' });
    expect([...store.getSnapshot().ready]).toEqual([SELF]);
    store.start({ kind: 'countdown', durationSeconds: 90, title: 'Talk', coffeeBreak: false, readyCheck: false });
    store.start({ kind: 'stopwatch', durationSeconds: 90, coffeeBreak: false, readyCheck: true });
    store.stop();
    expect(signaling.sent.map((s) => s.payload)).toEqual([
      { action: 'update_ready_status', ready: true },
      { action: 'start', kind: 'countdown', duration_seconds: 90, title: 'Talk', style: 'normal', ready_check: false },
      { action: 'start', kind: 'stopwatch', style: 'normal', ready_check: true },
      { action: 'stop' },
    ]);
    signaling.deliver({ message: 'error', error: 'timer_already_running', action: 'start' }, { timestamp: '2026-01-01T09:01:00.000Z' });
    expect(store.getSnapshot().error).toBe('timer_already_running');
  });
});
