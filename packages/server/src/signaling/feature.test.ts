import { defineProtocol, PROTOCOL_VERSION } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FeatureCompositionError, composeFeatures, instantiateFeatures } from './compose.ts';
import { defineFeature, refusal, roomEvent, type HooksOf } from './feature.ts';
import { ModuleTester } from './testing.ts';
import { noMedia } from '../media/types.ts';
import { testSigningKey } from './testing.ts';
import pino from 'pino';

/**
 * The feature contract, proven with a feature that exists only in this file: defining it and running it
 * in a room needs no edit anywhere else.
 */

// ── a counter feature, the whole unit ───────────────────────────────────────
const counterProtocol = defineProtocol({
  namespace: 'counter',
  commands: z.discriminatedUnion('action', [
    z.object({ action: z.literal('add'), by: z.number().int().min(1).max(10) }).strict(),
    z.object({ action: z.literal('save') }).strict(),
  ]),
  messages: z.discriminatedUnion('message', [
    z.object({ message: z.literal('total'), total: z.number().int(), by: z.uuid() }),
    z.object({ message: z.literal('tick'), total: z.number().int() }),
    z.object({ message: z.literal('saved'), total: z.number().int(), version: z.number().int() }),
    z.object({ message: z.literal('grouped'), moved: z.array(z.uuid()) }),
  ]),
  snapshot: z.object({ total: z.number().int(), you_can_add: z.boolean() }),
  errors: ['counter_full'],
});
const counterChanged = roomEvent<{ total: number }>()('counter_changed');

interface CounterRepos {
  save(total: number): Promise<number>;
}
interface CounterState {
  total: number;
}
const refuse = refusal(counterProtocol);

function counterHooks(repos: CounterRepos): HooksOf<typeof counterProtocol, CounterState, number, typeof counterChanged> {
  return {
    load: async () => 2,
    init(_room, loaded) {
      return { total: loaded ?? 0 };
    },
    onCommand(ctx, who, cmd) {
      if (!ctx.permissions.has('moderate')) throw refuse('forbidden');
      if (cmd.action === 'save') {
        // I/O leaves the queue; the answer comes back as a later task of the room.
        ctx.spawn(repos.save(ctx.state.total), (version) => ctx.send(who, { message: 'saved', total: ctx.state.total, version }));
        return;
      }
      if (ctx.state.total + cmd.by > 20) throw refuse('counter_full');
      ctx.state.total += cmd.by;
      ctx.broadcast({ message: 'total', total: ctx.state.total, by: who.id });
      ctx.emit(counterChanged, { total: ctx.state.total });
      ctx.room.setTimer(1_000, () => ctx.broadcast({ message: 'tick', total: ctx.state.total }));
    },
    onGroupsChanged(ctx, change) {
      ctx.broadcast({ message: 'grouped', moved: [...change.moved] });
    },
    snapshot(ctx, forWhom) {
      return { total: ctx.state.total, you_can_add: ctx.room.permissionsOf(forWhom).has('moderate') };
    },
  };
}
const counter = defineFeature({
  ...counterProtocol,
  emits: [counterChanged],
  repositories: (): CounterRepos => ({ save: async () => 1 }),
  setup: ({ repos }) => counterHooks(repos),
});

// A second feature that consumes the first one's event by name, and requires it.
const watcherProtocol = defineProtocol({
  namespace: 'watcher',
  commands: z.discriminatedUnion('action', [z.object({ action: z.literal('group'), with: z.uuid() }).strict()]),
  messages: z.discriminatedUnion('message', [z.object({ message: z.literal('seen'), total: z.number().int() })]),
  snapshot: z.object({}),
});
const watcher = defineFeature({
  ...watcherProtocol,
  requires: ['counter'],
  consumes: [counterChanged],
  setup: (): HooksOf<typeof watcherProtocol, object, undefined, never, typeof counterChanged> => ({
    init(room) {
      room.on(counterChanged, ({ total }) => room.broadcast({ message: 'seen', total }));
      return {};
    },
    onCommand(ctx, who, cmd) {
      ctx.room.groups.set(new Map([[who.id, 'g1'], [cmd.with, 'g1']]));
    },
  }),
});

