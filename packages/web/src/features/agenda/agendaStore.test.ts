import type { AgendaItemView, Quorum } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import { FeatureConnection } from '../../meeting/featureStore.ts';
import { FakeSignaling } from '../../meeting/testing/fakeSignaling.ts';
import { AgendaStore, type AgendaEvent } from './agendaStore.ts';

const item = (n: number, title: string): AgendaItemView => ({
  id: `00000000-0000-4000-8000-00000000010${n}`,
  position: n,
  title,
  public: true,
  description: null,
  motion: null,
  details: true,
});
const items = [item(0, 'Opening'), item(1, 'Budget')];
const member = '00000000-0000-4000-8000-000000000201';
const quorum = (present: number): Quorum => ({
  quorate: present >= 2,
  present,
  required: 2,
  members: 3,
  present_member_ids: present > 0 ? [member] : [],
  rule: { rule: 'more_than_half', count: null },
});

describe('agenda store', () => {
  it('takes the snapshot of join_success, follows current item and quorum, and reports changes', () => {
    const signaling = new FakeSignaling({ namespace: 'agenda' });
    const store = new FeatureConnection(signaling).storeOf(AgendaStore);
    const events: AgendaEvent[] = [];
    store.onEvent((e) => events.push(e));
    signaling.join({ items, current_item_id: items[1]!.id, quorum: quorum(1), my_member_id: member });
    expect(store.getSnapshot()).toMatchObject({ items, currentItemId: items[1]!.id, quorum: { quorate: false, present: 1 }, myMemberId: member });

    signaling.deliver({ message: 'current', current_item_id: items[0]!.id });
    expect(store.getSnapshot().currentItemId).toBe(items[0]!.id);
    signaling.deliver({ message: 'quorum', ...quorum(2) });
    expect(store.getSnapshot().quorum).toEqual(quorum(2));
    // The same quorate state again is no change to announce.
    signaling.deliver({ message: 'quorum', ...quorum(3) });
    expect(events).toEqual([
      { type: 'current', item: items[0] },
      { type: 'quorum', quorate: true },
    ]);

    signaling.deliver({ message: 'agenda', items: [items[1]], current_item_id: null });
    expect(store.getSnapshot()).toMatchObject({ items: [items[1]], currentItemId: null });
    // Malformed messages change nothing.
    signaling.deliver({ message: 'quorum', quorate: 'yes' });
    expect(store.getSnapshot().quorum).toEqual(quorum(3));
  });

  it('sends the chair commands and keeps the last refusal', () => {
    const signaling = new FakeSignaling({ namespace: 'agenda' });
    const store = new FeatureConnection(signaling).storeOf(AgendaStore);
    signaling.join({ items, current_item_id: null, quorum: quorum(0), my_member_id: null });
    store.next();
    store.previous();
    store.select(items[1]!.id);
    store.reload();
    expect(signaling.payloads).toEqual([{ action: 'next' }, { action: 'previous' }, { action: 'select', item_id: items[1]!.id }, { action: 'reload' }]);
    signaling.deliver({ message: 'error', error: 'forbidden', action: 'next' });
    expect(store.getSnapshot().error).toBe('forbidden');
    store.next();
    expect(store.getSnapshot().error).toBeNull();
  });
});
