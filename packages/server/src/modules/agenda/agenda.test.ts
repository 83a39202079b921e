import { defineProtocol, PROTOCOL_VERSION, type AgendaItem, type QuorumRule, type RosterMember } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFeature, type HooksOf, type PayloadOf } from '../../signaling/feature.ts';
import { ModuleTester, provide, type SimulatedParticipant } from '../../signaling/testing.ts';
import { agendaItemChanged, committeeChanged } from './events.ts';
import { agendaFeature } from './index.ts';
import type { CommitteeRepos } from './storage.ts';

const uuid = () => crypto.randomUUID();

function rosterEntry(over: Partial<RosterMember>, position: number): RosterMember {
  return { id: uuid(), display_name: `M${position}`, user_id: null, invite_code: null, role: 'member', voting: true, substitutes_for: null, position, ...over };
}

/** An in-memory committee: what the agenda feature reads; the editor's methods are not its business. */
interface FakeCommittee extends CommitteeRepos {
  roster: RosterMember[];
  items: AgendaItem[];
  rule: QuorumRule;
  loads: number;
  /** Makes the next reads fail (a database outage). */
  failing: boolean;
}
function fakeCommittee(roster: RosterMember[], items: AgendaItem[], rule: QuorumRule): FakeCommittee {
  const unused = () => Promise.reject(new Error('not used by the agenda feature'));
  const store: FakeCommittee = {
    roster,
    items,
    rule,
    loads: 0,
    failing: false,
    async listRoster() {
      store.loads++;
      if (store.failing) throw new Error('database down');
      return structuredClone(store.roster);
    },
    async listAgenda() {
      return structuredClone(store.items);
    },
    async settings() {
      return structuredClone(store.rule);
    },
    listRosterView: unused,
    saveSettings: unused,
    foreignMemberIds: unused,
    foreignAgendaIds: unused,
    replaceRoster: unused,
    replaceAgenda: unused,
    rosterRows: unused,
    accountsByEmail: unused,
  };
  return store;
}

// A feature that only listens: what agenda tells the other features of the room.
type Heard = { event: 'committee'; data: PayloadOf<typeof committeeChanged> } | { event: 'item'; data: PayloadOf<typeof agendaItemChanged> };
const probeProtocol = defineProtocol({
  namespace: 'probe',
  commands: z.discriminatedUnion('action', [z.object({ action: z.literal('noop') }).strict()]),
  messages: z.discriminatedUnion('message', [z.object({ message: z.literal('never') })]),
  snapshot: z.object({}),
});
function probe(heard: Heard[]) {
  return defineFeature({
    ...probeProtocol,
    requires: ['agenda'],
    consumes: [committeeChanged, agendaItemChanged],
    setup: (): HooksOf<typeof probeProtocol, object, undefined, never, typeof committeeChanged | typeof agendaItemChanged> => ({
      init(room) {
        room.on(committeeChanged, (data) => heard.push({ event: 'committee', data }));
        room.on(agendaItemChanged, (data) => heard.push({ event: 'item', data }));
        return {};
      },
      onCommand() {},
    }),
  });
}

function setup(opts: { rule?: QuorumRule; failing?: boolean } = {}) {
  const chairUser = uuid();
  const aliceUser = uuid();
  const roster: RosterMember[] = [
    rosterEntry({ display_name: 'Chair', user_id: chairUser }, 0),
    rosterEntry({ display_name: 'Alice', user_id: aliceUser }, 1),
    rosterEntry({ display_name: 'Bob', invite_code: 'bob-personal-invite' }, 2),
  ];
  const items: AgendaItem[] = [
    { id: uuid(), position: 0, title: 'Opening', description: 'Welcome', public: true, motion: null },
    { id: uuid(), position: 1, title: 'Budget 2027', description: 'Draft budget', public: true, motion: 'The council adopts the budget.' },
    { id: uuid(), position: 2, title: 'Personnel matter', description: 'Confidential case', public: false, motion: 'Secret motion' },
  ];
  const store = fakeCommittee(roster, items, opts.rule ?? { rule: 'more_than_half', count: null });
  store.failing = opts.failing ?? false;
  const heard: Heard[] = [];
  const t = new ModuleTester({
    features: [agendaFeature, probe(heard)],
    provide: [provide(agendaFeature, store)],
    timings: { resumeWindowMs: 30_000, emptyRoomGraceMs: 60_000 },
  });
  return { t, store, roster, items, chairUser, aliceUser, heard };
}

