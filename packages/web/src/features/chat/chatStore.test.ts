import type { ChatEntry } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import { FeatureConnection } from '../../meeting/featureStore.ts';
import { FakeSignaling } from '../../meeting/testing/fakeSignaling.ts';
import { ChatStore, ROOM, conversationOf, targetOf } from './chatStore.ts';

const SELF = '00000000-0000-4000-8000-000000000001';
const ANNA = '00000000-0000-4000-8000-000000000002';
const BEN = '00000000-0000-4000-8000-000000000003';

let n = 0;
function entry(sender: string, scope: ChatEntry['scope'] = 'room', recipients: string[] = []): ChatEntry {
  n++;
  return { id: `m${n}`, timestamp: '2026-01-01T09:00:00.000Z', scope, sender: { id: sender, display_name: sender, kind: 'user' }, recipients: recipients.map((id) => ({ id, display_name: id, kind: 'user' as const })), text: `text ${n}` };
}

describe('chat store', () => {
  it('keys conversations from the receiver’s point of view and targets replies', () => {
    expect(conversationOf(entry(ANNA), SELF)).toBe(ROOM);
    expect(conversationOf(entry(ANNA, 'private', [SELF]), SELF)).toBe(`private:${ANNA}`);
    expect(conversationOf(entry(SELF, 'private', [ANNA]), SELF)).toBe(`private:${ANNA}`);
    const group = conversationOf(entry(BEN, 'group', [SELF, ANNA]), SELF);
    expect(group).toBe(conversationOf(entry(SELF, 'group', [BEN, ANNA]), SELF));
    expect(targetOf(group, SELF)).toEqual({ scope: 'group', participant_ids: [ANNA, BEN] });
    expect(targetOf(`private:${ANNA}`, SELF)).toEqual({ scope: 'private', participant_id: ANNA });
    expect(targetOf(ROOM, SELF)).toEqual({ scope: 'room' });
  });

  it('counts others’ messages as unread until their conversation is on screen; history of the first join is read', () => {
    const signaling = new FakeSignaling({ namespace: 'chat', selfId: SELF, timestamp: () => new Date().toISOString() });
    const store = new FeatureConnection(signaling).storeOf(ChatStore);
    signaling.join({ enabled: true, messages: [entry(ANNA)] });
    expect(store.getSnapshot().totalUnread).toBe(0);
    signaling.deliver({ message: 'message_sent', entry: entry(ANNA) });
    signaling.deliver({ message: 'message_sent', entry: entry(BEN, 'private', [SELF]) });
    signaling.deliver({ message: 'message_sent', entry: entry(SELF) });
    expect(store.getSnapshot().totalUnread).toBe(2);
    expect(store.getSnapshot().unread.get(`private:${BEN}`)).toBe(1);
    store.setViewing(ROOM);
    expect(store.getSnapshot().totalUnread).toBe(1);
    signaling.deliver({ message: 'message_sent', entry: entry(ANNA) });
    expect(store.getSnapshot().unread.get(ROOM)).toBeUndefined();
    store.setViewing(null);

    // After a resume, what arrived meanwhile is unread; what was read stays read.
    const known = store.getSnapshot().messages;
    const missed = entry(ANNA);
    signaling.join({ enabled: true, messages: [...known, missed] }, { resumed: true });
    expect(store.getSnapshot().unread.get(ROOM)).toBe(1);
    expect(store.getSnapshot().totalUnread).toBe(2);

    signaling.deliver({ message: 'history_cleared', by: ANNA });
    expect(store.getSnapshot()).toMatchObject({ messages: [], totalUnread: 0 });
  });

  it('follows enable/disable and remembers refusals', () => {
    const signaling = new FakeSignaling({ namespace: 'chat', selfId: SELF, timestamp: () => new Date().toISOString() });
    const store = new FeatureConnection(signaling).storeOf(ChatStore);
    signaling.join({ enabled: false, messages: [] });
    expect(store.getSnapshot().enabled).toBe(false);
    signaling.deliver({ message: 'chat_enabled', by: ANNA });
    expect(store.getSnapshot().enabled).toBe(true);
    signaling.deliver({ message: 'error', error: 'chat_disabled', action: 'send_message' });
    expect(store.getSnapshot().error?.code).toBe('chat_disabled');
    store.sendMessage('hello <b>', `private:${ANNA}`);
    expect(signaling.sent).toEqual([{ namespace: 'chat', payload: { action: 'send_message', text: 'hello <b>', to: { scope: 'private', participant_id: ANNA } } }]);
  });
});