describe('a feature defined in one place', () => {
  it('runs in a room: typed commands and messages, typed refusals, snapshots per receiver, timers, events, spawn, load', async () => {
    const saved: number[] = [];
    const t = new ModuleTester({
      features: [counter, watcher],
      provide: [{ namespace: 'counter', repos: { save: async (total: number) => (saved.push(total), saved.length) } }],
    });
    const mod = await t.join({ role: 'moderator' });
    const guest = await t.join({ kind: 'guest' });
    expect(mod.snapshot(counter)).toEqual({ total: 2, you_can_add: true });
    expect(guest.snapshot(counter)).toEqual({ total: 2, you_can_add: false });

    await guest.send(counter, { action: 'add', by: 3 });
    await mod.send('counter', { action: 'add', by: 'three' });
    expect(guest.errors(counter)).toEqual([{ message: 'error', error: 'forbidden', action: 'add' }]);
    expect(mod.lastError(counter)).toBe('invalid_command');

    await mod.send(counter, { action: 'add', by: 3 });
    expect(guest.messages(counter, 'total')).toEqual([{ message: 'total', total: 5, by: mod.id }]);
    expect(guest.messages(watcher, 'seen')).toEqual([{ message: 'seen', total: 5 }]);
    expect(guest.messages(counter, 'tick')).toEqual([]);
    await t.advance(1_000);
    expect(guest.messages(counter, 'tick')).toEqual([{ message: 'tick', total: 5 }]);

    await mod.send(counter, { action: 'add', by: 10 });
    await mod.send(counter, { action: 'add', by: 10 });
    expect(mod.lastError(counter)).toBe('counter_full');

    await mod.send(counter, { action: 'save' });
    expect(mod.messages(counter, 'saved')).toEqual([{ message: 'saved', total: 15, version: 1 }]);
    expect(saved).toEqual([15]);

    await guest.send(watcher, { action: 'group', with: mod.id });
    expect(mod.messages(counter, 'grouped')).toEqual([{ message: 'grouped', moved: [guest.id, mod.id] }]);
    expect(t.taskErrors).toEqual([]);
  });

  it('a message the protocol does not describe fails the reading test', async () => {
    const loose = defineFeature({
      ...counterProtocol,
      setup: (): HooksOf<typeof counterProtocol, object> => ({
        init: () => ({}),
        onCommand(ctx, who) {
          // A wrong shape the type checker would refuse; sent anyway to prove the tester parses.
          ctx.send(who, { message: 'total', total: 'many' } as never);
        },
      }),
    });
    const t = new ModuleTester({ features: [loose] });
    const a = await t.join();
    await a.send(loose, { action: 'save' });
    expect(() => a.messages(loose)).toThrow(/does not match its protocol/);
  });

  it('the room queue never waits on spawned I/O: other commands are answered while it runs', async () => {
    let release!: (v: number) => void;
    const slow: CounterRepos = { save: () => new Promise<number>((r) => (release = r)) };
    const t = new ModuleTester({ features: [counter], provide: [{ namespace: 'counter', repos: slow }] });
    const mod = await t.join({ role: 'moderator' });
    const saving = mod.send(counter, { action: 'save' });
    // Not awaited: the save is still in the database when the next command comes.
    const room = await t.room();
    const port = [...room.members.values()][0]!.port!;
    room.command(port, 'counter', { action: 'add', by: 1 } as { action: string });
    expect(mod.messages(counter, 'total')).toEqual([{ message: 'total', total: 3, by: mod.id }]);
    expect(mod.messages(counter, 'saved')).toEqual([]);
    release(7);
    await saving;
    expect(mod.messages(counter, 'saved')).toEqual([{ message: 'saved', total: 3, version: 7 }]);
  });

  it('a hook written as an async function is refused when the feature is set up', () => {
    const bad = defineFeature({
      ...counterProtocol,
      setup: () => ({
        init: () => ({}),
        onCommand: (async () => {}) as unknown as () => void,
      }),
    });
    expect(() => instantiateFeatures([bad], { services: { logger: pino({ level: 'silent' }), media: noMedia(), signingKey: testSigningKey(), timeZone: 'UTC' } })).toThrow(
      /onCommand must be synchronous/,
    );
  });
});

