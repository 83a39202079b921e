import { describe, expect, it } from 'vitest';
import { ModuleTester, type SimulatedParticipant } from '../../signaling/testing.ts';
import { timerFeature } from './index.ts';

const setup = () => new ModuleTester({ features: [timerFeature], timings: { resumeWindowMs: 30_000 } });
const snapshotOf = (p: SimulatedParticipant) => p.snapshot(timerFeature);
const errors = (p: SimulatedParticipant) => p.errors(timerFeature).map((e) => e.error);

describe('timer', () => {
  it('a countdown ends by the server clock, for everyone, and late joiners get its timestamps', async () => {
    const t = setup();
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    const a = await t.join({ displayName: 'Anna', kind: 'guest' });
    await chair.send(timerFeature, { action: 'start', kind: 'countdown', duration_seconds: 300, title: 'Speaking time' });
    const timer = {
      id: '1',
      kind: 'countdown',
      style: 'normal',
      title: 'Speaking time',
      ready_check: false,
      started_at: '2026-01-01T09:00:00.000Z',
      ends_at: '2026-01-01T09:05:00.000Z',
      started_by: chair.id,
    };
    for (const p of [chair, a]) expect(p.messages(timerFeature)).toEqual([{ message: 'started', timer }]);

    await t.advance(120_000);
    const late = await t.join({ displayName: 'Late' });
    expect(snapshotOf(late)).toEqual({ timer, server_time: '2026-01-01T09:02:00.000Z', ready: [] });

    await t.advance(179_999);
    expect(a.messages(timerFeature, 'ended')).toEqual([]);
    await t.advance(1);
    const ended = { message: 'ended', timer_id: '1', reason: 'expired', ended_at: '2026-01-01T09:05:00.000Z' };
    for (const p of [chair, a, late]) expect(p.messages(timerFeature, 'ended')).toEqual([ended]);
    expect(snapshotOf(await t.join()).timer).toBeNull();
    expect(t.clock.pendingTimers).toBe(0);
  });

  it('a stopwatch runs until a moderator stops it; one timer at a time', async () => {
    const t = setup();
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    const cochair = await t.join({ displayName: 'Co-chair', role: 'moderator' });
    const a = await t.join({ displayName: 'Anna' });
    await chair.send(timerFeature, { action: 'start', kind: 'stopwatch' });
    expect(a.messages(timerFeature)[0]).toMatchObject({ message: 'started', timer: { kind: 'stopwatch', style: 'normal', ready_check: false } });
    expect(a.messages(timerFeature)[0]).not.toHaveProperty('timer.ends_at');
    await cochair.send(timerFeature, { action: 'start', kind: 'countdown', duration_seconds: 60 });
    expect(errors(cochair)).toEqual(['timer_already_running']);
    await t.advance(3_600_000);
    expect(a.messages(timerFeature, 'ended')).toEqual([]);
    await cochair.send(timerFeature, { action: 'stop' });
    expect(a.messages(timerFeature, 'ended')).toEqual([{ message: 'ended', timer_id: '1', reason: 'stopped', ended_at: '2026-01-01T10:00:00.000Z', by: cochair.id }]);
    await cochair.send(timerFeature, { action: 'stop' });
    expect(errors(cochair)).toEqual(['timer_already_running', 'timer_not_running']);
    // After the end, a new one can start.
    await chair.send(timerFeature, { action: 'start', kind: 'countdown', duration_seconds: 10 });
    expect(a.messages(timerFeature).at(-1)).toMatchObject({ message: 'started', timer: { id: '2' } });
  });

  it('a stopped countdown does not end a second time later', async () => {
    const t = setup();
    const chair = await t.join({ role: 'moderator' });
    await chair.send(timerFeature, { action: 'start', kind: 'countdown', duration_seconds: 60 });
    await t.advance(10_000);
    await chair.send(timerFeature, { action: 'stop' });
    await chair.send(timerFeature, { action: 'start', kind: 'countdown', duration_seconds: 120 });
    await t.advance(60_000);
    expect(chair.messages(timerFeature, 'ended')).toHaveLength(1);
    await t.advance(60_000);
    expect(chair.messages(timerFeature, 'ended').map((m) => [m.timer_id, m.reason])).toEqual([
      ['1', 'stopped'],
      ['2', 'expired'],
    ]);
  });

  it('a coffee break is a countdown with its own style, and a resumed participant gets it back', async () => {
    const t = setup();
    const chair = await t.join({ role: 'moderator' });
    const a = await t.join({ displayName: 'Anna' });
    await chair.send(timerFeature, { action: 'start', kind: 'countdown', duration_seconds: 900, style: 'coffee_break', title: 'Coffee' });
    expect(a.messages(timerFeature)[0]).toMatchObject({ message: 'started', timer: { style: 'coffee_break', ends_at: '2026-01-01T09:15:00.000Z' } });
    await a.drop();
    await t.advance(5_000);
    await a.resume();
    expect(snapshotOf(a).timer).toMatchObject({ style: 'coffee_break', title: 'Coffee', ends_at: '2026-01-01T09:15:00.000Z' });
    expect(snapshotOf(a).server_time).toBe('2026-01-01T09:00:05.000Z');
    // A coffee break without an end, or a countdown without a duration, is malformed.
    await chair.send(timerFeature, { action: 'start', kind: 'stopwatch', style: 'coffee_break' });
    await chair.send(timerFeature, { action: 'start', kind: 'countdown' });
    await chair.send(timerFeature, { action: 'start', kind: 'stopwatch', duration_seconds: 5 });
    await chair.send(timerFeature, { action: 'start', kind: 'countdown', duration_seconds: 0 });
    expect(errors(chair)).toEqual(['invalid_command', 'invalid_command', 'invalid_command', 'invalid_command']);
    await t.advance(895_000);
    expect(a.messages(timerFeature, 'ended')).toEqual([{ message: 'ended', timer_id: '1', reason: 'expired', ended_at: '2026-01-01T09:15:00.000Z' }]);
  });

  it('ready check: participants mark themselves ready; moderators see everyone, others only themselves', async () => {
    const t = setup();
    const chair = await t.join({ role: 'moderator' });
    const a = await t.join({ displayName: 'Anna' });
    const b = await t.join({ displayName: 'Ben' });
    await a.send(timerFeature, { action: 'update_ready_status', ready: true });
    expect(errors(a)).toEqual(['timer_not_running']);
    await chair.send(timerFeature, { action: 'start', kind: 'countdown', duration_seconds: 600, ready_check: true });
    await a.send(timerFeature, { action: 'update_ready_status', ready: true });
    await a.send(timerFeature, { action: 'update_ready_status', ready: true });
    const update = { message: 'ready_status_updated', timer_id: '1', participant_id: a.id, ready: true };
    expect(chair.messages(timerFeature, 'ready_status_updated')).toEqual([update]);
    expect(a.messages(timerFeature, 'ready_status_updated')).toEqual([update]);
    expect(b.messages(timerFeature, 'ready_status_updated')).toEqual([]);
    await b.send(timerFeature, { action: 'update_ready_status', ready: true });
    await b.send(timerFeature, { action: 'update_ready_status', ready: false });
    expect(chair.messages(timerFeature, 'ready_status_updated').map((m) => [m.participant_id, m.ready])).toEqual([
      [a.id, true],
      [b.id, true],
      [b.id, false],
    ]);
    expect(a.messages(timerFeature, 'ready_status_updated')).toHaveLength(1);
    expect(snapshotOf(await t.join({ role: 'moderator' })).ready).toEqual([a.id]);
    await a.drop();
    await a.resume();
    expect(snapshotOf(a).ready).toEqual([a.id]);
    await b.drop();
    await b.resume();
    expect(snapshotOf(b).ready).toEqual([]);
    // A participant who leaves is no longer counted.
    await a.leave();
    expect(snapshotOf(await t.join({ role: 'moderator' })).ready).toEqual([]);
    // Without a ready check there is nothing to mark.
    await chair.send(timerFeature, { action: 'stop' });
    await chair.send(timerFeature, { action: 'start', kind: 'stopwatch' });
    await b.send(timerFeature, { action: 'update_ready_status', ready: true });
    expect(errors(b)).toEqual(['timer_not_running']);
  });

  it('refuses start and stop from participants with forbidden, and changes nothing', async () => {
    const t = setup();
    const chair = await t.join({ role: 'moderator' });
    const a = await t.join({ displayName: 'Anna', kind: 'guest' });
    const b = await t.join({ displayName: 'Ben' });
    await a.send(timerFeature, { action: 'start', kind: 'countdown', duration_seconds: 60 });
    await b.send(timerFeature, { action: 'start', kind: 'stopwatch', style: 'normal' });
    expect(errors(a)).toEqual(['forbidden']);
    expect(errors(b)).toEqual(['forbidden']);
    expect(chair.messages(timerFeature)).toEqual([]);
    expect(snapshotOf(await t.join()).timer).toBeNull();

    await chair.send(timerFeature, { action: 'start', kind: 'countdown', duration_seconds: 60 });
    chair.clear();
    await a.send(timerFeature, { action: 'stop' });
    expect(a.errors(timerFeature).at(-1)).toEqual({ message: 'error', error: 'forbidden', action: 'stop' });
    expect(chair.messages(timerFeature)).toEqual([]);
    expect(snapshotOf(await t.join()).timer).toMatchObject({ id: '1' });
  });
});
