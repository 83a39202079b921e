import { describe, expect, it } from 'vitest';
import { AgendaItemInput, blankToNull, CommitteeSettingsUpdate, computeQuorum, RosterMemberInput, type QuorumRule, type RosterMember } from './agenda.ts';

let n = 0;
function member(over: Partial<RosterMember> = {}): RosterMember {
  n++;
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    display_name: `M${n}`,
    user_id: null,
    invite_code: null,
    role: 'member',
    voting: true,
    substitutes_for: null,
    position: n,
    ...over,
  };
}
const half: QuorumRule = { rule: 'more_than_half', count: null };
const twoThirds: QuorumRule = { rule: 'at_least_two_thirds', count: null };
const ids = (...ms: RosterMember[]) => new Set(ms.map((m) => m.id));

describe('computeQuorum', () => {
  it('more than half: of 3 seats 2 are needed; 1 is not enough', () => {
    const [a, b, c] = [member(), member(), member()];
    const roster = [a!, b!, c!];
    expect(computeQuorum(roster, ids(), half)).toEqual({ quorate: false, present: 0, required: 2, members: 3 });
    expect(computeQuorum(roster, ids(a!), half)).toEqual({ quorate: false, present: 1, required: 2, members: 3 });
    expect(computeQuorum(roster, ids(a!, c!), half)).toEqual({ quorate: true, present: 2, required: 2, members: 3 });
  });

  it('more than half of an even number is half plus one (exactly half is not enough)', () => {
    const roster = [member(), member(), member(), member()];
    expect(computeQuorum(roster, ids(roster[0]!, roster[1]!), half)).toMatchObject({ quorate: false, present: 2, required: 3 });
    expect(computeQuorum(roster, ids(roster[0]!, roster[1]!, roster[2]!), half)).toMatchObject({ quorate: true, required: 3 });
  });

  it('two thirds rounds up', () => {
    const six = Array.from({ length: 6 }, () => member());
    expect(computeQuorum(six, ids(...six.slice(0, 4)), twoThirds)).toMatchObject({ quorate: true, required: 4 });
    expect(computeQuorum(six, ids(...six.slice(0, 3)), twoThirds)).toMatchObject({ quorate: false, required: 4 });
    const seven = Array.from({ length: 7 }, () => member());
    // 2·7/3 = 4.67 → 5
    expect(computeQuorum(seven, ids(...seven.slice(0, 4)), twoThirds)).toMatchObject({ quorate: false, required: 5 });
    expect(computeQuorum(seven, ids(...seven.slice(0, 5)), twoThirds)).toMatchObject({ quorate: true, required: 5 });
  });

  it('a fixed count is the count, even above the number of seats; a missing count asks for every seat', () => {
    const roster = [member(), member(), member()];
    expect(computeQuorum(roster, ids(roster[0]!), { rule: 'at_least_count', count: 1 })).toMatchObject({ quorate: true, required: 1 });
    expect(computeQuorum(roster, ids(...roster), { rule: 'at_least_count', count: 4 })).toMatchObject({ quorate: false, present: 3, required: 4 });
    expect(computeQuorum(roster, ids(roster[0]!, roster[1]!), { rule: 'at_least_count', count: null })).toMatchObject({ quorate: false, required: 3 });
  });

  it('members without voting rights are no seats and do not count when present', () => {
    const a = member();
    const b = member();
    const guest = member({ voting: false });
    const roster = [a, b, guest];
    expect(computeQuorum(roster, ids(a, guest), half)).toEqual({ quorate: false, present: 1, required: 2, members: 2 });
    expect(computeQuorum(roster, ids(a, b), half)).toEqual({ quorate: true, present: 2, required: 2, members: 2 });
  });

  it('a present deputy fills the seat of the absent member they substitute for', () => {
    const a = member();
    const b = member();
    const c = member();
    const deputyOfB = member({ role: 'deputy', substitutes_for: b.id });
    const roster = [a, b, c, deputyOfB];
    expect(computeQuorum(roster, ids(a), half)).toMatchObject({ quorate: false, present: 1, members: 3 });
    expect(computeQuorum(roster, ids(a, deputyOfB), half)).toEqual({ quorate: true, present: 2, required: 2, members: 3 });
  });

  it('member and deputy both present fill one seat, not two', () => {
    const a = member();
    const b = member();
    const c = member();
    const deputyOfA = member({ role: 'deputy', substitutes_for: a.id });
    expect(computeQuorum([a, b, c, deputyOfA], ids(a, deputyOfA), half)).toMatchObject({ quorate: false, present: 1 });
  });

  it('two deputies of one member fill one seat', () => {
    const a = member();
    const b = member();
    const c = member();
    const d1 = member({ role: 'deputy', substitutes_for: a.id });
    const d2 = member({ role: 'deputy', substitutes_for: a.id });
    expect(computeQuorum([a, b, c, d1, d2], ids(d1, d2), half)).toMatchObject({ quorate: false, present: 1 });
  });

  it('deputies are no seats: a deputy without a member to stand in for, or without voting rights, counts for nothing', () => {
    const a = member();
    const b = member();
    const floating = member({ role: 'deputy' });
    const mute = member({ role: 'deputy', voting: false, substitutes_for: b.id });
    const roster = [a, b, floating, mute];
    expect(computeQuorum(roster, ids(a, floating, mute), half)).toEqual({ quorate: false, present: 1, required: 2, members: 2 });
  });

  it('a deputy for a member without voting rights fills no seat', () => {
    const a = member();
    const nonVoting = member({ voting: false });
    const d = member({ role: 'deputy', substitutes_for: nonVoting.id });
    expect(computeQuorum([a, nonVoting, d], ids(d), half)).toEqual({ quorate: false, present: 0, required: 1, members: 1 });
  });

  it('an empty roster is never quorate, whatever the rule', () => {
    expect(computeQuorum([], ids(), half)).toEqual({ quorate: false, present: 0, required: 1, members: 0 });
    expect(computeQuorum([], ids(), twoThirds)).toEqual({ quorate: false, present: 0, required: 1, members: 0 });
  });

  it('ids of people not on the roster are ignored', () => {
    const a = member();
    expect(computeQuorum([a], new Set(['someone-else']), half)).toMatchObject({ quorate: false, present: 0 });
    expect(computeQuorum([a], new Set(['someone-else', a.id]), half)).toMatchObject({ quorate: true, present: 1, required: 1 });
  });
});

