import { describe, expect, it } from 'vitest';
import { ModuleTester, type SimulatedParticipant } from '../../signaling/testing.ts';
import { handsFeature } from './index.ts';

const setup = () => new ModuleTester({ features: [handsFeature], timings: { resumeWindowMs: 30_000 } });
const snapshotOf = (p: SimulatedParticipant) => p.snapshot(handsFeature);
const queue = (p: SimulatedParticipant) => snapshotOf(p).hands.map((h) => h.participant_id);
const errors = (p: SimulatedParticipant) => p.errors(handsFeature).map((e) => e.error);

describe('hands', () => {
  it('everyone sees hands go up in order; raising again keeps the place; lowering own hand', async () => {
    const t = setup();
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    const a = await t.join({ displayName: 'Anna', kind: 'guest' });
    const b = await t.join({ displayName: 'Ben' });
    const c = await t.join({ displayName: 'Cem' });
    await b.send(handsFeature, { action: 'raise_hand' });
    await t.advance(2_000);
    await a.send(handsFeature, { action: 'raise_hand' });
    await t.advance(2_000);
    await c.send(handsFeature, { action: 'raise_hand' });
    await b.send(handsFeature, { action: 'raise_hand' });
    for (const p of [chair, a, b, c]) {
      expect(p.messages(handsFeature, 'hand_raised')).toEqual([
        { message: 'hand_raised', hand: { participant_id: b.id, raised_at: '2026-01-01T09:00:00.000Z' } },
        { message: 'hand_raised', hand: { participant_id: a.id, raised_at: '2026-01-01T09:00:02.000Z' } },
        { message: 'hand_raised', hand: { participant_id: c.id, raised_at: '2026-01-01T09:00:04.000Z' } },
      ]);
    }
    const late = await t.join();
    expect(snapshotOf(late)).toEqual({
      enabled: true,
      hands: [
        { participant_id: b.id, raised_at: '2026-01-01T09:00:00.000Z' },
        { participant_id: a.id, raised_at: '2026-01-01T09:00:02.000Z' },
        { participant_id: c.id, raised_at: '2026-01-01T09:00:04.000Z' },
      ],
    });
    await a.send(handsFeature, { action: 'lower_hand' });
    await a.send(handsFeature, { action: 'lower_hand' });
    expect(chair.messages(handsFeature, 'hands_lowered')).toEqual([{ message: 'hands_lowered', participant_ids: [a.id], reason: 'self' }]);
    // Raised again, Anna goes to the end of the queue.
    await a.send(handsFeature, { action: 'raise_hand' });
    expect(queue(await t.join())).toEqual([b.id, c.id, a.id]);
  });

  it('a moderator lowers one hand or all of them, for everyone', async () => {
    const t = setup();
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    const a = await t.join({ displayName: 'Anna' });
    const b = await t.join({ displayName: 'Ben' });
    const c = await t.join({ displayName: 'Cem' });
    for (const p of [a, b, c]) await p.send(handsFeature, { action: 'raise_hand' });
    await chair.send(handsFeature, { action: 'lower_hands', participant_ids: [b.id, crypto.randomUUID()] });
    expect(a.messages(handsFeature, 'hands_lowered')).toEqual([{ message: 'hands_lowered', participant_ids: [b.id], reason: 'moderator', by: chair.id }]);
    await chair.send(handsFeature, { action: 'lower_hands' });
    for (const p of [chair, a, b, c]) {
      expect(p.messages(handsFeature, 'hands_lowered').at(-1)).toEqual({ message: 'hands_lowered', participant_ids: [a.id, c.id], reason: 'moderator', by: chair.id });
    }
    expect(queue(await t.join())).toEqual([]);
    // Nothing raised: nothing announced.
    const before = a.messages(handsFeature).length;
    await chair.send(handsFeature, { action: 'lower_hands' });
    expect(a.messages(handsFeature)).toHaveLength(before);
  });

  it('refuses every moderator command from a participant with forbidden, and changes nothing', async () => {
    const t = setup();
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    const a = await t.join({ displayName: 'Anna', kind: 'guest' });
    const b = await t.join({ displayName: 'Ben' });
    await b.send(handsFeature, { action: 'raise_hand' });
    chair.clear();
    await a.send(handsFeature, { action: 'lower_hands' });
    await a.send(handsFeature, { action: 'lower_hands', participant_ids: [b.id] });
    await a.send(handsFeature, { action: 'disable_raise_hands' });
    await chair.send(handsFeature, { action: 'disable_raise_hands' });
    await chair.send(handsFeature, { action: 'enable_raise_hands' });
    await chair.send(handsFeature, { action: 'disable_raise_hands' });
    await b.send(handsFeature, { action: 'enable_raise_hands' });
    expect(errors(a)).toEqual(['forbidden', 'forbidden', 'forbidden']);
    expect(b.errors(handsFeature)).toEqual([{ message: 'error', error: 'forbidden', action: 'enable_raise_hands' }]);
    expect(snapshotOf(await t.join()).enabled).toBe(false);
    // Before the chair acted, the participant's attempts changed nothing.
    expect(chair.messages(handsFeature).map((m) => m.message)).toEqual(['hands_lowered', 'raise_hands_disabled', 'raise_hands_enabled', 'raise_hands_disabled']);
    expect(chair.messages(handsFeature, 'hands_lowered')).toEqual([{ message: 'hands_lowered', participant_ids: [b.id], reason: 'disabled', by: chair.id }]);
  });

  it('disabling lowers every hand and refuses raising until enabled again', async () => {
    const t = setup();
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    const a = await t.join({ displayName: 'Anna' });
    const b = await t.join({ displayName: 'Ben' });
    await a.send(handsFeature, { action: 'raise_hand' });
    await b.send(handsFeature, { action: 'raise_hand' });
    await chair.send(handsFeature, { action: 'disable_raise_hands' });
    expect(a.messages(handsFeature).slice(-2)).toEqual([
      { message: 'hands_lowered', participant_ids: [a.id, b.id], reason: 'disabled', by: chair.id },
      { message: 'raise_hands_disabled', by: chair.id },
    ]);
    await a.send(handsFeature, { action: 'raise_hand' });
    await chair.send(handsFeature, { action: 'raise_hand' });
    expect(errors(a)).toEqual(['hands_disabled']);
    expect(errors(chair)).toEqual(['hands_disabled']);
    expect(snapshotOf(await t.join())).toEqual({ enabled: false, hands: [] });
    await chair.send(handsFeature, { action: 'enable_raise_hands' });
    expect(a.messages(handsFeature, 'raise_hands_enabled')).toEqual([{ message: 'raise_hands_enabled', by: chair.id }]);
    await a.send(handsFeature, { action: 'raise_hand' });
    expect(queue(await t.join())).toEqual([a.id]);
  });

  it('a hand stays up through a resume and goes down when its owner leaves or times out', async () => {
    const t = setup();
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    const a = await t.join({ displayName: 'Anna' });
    const b = await t.join({ displayName: 'Ben' });
    const c = await t.join({ displayName: 'Cem' });
    for (const p of [a, b, c]) await p.send(handsFeature, { action: 'raise_hand' });
    await a.drop();
    await t.advance(10_000);
    await a.resume();
    expect(queue(a)).toEqual([a.id, b.id, c.id]);
    expect(snapshotOf(a).hands[0]!.raised_at).toBe('2026-01-01T09:00:00.000Z');
    await b.leave();
    expect(chair.messages(handsFeature, 'hands_lowered').at(-1)).toEqual({ message: 'hands_lowered', participant_ids: [b.id], reason: 'left' });
    await c.drop();
    await t.advance(30_000);
    expect(chair.messages(handsFeature, 'hands_lowered').at(-1)).toEqual({ message: 'hands_lowered', participant_ids: [c.id], reason: 'left' });
    expect(queue(await t.join())).toEqual([a.id]);
  });

  it('refuses malformed commands and commands naming others', async () => {
    const t = setup();
    const a = await t.join();
    const b = await t.join();
    await b.send(handsFeature, { action: 'raise_hand' });
    await a.send('hands', { action: 'lower_hand', participant_id: b.id });
    await a.send('hands', { action: 'raise_hand', participant_id: b.id });
    await a.send('hands', { action: 'lower_hands', participant_ids: ['not-a-uuid'] });
    await a.send('hands', { action: 'wave' });
    expect(errors(a)).toEqual(['invalid_command', 'invalid_command', 'invalid_command', 'unknown_action']);
    expect(queue(await t.join())).toEqual([b.id]);
  });
});
