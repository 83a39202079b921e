import { z } from 'zod';
import { defineProtocol } from './feature.ts';

/**
 * The `speaker_queue` namespace: who has the floor and who speaks next (OpenTalk's "automod").
 *
 * Strategies decide who follows when a turn ends (the speaker yields, a moderator moves on, the time is up):
 * - `none`: nobody automatically; a moderator gives the floor with `set_speaker`.
 * - `playlist`: the next one in the moderator-ordered list.
 * - `random`: someone drawn at random from the list.
 * - `nomination`: whom the current speaker (or a moderator) nominated.
 *
 * A time limit per turn is timed by the server; the state carries when the turn started and the limit, and
 * clients count down from that (no ticking counter on the wire). With `auto_append_hands`, a raised hand
 * puts its owner at the end of the list, and lowering it oneself takes them off again.
 */
export const SPEAKER_QUEUE_NAMESPACE = 'speaker_queue';

export const SpeakerQueueStrategy = z.enum(['none', 'playlist', 'random', 'nomination']);
export type SpeakerQueueStrategy = z.infer<typeof SpeakerQueueStrategy>;

/** Up to 4 hours per turn. */
const TimeLimitSeconds = z.number().int().min(5).max(4 * 3600);
const ParticipantIds = z.array(z.uuid()).max(1000);

// ── client → server ────────────────────────────────────────────────────────────

/** Moderators only: any subset of the settings; `time_limit_seconds: null` removes the limit. */
export const SpeakerQueueConfigure = z
  .object({
    action: z.literal('configure'),
    strategy: SpeakerQueueStrategy.optional(),
    time_limit_seconds: TimeLimitSeconds.nullable().optional(),
    auto_append_hands: z.boolean().optional(),
  })
  .strict();
/** Moderators only: replaces the list (its order is the playlist's order). Unknown ids are refused. */
export const SpeakerQueueSetList = z.object({ action: z.literal('set_list'), participant_ids: ParticipantIds }).strict();
/** Moderators only: appends one participant (no effect when already listed). */
export const SpeakerQueueAdd = z.object({ action: z.literal('add'), participant_id: z.uuid() }).strict();
/** Moderators remove anyone; a participant may only remove themself. */
export const SpeakerQueueRemove = z.object({ action: z.literal('remove'), participant_id: z.uuid() }).strict();
/** Moderators only: ends the current turn (if any) and gives the floor to whoever the strategy picks. */
export const SpeakerQueueNext = z.object({ action: z.literal('next') }).strict();
/** Moderators only: gives the floor to this participant now (`null`: nobody has it). */
export const SpeakerQueueSetSpeaker = z.object({ action: z.literal('set_speaker'), participant_id: z.uuid().nullable() }).strict();
/** The current speaker only: ends their own turn; the strategy picks who follows. */
export const SpeakerQueueYield = z.object({ action: z.literal('yield') }).strict();
/** Strategy `nomination`: the current speaker (or a moderator) names who speaks next. */
export const SpeakerQueueNominate = z.object({ action: z.literal('nominate'), participant_id: z.uuid() }).strict();

export const SpeakerQueueCommand = z.discriminatedUnion('action', [
  SpeakerQueueConfigure,
  SpeakerQueueSetList,
  SpeakerQueueAdd,
  SpeakerQueueRemove,
  SpeakerQueueNext,
  SpeakerQueueSetSpeaker,
  SpeakerQueueYield,
  SpeakerQueueNominate,
]);
export type SpeakerQueueCommand = z.infer<typeof SpeakerQueueCommand>;

// ── server → client ────────────────────────────────────────────────────────────

export const CurrentSpeaker = z.object({
  participant_id: z.uuid(),
  started_at: z.iso.datetime(),
  /** The limit of this turn; the turn ends at started_at + limit. */
  time_limit_seconds: z.number().int().positive().nullable(),
});
export type CurrentSpeaker = z.infer<typeof CurrentSpeaker>;

/** The `speaker_queue` part of join_success, and the body of every `updated` message. */
export const SpeakerQueueSnapshot = z.object({
  strategy: SpeakerQueueStrategy,
  time_limit_seconds: z.number().int().positive().nullable(),
  auto_append_hands: z.boolean(),
  /** Waiting, in order (for `random`, the pool drawn from). */
  list: z.array(z.uuid()),
  current: CurrentSpeaker.nullable(),
  /** Strategy `nomination`: who speaks next. */
  nominated: z.uuid().nullable(),
});
export type SpeakerQueueSnapshot = z.infer<typeof SpeakerQueueSnapshot>;

export const SpeakerQueueChangeReason = z.enum([
  'configured',
  'list_changed',
  /** A moderator gave the floor or moved on. */
  'moderator',
  'yielded',
  'time_up',
  'nominated',
  /** Someone listed or speaking left the room. */
  'left',
  /** A hand went up or down (auto_append_hands). */
  'hand',
]);
export type SpeakerQueueChangeReason = z.infer<typeof SpeakerQueueChangeReason>;

/** Sent to everyone after every change, with the whole (small) state: clients never patch. */
export const SpeakerQueueUpdated = z.object({
  message: z.literal('updated'),
  reason: SpeakerQueueChangeReason,
  /** Who caused it, when a participant did. */
  by: z.uuid().optional(),
  state: SpeakerQueueSnapshot,
});

export const SpeakerQueueMessage = z.discriminatedUnion('message', [SpeakerQueueUpdated]);
export type SpeakerQueueMessage = z.infer<typeof SpeakerQueueMessage>;

export const speakerQueueProtocol = defineProtocol({
  namespace: SPEAKER_QUEUE_NAMESPACE,
  commands: SpeakerQueueCommand,
  messages: SpeakerQueueMessage,
  snapshot: SpeakerQueueSnapshot,
  errors: [
    /** The command needs another strategy (e.g. nominate outside `nomination`). */
    'wrong_strategy',
  ],
});
