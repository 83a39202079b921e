import { z } from 'zod';
import { defineProtocol } from './feature.ts';

/**
 * The `hands` namespace: raising a hand to ask for the floor. Everyone sees who has a hand up, in the order
 * the hands went up (as in the room: the chair calls people in that order). Moderators lower hands and can
 * switch raising off (which lowers every hand).
 */
export const HANDS_NAMESPACE = 'hands';

// ── client → server ────────────────────────────────────────────────────────────

export const HandsRaise = z.object({ action: z.literal('raise_hand') }).strict();
export const HandsLower = z.object({ action: z.literal('lower_hand') }).strict();
/** Moderators only: lowers the hands of the named participants, or every hand when `participant_ids` is absent. */
export const HandsLowerOthers = z
  .object({ action: z.literal('lower_hands'), participant_ids: z.array(z.uuid()).min(1).max(1000).optional() })
  .strict();
/** Moderators only. */
export const HandsEnable = z.object({ action: z.literal('enable_raise_hands') }).strict();
/** Moderators only: lowers every hand, and nobody can raise one until enabled again. */
export const HandsDisable = z.object({ action: z.literal('disable_raise_hands') }).strict();

export const HandsCommand = z.discriminatedUnion('action', [HandsRaise, HandsLower, HandsLowerOthers, HandsEnable, HandsDisable]);
export type HandsCommand = z.infer<typeof HandsCommand>;

// ── server → client ────────────────────────────────────────────────────────────

export const RaisedHand = z.object({ participant_id: z.uuid(), raised_at: z.iso.datetime() });
export type RaisedHand = z.infer<typeof RaisedHand>;

export const HandLoweredReason = z.enum([
  /** The participant lowered it. */
  'self',
  /** A moderator lowered it (one or all). */
  'moderator',
  /** A moderator switched raising off. */
  'disabled',
  /** The participant left the room. */
  'left',
  /** The participant was given the floor (speaker queue). */
  'floor',
]);
export type HandLoweredReason = z.infer<typeof HandLoweredReason>;

export const HandRaised = z.object({ message: z.literal('hand_raised'), hand: RaisedHand });
export const HandsLowered = z.object({
  message: z.literal('hands_lowered'),
  participant_ids: z.array(z.uuid()),
  reason: HandLoweredReason,
  /** The moderator, for `moderator` and `disabled`. */
  by: z.uuid().optional(),
});
export const RaiseHandsEnabled = z.object({ message: z.literal('raise_hands_enabled'), by: z.uuid() });
export const RaiseHandsDisabled = z.object({ message: z.literal('raise_hands_disabled'), by: z.uuid() });

export const HandsMessage = z.discriminatedUnion('message', [HandRaised, HandsLowered, RaiseHandsEnabled, RaiseHandsDisabled]);
export type HandsMessage = z.infer<typeof HandsMessage>;

/** The `hands` part of join_success. */
export const HandsSnapshot = z.object({
  enabled: z.boolean(),
  /** In the order the hands went up. */
  hands: z.array(RaisedHand),
});
export type HandsSnapshot = z.infer<typeof HandsSnapshot>;

export const handsProtocol = defineProtocol({
  namespace: HANDS_NAMESPACE,
  commands: HandsCommand,
  messages: HandsMessage,
  snapshot: HandsSnapshot,
  errors: [
    /** Raising hands is disabled by a moderator. */
    'hands_disabled',
  ],
});
