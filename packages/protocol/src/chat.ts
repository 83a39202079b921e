import { z } from 'zod';
import { text } from './text.ts';
import { defineProtocol } from './feature.ts';
import { ParticipantKind } from './control.ts';

/**
 * The `chat` namespace: the room chat, private 1:1 messages and group messages (the sender picks the
 * recipients). Text is plain text: the server stores and delivers it exactly as sent, clients render it as
 * text (never as HTML). Moderators can disable the chat (then only moderators can send) and clear the history.
 */
export const CHAT_NAMESPACE = 'chat';

/** Longest accepted message, in UTF-16 code units (what JavaScript's `length` counts). */
export const MAX_CHAT_MESSAGE_LENGTH = 4000;
/** Most recipients of one group message. */
export const MAX_CHAT_GROUP_RECIPIENTS = 50;
/** How much history join_success carries: the last N room messages, and the last N private/group messages of the receiver. */
export const CHAT_HISTORY_LIMIT = 200;

export const ChatScope = z.enum(['room', 'private', 'group']);
export type ChatScope = z.infer<typeof ChatScope>;

// ── client → server ────────────────────────────────────────────────────────────

export const ChatTarget = z.discriminatedUnion('scope', [
  z.object({ scope: z.literal('room') }).strict(),
  z.object({ scope: z.literal('private'), participant_id: z.uuid() }).strict(),
  z.object({ scope: z.literal('group'), participant_ids: z.array(z.uuid()).min(1).max(MAX_CHAT_GROUP_RECIPIENTS) }).strict(),
]);
export type ChatTarget = z.infer<typeof ChatTarget>;

export const ChatSendMessage = z
  .object({
    action: z.literal('send_message'),
    // Stored as given (NFC, no control characters but LF and TAB); a message with no visible character at all is refused.
    text: text({ max: MAX_CHAT_MESSAGE_LENGTH, min: 0, multiline: true }).regex(/\S/, 'empty message'),
    to: ChatTarget,
  })
  .strict();
/** Moderators only. */
export const ChatEnable = z.object({ action: z.literal('enable_chat') }).strict();
/** Moderators only: afterwards only moderators can send. */
export const ChatDisable = z.object({ action: z.literal('disable_chat') }).strict();
/** Moderators only: removes every message (room, private, group) for everyone. */
export const ChatClearHistory = z.object({ action: z.literal('clear_history') }).strict();

export const ChatCommand = z.discriminatedUnion('action', [ChatSendMessage, ChatEnable, ChatDisable, ChatClearHistory]);
export type ChatCommand = z.infer<typeof ChatCommand>;

// ── server → client ────────────────────────────────────────────────────────────

/** `kind` lets every client mark guests and phone callers next to their self-chosen names. */
export const ChatPerson = z.object({ id: z.uuid(), display_name: z.string(), kind: ParticipantKind });
export type ChatPerson = z.infer<typeof ChatPerson>;

/** One accepted message. `recipients` is empty for the room chat; for private and group messages it lists everyone but the sender. */
export const ChatEntry = z.object({
  /** Server-assigned, unique within the room. */
  id: z.string(),
  timestamp: z.iso.datetime(),
  scope: ChatScope,
  sender: ChatPerson,
  recipients: z.array(ChatPerson),
  text: z.string(),
});
export type ChatEntry = z.infer<typeof ChatEntry>;

/** A new message, to everyone it concerns (the sender too, as confirmation). */
export const ChatMessageSent = z.object({ message: z.literal('message_sent'), entry: ChatEntry });
export const ChatEnabled = z.object({ message: z.literal('chat_enabled'), by: z.uuid() });
export const ChatDisabled = z.object({ message: z.literal('chat_disabled'), by: z.uuid() });
export const ChatHistoryCleared = z.object({ message: z.literal('history_cleared'), by: z.uuid() });

export const ChatMessage = z.discriminatedUnion('message', [ChatMessageSent, ChatEnabled, ChatDisabled, ChatHistoryCleared]);
export type ChatMessage = z.infer<typeof ChatMessage>;

/** The `chat` part of join_success. */
export const ChatSnapshot = z.object({
  enabled: z.boolean(),
  /** Oldest first: the last CHAT_HISTORY_LIMIT room messages and the last CHAT_HISTORY_LIMIT private/group messages the receiver is part of. */
  messages: z.array(ChatEntry),
});
export type ChatSnapshot = z.infer<typeof ChatSnapshot>;

export const chatProtocol = defineProtocol({
  namespace: CHAT_NAMESPACE,
  commands: ChatCommand,
  messages: ChatMessage,
  snapshot: ChatSnapshot,
  errors: [
    /** The chat is disabled by a moderator; only moderators can send. */
    'chat_disabled',
    /** The room's chat history has reached its size limit; a moderator can clear it. */
    'chat_full',
  ],
});
