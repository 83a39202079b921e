import { defineProtocol, LegalVoteMessage, type AgendaItem, type LegalVoteStart, type QuorumRule, type RosterMember } from '@plenum/protocol';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SigningKey } from '../../audit/signing.ts';
import { defineFeature, type HooksOf } from '../../signaling/feature.ts';
import { ModuleTester, provide, type SimulatedParticipant } from '../../signaling/testing.ts';
import { openTestStorage } from '../../storage/testing.ts';
import { committeeChanged } from '../agenda/events.ts';
import { legalVoteFinal, type LegalVoteFinal } from './events.ts';
import { loadExport } from './export.ts';
import { legalVoteFeature } from './index.ts';
import { LegalVoteRepository } from './storage.ts';
import { voteParams } from './testing.ts';
import { verifyVoteExport } from './verify.ts';

// The module runs against the real repository (PGlite in memory, one database for the file; every test uses
// its own room and votes), so what the module says and what the log holds are checked together.
let storage: Awaited<ReturnType<typeof openTestStorage>>;
let repo: LegalVoteRepository;
beforeAll(async () => {
  storage = await openTestStorage('pglite');
  repo = new LegalVoteRepository(storage.db);
}, 240_000);
afterAll(async () => {
  await storage?.close();
});

const key = SigningKey.generate();

class FakeCommittee {
  roster: RosterMember[] = [];
  rule: QuorumRule = { rule: 'more_than_half', count: null };
  agenda: AgendaItem[] = [];
  listRoster = async () => this.roster;
  settings = async () => this.rule;
  listAgenda = async () => this.agenda;
}

const member = (name: string, userId: string, extra: Partial<RosterMember> = {}): RosterMember => ({
  id: crypto.randomUUID(),
  display_name: name,
  user_id: userId,
  invite_code: null,
  role: 'member',
  voting: true,
  substitutes_for: null,
  position: 0,
  ...extra,
});

/** Stands in for the agenda feature (the room's source of committee data) and listens for legal_vote_final. */
const probeProtocol = defineProtocol({ namespace: 'probe', commands: z.discriminatedUnion('action', [z.object({ action: z.literal('noop') })]), messages: z.never(), snapshot: z.object({}) });
function probe(committee: FakeCommittee, finals: LegalVoteFinal[]) {
  return defineFeature({
    ...probeProtocol,
    emits: [committeeChanged],
    consumes: [legalVoteFinal],
    setup: (): HooksOf<typeof probeProtocol, { sent: boolean }, undefined, typeof committeeChanged, typeof legalVoteFinal> => ({
      init(room) {
        room.on(legalVoteFinal, (e) => finals.push(e));
        return { sent: false };
      },
      onJoin(ctx) {
        if (ctx.state.sent) return;
        ctx.state.sent = true;
        ctx.emit(committeeChanged, { roster: committee.roster, items: committee.agenda, rule: committee.rule });
      },
      onCommand() {},
    }),
  });
}

function setup(committee = new FakeCommittee()) {
  const finals: LegalVoteFinal[] = [];
  const t = new ModuleTester({ features: [probe(committee, finals), legalVoteFeature], provide: [provide(legalVoteFeature, { votes: repo })], services: { signingKey: key } });
  return { t, committee, finals };
}

// A voter is an identity: an account (however many connections), a roster seat, or a participant the chair named.
const vid = (p: SimulatedParticipant) => (p.admission.userId ? `user:${p.admission.userId}` : `participant:${p.id}`);
const msgs = (p: SimulatedParticipant, message?: string): unknown[] => p.messages('legal_vote', message);
const errors = (p: SimulatedParticipant) => p.errors(legalVoteFeature).map((e) => e.error);
const snapshotOf = (p: SimulatedParticipant) => p.snapshot(legalVoteFeature);
/** Whether the participant is offered to give a proxy: the snapshot, then the latest `rights` message. */
const canDelegate = (p: SimulatedParticipant) => (msgs(p, 'rights').at(-1) as { can_delegate: boolean } | undefined)?.can_delegate ?? (snapshotOf(p) as { can_delegate: boolean }).can_delegate;
const voteIdOf = (p: SimulatedParticipant) => (msgs(p, 'started').at(-1) as { vote: { id: string } }).vote.id;
const yesNo = { type: 'yes_no' } as const;
const start = (extra: Partial<LegalVoteStart> = {}): LegalVoteStart => ({ action: 'start', title: 'Motion 1: budget', kind: 'roll_call', options: yesNo, ...extra });
const finalOf = (p: SimulatedParticipant) => (msgs(p, 'final_results').at(-1) as { results: Record<string, unknown> } | undefined)?.results;
const verified = async (voteId: string) => verifyVoteExport(await loadExport(repo, voteId, key.publicKey), key.publicKey.public_key);

