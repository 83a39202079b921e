import type { CommandOf } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import { composeFeatures } from '../../signaling/compose.ts';
import { ModuleTester, type SimulatedParticipant } from '../../signaling/testing.ts';
import { handsFeature } from '../hands/index.ts';
import { createSpeakerQueueFeature, speakerQueueFeature, type SpeakerQueueOptions } from './index.ts';

// Raised hands come from the real `hands` feature, through its room events.
const setup = (options: SpeakerQueueOptions = {}) =>
  new ModuleTester({ features: [handsFeature, createSpeakerQueueFeature(options)], timings: { resumeWindowMs: 30_000 } });
const snapshotOf = (p: SimulatedParticipant) => p.snapshot(speakerQueueFeature);
/** The state as the last `updated` told this participant. */
const seen = (p: SimulatedParticipant) => p.messages(speakerQueueFeature, 'updated').at(-1)!;
const errors = (p: SimulatedParticipant) => p.errors(speakerQueueFeature).map((e) => e.error);
const speaker = (p: SimulatedParticipant) => seen(p).state.current?.participant_id ?? null;

/** The hands still raised as this participant was told: raised minus lowered. */
function stillRaised(p: SimulatedParticipant) {
  const raised = p.messages(handsFeature, 'hand_raised').map((m) => (m as { hand: { participant_id: string } }).hand.participant_id);
  const lowered = new Set(p.messages(handsFeature, 'hands_lowered').flatMap((m) => (m as { participant_ids: string[] }).participant_ids));
  return raised.filter((id) => !lowered.has(id));
}

async function room(options: SpeakerQueueOptions = {}) {
  const t = setup(options);
  const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
  const a = await t.join({ displayName: 'Anna' });
  const b = await t.join({ displayName: 'Ben', kind: 'guest' });
  const c = await t.join({ displayName: 'Cem', kind: 'sip' });
  return { t, chair, a, b, c };
}

