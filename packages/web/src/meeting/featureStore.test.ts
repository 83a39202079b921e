import { defineProtocol, type ErrorOf, type ErrorPayloadOf, type JoinSuccess, type MessageOf, type SnapshotOf } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFeature, moderatorsOnly, type MeetingContext, type SlotProps } from '../features/feature.ts';
import { BreakoutStore } from '../features/breakout/breakoutStore.ts';
import { TimerStore } from '../features/timer/timerStore.ts';
import { Notices } from './notices.ts';
import { FeatureConnection, FeatureStore } from './featureStore.ts';
import type { LocalMedia } from './localMedia.ts';
import { FakeSignaling } from './testing/fakeSignaling.ts';

/** A feature that exists only in this test: a shared counter. */
const counterProtocol = defineProtocol({
  namespace: 'counter',
  commands: z.discriminatedUnion('action', [z.object({ action: z.literal('increment'), by: z.number().int() }).strict()]),
  messages: z.discriminatedUnion('message', [z.object({ message: z.literal('counted'), value: z.number().int() })]),
  snapshot: z.object({ value: z.number().int() }),
  errors: ['counter_frozen'],
});

interface CounterView {
  selfId: string | null;
  value: number;
  refused: ErrorOf<typeof counterProtocol> | null;
}

class CounterStore extends FeatureStore<typeof counterProtocol, CounterView, { type: 'counted'; value: number }> {
  constructor(connection: FeatureConnection) {
    super(connection, counterProtocol, { selfId: null, value: 0, refused: null });
  }
  increment(by: number): boolean {
    return this.send({ action: 'increment', by });
  }
  protected joined(snapshot: SnapshotOf<typeof counterProtocol>, join: JoinSuccess): void {
    this.set({ selfId: join.id, value: snapshot.value });
  }
  protected handle(message: MessageOf<typeof counterProtocol>): void {
    this.set({ value: message.value });
    this.emit({ type: 'counted', value: message.value });
  }
  protected override refused(error: ErrorPayloadOf<typeof counterProtocol>): void {
    this.set({ refused: error.error });
  }
}

function CounterBadge(_props: SlotProps<CounterStore>) {
  return null;
}

const counterFeature = defineFeature({
  protocol: counterProtocol,
  store: CounterStore,
  messages: { en: { counter: { value: 'Count: {{value}}' } }, de: { counter: { value: 'Zählerstand: {{value}}' } } },
  Badge: { order: 5, visible: moderatorsOnly, Component: CounterBadge },
});

describe('feature stores', () => {
  it('takes a feature defined anywhere: snapshot, messages, typed refusals and commands in its namespace only', () => {
    const signaling = new FakeSignaling({ namespace: 'counter' });
    const store = new FeatureConnection(signaling).storeOf(CounterStore);
    const events: number[] = [];
    store.onEvent((e) => events.push(e.value));
    let changes = 0;
    store.subscribe(() => changes++);

    signaling.join({ value: 3 });
    expect(store.getSnapshot()).toEqual({ selfId: '00000000-0000-4000-8000-000000000001', value: 3, refused: null });
    signaling.deliver({ message: 'counted', value: 4 });
    // Another namespace, an unknown message and a malformed one change nothing.
    signaling.deliver({ message: 'counted', value: 9 }, { namespace: 'chat' });
    signaling.deliver({ message: 'reset' });
    signaling.deliver({ message: 'counted', value: 'five' });
    expect(store.getSnapshot().value).toBe(4);
    expect(events).toEqual([4]);
    expect(changes).toBe(2);

    signaling.deliver({ message: 'error', error: 'counter_frozen', action: 'increment' });
    expect(store.getSnapshot().refused).toBe('counter_frozen');
    // A code neither the core's nor this feature's is not one this store can be refused with.
    signaling.deliver({ message: 'error', error: 'chat_full', action: 'increment' });
    expect(store.getSnapshot().refused).toBe('counter_frozen');

    store.increment(2);
    expect(signaling.sent).toEqual([{ namespace: 'counter', payload: { action: 'increment', by: 2 } }]);
  });

  it('makes one store per connection, caught up with a join that happened before it', () => {
    const signaling = new FakeSignaling({ namespace: 'counter' });
    signaling.join({ value: 7 });
    const connection = new FeatureConnection(signaling);
    const store = connection.storeOf(CounterStore);
    expect(store.getSnapshot().value).toBe(7);
    expect(connection.storeOf(CounterStore)).toBe(store);
    expect(new FeatureConnection(signaling).storeOf(CounterStore)).not.toBe(store);
  });

  it('renders a registry entry’s slots with the store of the connection, for the audience it declares', () => {
    const signaling = new FakeSignaling({ namespace: 'counter', role: 'moderator' });
    const connection = new FeatureConnection(signaling);
    counterFeature.start(connection);
    signaling.join({ value: 1 });
    const self = { id: 'me', displayName: 'Me', role: 'moderator', kind: 'user' } as const;
    const meeting: MeetingContext = { self, moderator: true, people: [], others: [], local: {} as LocalMedia, notices: new Notices() };
    const badge = counterFeature.Badge!;
    expect(badge.visible(self)).toBe(true);
    expect(badge.visible({ ...self, role: 'participant' })).toBe(false);
    const element = badge.render({ connection, meeting }, {});
    expect(element.key).toBe('counter');
    expect(element.props).toMatchObject({ store: connection.storeOf(CounterStore), meeting });
    expect(connection.storeOf(CounterStore).getSnapshot().value).toBe(1);
    expect(counterFeature.messages.de.counter.value).toBe('Zählerstand: {{value}}');
  });
});

describe('server clock', () => {
  it('is one per connection: what the timer learns, breakout rooms count with', () => {
    const signaling = new FakeSignaling({ namespace: 'timer' });
    // This device is 90 s behind the server.
    const connection = new FeatureConnection(signaling, { now: () => Date.parse('2026-01-01T08:58:30.000Z') });
    const timer = connection.storeOf(TimerStore);
    const breakout = connection.storeOf(BreakoutStore);
    signaling.join({ timer: null, server_time: '2026-01-01T09:00:00.000Z', ready: [] });
    expect(timer.serverNow()).toBe(Date.parse('2026-01-01T09:00:00.000Z'));
    expect(breakout.serverNow()).toBe(timer.serverNow());
    // Every envelope tells the server's time; a timestamp that does not parse is ignored.
    signaling.deliver({ message: 'anything' }, { namespace: 'chat', timestamp: '2026-01-01T09:00:10.000Z' });
    expect(connection.clock.offsetMs).toBe(100_000);
    connection.clock.observe('not a time');
    expect(breakout.serverNow()).toBe(Date.parse('2026-01-01T09:00:10.000Z'));
  });
});