describe('legal_vote module', () => {
  it('every message it sends matches the protocol', async () => {
    const { t } = setup();
    const chair = await t.join({ role: 'moderator', displayName: 'Chair' });
    const a = await t.join({ displayName: 'Anna' });
    await chair.send(legalVoteFeature, start({ kind: 'pseudonymous' }));
    const voteId = voteIdOf(chair);
    await a.send(legalVoteFeature, { action: 'report_issue', vote_id: voteId, text: 'My audio dropped' });
    await a.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['yes'] });
    await chair.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['no'] });
    for (const p of [chair, a]) for (const m of msgs(p)) expect(() => LegalVoteMessage.parse(m), JSON.stringify(m)).not.toThrow();
  });

  it('roll call: names and choices are published with the signed result; auto-close when everyone voted; legal_vote_final is emitted', async () => {
    const { t, finals } = setup();
    const chair = await t.join({ role: 'moderator', displayName: 'Chair' });
    const a = await t.join({ displayName: 'Anna' });
    const b = await t.join({ displayName: 'Ben' });
    await chair.send(legalVoteFeature, start());
    const started = msgs(a, 'started')[0] as { vote: { options: { id: string }[]; quorum: unknown }; eligible: { voter_id: string }[]; you: unknown };
    expect(started.vote.options.map((o) => o.id)).toEqual(['yes', 'no', 'abstain']);
    expect(started.vote.quorum).toBeNull();
    expect(started.eligible.map((e) => e.voter_id).sort()).toEqual([chair, a, b].map(vid).sort());
    expect(started.you).toEqual({ eligible: true, voter_id: vid(a), proxy_for: [], voted: [] });
    const voteId = voteIdOf(a);

    await a.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['yes'] });
    expect(msgs(a, 'voted')).toEqual([{ message: 'voted', vote_id: voteId, voter_id: vid(a), choices: ['yes'], seq: 2 }]);
    expect(msgs(b, 'updated')).toEqual([{ message: 'updated', vote_id: voteId, cast: 1, eligible: 3 }]);
    // A roll call (not live) shows no names while it runs.
    expect(JSON.stringify(msgs(b, 'updated'))).not.toContain('Anna');
    await b.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['no'] });
    expect(finalOf(a)).toBeUndefined();
    await chair.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['yes'] });

    const results = finalOf(b)!;
    expect(results).toMatchObject({
      vote_id: voteId,
      tally: { yes: 2, no: 1, abstain: 0 },
      cast: 3,
      eligible: 3,
      stop_reason: 'all_voted',
      key_fingerprint: key.publicKey.fingerprint,
      ballots: [
        { voter_id: vid(a), display_name: 'Anna', choices: ['yes'], cast_by_proxy: null },
        { voter_id: vid(b), display_name: 'Ben', choices: ['no'], cast_by_proxy: null },
        { voter_id: vid(chair), display_name: 'Chair', choices: ['yes'], cast_by_proxy: null },
      ],
    });
    expect(msgs(b, 'stopped')).toEqual([{ message: 'stopped', vote_id: voteId, reason: 'all_voted', stopped_at: '2026-01-01T09:00:00.000Z' }]);
    expect(finals).toEqual([
      {
        voteId,
        title: 'Motion 1: budget',
        agendaItemId: null,
        kind: 'roll_call',
        tally: { yes: 2, no: 1, abstain: 0 },
        options: [
          { id: 'yes', label: 'yes' },
          { id: 'no', label: 'no' },
          { id: 'abstain', label: 'abstain' },
        ],
        eligible: 3,
        cast: 3,
        chainHead: results.head_hash,
        signature: results.signature,
        closedAt: new Date('2026-01-01T09:00:00.000Z'),
      },
    ]);
    const v = await verified(voteId);
    expect(v).toMatchObject({ ok: true, state: 'closed', events: 6, headHash: results.head_hash });
    // The log is closed: nothing more is accepted.
    await a.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['no'] });
    await a.send(legalVoteFeature, { action: 'report_issue', vote_id: voteId, text: 'late' });
    expect(errors(a)).toEqual(['vote_closed', 'vote_closed']);
    // Latecomers see the last result.
    const late = await t.join({ displayName: 'Late' });
    expect(snapshotOf(late)).toMatchObject({ open: null, last: { vote: { id: voteId }, results: { tally: { yes: 2, no: 1, abstain: 0 } }, cancellation: null }, delegations: [] });
  });

  it('an account counts once however many connections it has; it cannot give its vote to itself; a shared guest link votes only when the chair names it', async () => {
    const { t, finals } = setup();
    const chair = await t.join({ role: 'moderator', displayName: 'Chair', userId: 'u-chair' });
    const laptop = await t.join({ displayName: 'Anna', userId: 'u-anna' });
    const phone = await t.join({ displayName: 'Anna', userId: 'u-anna' });
    const guest = await t.join({ displayName: 'Visitor', kind: 'guest' });
    // Before the vote: a proxy from one connection of an account to another is a proxy to oneself.
    await phone.send(legalVoteFeature, { action: 'delegate', to_participant_id: laptop.id });
    await laptop.send(legalVoteFeature, { action: 'delegate', to_participant_id: phone.id });
    expect(errors(phone)).toEqual(['invalid_delegation']);
    expect(errors(laptop)).toEqual(['invalid_delegation']);
    // A guest of a shared link has no vote of its own to give (and is not offered to give one).
    expect([canDelegate(laptop), canDelegate(phone), canDelegate(guest)]).toEqual([true, true, false]);
    await guest.send(legalVoteFeature, { action: 'delegate', to_participant_id: laptop.id });
    expect(errors(guest)).toEqual(['not_eligible']);

    await chair.send(legalVoteFeature, start());
    const started = msgs(laptop, 'started')[0] as { eligible: { voter_id: string }[] };
    expect(started.eligible.map((e) => e.voter_id).sort()).toEqual(['user:u-anna', 'user:u-chair']);
    expect(msgs(guest, 'started')[0]).toMatchObject({ you: { eligible: false, voter_id: null } });
    const voteId = voteIdOf(chair);
    await laptop.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['yes'] });
    await phone.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['yes'] });
    await guest.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['yes'] });
    expect(errors(phone)).toEqual(['invalid_delegation', 'already_voted']);
    expect(errors(guest)).toEqual(['not_eligible', 'not_eligible']);
    // Both connections of the account see that the account has voted.
    expect(msgs(phone, 'you').at(-1)).toMatchObject({ you: { voter_id: 'user:u-anna', voted: ['user:u-anna'] } });
    // The eligible count is the number of identities, so the vote closes itself when both have voted.
    await chair.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['no'] });
    expect(finalOf(guest)).toMatchObject({ tally: { yes: 1, no: 1, abstain: 0 }, cast: 2, eligible: 2, stop_reason: 'all_voted' });
    expect(finals).toHaveLength(1);
    expect(await verified(voteId)).toMatchObject({ ok: true, state: 'closed' });

    // Named by the chair, the guest votes as that participant; an account named twice (two connections) is one voter.
    await chair.send(legalVoteFeature, start({ eligible_participant_ids: [guest.id, laptop.id, phone.id] }));
    const second = msgs(guest, 'started').at(-1) as { eligible: { voter_id: string }[]; vote: { id: string } };
    expect(second.eligible.map((e) => e.voter_id).sort()).toEqual([`participant:${guest.id}`, 'user:u-anna']);
    await guest.send(legalVoteFeature, { action: 'vote', vote_id: second.vote.id, choices: ['abstain'] });
    await phone.send(legalVoteFeature, { action: 'vote', vote_id: second.vote.id, choices: ['no'] });
    expect(finalOf(chair)).toMatchObject({ vote_id: second.vote.id, tally: { yes: 0, no: 1, abstain: 1 }, cast: 2, eligible: 2, stop_reason: 'all_voted' });
  });

  it('live roll call: everyone sees names and choices as they come', async () => {
    const { t } = setup();
    const chair = await t.join({ role: 'moderator', displayName: 'Chair' });
    const a = await t.join({ displayName: 'Anna' });
    await chair.send(legalVoteFeature, start({ kind: 'live_roll_call', auto_close: false }));
    const voteId = voteIdOf(a);
    await a.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['abstain'] });
    expect(msgs(chair, 'updated')).toEqual([
      { message: 'updated', vote_id: voteId, cast: 1, eligible: 2, ballots: [{ voter_id: vid(a), display_name: 'Anna', choices: ['abstain'], cast_by_proxy: null }] },
    ]);
    const late = await t.join({ displayName: 'Late' });
    expect(snapshotOf(late).open).toMatchObject({ cast: 1, ballots: [{ display_name: 'Anna', choices: ['abstain'] }], you: { eligible: false, voter_id: null } });
    await late.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['yes'] });
    expect(errors(late)).toEqual(['not_eligible']);
  });

  it('pseudonymous: each voter gets a distinct receipt token that appears in the result; nothing names a voter', async () => {
    const { t } = setup();
    const chair = await t.join({ role: 'moderator', displayName: 'Chair' });
    const voters = [await t.join({ displayName: 'Anna' }), await t.join({ displayName: 'Ben' }), await t.join({ displayName: 'Cleo', kind: 'guest' })];
    await chair.send(legalVoteFeature, start({ kind: 'pseudonymous', eligible_participant_ids: voters.map((v) => v.id) }));
    const voteId = voteIdOf(chair);
    const choices = ['yes', 'no', 'yes'];
    for (const [i, v] of voters.entries()) await v.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: [choices[i]!] });
    const tokens = voters.map((v) => (msgs(v, 'voted')[0] as { receipt_token: string }).receipt_token);
    expect(new Set(tokens).size).toBe(3);
    for (const tok of tokens) expect(tok).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const results = finalOf(chair) as { tokens: { token: string; choices: string[] }[]; tally: unknown; ballots?: unknown };
    expect(results.tally).toEqual({ yes: 2, no: 1, abstain: 0 });
    expect(results.ballots).toBeUndefined();
    for (const [i, tok] of tokens.entries()) expect(results.tokens).toContainEqual({ token: tok, choices: [choices[i]] });
    // Only the voter learns their own token; the log and the result name no voter.
    for (const [i, v] of voters.entries()) for (const [j, tok] of tokens.entries()) if (i !== j) expect(JSON.stringify(v.messages(legalVoteFeature, 'voted'))).not.toContain(tok);
    const exp = (await loadExport(repo, voteId, key.publicKey))!;
    for (const e of exp.events.filter((x) => x.type !== 'started')) for (const v of voters) expect(JSON.stringify(e.content)).not.toContain(v.id);
    expect(verifyVoteExport(exp, key.publicKey.public_key).ok).toBe(true);
  });

  it('secret: only the tally, no names, no tokens', async () => {
    const { t } = setup();
    const chair = await t.join({ role: 'moderator', displayName: 'Chair' });
    const a = await t.join({ displayName: 'Anna' });
    await chair.send(legalVoteFeature, start({ kind: 'secret', options: { type: 'candidates', candidates: ['Alice', 'Bob', 'Carol'], max_choices: 2 } }));
    const voteId = voteIdOf(a);
    await a.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['c3', 'c1'] });
    expect(msgs(a, 'voted')[0]).toEqual({ message: 'voted', vote_id: voteId, voter_id: vid(a), choices: ['c1', 'c3'], seq: null });
    await chair.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['c1', 'c2', 'c3'] });
    await chair.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['abstain', 'c2'] });
    await chair.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['c9'] });
    expect(errors(chair)).toEqual(['invalid_choice', 'invalid_choice', 'invalid_choice']);
    await chair.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['abstain'] });
    const results = finalOf(a)!;
    expect(results.tally).toEqual({ c1: 1, c2: 0, c3: 1, abstain: 1 });
    expect(results.ballots).toBeUndefined();
    expect(results.tokens).toBeUndefined();
    const exp = (await loadExport(repo, voteId, key.publicKey))!;
    // Secret ballots are chained at the close in canonical order, not in the order they were cast.
    const ballots = exp.events.filter((e) => e.type === 'ballot').map((e) => JSON.stringify((e.content as { data: unknown }).data));
    expect(ballots).toEqual([...ballots].sort());
    expect(ballots.sort()).toEqual([{ choices: ['abstain'] }, { choices: ['c1', 'c3'] }].map((b) => JSON.stringify(b)).sort());
  });

  it('progress goes out at once after a quiet moment, then at most every 250 ms; the last ballot brings the result', async () => {
    const { t } = setup();
    const chair = await t.join({ role: 'moderator', displayName: 'Chair' });
    const voters = [];
    for (let i = 0; i < 4; i++) voters.push(await t.join({ displayName: `Voter ${i}` }));
    await chair.send(legalVoteFeature, start({ kind: 'live_roll_call' }));
    const voteId = voteIdOf(chair);
    const updates = () => msgs(chair, 'updated') as { cast: number; ballots?: unknown[] }[];
    await voters[0]!.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['yes'] });
    expect(updates().map((u) => u.cast)).toEqual([1]);
    await voters[1]!.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['no'] });
    await voters[2]!.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['yes'] });
    expect(updates().map((u) => u.cast)).toEqual([1]);
    await t.advance(250);
    // Both gathered ballots in one message, names included (live roll-call).
    expect(updates().map((u) => u.cast)).toEqual([1, 3]);
    expect(updates().at(-1)!.ballots).toHaveLength(3);
    await t.advance(1_000);
    expect(updates()).toHaveLength(2);
    await chair.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['yes'] });
    await voters[3]!.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['abstain'] });
    expect(finalOf(chair)).toMatchObject({ cast: 5, eligible: 5, stop_reason: 'all_voted' });
    await t.advance(1_000);
    expect(updates().map((u) => u.cast)).toEqual([1, 3, 4]);
  });

  it('the voting time runs out: closed as expired with the ballots cast so far', async () => {
    const { t } = setup();
    const chair = await t.join({ role: 'moderator', displayName: 'Chair' });
    const a = await t.join({ displayName: 'Anna' });
    await chair.send(legalVoteFeature, start({ duration_s: 60 }));
    const voteId = voteIdOf(a);
    expect((msgs(a, 'started')[0] as { vote: { ends_at: string } }).vote.ends_at).toBe('2026-01-01T09:01:00.000Z');
    await a.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['no'] });
    await t.advance(59_000);
    expect(finalOf(a)).toBeUndefined();
    await t.advance(1_000);
    expect(finalOf(a)).toMatchObject({ stop_reason: 'expired', cast: 1, eligible: 2, tally: { yes: 0, no: 1, abstain: 0 }, closed_at: '2026-01-01T09:01:00.000Z' });
    expect(await verified(voteId)).toMatchObject({ ok: true });
  });

  it('chair commands from a non-chair are refused with forbidden and change nothing', async () => {
    const { t } = setup();
    const chair = await t.join({ role: 'moderator', displayName: 'Chair' });
    const a = await t.join({ displayName: 'Anna' });
    await a.send(legalVoteFeature, start());
    expect(errors(a)).toEqual(['forbidden']);
    expect(chair.messages(legalVoteFeature)).toEqual([]);
    expect(await repo.listVotes(t.roomId)).toEqual([]);

    await chair.send(legalVoteFeature, start({ auto_close: false }));
    const voteId = voteIdOf(a);
    const before = (await repo.events(voteId)).length;
    await a.send(legalVoteFeature, { action: 'stop', vote_id: voteId });
    await a.send(legalVoteFeature, { action: 'cancel', vote_id: voteId, reason: 'I do not like it' });
    expect(errors(a)).toEqual(['forbidden', 'forbidden', 'forbidden']);
    expect((await repo.events(voteId)).length).toBe(before);
    expect(await repo.vote(voteId)).toMatchObject({ state: 'open' });
    expect(msgs(chair, 'stopped')).toEqual([]);
    expect(msgs(chair, 'cancelled')).toEqual([]);
    // Still open: a ballot is accepted.
    await a.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['yes'] });
    expect(msgs(a, 'voted')).toHaveLength(1);
  });

  it('typed refusals: vote_in_progress, vote_not_found, already_voted, not_eligible; cancel records a signed reason', async () => {
    const { t } = setup();
    const chair = await t.join({ role: 'moderator', displayName: 'Chair' });
    const a = await t.join({ displayName: 'Anna' });
    const b = await t.join({ displayName: 'Ben' });
    await chair.send(legalVoteFeature, start({ eligible_participant_ids: [a.id, chair.id] }));
    const voteId = voteIdOf(a);
    await chair.send(legalVoteFeature, start());
    expect(errors(chair)).toEqual(['vote_in_progress']);
    await a.send(legalVoteFeature, { action: 'vote', vote_id: crypto.randomUUID(), choices: ['yes'] });
    await a.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['yes'] });
    await a.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['no'] });
    expect(errors(a)).toEqual(['vote_not_found', 'already_voted']);
    await b.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['no'] });
    expect(errors(b)).toEqual(['not_eligible']);
    expect(msgs(b, 'started')[0]).toMatchObject({ you: { eligible: false } });
    await chair.send(legalVoteFeature, { action: 'start', title: 'x', kind: 'roll_call', options: yesNo, eligible_participant_ids: ['nobody'] });
    expect(errors(chair)).toEqual(['vote_in_progress', 'vote_in_progress']);

    await chair.send(legalVoteFeature, { action: 'cancel', vote_id: voteId, reason: 'Wrong motion text' });
    const cancelled = msgs(b, 'cancelled')[0] as { signature: string; head_hash: string };
    expect(cancelled).toMatchObject({ vote_id: voteId, reason: 'Wrong motion text', by: 'chair' });
    expect(await verified(voteId)).toMatchObject({ ok: true, state: 'cancelled', headHash: cancelled.head_hash });
    expect((await repo.events(voteId)).map((e) => e.type)).toEqual(['started', 'ballot', 'cancelled']);
    await chair.send(legalVoteFeature, { action: 'stop', vote_id: voteId });
    expect(errors(chair)).toEqual(['vote_in_progress', 'vote_in_progress', 'vote_closed']);
    await chair.send(legalVoteFeature, { action: 'start', title: 'x', kind: 'roll_call', options: yesNo, eligible_participant_ids: ['nobody'] });
    expect(errors(chair).at(-1)).toBe('participant_not_found');
    expect(snapshotOf(await t.join()).last).toMatchObject({ results: null, cancellation: { reason: 'Wrong motion text' } });
  });

  it('roster: quorum checked at start (refused, or recorded as ignored); a present deputy votes for an absent member', async () => {
    const committee = new FakeCommittee();
    const anna = member('Anna', 'u-anna');
    const ben = member('Ben', 'u-ben');
    const carl = member('Carl', 'u-carl');
    const dora = member('Dora (deputy)', 'u-dora', { role: 'deputy', substitutes_for: carl.id });
    const guestMember = member('Gus', '', { user_id: null, invite_code: 'gus-invite' });
    committee.roster = [anna, ben, carl, guestMember, dora];
    committee.agenda = [{ id: crypto.randomUUID(), position: 0, title: 'Budget', description: null, public: true, motion: null }];
    const { t } = setup(committee);
    const chair = await t.join({ role: 'moderator', displayName: 'Chair', userId: 'u-chair' });
    const a = await t.join({ displayName: 'Anna', userId: 'u-anna' });
    await chair.send(legalVoteFeature, start());
    expect(errors(chair)).toEqual(['not_quorate']);
    expect(await repo.listVotes(t.roomId)).toEqual([]);
    await chair.send(legalVoteFeature, start({ ignore_quorum: true, eligible_participant_ids: [a.id] }));
    expect(errors(chair).at(-1)).toBe('invalid_command');
    await chair.send(legalVoteFeature, start({ ignore_quorum: true, agenda_item_id: crypto.randomUUID() }));
    expect(errors(chair).at(-1)).toBe('agenda_item_not_found');
    await chair.send(legalVoteFeature, start({ ignore_quorum: true, agenda_item_id: committee.agenda[0]!.id }));
    expect(msgs(a, 'started').at(-1)).toMatchObject({ vote: { quorum: { quorate: false, present: 1, required: 3, members: 4, ignored: true }, agenda_item_id: committee.agenda[0]!.id } });
    await chair.send(legalVoteFeature, { action: 'cancel', vote_id: voteIdOf(a), reason: 'test' });

    const d = await t.join({ displayName: 'Dora', userId: 'u-dora' });
    const g = await t.join({ displayName: 'Gus', kind: 'guest', inviteCode: 'gus-invite' });
    await chair.send(legalVoteFeature, start());
    const started = msgs(a, 'started').at(-1) as { vote: { quorum: unknown }; eligible: { voter_id: string; substitutes_for: string | null }[] };
    expect(started.vote.quorum).toEqual({ quorate: true, present: 3, required: 3, members: 4, ignored: false });
    expect(started.eligible.map((e) => [e.voter_id, e.substitutes_for])).toEqual([
      [anna.id, null],
      [dora.id, carl.id],
      [guestMember.id, null],
    ]);
    const voteId = voteIdOf(a);
    await chair.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['yes'] });
    expect(errors(chair).at(-1)).toBe('not_eligible');
    await d.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['no'] });
    await g.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['yes'] });
    expect(msgs(g, 'voted')[0]).toMatchObject({ voter_id: guestMember.id });
    // Anna leaves and comes back with a new connection: she is recognised by her account.
    await a.leave();
    const a2 = await t.join({ displayName: 'Anna', userId: 'u-anna' });
    expect(snapshotOf(a2).open).toMatchObject({ you: { eligible: true, voter_id: anna.id, voted: [] }, cast: 2 });
    await a2.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['yes'] });
    expect(finalOf(chair)).toMatchObject({ tally: { yes: 2, no: 1, abstain: 0 }, cast: 3, eligible: 3 });
  });

  it('proxy: a member gives their vote to another participant, recorded in the log; the proxy holder casts it', async () => {
    const committee = new FakeCommittee();
    const anna = member('Anna', 'u-anna');
    const ben = member('Ben', 'u-ben');
    const carl = member('Carl', 'u-carl');
    committee.roster = [anna, ben, carl];
    const { t } = setup(committee);
    const chair = await t.join({ role: 'moderator', displayName: 'Chair', userId: 'u-chair' });
    const a = await t.join({ displayName: 'Anna', userId: 'u-anna' });
    const b = await t.join({ displayName: 'Ben', userId: 'u-ben' });
    const c = await t.join({ displayName: 'Carl', userId: 'u-carl' });
    // Someone not on the roster has no vote to give, and is told so (no proxy form for them).
    expect([canDelegate(chair), canDelegate(a), canDelegate(b), canDelegate(c)]).toEqual([false, true, true, true]);
    await chair.send(legalVoteFeature, { action: 'delegate', to_participant_id: a.id });
    expect(errors(chair)).toEqual(['not_eligible']);
    await c.send(legalVoteFeature, { action: 'delegate', to_participant_id: c.id });
    await c.send(legalVoteFeature, { action: 'delegate', to_participant_id: 'nobody' });
    expect(errors(c)).toEqual(['invalid_delegation', 'participant_not_found']);
    // Before the vote: Carl gives his vote to Ben and leaves; it is recorded in the started event.
    await c.send(legalVoteFeature, { action: 'delegate', to_participant_id: b.id });
    expect(msgs(a, 'delegations').at(-1)).toEqual({ message: 'delegations', delegations: [{ from_voter_id: carl.id, from_name: 'Carl', from_participant_id: c.id, to_participant_id: b.id, to_name: 'Ben' }] });
    // No chains: Ben holds a proxy, so he cannot give his own vote away; nobody can give a vote to Carl now.
    await b.send(legalVoteFeature, { action: 'delegate', to_participant_id: a.id });
    await a.send(legalVoteFeature, { action: 'delegate', to_participant_id: c.id });
    expect(errors(b)).toEqual(['invalid_delegation']);
    expect(errors(a)).toEqual(['invalid_delegation']);
    await c.leave();

    await chair.send(legalVoteFeature, start({ auto_close: false }));
    const voteId = voteIdOf(a);
    expect(msgs(b, 'started').at(-1)).toMatchObject({ you: { eligible: true, voter_id: ben.id, proxy_for: [carl.id] } });
    expect((msgs(b, 'started').at(-1) as { eligible: unknown[] }).eligible).toContainEqual({ voter_id: carl.id, display_name: 'Carl', substitutes_for: null, proxy: { participant_id: b.id, display_name: 'Ben' } });
    // Only the proxy holder may cast it.
    await a.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['yes'], on_behalf_of: carl.id });
    expect(errors(a)).toEqual(['invalid_delegation', 'not_eligible']);
    await b.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['no'], on_behalf_of: carl.id });
    await b.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['yes'] });
    expect(msgs(b, 'you').at(-1)).toMatchObject({ you: { voted: [ben.id, carl.id] } });

    // During the vote: Anna gives her vote to Ben; the delegation becomes an event of the log.
    await a.send(legalVoteFeature, { action: 'delegate', to_participant_id: b.id });
    expect(msgs(b, 'you').at(-1)).toMatchObject({ you: { proxy_for: [anna.id, carl.id] } });
    expect(msgs(a, 'you').at(-1)).toMatchObject({ you: { eligible: false, voter_id: anna.id } });
    await a.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['yes'] });
    expect(errors(a).at(-1)).toBe('not_eligible');
    await b.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['abstain'], on_behalf_of: anna.id });
    await chair.send(legalVoteFeature, { action: 'stop', vote_id: voteId });
    expect(finalOf(a)).toMatchObject({
      tally: { yes: 1, no: 1, abstain: 1 },
      ballots: [
        { voter_id: carl.id, display_name: 'Carl', choices: ['no'], cast_by_proxy: b.id },
        { voter_id: ben.id, display_name: 'Ben', choices: ['yes'], cast_by_proxy: null },
        { voter_id: anna.id, display_name: 'Anna', choices: ['abstain'], cast_by_proxy: b.id },
      ],
    });
    const events = await repo.events(voteId);
    expect(events.map((e) => e.type)).toEqual(['started', 'ballot', 'ballot', 'delegated', 'ballot', 'stopped', 'final_results']);
    expect((events[0]!.content as unknown as { data: { delegations: unknown[] } }).data.delegations).toEqual([{ from_voter_id: carl.id, from_name: 'Carl', to_participant_id: b.id, to_name: 'Ben' }]);
    expect((events[3]!.content as { data: unknown }).data).toEqual({ from_voter_id: anna.id, from_name: 'Anna', to_participant_id: b.id, to_name: 'Ben' });
    expect(await verified(voteId)).toMatchObject({ ok: true });
  });

  it('report_issue is recorded in the log and reaches the chair', async () => {
    const { t } = setup();
    const chair = await t.join({ role: 'moderator', displayName: 'Chair' });
    const a = await t.join({ displayName: 'Anna' });
    const b = await t.join({ displayName: 'Ben' });
    await chair.send(legalVoteFeature, start({ kind: 'secret' }));
    const voteId = voteIdOf(a);
    await a.send(legalVoteFeature, { action: 'report_issue', vote_id: voteId, text: 'The vote button did not react' });
    const issue = { message: 'issue_reported', vote_id: voteId, participant_id: a.id, display_name: 'Anna', text: 'The vote button did not react', at: '2026-01-01T09:00:00.000Z' };
    expect(msgs(chair, 'issue_reported')).toEqual([issue]);
    expect(msgs(a, 'issue_reported')).toEqual([issue]);
    expect(msgs(b, 'issue_reported')).toEqual([]);
    const events = await repo.events(voteId);
    expect(events.at(-1)).toMatchObject({ seq: 2, type: 'issue_reported' });
    expect((events.at(-1)!.content as { data: unknown }).data).toEqual({ participant_id: a.id, display_name: 'Anna', text: 'The vote button did not react' });
  });

  it('one person adds at most 5 issue reports to a vote\'s signed log, however many connections they use', async () => {
    const { t } = setup();
    const chair = await t.join({ role: 'moderator', displayName: 'Chair' });
    const laptop = await t.join({ displayName: 'Anna', userId: 'u-anna-issues' });
    const phone = await t.join({ displayName: 'Anna', userId: 'u-anna-issues' });
    await chair.send(legalVoteFeature, start({ kind: 'secret' }));
    const voteId = voteIdOf(chair);
    for (let i = 0; i < 5; i++) await (i % 2 ? phone : laptop).send(legalVoteFeature, { action: 'report_issue', vote_id: voteId, text: `Problem ${i}` });
    await laptop.send(legalVoteFeature, { action: 'report_issue', vote_id: voteId, text: 'Problem 5' });
    await phone.send(legalVoteFeature, { action: 'report_issue', vote_id: voteId, text: 'Problem 6' });
    expect(errors(laptop)).toEqual(['rate_limited']);
    expect(errors(phone)).toEqual(['rate_limited']);
    expect(msgs(chair, 'issue_reported')).toHaveLength(5);
    expect((await repo.events(voteId)).filter((e) => e.type === 'issue_reported')).toHaveLength(5);
    // Others may still report.
    const ben = await t.join({ displayName: 'Ben' });
    await ben.send(legalVoteFeature, { action: 'report_issue', vote_id: voteId, text: 'No sound' });
    expect(msgs(chair, 'issue_reported')).toHaveLength(6);
  });

  it('a vote left open by a stopped server is cancelled with a signed reason when its room opens again', async () => {
    const { t } = setup();
    const params = voteParams('secret', 3);
    await repo.create({ roomId: t.roomId, params, at: new Date('2026-01-01T08:00:00Z') });
    await repo.castBallot(params.vote.id, 'v0', { choices: ['yes'] }, new Date('2026-01-01T08:01:00Z'));
    const chair = await t.join({ role: 'moderator', displayName: 'Chair' });
    expect(snapshotOf(chair)).toMatchObject({ open: null, last: { vote: { id: params.vote.id }, results: null, cancellation: { by: 'interrupted' } } });
    expect((await repo.events(params.vote.id)).map((e) => e.type)).toEqual(['started', 'ballot', 'cancelled']);
    expect(await verified(params.vote.id)).toMatchObject({ ok: true, state: 'cancelled' });
    await chair.send(legalVoteFeature, { action: 'vote', vote_id: params.vote.id, choices: ['no'] });
    expect(errors(chair)).toEqual(['vote_closed']);
    // Only once: a second join finds nothing left to do.
    await t.join();
    expect((await repo.events(params.vote.id)).length).toBe(3);
  });

  it('a late joiner gets the open vote in the snapshot, with what they may do', async () => {
    const { t } = setup();
    const chair = await t.join({ role: 'moderator', displayName: 'Chair' });
    const a = await t.join({ displayName: 'Anna', userId: 'u-anna' });
    await chair.send(legalVoteFeature, start({ kind: 'pseudonymous' }));
    const voteId = voteIdOf(a);
    await a.send(legalVoteFeature, { action: 'vote', vote_id: voteId, choices: ['yes'] });
    await a.drop();
    await a.resume();
    expect(snapshotOf(a).open).toMatchObject({ vote: { id: voteId, kind: 'pseudonymous' }, cast: 1, you: { eligible: true, voter_id: vid(a), voted: [vid(a)] } });
    expect(snapshotOf(a).open?.ballots).toBeUndefined();
    const late = await t.join({ displayName: 'Late' });
    expect(snapshotOf(late)).toMatchObject({ open: { vote: { id: voteId }, cast: 1, eligible: [{}, {}], you: { eligible: false, voter_id: null, proxy_for: [], voted: [] } }, last: null, delegations: [] });
  });
});

