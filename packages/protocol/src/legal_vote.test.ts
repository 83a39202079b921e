import { describe, expect, it } from 'vitest';
import { LegalVoteCommand } from './legal_vote.ts';

describe('legal_vote commands', () => {
  const start = { action: 'start', title: 'Motion', kind: 'secret' };

  it('fills the defaults of start (abstain allowed, auto_close on, quorum not ignored)', () => {
    expect(LegalVoteCommand.parse({ ...start, options: { type: 'yes_no' } })).toEqual({
      ...start,
      options: { type: 'yes_no', abstain: true },
      auto_close: true,
      ignore_quorum: false,
    });
    expect(LegalVoteCommand.parse({ ...start, options: { type: 'candidates', candidates: ['A', 'B'] } })).toMatchObject({
      options: { type: 'candidates', candidates: ['A', 'B'], max_choices: 1, abstain: true },
    });
  });

  it('refuses inconsistent options, unknown kinds and a choice given twice', () => {
    expect(LegalVoteCommand.safeParse({ ...start, options: { type: 'candidates', candidates: ['A', 'B'], max_choices: 3 } }).success).toBe(false);
    expect(LegalVoteCommand.safeParse({ ...start, options: { type: 'candidates', candidates: ['A', 'A'] } }).success).toBe(false);
    expect(LegalVoteCommand.safeParse({ ...start, kind: 'show_of_hands', options: { type: 'yes_no' } }).success).toBe(false);
    expect(LegalVoteCommand.safeParse({ ...start, options: { type: 'yes_no' }, duration_s: 5 }).success).toBe(false);
    const vote = { action: 'vote', vote_id: crypto.randomUUID() };
    expect(LegalVoteCommand.safeParse({ ...vote, choices: ['yes'] }).success).toBe(true);
    expect(LegalVoteCommand.safeParse({ ...vote, choices: ['c1', 'c1'] }).success).toBe(false);
    expect(LegalVoteCommand.safeParse({ ...vote, choices: [] }).success).toBe(false);
    expect(LegalVoteCommand.safeParse({ action: 'cancel', vote_id: vote.vote_id, reason: '  ' }).success).toBe(false);
    expect(LegalVoteCommand.safeParse({ action: 'delegate', to_participant_id: null }).success).toBe(true);
    expect(LegalVoteCommand.safeParse({ ...start, title: 'a\u0000b', options: { type: 'yes_no' } }).success).toBe(false);
  });
});
