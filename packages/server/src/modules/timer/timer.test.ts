import { JoinSuccess, TimerMessage, TimerSnapshot } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import { ModuleTester, type SimulatedParticipant } from '../../signaling/testing.ts';
import { timerModule } from './index.ts';

const setup = () => new ModuleTester({ modules: [timerModule], timings: { resumeWindowMs: 30_000 } });
const snapshotOf = (p: SimulatedParticipant): TimerSnapshot => TimerSnapshot.parse(JoinSuccess.parse(p.messages('control', 'join_success').at(-1)).modules.timer);
const errors = (p: SimulatedParticipant) => p.messages('timer', 'error').map((e) => e.error);
const timerMessages = (p: SimulatedParticipant) => p.messages('timer').filter((m) => m.message !== 'error').map((m) => TimerMessage.parse(m));

describe('timer', () => {
  it('a countdown ends by the server clock, for everyone, and late joiners get its timestamps', async () => {
    const t = setup();
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    const a = await t.join({ displayName: 'Anna', kind: 'guest' });
    await chair.send('timer', { action: 'start', kind: 'countdown', duration_seconds: 300, title: 'Speaking time' });
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
    for (const p of [chair, a]) expect(p.messages('timer')).toEqual([{ message: 'started', timer }]);

    await t.advance(120_000);
    const late = await t.join({ displayName: 'Late' });
    expect(snapshotOf(late)).toEqual({ timer, server_time: '2026-01-01T09:02:00.000Z', ready: [] });

    await t.advance(179_999);
    expect(a.messages('timer', 'ended')).toEqual([]);
    await t.advance(1);
    for (const p of [chair, a, late]) expect(p.messages('timer', 'ended')).toEqual([{ message: 'ended', timer_id: '1', reason: 'expired', ended_at: '2026-01-01T09:05:00.000Z' }]);
    expect(snapshotOf(await t.join()).timer).toBeNull();
    expect(t.clock.pendingTimers).toBe(0);
  });

  it('a stopwatch runs until a moderator stops it; one timer at a time', async () => {
    const t = setup();
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    const cochair = await t.join({ displayName: 'Co-chair', role: 'moderator' });
    const a = await t.join({ displayName: 'Anna' });
    await chair.send('timer', { action: 'start', kind: 'stopwatch' });
    expect(timerMessages(a)[0]).toMatchObject({ message: 'started', timer: { kind: 'stopwatch', style: 'normal', ready_check: false } });
    expect(timerMessages(a)[0]).not.toHaveProperty('timer.ends_at');
    await cochair.send('timer', { action: 'start', kind: 'countdown', duration_seconds: 60 });
    expect(errors(cochair)).toEqual(['timer_already_running']);
    await t.advance(3_600_000);
    expect(a.messages('timer', 'ended')).toEqual([]);
    await cochair.send('timer', { action: 'stop' });
    expect(a.messages('timer', 'ended')).toEqual([{ message: 'ended', timer_id: '1', reason: 'stopped', ended_at: '2026-01-01T10:00:00.000Z', by: cochair.id }]);
    await cochair.send('timer', { action: 'stop' });
    expect(errors(cochair)).toEqual(['timer_already_running', 'timer_not_running']);
    // After the end, a new one can start.
    await chair.send('timer', { action: 'start', kind: 'countdown', duration_seconds: 10 });
    expect(timerMessages(a).at(-1)).toMatchObject({ message: 'started', timer: { id: '2' } });
  });

  it('a stopped countdown does not end a second time later', async () => {
    const t = setup();
    const chair = await t.join({ role: 'moderator' });
    await chair.send('timer', { action: 'start', kind: 'countdown', duration_seconds: 60 });
    await t.advance(10_000);
    await chair.send('timer', { action: 'stop' });
    await chair.send('timer', { action: 'start', kind: 'countdown', duration_seconds: 120 });
    await t.advance(60_000);
    expect(chair.messages('timer', 'ended')).toHaveLength(1);
    await t.advance(60_000);
    expect(chair.messages('timer', 'ended').map((m) => [m.timer_id, m.reason])).toEqual([
      ['1', 'stopped'],
      ['2', 'expired'],
    ]);
  });

  it('a coffee break is a countdown with its own style, and a resumed participant gets it back', async () => {
    const t = setup();
    const chair = await t.join({ role: 'moderator' });
    const a = await t.join({ displayName: 'Anna' });
    await chair.send('timer', { action: 'start', kind: 'countdown', duration_seconds: 900, style: 'coffee_break', title: 'Coffee' });
    expect(timerMessages(a)[0]).toMatchObject({ message: 'started', timer: { style: 'coffee_break', ends_at: '2026-01-01T09:15:00.000Z' } });
    await a.drop();
    await t.advance(5_000);
    await a.resume();
    expect(snapshotOf(a).timer).toMatchObject({ style: 'coffee_break', title: 'Coffee', ends_at: '2026-01-01T09:15:00.000Z' });
    expect(snapshotOf(a).server_time).toBe('2026-01-01T09:00:05.000Z');
    // A coffee break without an end, or a countdown without a duration, is malformed.
    await chair.send('timer', { action: 'start', kind: 'stopwatch', style: 'coffee_break' });
    await chair.send('timer', { action: 'start', kind: 'countdown' });
    await chair.send('timer', { action: 'start', kind: 'stopwatch', duration_seconds: 5 });
    await chair.send('timer', { action: 'start', kind: 'countdown', duration_seconds: 0 });
    expect(errors(chair)).toEqual(['invalid_command', 'invalid_command', 'invalid_command', 'invalid_command']);
    await t.advance(895_000);
    expect(a.messages('timer', 'ended')).toEqual([{ message: 'ended', timer_id: '1', reason: 'expired', ended_at: '2026-01-01T09:15:00.000Z' }]);
  });

  it('ready check: participants mark themselves ready; moderators see everyone, others only themselves', async () => {
    const t = setup();
    const chair = await t.join({ role: 'moderator' });
    const a = await t.join({ displayName: 'Anna' });
    const b = await t.join({ displayName: 'Ben' });
    await a.send('timer', { action: 'update_ready_status', ready: true });
    expect(errors(a)).toEqual(['timer_not_running']);
    await chair.send('timer', { action: 'start', kind: 'countdown', duration_seconds: 600, ready_check: true });
    await a.send('timer', { action: 'update_ready_status', ready: true });
    await a.send('timer', { action: 'update_ready_status', ready: true });
    const update = { message: 'ready_status_updated', timer_id: '1', participant_id: a.id, ready: true };
    expect(chair.messages('timer', 'ready_status_updated')).toEqual([update]);
    expect(a.messages('timer', 'ready_status_updated')).toEqual([update]);
    expect(b.messages('timer', 'ready_status_updated')).toEqual([]);
    await b.send('timer', { action: 'update_ready_status', ready: true });
    await b.send('timer', { action: 'update_ready_status', ready: false });
    expect(chair.messages('timer', 'ready_status_updated').map((m) => [m.participant_id, m.ready])).toEqual([
      [a.id, true],
      [b.id, true],
      [b.id, false],
    ]);
    expect(a.messages('timer', 'ready_status_updated')).toHaveLength(1);
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
    await chair.send('timer', { action: 'stop' });
    await chair.send('timer', { action: 'start', kind: 'stopwatch' });
    await b.send('timer', { action: 'update_ready_status', ready: true });
    expect(errors(b)).toEqual(['timer_not_running']);
  });

  it('refuses start and stop from participants with forbidden, and changes nothing', async () => {
    const t = setup();
    const chair = await t.join({ role: 'moderator' });
    const a = await t.join({ displayName: 'Anna', kind: 'guest' });
    const b = await t.join({ displayName: 'Ben' });
    await a.send('timer', { action: 'start', kind: 'countdown', duration_seconds: 60 });
    await b.send('timer', { action: 'start', kind: 'stopwatch', style: 'normal' });
    expect(errors(a)).toEqual(['forbidden']);
    expect(errors(b)).toEqual(['forbidden']);
    expect(chair.messages('timer')).toEqual([]);
    expect(snapshotOf(await t.join()).timer).toBeNull();

    await chair.send('timer', { action: 'start', kind: 'countdown', duration_seconds: 60 });
    chair.clear();
    await a.send('timer', { action: 'stop' });
    expect(a.messages('timer', 'error').at(-1)).toEqual({ message: 'error', error: 'forbidden', action: 'stop' });
    expect(chair.messages('timer')).toEqual([]);
    expect(snapshotOf(await t.join()).timer).toMatchObject({ id: '1' });
  });
});