describe('speaker_queue', () => {
  it('a raised hand goes down when its owner is given the floor (next or set_speaker); everyone sees it lowered', async () => {
    const { chair, a, b } = await room();
    await chair.send(speakerQueueFeature, { action: 'configure', strategy: 'playlist', auto_append_hands: true });
    await a.send(handsFeature, { action: 'raise_hand' });
    await b.send(handsFeature, { action: 'raise_hand' });
    await chair.send(speakerQueueFeature, { action: 'next' });
    expect(speaker(chair)).toBe(a.id);
    expect(chair.messages(handsFeature, 'hands_lowered').at(-1)).toMatchObject({ participant_ids: [a.id], reason: 'floor' });
    await chair.send(speakerQueueFeature, { action: 'set_speaker', participant_id: b.id });
    expect(b.messages(handsFeature, 'hands_lowered').at(-1)).toMatchObject({ participant_ids: [b.id], reason: 'floor' });
    expect(stillRaised(chair)).toEqual([]);
  });

  it('playlist: the moderator orders the list; next gives the floor in that order, to everyone; late joiners get the state', async () => {
    const { t, chair, a, b, c } = await room();
    await chair.send(speakerQueueFeature, { action: 'configure', strategy: 'playlist' });
    await chair.send(speakerQueueFeature, { action: 'set_list', participant_ids: [b.id, a.id, c.id] });
    expect(seen(a).state.list).toEqual([b.id, a.id, c.id]);
    await chair.send(speakerQueueFeature, { action: 'next' });
    for (const p of [chair, a, b, c]) {
      expect(seen(p)).toEqual({
        message: 'updated',
        reason: 'moderator',
        by: chair.id,
        state: {
          strategy: 'playlist',
          time_limit_seconds: null,
          auto_append_hands: false,
          list: [a.id, c.id],
          current: { participant_id: b.id, started_at: '2026-01-01T09:00:00.000Z', time_limit_seconds: null },
          nominated: null,
        },
      });
    }
    await t.advance(5_000);
    await chair.send(speakerQueueFeature, { action: 'next' });
    expect(speaker(c)).toBe(a.id);
    expect(seen(c).state.current?.started_at).toBe('2026-01-01T09:00:05.000Z');
    const late = await t.join();
    expect(snapshotOf(late)).toEqual(seen(c).state);
    await chair.send(speakerQueueFeature, { action: 'next' });
    await chair.send(speakerQueueFeature, { action: 'next' });
    expect(seen(a).state.current).toBeNull();
    expect(seen(a).state.list).toEqual([]);
  });

  it('none: nobody follows automatically; the moderator sets or clears the speaker', async () => {
    const { chair, a, b } = await room();
    await chair.send(speakerQueueFeature, { action: 'configure', strategy: 'none' });
    await chair.send(speakerQueueFeature, { action: 'set_list', participant_ids: [a.id, b.id] });
    await chair.send(speakerQueueFeature, { action: 'next' });
    expect(speaker(a)).toBeNull();
    await chair.send(speakerQueueFeature, { action: 'set_speaker', participant_id: b.id });
    expect(speaker(a)).toBe(b.id);
    expect(seen(a).state.list).toEqual([a.id]);
    await b.send(speakerQueueFeature, { action: 'yield' });
    expect(seen(a)).toMatchObject({ reason: 'yielded', by: b.id, state: { current: null, list: [a.id] } });
    await chair.send(speakerQueueFeature, { action: 'set_speaker', participant_id: a.id });
    await chair.send(speakerQueueFeature, { action: 'set_speaker', participant_id: null });
    expect(speaker(b)).toBeNull();
    await chair.send(speakerQueueFeature, { action: 'set_speaker', participant_id: crypto.randomUUID() });
    expect(errors(chair)).toEqual(['participant_not_found']);
  });

  it('random: draws from the list with the injected picker', async () => {
    const draws: number[] = [];
    const { chair, a, b, c } = await room({
      pick: (n) => {
        draws.push(n);
        return n - 1;
      },
    });
    await chair.send(speakerQueueFeature, { action: 'configure', strategy: 'random' });
    await chair.send(speakerQueueFeature, { action: 'set_list', participant_ids: [a.id, b.id, c.id] });
    await chair.send(speakerQueueFeature, { action: 'next' });
    expect(speaker(a)).toBe(c.id);
    await c.send(speakerQueueFeature, { action: 'yield' });
    expect(speaker(a)).toBe(b.id);
    expect(draws).toEqual([3, 2]);
    expect(seen(a).state.list).toEqual([a.id]);
  });

  it('random with the real picker always picks someone from the list', async () => {
    const { chair, a, b, c } = await room();
    await chair.send(speakerQueueFeature, { action: 'configure', strategy: 'random' });
    await chair.send(speakerQueueFeature, { action: 'set_list', participant_ids: [a.id, b.id, c.id] });
    const spoke: string[] = [];
    for (let i = 0; i < 3; i++) {
      await chair.send(speakerQueueFeature, { action: 'next' });
      spoke.push(speaker(chair)!);
    }
    expect(spoke.sort()).toEqual([a.id, b.id, c.id].sort());
  });

  it('nomination: the current speaker names who follows; yield hands over to them', async () => {
    const { chair, a, b, c } = await room();
    await chair.send(speakerQueueFeature, { action: 'configure', strategy: 'nomination' });
    await chair.send(speakerQueueFeature, { action: 'set_speaker', participant_id: a.id });
    await b.send(speakerQueueFeature, { action: 'nominate', participant_id: c.id });
    expect(errors(b)).toEqual(['forbidden']);
    await a.send(speakerQueueFeature, { action: 'nominate', participant_id: a.id });
    expect(errors(a)).toEqual(['invalid_command']);
    await a.send(speakerQueueFeature, { action: 'nominate', participant_id: c.id });
    expect(seen(b)).toMatchObject({ reason: 'nominated', by: a.id, state: { nominated: c.id } });
    await a.send(speakerQueueFeature, { action: 'yield' });
    expect(seen(b).state).toMatchObject({ current: { participant_id: c.id }, nominated: null });
    // Nobody nominated: the floor is free after the yield.
    await c.send(speakerQueueFeature, { action: 'yield' });
    expect(speaker(b)).toBeNull();
    await chair.send(speakerQueueFeature, { action: 'configure', strategy: 'playlist' });
    await chair.send(speakerQueueFeature, { action: 'nominate', participant_id: b.id });
    expect(errors(chair)).toEqual(['wrong_strategy']);
  });

  it('time limit: the server ends the turn when it runs out and the next speaker starts with a fresh limit', async () => {
    const { t, chair, a, b } = await room();
    await chair.send(speakerQueueFeature, { action: 'configure', strategy: 'playlist', time_limit_seconds: 60 });
    await chair.send(speakerQueueFeature, { action: 'set_list', participant_ids: [a.id, b.id] });
    await chair.send(speakerQueueFeature, { action: 'next' });
    expect(seen(b).state.current).toEqual({ participant_id: a.id, started_at: '2026-01-01T09:00:00.000Z', time_limit_seconds: 60 });
    const before = b.messages(speakerQueueFeature).length;
    await t.advance(59_000);
    expect(b.messages(speakerQueueFeature)).toHaveLength(before);
    await t.advance(1_000);
    expect(seen(b)).toMatchObject({
      reason: 'time_up',
      state: { current: { participant_id: b.id, started_at: '2026-01-01T09:01:00.000Z', time_limit_seconds: 60 }, list: [] },
    });
    expect(seen(b).by).toBeUndefined();
    // A yield before the limit cancels the old timer: no stray time_up for the next turn.
    await t.advance(30_000);
    await b.send(speakerQueueFeature, { action: 'yield' });
    expect(speaker(a)).toBeNull();
    await t.advance(120_000);
    expect(b.messages(speakerQueueFeature, 'updated').filter((m) => m.reason === 'time_up')).toHaveLength(1);
    // Removing the limit applies to the next turn.
    await chair.send(speakerQueueFeature, { action: 'configure', time_limit_seconds: null });
    await chair.send(speakerQueueFeature, { action: 'set_speaker', participant_id: a.id });
    expect(seen(a).state.current?.time_limit_seconds).toBeNull();
  });

  it('yield: only the current speaker can yield', async () => {
    const { chair, a, b } = await room();
    await chair.send(speakerQueueFeature, { action: 'set_list', participant_ids: [a.id, b.id] });
    await chair.send(speakerQueueFeature, { action: 'next' });
    await b.send(speakerQueueFeature, { action: 'yield' });
    await chair.send(speakerQueueFeature, { action: 'yield' });
    expect(errors(b)).toEqual(['forbidden']);
    expect(errors(chair)).toEqual(['forbidden']);
    expect(speaker(a)).toBe(a.id);
    await a.send(speakerQueueFeature, { action: 'yield' });
    expect(speaker(a)).toBe(b.id);
  });

  it('auto-append: a raised hand joins the list, lowering it oneself withdraws; off by default', async () => {
    const { t, chair, a, b, c } = await room();
    await a.send(handsFeature, { action: 'raise_hand' });
    expect(snapshotOf(await t.join()).list).toEqual([]);
    await a.send(handsFeature, { action: 'lower_hand' });
    await chair.send(speakerQueueFeature, { action: 'configure', auto_append_hands: true });
    await b.send(handsFeature, { action: 'raise_hand' });
    await a.send(handsFeature, { action: 'raise_hand' });
    await c.send(handsFeature, { action: 'raise_hand' });
    expect(seen(chair)).toMatchObject({ reason: 'hand', by: c.id, state: { list: [b.id, a.id, c.id] } });
    await a.send(handsFeature, { action: 'lower_hand' });
    expect(seen(chair).state.list).toEqual([b.id, c.id]);
    // A moderator lowering hands does not take people off the list.
    await chair.send(handsFeature, { action: 'lower_hands' });
    expect(seen(chair).state.list).toEqual([b.id, c.id]);
    await chair.send(speakerQueueFeature, { action: 'next' });
    expect(speaker(a)).toBe(b.id);
    // The current speaker raising a hand is not listed twice.
    await b.send(handsFeature, { action: 'raise_hand' });
    expect(seen(chair).state.list).toEqual([c.id]);
  });

  it('runs without hands: it only consumes their events, so auto-append is accepted and just never fires', async () => {
    // hands may be switched off for a deployment without speaker_queue failing the start.
    expect(composeFeatures([handsFeature, speakerQueueFeature], { disabled: ['hands'] }).map((f) => f.namespace)).toEqual(['speaker_queue']);
    const t = new ModuleTester({ features: [speakerQueueFeature] });
    const chair = await t.join({ role: 'moderator' });
    const a = await t.join({ displayName: 'Anna' });
    await chair.send(speakerQueueFeature, { action: 'configure', auto_append_hands: true });
    await chair.send(speakerQueueFeature, { action: 'add', participant_id: a.id });
    await chair.send(speakerQueueFeature, { action: 'next' });
    expect(seen(chair).state).toMatchObject({ auto_append_hands: true, list: [], current: { participant_id: a.id } });
    expect(t.taskErrors).toEqual([]);
  });

  it('leaving takes people off the list and passes the floor on; a resume keeps everything', async () => {
    const { t, chair, a, b, c } = await room();
    await chair.send(speakerQueueFeature, { action: 'set_list', participant_ids: [a.id, b.id, c.id] });
    await chair.send(speakerQueueFeature, { action: 'next' });
    await a.drop();
    await t.advance(10_000);
    await a.resume();
    expect(snapshotOf(a)).toMatchObject({ current: { participant_id: a.id }, list: [b.id, c.id] });
    await c.leave();
    expect(seen(chair)).toMatchObject({ reason: 'left', by: c.id, state: { list: [b.id] } });
    await a.leave();
    expect(seen(chair).state).toMatchObject({ current: { participant_id: b.id }, list: [] });
  });

  it('a participant may remove only themself from the list', async () => {
    const { chair, a, b } = await room();
    await chair.send(speakerQueueFeature, { action: 'set_list', participant_ids: [a.id, b.id] });
    await a.send(speakerQueueFeature, { action: 'remove', participant_id: b.id });
    expect(errors(a)).toEqual(['forbidden']);
    await a.send(speakerQueueFeature, { action: 'remove', participant_id: a.id });
    expect(seen(chair)).toMatchObject({ reason: 'list_changed', by: a.id, state: { list: [b.id] } });
    await chair.send(speakerQueueFeature, { action: 'remove', participant_id: b.id });
    expect(seen(a).state.list).toEqual([]);
  });

  describe('every moderator command from a participant is refused with forbidden and changes nothing', () => {
    const commands = (ids: { a: string; b: string }): [string, CommandOf<typeof speakerQueueFeature>][] => [
      ['configure', { action: 'configure', strategy: 'random', time_limit_seconds: 30, auto_append_hands: true }],
      ['set_list', { action: 'set_list', participant_ids: [ids.b] }],
      ['add', { action: 'add', participant_id: ids.b }],
      ['remove (someone else)', { action: 'remove', participant_id: ids.b }],
      ['next', { action: 'next' }],
      ['set_speaker', { action: 'set_speaker', participant_id: ids.a }],
      ['set_speaker null', { action: 'set_speaker', participant_id: null }],
      ['nominate (not speaking)', { action: 'nominate', participant_id: ids.b }],
    ];
    for (const [name] of commands({ a: '', b: '' })) {
      it(name, async () => {
        const { t, chair, a, b, c } = await room();
        await chair.send(speakerQueueFeature, { action: 'configure', strategy: 'nomination' });
        await chair.send(speakerQueueFeature, { action: 'set_list', participant_ids: [b.id, a.id] });
        await chair.send(speakerQueueFeature, { action: 'set_speaker', participant_id: c.id });
        const before = snapshotOf(await t.join());
        chair.clear();
        const cmd = commands({ a: a.id, b: b.id }).find(([n]) => n === name)![1];
        await a.send(speakerQueueFeature, cmd);
        expect(a.errors(speakerQueueFeature)).toEqual([{ message: 'error', error: 'forbidden', action: cmd.action }]);
        expect(chair.messages(speakerQueueFeature)).toEqual([]);
        expect(snapshotOf(await t.join())).toEqual(before);
      });
    }
  });

  it('refuses malformed commands', async () => {
    const { chair } = await room();
    // What the command type does not even allow goes out raw, to the namespace.
    await chair.send('speaker_queue', { action: 'configure', strategy: 'loudest' });
    await chair.send(speakerQueueFeature, { action: 'configure', time_limit_seconds: 1 });
    await chair.send(speakerQueueFeature, { action: 'set_list', participant_ids: ['x'] });
    await chair.send('speaker_queue', { action: 'shout' });
    expect(errors(chair)).toEqual(['invalid_command', 'invalid_command', 'invalid_command', 'unknown_action']);
  });
});