const snapshotOf = (p: SimulatedParticipant) => p.snapshot(agendaFeature);
const quorums = (p: SimulatedParticipant) => p.messages(agendaFeature, 'quorum');
const lastQuorum = (p: SimulatedParticipant) => quorums(p).at(-1);
const currents = (p: SimulatedParticipant) => p.messages(agendaFeature, 'current');

describe('agenda feature', () => {
  it('loads roster and agenda when the room opens; join_success carries items, current item and quorum', async () => {
    const { t, store, items, roster, chairUser } = setup();
    const chair = await t.join({ role: 'moderator', userId: chairUser, displayName: 'Chair' });
    const snap = snapshotOf(chair);
    expect(snap.items.map((i) => i.title)).toEqual(['Opening', 'Budget 2027', 'Personnel matter']);
    expect(snap.current_item_id).toBeNull();
    expect(snap.my_member_id).toBe(roster[0]!.id);
    expect(snap.quorum).toEqual({ quorate: false, present: 1, required: 2, members: 3, present_member_ids: [roster[0]!.id], rule: store.rule });
    // Loaded once per room, not per join.
    await t.join({ displayName: 'Citizen' });
    expect(store.loads).toBe(1);
    expect(items).toHaveLength(3);
    expect(t.taskErrors).toEqual([]);
  });

  it('the chair moves next/previous/select; everyone gets `current`; a late joiner sees the current item', async () => {
    const { t, items, chairUser, aliceUser } = setup();
    const chair = await t.join({ role: 'moderator', userId: chairUser });
    const alice = await t.join({ userId: aliceUser });
    await chair.send(agendaFeature, { action: 'next' });
    expect(currents(alice).at(-1)).toEqual({ message: 'current', current_item_id: items[0]!.id });
    await chair.send(agendaFeature, { action: 'next' });
    expect(currents(alice).at(-1)).toEqual({ message: 'current', current_item_id: items[1]!.id });
    await chair.send(agendaFeature, { action: 'previous' });
    expect(currents(chair).at(-1)).toEqual({ message: 'current', current_item_id: items[0]!.id });
    await chair.send(agendaFeature, { action: 'select', item_id: items[1]!.id });
    const late = await t.join({ displayName: 'Late' });
    expect(snapshotOf(late).current_item_id).toBe(items[1]!.id);
  });

  it('next after the last item, previous before the first and an unknown item are refused with agenda_item_not_found', async () => {
    const { t, items, chairUser } = setup();
    const chair = await t.join({ role: 'moderator', userId: chairUser });
    await chair.send(agendaFeature, { action: 'previous' });
    expect(chair.errors(agendaFeature).at(-1)).toMatchObject({ error: 'agenda_item_not_found', action: 'previous' });
    await chair.send(agendaFeature, { action: 'select', item_id: items[0]!.id });
    await chair.send(agendaFeature, { action: 'previous' });
    expect(chair.errors(agendaFeature)).toHaveLength(2);
    await chair.send(agendaFeature, { action: 'select', item_id: items[2]!.id });
    await chair.send(agendaFeature, { action: 'next' });
    await chair.send(agendaFeature, { action: 'select', item_id: uuid() });
    expect(chair.errors(agendaFeature).map((e) => e.error)).toEqual(['agenda_item_not_found', 'agenda_item_not_found', 'agenda_item_not_found', 'agenda_item_not_found']);
    expect(currents(chair).at(-1)).toEqual({ message: 'current', current_item_id: items[2]!.id });
  });

  describe('every chair command is refused for non-moderators and changes nothing', () => {
    const commands: [string, (items: AgendaItem[]) => Parameters<SimulatedParticipant['send']>[1]][] = [
      ['next', () => ({ action: 'next' })],
      ['previous', () => ({ action: 'previous' })],
      ['select', (items) => ({ action: 'select', item_id: items[1]!.id })],
      ['reload', () => ({ action: 'reload' })],
    ];
    for (const [name, command] of commands) {
      it(name, async () => {
        const { t, store, items, chairUser, aliceUser, heard } = setup();
        const chair = await t.join({ role: 'moderator', userId: chairUser });
        await chair.send(agendaFeature, { action: 'select', item_id: items[0]!.id });
        const alice = await t.join({ userId: aliceUser });
        chair.clear();
        alice.clear();
        const before = heard.length;
        store.items = [{ id: uuid(), position: 0, title: 'Changed meanwhile', description: null, public: true, motion: null }];
        await alice.send('agenda', command(items));
        expect(alice.messages('agenda')).toEqual([{ message: 'error', error: 'forbidden', action: name }]);
        expect(chair.messages('agenda')).toEqual([]);
        expect(heard).toHaveLength(before);
        const late = await t.join({ displayName: 'Late' });
        expect(snapshotOf(late).current_item_id).toBe(items[0]!.id);
        expect(snapshotOf(late).items.map((i) => i.title)).toEqual(['Opening', 'Budget 2027', 'Personnel matter']);
      });
    }
  });

  it('reload (chair) sends the edited agenda and the new quorum to everyone; a vanished current item is cleared', async () => {
    const { t, store, items, roster, chairUser, aliceUser } = setup();
    const chair = await t.join({ role: 'moderator', userId: chairUser });
    const alice = await t.join({ userId: aliceUser });
    await chair.send(agendaFeature, { action: 'select', item_id: items[2]!.id });
    store.items = [items[0]!, { id: uuid(), position: 1, title: 'New item', description: null, public: true, motion: null }];
    store.roster = [roster[0]!, roster[1]!];
    await chair.send(agendaFeature, { action: 'reload' });
    const agenda = alice.messages(agendaFeature, 'agenda').at(-1)!;
    expect(agenda.items.map((i) => i.title)).toEqual(['Opening', 'New item']);
    expect(agenda.current_item_id).toBeNull();
    expect(lastQuorum(alice)).toMatchObject({ quorate: true, present: 2, required: 2, members: 2 });
    expect(snapshotOf(await t.join()).items.map((i) => i.title)).toEqual(['Opening', 'New item']);
  });

  it('a reload that fails is answered with internal_error to the chair and changes nothing', async () => {
    const { t, store, items, chairUser, aliceUser, heard } = setup();
    const chair = await t.join({ role: 'moderator', userId: chairUser });
    const alice = await t.join({ userId: aliceUser });
    store.failing = true;
    store.items = [];
    const before = heard.length;
    await chair.send(agendaFeature, { action: 'reload' });
    expect(chair.errors(agendaFeature)).toEqual([{ message: 'error', error: 'internal_error', action: 'reload' }]);
    expect(alice.messages(agendaFeature, 'agenda')).toEqual([]);
    expect(alice.errors(agendaFeature)).toEqual([]);
    expect(heard).toHaveLength(before);
    expect(snapshotOf(await t.join()).items).toHaveLength(items.length);
  });

  it('tells the other features: committee data at the first join and after each reload, the current item when it changes', async () => {
    const { t, store, items, roster, chairUser, heard } = setup();
    const chair = await t.join({ role: 'moderator', userId: chairUser });
    await t.join({ displayName: 'Citizen' });
    expect(heard).toEqual([{ event: 'committee', data: { roster, items, rule: store.rule } }]);
    await chair.send(agendaFeature, { action: 'next' });
    await chair.send(agendaFeature, { action: 'select', item_id: items[0]!.id });
    await chair.send(agendaFeature, { action: 'next' });
    await chair.send(agendaFeature, { action: 'previous' });
    expect(heard.slice(1)).toEqual([
      { event: 'item', data: { itemId: items[0]!.id, item: items[0] } },
      // Selecting the current item again is no change for the other features (clients still get `current`).
      { event: 'item', data: { itemId: items[1]!.id, item: items[1] } },
      { event: 'item', data: { itemId: items[0]!.id, item: items[0] } },
    ]);
    expect(currents(chair)).toHaveLength(4);

    // A reload that keeps the current item: only the new data.
    store.rule = { rule: 'at_least_count', count: 1 };
    await chair.send(agendaFeature, { action: 'reload' });
    expect(heard.slice(4)).toEqual([{ event: 'committee', data: { roster, items, rule: { rule: 'at_least_count', count: 1 } } }]);
    // One that drops it: the new data, then no current item.
    store.items = [items[1]!];
    await chair.send(agendaFeature, { action: 'reload' });
    expect(heard.slice(5)).toEqual([
      { event: 'committee', data: { roster, items: [items[1]], rule: { rule: 'at_least_count', count: 1 } } },
      { event: 'item', data: { itemId: null, item: null } },
    ]);
  });

  it('non-public items: title for everyone, description and motion only for moderators and roster members', async () => {
    const { t, chairUser, aliceUser } = setup();
    const chair = await t.join({ role: 'moderator', userId: chairUser });
    const alice = await t.join({ userId: aliceUser });
    const citizen = await t.join({ displayName: 'Citizen' });
    const bobGuest = await t.join({ kind: 'guest', inviteCode: 'bob-personal-invite' });
    const otherGuest = await t.join({ kind: 'guest', inviteCode: 'public-link' });
    for (const p of [chair, alice, bobGuest]) {
      expect(snapshotOf(p).items[2]).toMatchObject({ title: 'Personnel matter', public: false, description: 'Confidential case', motion: 'Secret motion', details: true });
    }
    for (const p of [citizen, otherGuest]) {
      expect(snapshotOf(p).items[2]).toEqual(expect.objectContaining({ title: 'Personnel matter', public: false, description: null, motion: null, details: false }));
      // Public items stay complete for them.
      expect(snapshotOf(p).items[1]).toMatchObject({ motion: 'The council adopts the budget.', details: true });
      expect(JSON.stringify(p.received)).not.toContain('Secret motion');
    }
  });

  it('quorum follows joins and leaves of roster members (account or personal invite) and ignores everyone else', async () => {
    const { t, roster, chairUser, aliceUser } = setup();
    const chair = await t.join({ role: 'moderator', userId: chairUser });
    expect(lastQuorum(chair)).toMatchObject({ quorate: false, present: 1, required: 2, members: 3 });
    const citizen = await t.join({ displayName: 'Citizen' });
    // A non-member changes nothing, so nothing is sent.
    expect(quorums(chair)).toHaveLength(1);
    const alice = await t.join({ userId: aliceUser });
    expect(lastQuorum(chair)).toMatchObject({ quorate: true, present: 2, present_member_ids: [roster[0]!.id, roster[1]!.id] });
    expect(lastQuorum(citizen)).toMatchObject({ quorate: true });
    await alice.leave();
    expect(lastQuorum(chair)).toMatchObject({ quorate: false, present: 1, present_member_ids: [roster[0]!.id] });
    const bob = await t.join({ kind: 'guest', inviteCode: 'bob-personal-invite' });
    expect(lastQuorum(chair)).toMatchObject({ quorate: true, present: 2, present_member_ids: [roster[0]!.id, roster[2]!.id] });
    expect(snapshotOf(bob).my_member_id).toBe(roster[2]!.id);
    expect(snapshotOf(bob).quorum).toMatchObject({ quorate: true, present: 2 });
    expect(quorums(chair).map((q) => q.present)).toEqual([1, 2, 1, 2]);
  });

  it('a dropped connection that resumes does not flap the quorum; one whose resume window runs out does', async () => {
    const { t, chairUser, aliceUser } = setup();
    const chair = await t.join({ role: 'moderator', userId: chairUser });
    const alice = await t.join({ userId: aliceUser });
    expect(lastQuorum(chair)).toMatchObject({ quorate: true });
    const before = quorums(chair).length;
    await alice.drop();
    await t.advance(20_000);
    await alice.resume();
    expect(quorums(chair)).toHaveLength(before);
    expect(snapshotOf(alice).quorum).toMatchObject({ quorate: true, present: 2 });
    await alice.drop();
    await t.advance(30_000);
    expect(quorums(chair)).toHaveLength(before + 1);
    expect(lastQuorum(chair)).toMatchObject({ quorate: false, present: 1 });
  });

  it('the same member on two devices counts once; leaving on one keeps them present', async () => {
    const { t, chairUser, aliceUser } = setup({ rule: { rule: 'at_least_count', count: 2 } });
    const chair = await t.join({ role: 'moderator', userId: chairUser });
    const laptop = await t.join({ userId: aliceUser });
    await t.join({ userId: aliceUser });
    expect(lastQuorum(chair)).toMatchObject({ quorate: true, present: 2, required: 2 });
    await laptop.leave();
    expect(lastQuorum(chair)).toMatchObject({ quorate: true, present: 2 });
  });

  it('phone participants (kind sip) count when their admission matches a member; recorders never count', async () => {
    const { t, roster, chairUser } = setup();
    const chair = await t.join({ role: 'moderator', userId: chairUser });
    const recorder = t.connect({ roomId: t.roomId, participantId: uuid(), kind: 'recorder', displayName: 'Recorder', userId: roster[1]!.user_id!, isRoomOwner: false, resumption: 'r-rec' });
    await recorder.send('control', { action: 'join', protocol_version: PROTOCOL_VERSION });
    expect(lastQuorum(chair)).toMatchObject({ quorate: false, present: 1 });
    const phone = t.connect({ roomId: t.roomId, participantId: uuid(), kind: 'sip', displayName: 'Bob (phone)', inviteCode: 'bob-personal-invite', isRoomOwner: false, resumption: 'r-sip' });
    await phone.send('control', { action: 'join', protocol_version: PROTOCOL_VERSION });
    expect(lastQuorum(chair)).toMatchObject({ quorate: true, present: 2, present_member_ids: [roster[0]!.id, roster[2]!.id] });
  });

  it('a deputy standing in for an absent member fills the seat', async () => {
    const { t, store, roster, chairUser } = setup();
    const deputyUser = uuid();
    store.roster = [...roster, rosterEntry({ display_name: 'Deputy of Alice', role: 'deputy', user_id: deputyUser, substitutes_for: roster[1]!.id }, 3)];
    const chair = await t.join({ role: 'moderator', userId: chairUser });
    await t.join({ userId: deputyUser });
    expect(lastQuorum(chair)).toMatchObject({ quorate: true, present: 2, members: 3 });
  });

  it('a room whose roster cannot be loaded still opens, with an empty agenda that is never quorate; the next join tries again', async () => {
    const { t, store, roster, items, chairUser, heard } = setup({ failing: true });
    const chair = await t.join({ role: 'moderator', userId: chairUser });
    expect(snapshotOf(chair)).toMatchObject({ items: [], current_item_id: null, quorum: { quorate: false, present: 0, members: 0 } });
    expect(heard).toEqual([{ event: 'committee', data: { roster: [], items: [], rule: { rule: 'more_than_half', count: null } } }]);
    // Still down at the first join (its retry failed too): nothing changed for anyone.
    expect(store.loads).toBe(2);
    expect(chair.messages(agendaFeature, 'agenda')).toEqual([]);
    store.failing = false;
    await t.join({ displayName: 'Citizen' });
    expect(store.loads).toBe(3);
    // Loaded at last: everyone gets the agenda and the quorum, the other features the data.
    expect(chair.messages(agendaFeature, 'agenda').at(-1)!.items.map((i) => i.title)).toEqual(['Opening', 'Budget 2027', 'Personnel matter']);
    expect(lastQuorum(chair)).toMatchObject({ present: 1, members: 3 });
    expect(heard.at(-1)).toEqual({ event: 'committee', data: { roster, items, rule: store.rule } });
    await t.join({ displayName: 'Another' });
    expect(store.loads).toBe(3);
  });
});
