import type { LegalVoteInfo, LegalVoteResults } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import { FeatureConnection } from '../../meeting/featureStore.ts';
import { FakeSignaling } from '../../meeting/testing/fakeSignaling.ts';
import { ballotComplete, LegalVoteStore, ownBallots, pendingBallots, type LegalVoteEvent } from './legalVoteStore.ts';

const VOTE_ID = '11111111-1111-4111-8111-111111111111';
const ITEM_ID = '22222222-2222-4222-8222-222222222222';

const vote = (kind: LegalVoteInfo['kind']): LegalVoteInfo => ({
  id: VOTE_ID,
  title: 'Budget 2027',
  agenda_item_id: null,
  kind,
  options: [
    { id: 'yes', label: 'yes' },
    { id: 'no', label: 'no' },
    { id: 'abstain', label: 'abstain' },
  ],
  max_choices: 1,
  allow_abstain: true,
  duration_s: null,
  auto_close: true,
  started_at: '2026-01-01T09:00:00.000Z',
  ends_at: null,
  quorum: null,
  chair: { participant_id: 'p-chair', display_name: 'Chair' },
});

const eligible = [
  { voter_id: 'p-me', display_name: 'Me', substitutes_for: null, proxy: null },
  { voter_id: 'p-b', display_name: 'B', substitutes_for: null, proxy: null },
];

const results = (extra: Partial<LegalVoteResults>): LegalVoteResults => ({
  vote_id: VOTE_ID,
  tally: { yes: 1, no: 1, abstain: 0 },
  cast: 2,
  eligible: 2,
  stop_reason: 'all_voted',
  closed_at: '2026-01-01T09:02:00.000Z',
  head_hash: 'ab'.repeat(32),
  signature: 'c2lnbmF0dXJl',
  key_fingerprint: 'SHA256:' + 'cd'.repeat(32),
  ...extra,
});

const emptySnapshot = { open: null, last: null, delegations: [], can_delegate: true };

