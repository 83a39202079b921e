import {
  CHAT_NAMESPACE,
  ChatMessage,
  ChatSnapshot,
  SignalingErrorPayload,
  type ChatEntry,
  type ChatTarget,
  type JoinSuccess,
  type SignalingErrorCode,
} from '@plenum/protocol';
import type { SignalingClient } from '../../meeting/signalingClient.ts';

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
  error: { code: SignalingErrorCode; seq: number } | null;
}

export type ChatEvent =
  | { type: 'message'; entry: ChatEntry; conversation: ConversationKey; own: boolean }
  | { type: 'enabled' }
  | { type: 'disabled' }
  | { type: 'cleared' };

type SignalingPort = Pick<SignalingClient, 'state' | 'onState' | 'onMessage' | 'send'>;

/**
 * The chat as this participant sees it: history from join_success, new messages, and what they have read.
 * The first join's history counts as read; after a resume, messages that arrived meanwhile count as unread.
 */
export class ChatStore {
  /** The conversation the panel showed last, so reopening the chat returns there. */
  selected: ConversationKey = ROOM;
  private view: ChatView = { selfId: null, enabled: true, messages: [], unread: new Map(), totalUnread: 0, error: null };
  private readonly seen = new Set<string>();
  private viewing: ConversationKey | null = null;
  private joinedBefore = false;
  private errorSeq = 0;
  private readonly listeners = new Set<() => void>();
  private readonly eventListeners = new Set<(event: ChatEvent) => void>();

  constructor(private readonly signaling: SignalingPort) {
    signaling.onState((state) => {
      if (state.status === 'joined') this.joined(state.join);
    });
    signaling.onMessage((envelope) => {
      if (envelope.namespace === CHAT_NAMESPACE) this.handle(envelope.payload);
    });
    if (signaling.state.status === 'joined') this.joined(signaling.state.join);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): ChatView => this.view;

  onEvent(listener: (event: ChatEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** The conversation now on screen (null: the chat is closed); its messages count as read. */
  setViewing(conversation: ConversationKey | null): void {
    this.viewing = conversation;
    this.recount();
  }

  send(text: string, conversation: ConversationKey): boolean {
    return this.signaling.send(CHAT_NAMESPACE, { action: 'send_message', text, to: targetOf(conversation, this.view.selfId) });
  }

  setEnabled(enabled: boolean): boolean {
    return this.signaling.send(CHAT_NAMESPACE, { action: enabled ? 'enable_chat' : 'disable_chat' });
  }

  clearHistory(): boolean {
    return this.signaling.send(CHAT_NAMESPACE, { action: 'clear_history' });
  }

  private joined(join: JoinSuccess): void {
    const snapshot = ChatSnapshot.safeParse(join.modules[CHAT_NAMESPACE]);
    if (!snapshot.success) return;
    if (!this.joinedBefore) for (const m of snapshot.data.messages) this.seen.add(m.id);
    this.joinedBefore = true;
    this.view = { ...this.view, selfId: join.id, enabled: snapshot.data.enabled, messages: snapshot.data.messages };
    this.recount();
  }

  private handle(payload: unknown): void {
    const error = SignalingErrorPayload.safeParse(payload);
    if (error.success) {
      this.view = { ...this.view, error: { code: error.data.error, seq: ++this.errorSeq } };
      return this.changed();
    }
    const parsed = ChatMessage.safeParse(payload);
    if (!parsed.success) return;
    const message = parsed.data;
    switch (message.message) {
      case 'message_sent': {
        const { entry } = message;
        if (this.view.messages.some((m) => m.id === entry.id)) return;
        const own = entry.sender.id === this.view.selfId;
        if (own) this.seen.add(entry.id);
        this.view = { ...this.view, messages: [...this.view.messages, entry], ...(own ? { error: null } : {}) };
        this.recount();
        this.emit({ type: 'message', entry, conversation: conversationOf(entry, this.view.selfId), own });
        return;
      }
      case 'chat_enabled':
      case 'chat_disabled': {
        const enabled = message.message === 'chat_enabled';
        this.view = { ...this.view, enabled };
        this.changed();
        this.emit({ type: enabled ? 'enabled' : 'disabled' });
        return;
      }
      case 'history_cleared':
        this.view = { ...this.view, messages: [] };
        this.recount();
        this.emit({ type: 'cleared' });
        return;
    }
  }

  private recount(): void {
    const unread = new Map<ConversationKey, number>();
    let total = 0;
    for (const m of this.view.messages) {
      const conversation = conversationOf(m, this.view.selfId);
      if (conversation === this.viewing) this.seen.add(m.id);
      if (this.seen.has(m.id)) continue;
      unread.set(conversation, (unread.get(conversation) ?? 0) + 1);
      total++;
    }
    this.view = { ...this.view, unread, totalUnread: total };
    this.changed();
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  private emit(event: ChatEvent): void {
    for (const listener of this.eventListeners) listener(event);
  }
}

const stores = new WeakMap<object, ChatStore>();

/** One store per signaling connection, created on first use (as early as the meeting screen renders). */
export function chatStoreFor(signaling: SignalingPort): ChatStore {
  let store = stores.get(signaling);
  if (!store) {
    store = new ChatStore(signaling);
    stores.set(signaling, store);
  }
  return store;
}
