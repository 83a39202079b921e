import { CHAT_HISTORY_LIMIT, chatProtocol, type ChatEntry, type ChatPerson, type ChatSnapshot, type ChatTarget } from '@plenum/protocol';
import { defineFeature, refusal, type Clock, type ContextOf, type HooksOf, type Participant } from '../../signaling/feature.ts';
import { TokenBucket } from '../../signaling/rate-limit.ts';

/**
 * `chat`: room chat, private 1:1 and group messages, kept in memory on the room for as long as it is open
 * (accepted messages are never dropped before a moderator clears the history). Text is stored and delivered
 * exactly as sent — rendering it safely is the client's job (as text, never HTML).
 */

export interface ChatLimits {
  /** Sustained messages per second per participant (on top of the core's command rate limit). */
  messagesPerSecond: number;
  /** Messages a participant may send in a quick burst. */
  messageBurst: number;
  /**
   * Upper bound of the text a room keeps (UTF-16 code units, all messages together). Memory must stay bounded
   * even if someone floods for hours; a moderator clearing the history makes room again.
   */
  maxStoredChars: number;
}

export const defaultChatLimits: ChatLimits = { messagesPerSecond: 1, messageBurst: 10, maxStoredChars: 8_000_000 };

interface StoredEntry {
  entry: ChatEntry;
  /** Sender and recipients (private/group); empty for room messages. */
  members: ReadonlySet<string>;
  /** Room messages: the sender's group (breakout room) when sent (null: the main room). Only that group reads them. */
  group: string | null;
}

export interface ChatState {
  enabled: boolean;
  /** Oldest first. */
  entries: StoredEntry[];
  storedChars: number;
  buckets: Map<string, TokenBucket>;
}

type Ctx = ContextOf<typeof chatProtocol, ChatState>;
const refuse = refusal(chatProtocol);

const person = (p: Participant): ChatPerson => ({ id: p.id, display_name: p.displayName, kind: p.kind });

/** The newest `limit` items that match, oldest first. */
function lastMatching<T>(items: readonly T[], limit: number, match: (item: T) => boolean): Set<T> {
  const picked = new Set<T>();
  for (let i = items.length - 1; i >= 0 && picked.size < limit; i--) {
    const item = items[i]!;
    if (match(item)) picked.add(item);
  }
  return picked;
}

function recipientsOf(ctx: Ctx, who: Participant, to: ChatTarget): Participant[] {
  if (to.scope === 'room') return [];
  const ids = to.scope === 'private' ? [to.participant_id] : [...new Set(to.participant_ids)].filter((id) => id !== who.id);
  if (ids.length === 0 || ids.includes(who.id)) throw refuse('invalid_command', { issues: [{ path: 'to', message: 'no recipient other than the sender' }] });
  return ids.map((id) => {
    const p = ctx.room.participant(id);
    if (!p) throw refuse('participant_not_found');
    return p;
  });
}

function bucketFor(state: ChatState, who: Participant, clock: Clock, limits: ChatLimits): TokenBucket {
  let bucket = state.buckets.get(who.id);
  if (!bucket) {
    bucket = new TokenBucket(limits.messagesPerSecond, limits.messageBurst, () => clock.now().getTime());
    state.buckets.set(who.id, bucket);
  }
  return bucket;
}

function hooks(limits: ChatLimits): HooksOf<typeof chatProtocol, ChatState> {
  return {
    init() {
      return { enabled: true, entries: [], storedChars: 0, buckets: new Map() };
    },

    onLeave(ctx, who) {
      // Their messages stay (others may still read them); only the rate-limit state goes.
      ctx.state.buckets.delete(who.id);
    },

    onCommand(ctx, who, cmd) {
      const { state } = ctx;
      const moderator = ctx.permissions.has('moderate');
      switch (cmd.action) {
        case 'send_message': {
          if (!state.enabled && !moderator) throw refuse('chat_disabled');
          const recipients = recipientsOf(ctx, who, cmd.to);
          if (state.storedChars + cmd.text.length > limits.maxStoredChars) throw refuse('chat_full');
          const bucket = bucketFor(state, who, ctx.clock, limits);
          if (!bucket.take()) throw refuse('rate_limited', { retry_after_ms: bucket.retryAfterMs() });

          const entry: ChatEntry = {
            id: crypto.randomUUID(),
            timestamp: ctx.clock.now().toISOString(),
            scope: cmd.to.scope,
            sender: person(who),
            recipients: recipients.map(person),
            text: cmd.text,
          };
          const members = new Set(cmd.to.scope === 'room' ? [] : [who.id, ...recipients.map((r) => r.id)]);
          const group = cmd.to.scope === 'room' ? ctx.room.groups.of(who.id) : null;
          state.entries.push({ entry, members, group });
          state.storedChars += cmd.text.length;
          const message = { message: 'message_sent' as const, entry };
          // During breakouts the room chat is the breakout room's chat: only those in the sender's group get it.
          if (cmd.to.scope === 'room') ctx.broadcast(message, { group });
          else for (const id of members) ctx.send(id, message);
          return;
        }
        case 'enable_chat':
        case 'disable_chat': {
          if (!moderator) throw refuse('forbidden');
          const enabled = cmd.action === 'enable_chat';
          if (state.enabled === enabled) return;
          state.enabled = enabled;
          ctx.broadcast({ message: enabled ? 'chat_enabled' : 'chat_disabled', by: who.id });
          return;
        }
        case 'clear_history': {
          if (!moderator) throw refuse('forbidden');
          state.entries = [];
          state.storedChars = 0;
          ctx.broadcast({ message: 'history_cleared', by: who.id });
          return;
        }
      }
    },

    snapshot(ctx, forWhom): ChatSnapshot {
      const { entries } = ctx.state;
      const group = ctx.room.groups.of(forWhom.id);
      const room = lastMatching(entries, CHAT_HISTORY_LIMIT, (e) => e.entry.scope === 'room' && e.group === group);
      const own = lastMatching(entries, CHAT_HISTORY_LIMIT, (e) => e.members.has(forWhom.id));
      return { enabled: ctx.state.enabled, messages: entries.filter((e) => room.has(e) || own.has(e)).map((e) => e.entry) };
    },
  };
}

/** `chat` with other limits (tests). */
export function createChatFeature(overrides: Partial<ChatLimits> = {}) {
  const limits: ChatLimits = { ...defaultChatLimits, ...overrides };
  return defineFeature({ ...chatProtocol, setup: () => hooks(limits) });
}

export const chatFeature = createChatFeature();
