import type { CommandOf } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import { ModuleTester, type SimulatedParticipant } from '../../signaling/testing.ts';
import { pollsFeature } from './index.ts';

const setup = () => new ModuleTester({ features: [pollsFeature], timings: { resumeWindowMs: 30_000 } });
const snapshotOf = (p: SimulatedParticipant) => p.snapshot(pollsFeature);
const errors = (p: SimulatedParticipant) => p.errors(pollsFeature).map((e) => e.error);
const tally = (...votes: number[]) => votes.map((v, option_id) => ({ option_id, votes: v }));

const singleLive = { action: 'create', question: 'Coffee or tea?', options: ['Coffee', 'Tea', 'Water'], choice: 'single', live: true } satisfies CommandOf<typeof pollsFeature>;

describe('polls', () => {
  it('single choice, live: everyone sees counts after each vote and the result at the end; no names travel', async () => {
    const t = setup();
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    const a = await t.join({ displayName: 'Anna', kind: 'guest' });
    const b = await t.join({ displayName: 'Ben' });
    await chair.send(pollsFeature, singleLive);
    const poll = {
      id: '1',
      question: 'Coffee or tea?',
      options: [
        { id: 0, text: 'Coffee' },
        { id: 1, text: 'Tea' },
        { id: 2, text: 'Water' },
      ],
      choice: 'single',
      max_choices: 1,
      live: true,
      started_at: '2026-01-01T09:00:00.000Z',
    };
    for (const p of [chair, a, b]) expect(p.messages(pollsFeature)).toEqual([{ message: 'started', poll }]);

    await a.send(pollsFeature, { action: 'vote', poll_id: '1', choices: [1] });
    expect(a.messages(pollsFeature, 'vote_counted')).toEqual([{ message: 'vote_counted', poll_id: '1' }]);
    expect(b.messages(pollsFeature, 'vote_counted')).toEqual([]);
    for (const p of [chair, a, b]) expect(p.messages(pollsFeature, 'votes_updated')).toEqual([{ message: 'votes_updated', poll_id: '1', voters: 1, results: tally(0, 1, 0) }]);
    await b.send(pollsFeature, { action: 'vote', poll_id: '1', choices: [1] });
    await chair.send(pollsFeature, { action: 'vote', poll_id: '1', choices: [0] });
    expect(a.messages(pollsFeature, 'votes_updated').at(-1)).toEqual({ message: 'votes_updated', poll_id: '1', voters: 3, results: tally(1, 2, 0) });

    await chair.send(pollsFeature, { action: 'close', poll_id: '1' });
    const done = { message: 'done', poll_id: '1', reason: 'closed', voters: 3, results: tally(1, 2, 0), ended_at: '2026-01-01T09:00:00.000Z' };
    for (const p of [chair, a, b]) expect(p.messages(pollsFeature, 'done')).toEqual([done]);
    // Nothing anyone received names a voter. The raw frames, not the parsed messages: parsing drops fields the protocol does not know.
    for (const p of [chair, a, b]) {
      const text = JSON.stringify(p.messages('polls'));
      for (const voter of [chair, a, b]) expect(text).not.toContain(voter.id);
    }
    const late = await t.join();
    expect(snapshotOf(late)).toEqual({ open: null, last: { poll, reason: 'closed', voters: 3, results: tally(1, 2, 0), ended_at: '2026-01-01T09:00:00.000Z' } });
    await a.send(pollsFeature, { action: 'vote', poll_id: '1', choices: [0] });
    expect(errors(a)).toEqual(['poll_not_open']);
  });

  it('a second vote is refused and changes nothing, also after a resume', async () => {
    const t = setup();
    const chair = await t.join({ role: 'moderator' });
    const a = await t.join({ displayName: 'Anna', kind: 'guest' });
    await chair.send(pollsFeature, singleLive);
    await a.send(pollsFeature, { action: 'vote', poll_id: '1', choices: [0] });
    await a.send(pollsFeature, { action: 'vote', poll_id: '1', choices: [1] });
    expect(errors(a)).toEqual(['already_voted']);
    await a.drop();
    await a.resume();
    expect(snapshotOf(a).open).toMatchObject({ voted: true, voters: 1, results: tally(1, 0, 0) });
    await a.send(pollsFeature, { action: 'vote', poll_id: '1', choices: [2] });
    expect(errors(a)).toEqual(['already_voted', 'already_voted']);
    expect(chair.messages(pollsFeature, 'votes_updated')).toHaveLength(1);
  });

  it('a user who leaves and joins again cannot vote twice', async () => {
    const t = setup();
    const chair = await t.join({ role: 'moderator' });
    const first = await t.join({ displayName: 'Ben', userId: 'user-ben' });
    await chair.send(pollsFeature, singleLive);
    await first.send(pollsFeature, { action: 'vote', poll_id: '1', choices: [0] });
    await first.leave();
    const again = await t.join({ displayName: 'Ben', userId: 'user-ben' });
    expect(snapshotOf(again).open?.voted).toBe(true);
    await again.send(pollsFeature, { action: 'vote', poll_id: '1', choices: [1] });
    expect(errors(again)).toEqual(['already_voted']);
  });

  it('multiple choice: a set of options up to the maximum', async () => {
    const t = setup();
    const chair = await t.join({ role: 'moderator' });
    const a = await t.join({ displayName: 'Anna' });
    const b = await t.join({ displayName: 'Ben' });
    await chair.send(pollsFeature, { action: 'create', question: 'Which dates suit you?', options: ['Mon', 'Tue', 'Wed', 'Thu'], choice: 'multiple', max_choices: 2, live: true });
    expect(a.messages(pollsFeature, 'started')[0]).toMatchObject({ poll: { choice: 'multiple', max_choices: 2 } });
    await a.send(pollsFeature, { action: 'vote', poll_id: '1', choices: [0, 1, 2] });
    await a.send(pollsFeature, { action: 'vote', poll_id: '1', choices: [4] });
    await a.send(pollsFeature, { action: 'vote', poll_id: '1', choices: [1, 1] });
    await a.send(pollsFeature, { action: 'vote', poll_id: '1', choices: [] });
    expect(errors(a)).toEqual(['invalid_choice', 'invalid_choice', 'invalid_command', 'invalid_command']);
    await a.send(pollsFeature, { action: 'vote', poll_id: '1', choices: [0, 3] });
    await b.send(pollsFeature, { action: 'vote', poll_id: '1', choices: [3] });
    expect(chair.messages(pollsFeature, 'votes_updated').at(-1)).toEqual({ message: 'votes_updated', poll_id: '1', voters: 2, results: tally(1, 0, 0, 2) });
    // Without a maximum, any number of options.
    await chair.send(pollsFeature, { action: 'close', poll_id: '1' });
    await chair.send(pollsFeature, { action: 'create', question: 'Which?', options: ['x', 'y', 'z'], choice: 'multiple', live: false });
    expect(a.messages(pollsFeature, 'started')[1]).toMatchObject({ poll: { id: '2', max_choices: 3 } });
    await a.send(pollsFeature, { action: 'vote', poll_id: '2', choices: [0, 1, 2] });
    expect(a.messages(pollsFeature, 'vote_counted').at(-1)).toEqual({ message: 'vote_counted', poll_id: '2' });
    // A single-choice poll takes exactly one.
    await chair.send(pollsFeature, { action: 'close', poll_id: '2' });
    await chair.send(pollsFeature, singleLive);
    await b.send(pollsFeature, { action: 'vote', poll_id: '3', choices: [0, 1] });
    expect(errors(b)).toEqual(['invalid_choice']);
  });

  it('hidden results: only the number of votes until the end, then the counts for everyone', async () => {
    const t = setup();
    const chair = await t.join({ role: 'moderator' });
    const a = await t.join({ displayName: 'Anna' });
    await chair.send(pollsFeature, { ...singleLive, live: false });
    await a.send(pollsFeature, { action: 'vote', poll_id: '1', choices: [2] });
    for (const p of [chair, a]) expect(p.messages(pollsFeature, 'votes_updated')).toEqual([{ message: 'votes_updated', poll_id: '1', voters: 1 }]);
    expect(snapshotOf(await t.join({ role: 'moderator' })).open).toEqual(expect.objectContaining({ voted: false, voters: 1 }));
    expect(snapshotOf(await t.join()).open).not.toHaveProperty('results');
    await chair.send(pollsFeature, { action: 'close', poll_id: '1' });
    expect(a.messages(pollsFeature, 'done')).toEqual([
      { message: 'done', poll_id: '1', reason: 'closed', voters: 1, results: tally(0, 0, 1), ended_at: '2026-01-01T09:00:00.000Z' },
    ]);
  });

  it('a poll with a duration ends by the server clock; a late joiner can still vote before that', async () => {
    const t = setup();
    const chair = await t.join({ role: 'moderator' });
    await chair.send(pollsFeature, { ...singleLive, duration_seconds: 60 });
    expect(chair.messages(pollsFeature, 'started')[0]).toMatchObject({ poll: { ends_at: '2026-01-01T09:01:00.000Z' } });
    await t.advance(30_000);
    const late = await t.join({ displayName: 'Late' });
    expect(snapshotOf(late).open).toMatchObject({ poll: { id: '1', ends_at: '2026-01-01T09:01:00.000Z' }, voted: false, voters: 0, results: tally(0, 0, 0) });
    await late.send(pollsFeature, { action: 'vote', poll_id: '1', choices: [1] });
    expect(late.messages(pollsFeature, 'vote_counted')).toHaveLength(1);
    await t.advance(29_999);
    expect(chair.messages(pollsFeature, 'done')).toEqual([]);
    await t.advance(1);
    expect(late.messages(pollsFeature, 'done')).toEqual([
      { message: 'done', poll_id: '1', reason: 'expired', voters: 1, results: tally(0, 1, 0), ended_at: '2026-01-01T09:01:00.000Z' },
    ]);
    // Closed early: the duration's end does nothing later.
    await chair.send(pollsFeature, { ...singleLive, duration_seconds: 60 });
    await chair.send(pollsFeature, { action: 'close', poll_id: '2' });
    await chair.send(pollsFeature, singleLive);
    await t.advance(120_000);
    expect(chair.messages(pollsFeature, 'done').map((m) => [m.poll_id, m.reason])).toEqual([
      ['1', 'expired'],
      ['2', 'closed'],
    ]);
    expect(snapshotOf(await t.join()).open?.poll.id).toBe('3');
  });

  it('one poll at a time; refuses create and close from participants with forbidden, and changes nothing', async () => {
    const t = setup();
    const chair = await t.join({ role: 'moderator' });
    const a = await t.join({ displayName: 'Anna', kind: 'guest' });
    await a.send(pollsFeature, singleLive);
    expect(errors(a)).toEqual(['forbidden']);
    expect(chair.messages(pollsFeature)).toEqual([]);
    expect(snapshotOf(await t.join()).open).toBeNull();

    await chair.send(pollsFeature, singleLive);
    await chair.send(pollsFeature, { ...singleLive, question: 'Another?' });
    expect(errors(chair)).toEqual(['poll_already_open']);
    chair.clear();
    await a.send(pollsFeature, { action: 'close', poll_id: '1' });
    expect(errors(a)).toEqual(['forbidden', 'forbidden']);
    expect(chair.messages(pollsFeature)).toEqual([]);
    expect(snapshotOf(await t.join()).open?.poll.id).toBe('1');
    await chair.send(pollsFeature, { action: 'close', poll_id: '9' });
    expect(errors(chair)).toEqual(['poll_not_open']);
  });

  it('refuses malformed polls', async () => {
    const t = setup();
    const chair = await t.join({ role: 'moderator' });
    const base = { action: 'create', question: 'Q?', choice: 'single', live: true } as const;
    await chair.send(pollsFeature, { ...base, options: ['only one'] });
    await chair.send(pollsFeature, { ...base, options: Array.from({ length: 13 }, (_, i) => `o${i}`) });
    await chair.send(pollsFeature, { ...base, options: ['a', ' '] });
    await chair.send(pollsFeature, { ...base, question: '  ', options: ['a', 'b'] });
    await chair.send(pollsFeature, { ...base, options: ['a', 'b'], max_choices: 1 });
    await chair.send(pollsFeature, { ...base, choice: 'multiple', options: ['a', 'b'], max_choices: 3 });
    await chair.send(pollsFeature, { ...base, options: ['a', 'b'], duration_seconds: 0 });
    expect(errors(chair)).toEqual(Array(7).fill('invalid_command'));
    await chair.send(pollsFeature, { ...base, options: Array.from({ length: 12 }, (_, i) => `o${i}`) });
    expect(chair.messages(pollsFeature, 'started')).toHaveLength(1);
  });
});