describe('legal_vote: human text (audit finding 4, issue #11)', () => {
  it('a title, candidate, reason or report with a control or bidi character is invalid_command; no vote starts, the log is unchanged', async () => {
    const { t } = setup();
    const chair = await t.join({ role: 'moderator', displayName: 'Chair' });
    const a = await t.join({ displayName: 'Anna' });
    const refusedStarts: LegalVoteStart[] = [
      start({ title: 'Motion\u0000' }),
      start({ title: 'Motion \u202Eowt' }),
      start({ title: 'Motion\u0085' }),
      start({ options: { type: 'candidates', candidates: ['Anna', 'Ben\u2066'] } }),
    ];
    for (const cmd of refusedStarts) await chair.send(legalVoteFeature, cmd);
    expect(chair.errors(legalVoteFeature).map((e) => [e.error, e.issues?.[0]?.message])).toEqual(refusedStarts.map(() => ['invalid_command', expect.stringMatching(/^must not contain /)]));
    expect(msgs(a, 'started')).toEqual([]);
    expect(await repo.listVotes(t.roomId)).toEqual([]);

    await chair.send(legalVoteFeature, start({ title: 'Motion 1: Re\u0301sume\u0301' }));
    const voteId = voteIdOf(chair);
    expect((msgs(a, 'started')[0] as { vote: { title: string } }).vote.title).toBe('Motion 1: R\u00e9sum\u00e9');
    chair.clear();
    await a.send(legalVoteFeature, { action: 'report_issue', vote_id: voteId, text: 'no\u0000sound' });
    await chair.send(legalVoteFeature, { action: 'cancel', vote_id: voteId, reason: 'why\u202E' });
    expect(errors(a)).toEqual(['invalid_command']);
    expect(errors(chair)).toEqual(['invalid_command']);
    expect(chair.messages(legalVoteFeature)).toEqual([]);
    expect(snapshotOf(await t.join({ displayName: 'Late' })).open?.vote.id).toBe(voteId);
  });
});
