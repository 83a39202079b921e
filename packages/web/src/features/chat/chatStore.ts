import { chatProtocol, type ChatEntry, type ChatTarget, type ErrorOf, type ErrorPayloadOf, type JoinSuccess, type MessageOf, type SnapshotOf } from '@plenum/protocol';
import { FeatureStore, type FeatureConnection } from '../../meeting/featureStore.ts';

/** `room`, `private:<other id>` or `group:<sorted member ids>`. */
export type ConversationKey = string;
export const ROOM: ConversationKey = 'room';

export function conversationOf(entry: ChatEntry, selfId: string | null): ConversationKey {
  if (entry.scope === 'room') return ROOM;
  if (entry.scope === 'private') {
    const other = entry.sender.id === selfId ? entry.recipients[0]?.id : entry.sender.id;
    return `private:${other ?? ''}`;
  }
  return `group:${[entry.sender.id, ...entry.recipients.map((r) => r.id)].sort().join(',')}`;
}

/** Where a message to this conversation goes. */
export function targetOf(conversation: ConversationKey, selfId: string | null): ChatTarget {
  if (conversation.startsWith('private:')) return { scope: 'private', participant_id: conversation.slice('private:'.length) };
  if (conversation.startsWith('group:')) {
    return { scope: 'group', participant_ids: conversation.slice('group:'.length).split(',').filter((id) => id && id !== selfId) };
  }
  return { scope: 'room' };
}

export interface ChatView {
  selfId: string | null;
  enabled: boolean;
  /** Oldest first. */
  messages: readonly ChatEntry[];
  /** Unread messages per conversation (others' messages not yet shown on screen). */
  unread: ReadonlyMap<ConversationKey, number>;
  totalUnread: number;
  /** The last refusal of something this person sent; `seq` changes with every new one. */
  error: { code: ErrorOf<typeof chatProtocol>; seq: number } | null;
}

export type ChatEvent =
  | { type: 'message'; entry: ChatEntry; conversation: ConversationKey; own: boolean }
  | { type: 'enabled' }
  | { type: 'disabled' }
  | { type: 'cleared' };

/**
 * The chat as this participant sees it: history from join_success, new messages, and what they have read.
 * The first join's history counts as read; after a resume, messages that arrived meanwhile count as unread.
 */
export class ChatStore extends FeatureStore<typeof chatProtocol, ChatView, ChatEvent> {
  /** The conversation the panel showed last, so reopening the chat returns there. */
  selected: ConversationKey = ROOM;
  private readonly seen = new Set<string>();
  private viewing: ConversationKey | null = null;
  private joinedBefore = false;
  private errorSeq = 0;

  constructor(connection: FeatureConnection) {
    super(connection, chatProtocol, { selfId: null, enabled: true, messages: [], unread: new Map(), totalUnread: 0, error: null });
  }

  /** The conversation now on screen (null: the chat is closed); its messages count as read. */
  setViewing(conversation: ConversationKey | null): void {
    this.viewing = conversation;
    this.recount();
  }

  sendMessage(text: string, conversation: ConversationKey): boolean {
    return this.send({ action: 'send_message', text, to: targetOf(conversation, this.view.selfId) });
  }

  setEnabled(enabled: boolean): boolean {
    return this.send({ action: enabled ? 'enable_chat' : 'disable_chat' });
  }

  clearHistory(): boolean {
    return this.send({ action: 'clear_history' });
  }

  protected joined(snapshot: SnapshotOf<typeof chatProtocol>, join: JoinSuccess): void {
    if (!this.joinedBefore) for (const m of snapshot.messages) this.seen.add(m.id);
    this.joinedBefore = true;
    this.recount({ selfId: join.id, enabled: snapshot.enabled, messages: snapshot.messages });
  }

  protected override refused(error: ErrorPayloadOf<typeof chatProtocol>): void {
    this.set({ error: { code: error.error, seq: ++this.errorSeq } });
  }

  protected handle(message: MessageOf<typeof chatProtocol>): void {
    switch (message.message) {
      case 'message_sent': {
        const { entry } = message;
        if (this.view.messages.some((m) => m.id === entry.id)) return;
        const own = entry.sender.id === this.view.selfId;
        if (own) this.seen.add(entry.id);
        this.recount({ messages: [...this.view.messages, entry], ...(own ? { error: null } : {}) });
        this.emit({ type: 'message', entry, conversation: conversationOf(entry, this.view.selfId), own });
        return;
      }
      case 'chat_enabled':
      case 'chat_disabled': {
        const enabled = message.message === 'chat_enabled';
        this.set({ enabled });
        this.emit({ type: enabled ? 'enabled' : 'disabled' });
        return;
      }
      case 'history_cleared':
        this.recount({ messages: [] });
        this.emit({ type: 'cleared' });
        return;
    }
  }

  /** Applies `change` and counts the unread messages of the result (those on screen are read now). */
  private recount(change: Partial<ChatView> = {}): void {
    const selfId = change.selfId !== undefined ? change.selfId : this.view.selfId;
    const unread = new Map<ConversationKey, number>();
    let total = 0;
    for (const m of change.messages ?? this.view.messages) {
      const conversation = conversationOf(m, selfId);
      if (conversation === this.viewing) this.seen.add(m.id);
      if (this.seen.has(m.id)) continue;
      unread.set(conversation, (unread.get(conversation) ?? 0) + 1);
      total++;
    }
    this.set({ ...change, unread, totalUnread: total });
  }
}