describe('composition', () => {
  it('fails loudly when a required feature is disabled, missing or later in the list', () => {
    expect(composeFeatures([counter, watcher]).map((f) => f.namespace)).toEqual(['counter', 'watcher']);
    expect(() => composeFeatures([counter, watcher], { disabled: ['counter'] })).toThrow(new FeatureCompositionError('the feature "watcher" requires "counter", which is disabled (FEATURES_DISABLED)'));
    expect(() => composeFeatures([watcher, counter])).toThrow(/must come before it/);
    expect(() => composeFeatures([counter, watcher], { disabled: ['nonsense'] })).toThrow(/not a feature/);
    expect(composeFeatures([counter, watcher], { disabled: ['watcher'] }).map((f) => f.namespace)).toEqual(['counter']);
  });

  it('refuses a consumed event nobody emits, and a namespace used twice', () => {
    const orphan = defineFeature({ ...watcherProtocol, consumes: [roomEvent<object>()('nobody_emits_this')], setup: () => ({ init: () => ({}), onCommand() {} }) });
    expect(() => composeFeatures([orphan])).toThrow(/consumes the room event "nobody_emits_this", which no feature emits/);
    expect(() => composeFeatures([counter, counter])).toThrow(/two features use the namespace "counter"/);
  });
});

describe('a room that closed', () => {
  it('answers a command that reaches it after hub.closeRoom with room_closed, and settles', async () => {
    const t = new ModuleTester({ features: [counter], provide: [{ namespace: 'counter', repos: { save: async () => 1 } }] });
    const mod = await t.join({ role: 'moderator' });
    const room = await t.room();
    const port = [...room.members.values()][0]!.port!;
    let refused = '';
    let closing: Promise<void> = Promise.resolve();
    // The room is closing (a task of its own); a command arrives in the same moment, behind it.
    room.enqueue(() => {
      room.enqueue(
        () => room.command(port, 'counter', { action: 'add', by: 1 } as { action: string }),
        () => (refused = 'room_closed'),
      );
      closing = room.close('room deleted', true);
    });
    await closing;
    expect(refused).toBe('room_closed');
    const sent = mod.send(counter, { action: 'add', by: 1 });
    await expect(Promise.race([sent.then(() => 'settled'), new Promise((r) => setTimeout(() => r('stuck'), 2_000))])).resolves.toBe('settled');
    expect(mod.messages('control', 'closing')).toEqual([{ message: 'closing', reason: 'room deleted' }]);
    // The room opens afresh for the next join.
    const again = await t.join({ role: 'moderator' });
    await again.send(counter, { action: 'add', by: 1 });
    expect(again.messages(counter, 'total')).toEqual([{ message: 'total', total: 3, by: again.id }]);
  });

  it('a session whose room closed gets room_closed from the hub (its socket still open)', async () => {
    const t = new ModuleTester({ features: [counter], provide: [{ namespace: 'counter', repos: { save: async () => 1 } }] });
    const a = t.connect({ roomId: t.roomId, participantId: crypto.randomUUID(), kind: 'guest', displayName: 'A', isRoomOwner: false, resumption: 'r', inviteCode: 'x' });
    await a.send('control', { action: 'join', protocol_version: PROTOCOL_VERSION });
    const room = await t.room();
    // Closed without telling anyone (as a crash of the room would), the session is still open.
    room.closed = true;
    await a.send(counter, { action: 'add', by: 1 });
    expect(a.errors(counter)).toEqual([{ message: 'error', error: 'room_closed', action: 'add' }]);
  });
});