describe('committee input schemas', () => {
  it('only deputies substitute; user_id and user_email exclude each other', () => {
    expect(RosterMemberInput.safeParse({ display_name: 'A', role: 'member', substitutes_for: crypto.randomUUID() }).success).toBe(false);
    expect(RosterMemberInput.safeParse({ display_name: 'A', role: 'deputy', substitutes_for: crypto.randomUUID() }).success).toBe(true);
    expect(RosterMemberInput.safeParse({ display_name: 'A', role: 'member', user_id: crypto.randomUUID(), user_email: 'a@example.org' }).success).toBe(false);
    expect(RosterMemberInput.parse({ display_name: ' A ', role: 'member' })).toEqual({ display_name: 'A', role: 'member', voting: true });
  });

  it('at_least_count needs a count', () => {
    expect(CommitteeSettingsUpdate.safeParse({ quorum: { rule: 'at_least_count' } }).success).toBe(false);
    expect(CommitteeSettingsUpdate.safeParse({ quorum: { rule: 'at_least_count', count: 3 } }).success).toBe(true);
    expect(CommitteeSettingsUpdate.safeParse({ quorum: { rule: 'more_than_half' } }).success).toBe(true);
  });

  it('agenda items: public by default; blank optional texts count as none', () => {
    expect(AgendaItemInput.parse({ title: ' Haushalt ', description: '  ', motion: 'Der Rat beschließt …' })).toEqual({
      title: 'Haushalt',
      description: '  ',
      public: true,
      motion: 'Der Rat beschließt …',
    });
    expect([blankToNull('  '), blankToNull(undefined), blankToNull(null), blankToNull(' x ')]).toEqual([null, null, null, ' x ']);
  });
});