describe('legal vote store', () => {
  it('knows whether this participant has a vote to give as proxy, from the snapshot and when the roster changes', () => {
    const signaling = new FakeSignaling({ namespace: 'legal_vote', selfId: 'p-me' });
    const store = new FeatureConnection(signaling).storeOf(LegalVoteStore);
    signaling.join({ ...emptySnapshot, can_delegate: false });
    expect(store.getSnapshot().canDelegate).toBe(false);
    signaling.deliver({ message: 'rights', can_delegate: true });
    expect(store.getSnapshot().canDelegate).toBe(true);
    signaling.deliver({ message: 'rights', can_delegate: false });
    expect(store.getSnapshot().canDelegate).toBe(false);
  });

  it('follows a pseudonymous vote from start to the signed result and recognises the own token', () => {
    const signaling = new FakeSignaling({ namespace: 'legal_vote', selfId: 'p-me' });
    const store = new FeatureConnection(signaling).storeOf(LegalVoteStore);
    const events: LegalVoteEvent['type'][] = [];
    store.onEvent((e) => events.push(e.type));
    signaling.join(emptySnapshot);
    signaling.deliver({ message: 'started', vote: vote('pseudonymous'), eligible, you: { eligible: true, voter_id: 'p-me', proxy_for: [], voted: [] } });
    expect(pendingBallots(store.getSnapshot().open)).toEqual(['p-me']);

    store.vote(VOTE_ID, ['yes']);
    expect(signaling.payloads).toEqual([{ action: 'vote', vote_id: VOTE_ID, choices: ['yes'] }]);
    signaling.deliver({ message: 'voted', vote_id: VOTE_ID, voter_id: 'p-me', choices: ['yes'], receipt_token: 'tok-mine', seq: 2 });
    signaling.deliver({ message: 'updated', vote_id: VOTE_ID, cast: 1, eligible: 2 });
    expect(store.getSnapshot().open).toMatchObject({ cast: 1, you: { voted: ['p-me'] } });
    expect(pendingBallots(store.getSnapshot().open)).toEqual([]);
    expect(store.getSnapshot().receipts).toEqual([{ voteId: VOTE_ID, voterId: 'p-me', choices: ['yes'], token: 'tok-mine', seq: 2 }]);

    signaling.deliver({ message: 'stopped', vote_id: VOTE_ID, reason: 'all_voted', stopped_at: '2026-01-01T09:02:00.000Z' });
    expect(store.getSnapshot().open?.stopped).toBe('all_voted');
    const final = results({ tokens: [{ token: 'tok-mine', choices: ['yes'] }, { token: 'tok-other', choices: ['no'] }] });
    signaling.deliver({ message: 'final_results', results: final });
    expect(store.getSnapshot().open).toBeNull();
    expect(store.getSnapshot().last).toEqual({ vote: vote('pseudonymous'), results: final, cancellation: null });
    expect(ownBallots(final, store.getSnapshot().receipts).tokens).toEqual(new Set(['tok-mine']));
    expect(events).toEqual(['started', 'voted', 'final']);
  });

  it('keeps receipts across a resume but takes the open vote from the new snapshot', () => {
    const signaling = new FakeSignaling({ namespace: 'legal_vote', selfId: 'p-me' });
    const store = new FeatureConnection(signaling).storeOf(LegalVoteStore);
    signaling.join(emptySnapshot);
    signaling.deliver({ message: 'started', vote: vote('pseudonymous'), eligible, you: { eligible: true, voter_id: 'p-me', proxy_for: [], voted: [] } });
    signaling.deliver({ message: 'voted', vote_id: VOTE_ID, voter_id: 'p-me', choices: ['no'], receipt_token: 'tok-1', seq: 2 });
    signaling.join({ open: { vote: vote('pseudonymous'), eligible, you: { eligible: true, voter_id: 'p-me', proxy_for: [], voted: ['p-me'] }, cast: 2 }, last: null, delegations: [], can_delegate: true });
    expect(store.getSnapshot().open).toMatchObject({ cast: 2, stopped: null });
    expect(store.getSnapshot().receipts.map((r) => r.token)).toEqual(['tok-1']);
  });

  it('shows live named ballots, cancellation and refusals; a non-eligible participant has nothing to cast', () => {
    const signaling = new FakeSignaling({ namespace: 'legal_vote', selfId: 'p-me' });
    const store = new FeatureConnection(signaling).storeOf(LegalVoteStore);
    signaling.join(emptySnapshot);
    signaling.deliver({ message: 'started', vote: vote('live_roll_call'), eligible: eligible.slice(1), you: { eligible: false, voter_id: null, proxy_for: [], voted: [] } });
    expect(pendingBallots(store.getSnapshot().open)).toEqual([]);
    const ballots = [{ voter_id: 'p-b', display_name: 'B', choices: ['no'], cast_by_proxy: null }];
    signaling.deliver({ message: 'updated', vote_id: VOTE_ID, cast: 1, eligible: 1, ballots });
    expect(store.getSnapshot().open?.ballots).toEqual(ballots);
    store.vote(VOTE_ID, ['yes']);
    signaling.deliver({ message: 'error', error: 'not_eligible', action: 'vote' });
    expect(store.getSnapshot().error).toEqual({ code: 'not_eligible', action: 'vote' });
    // A message for another vote changes nothing.
    signaling.deliver({ message: 'updated', vote_id: '33333333-3333-4333-8333-333333333333', cast: 9, eligible: 9 });
    expect(store.getSnapshot().open?.cast).toBe(1);
    signaling.deliver({ message: 'cancelled', vote_id: VOTE_ID, reason: 'Wrong motion', by: 'chair', cancelled_at: '2026-01-01T09:03:00.000Z', head_hash: 'ef'.repeat(32), signature: 'c2ln' });
    expect(store.getSnapshot().open).toBeNull();
    expect(store.getSnapshot().last?.cancellation).toMatchObject({ reason: 'Wrong motion', by: 'chair' });
    expect(store.getSnapshot().last?.results).toBeNull();
  });

  it('sends the chair commands as the protocol wants them and follows the agenda', () => {
    const signaling = new FakeSignaling({ namespace: 'legal_vote', selfId: 'p-me' });
    const store = new FeatureConnection(signaling).storeOf(LegalVoteStore);
    signaling.join(emptySnapshot, {
      otherModules: {
        agenda: {
          items: [{ id: ITEM_ID, position: 0, title: 'Budget', public: true, description: null, motion: null, details: true }],
          current_item_id: null,
          quorum: { quorate: true, present: 1, required: 1, members: 1, present_member_ids: [], rule: { rule: 'more_than_half', count: null } },
          my_member_id: null,
        },
      },
    });
    expect(store.getSnapshot().agenda.items.map((i) => i.title)).toEqual(['Budget']);
    signaling.deliver({ message: 'current', current_item_id: ITEM_ID }, { namespace: 'agenda' });
    expect(store.getSnapshot().agenda.currentItemId).toBe(ITEM_ID);

    store.start({ title: 'Budget 2027', agendaItemId: ITEM_ID, kind: 'roll_call', options: { type: 'yes_no', abstain: false }, autoClose: true });
    store.start({ title: 'Chair', kind: 'secret', options: { type: 'candidates', candidates: ['A', 'B', 'C'], maxChoices: 2, abstain: true }, durationSeconds: 120, autoClose: false, ignoreQuorum: true });
    store.stop(VOTE_ID);
    store.cancel(VOTE_ID, 'Technical problem');
    store.reportIssue(VOTE_ID, 'I could not vote');
    store.vote(VOTE_ID, ['c1', 'c3'], 'member-7');
    expect(signaling.payloads).toEqual([
      { action: 'start', title: 'Budget 2027', agenda_item_id: ITEM_ID, kind: 'roll_call', options: { type: 'yes_no', abstain: false }, auto_close: true },
      { action: 'start', title: 'Chair', kind: 'secret', options: { type: 'candidates', candidates: ['A', 'B', 'C'], max_choices: 2, abstain: true }, duration_s: 120, auto_close: false, ignore_quorum: true },
      { action: 'stop', vote_id: VOTE_ID },
      { action: 'cancel', vote_id: VOTE_ID, reason: 'Technical problem' },
      { action: 'report_issue', vote_id: VOTE_ID, text: 'I could not vote' },
      { action: 'vote', vote_id: VOTE_ID, choices: ['c1', 'c3'], on_behalf_of: 'member-7' },
    ]);
  });

  it('collects reported issues for the chair and lists a proxy holder’s pending ballots', () => {
    const signaling = new FakeSignaling({ namespace: 'legal_vote', selfId: 'p-me' });
    const store = new FeatureConnection(signaling).storeOf(LegalVoteStore);
    signaling.join(emptySnapshot);
    signaling.deliver({ message: 'started', vote: vote('roll_call'), eligible, you: { eligible: true, voter_id: 'p-me', proxy_for: ['p-b'], voted: [] } });
    expect(pendingBallots(store.getSnapshot().open)).toEqual(['p-me', 'p-b']);
    signaling.deliver({ message: 'voted', vote_id: VOTE_ID, voter_id: 'p-b', choices: ['no'], seq: 2 });
    expect(pendingBallots(store.getSnapshot().open)).toEqual(['p-me']);
    // The proxy is taken back: the server sends what this participant may do now.
    signaling.deliver({ message: 'you', vote_id: VOTE_ID, you: { eligible: true, voter_id: 'p-me', proxy_for: [], voted: [] } });
    expect(store.getSnapshot().open?.you.proxy_for).toEqual([]);
    signaling.deliver({ message: 'issue_reported', vote_id: VOTE_ID, participant_id: 'p-b', display_name: 'B', text: 'My audio failed', at: '2026-01-01T09:01:00.000Z' });
    expect(store.getSnapshot().issues).toEqual([{ voteId: VOTE_ID, participantId: 'p-b', displayName: 'B', text: 'My audio failed', at: '2026-01-01T09:01:00.000Z' }]);
  });
});

describe('ballot rules', () => {
  it('accepts one to max choices, or abstain alone when allowed', () => {
    const v = { max_choices: 2, allow_abstain: true };
    expect(ballotComplete(v, [])).toBe(false);
    expect(ballotComplete(v, ['c1'])).toBe(true);
    expect(ballotComplete(v, ['c1', 'c2'])).toBe(true);
    expect(ballotComplete(v, ['c1', 'c2', 'c3'])).toBe(false);
    expect(ballotComplete(v, ['abstain'])).toBe(true);
    expect(ballotComplete(v, ['abstain', 'c1'])).toBe(false);
    expect(ballotComplete({ max_choices: 1, allow_abstain: false }, ['abstain'])).toBe(false);
  });
});
