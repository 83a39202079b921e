import { z } from 'zod';
import { singleLine, text } from './text.ts';
import { defineProtocol } from './feature.ts';

/**
 * The `breakout` namespace: a moderator splits the meeting into named breakout rooms for a while (as in
 * OpenTalk). Everyone stays in the same signaling room; the server restricts media subscriptions and the
 * room chat to the participant's breakout room (the main room is room `null`). Participants are assigned by
 * hand or distributed automatically over the non-moderators (moderators stay in the main room unless
 * assigned). With a duration, everyone gets a warning `warning_seconds` before the end and returns to the
 * main room when it runs out; a moderator can end the breakout early, move anyone (also themselves, to
 * visit a room) and send one message to all rooms. People who join meanwhile start in the main room.
 */
export const BREAKOUT_NAMESPACE = 'breakout';

export const MAX_BREAKOUT_ROOMS = 20;
export const MAX_BREAKOUT_ROOM_NAME_LENGTH = 100;
export const MAX_BREAKOUT_SECONDS = 24 * 60 * 60;
export const MAX_BREAKOUT_MESSAGE_LENGTH = 1000;
/** The warning before the end, when the moderator does not choose one. */
export const DEFAULT_BREAKOUT_WARNING_SECONDS = 60;

/**
 * How the participants not assigned by hand are spread over the rooms (moderators are never distributed):
 * `manual` leaves them in the main room; `even` fills the rooms one after another in joining order with
 * sizes that differ by at most one; `round_robin` deals them out in joining order; `random` shuffles first.
 */
export const BreakoutDistribution = z.enum(['manual', 'even', 'random', 'round_robin']);
export type BreakoutDistribution = z.infer<typeof BreakoutDistribution>;

const RoomId = z.string().min(1).max(64);

// ── client → server ────────────────────────────────────────────────────────────

/** Moderators only. `assignments[].room` is an index into `rooms`. */
export const BreakoutStart = z
  .object({
    action: z.literal('start'),
    rooms: z
      .array(z.object({ name: singleLine(MAX_BREAKOUT_ROOM_NAME_LENGTH) }).strict())
      .min(1)
      .max(MAX_BREAKOUT_ROOMS),
    distribution: BreakoutDistribution,
    assignments: z
      .array(z.object({ participant_id: z.uuid(), room: z.number().int().min(0).max(MAX_BREAKOUT_ROOMS - 1) }).strict())
      .max(1000)
      .default([]),
    duration_seconds: z.number().int().min(1).max(MAX_BREAKOUT_SECONDS).optional(),
    /** Seconds before the end when everyone is warned; only with a duration, and shorter than it. */
    warning_seconds: z.number().int().min(1).max(MAX_BREAKOUT_SECONDS).optional(),
  })
  .strict()
  .refine((c) => c.assignments.every((a) => a.room < c.rooms.length), { message: 'an assignment names a room that does not exist', path: ['assignments'] })
  .refine((c) => new Set(c.assignments.map((a) => a.participant_id)).size === c.assignments.length, { message: 'a participant is assigned twice', path: ['assignments'] })
  .refine((c) => c.warning_seconds === undefined || (c.duration_seconds !== undefined && c.warning_seconds < c.duration_seconds), {
    message: 'a warning needs a longer duration',
    path: ['warning_seconds'],
  });
/** Moderators only: moves a participant (also oneself, to visit) into a breakout room, or back to the main room (`room_id: null`). */
export const BreakoutMove = z.object({ action: z.literal('move'), participant_id: z.uuid(), room_id: RoomId.nullable() }).strict();
/** Moderators only: one message to everyone, in every room. */
export const BreakoutBroadcast = z
  .object({ action: z.literal('broadcast'), text: text({ max: MAX_BREAKOUT_MESSAGE_LENGTH, multiline: true, trim: true }) })
  .strict();
/** Moderators only: everyone returns to the main room now. */
export const BreakoutStop = z.object({ action: z.literal('stop') }).strict();

export const BreakoutCommand = z.discriminatedUnion('action', [BreakoutStart, BreakoutMove, BreakoutBroadcast, BreakoutStop]);
export type BreakoutCommand = z.infer<typeof BreakoutCommand>;

// ── server → client ────────────────────────────────────────────────────────────

export const BreakoutRoom = z.object({ id: RoomId, name: z.string() });
export type BreakoutRoom = z.infer<typeof BreakoutRoom>;

/** A running breakout. `assignments` maps participant ids to room ids; whoever is not in it is in the main room. */
export const BreakoutSession = z.object({
  id: z.string(),
  rooms: z.array(BreakoutRoom),
  assignments: z.record(z.uuid(), RoomId),
  started_at: z.iso.datetime(),
  ends_at: z.iso.datetime().optional(),
  /** When the warning goes out (with a duration and a warning only). */
  warning_at: z.iso.datetime().optional(),
  started_by: z.uuid(),
});
export type BreakoutSession = z.infer<typeof BreakoutSession>;

export const BreakoutEndReason = z.enum(['expired', 'stopped']);
export type BreakoutEndReason = z.infer<typeof BreakoutEndReason>;

export const BreakoutStarted = z.object({ message: z.literal('started'), session: BreakoutSession });
export const BreakoutMoved = z.object({ message: z.literal('moved'), session_id: z.string(), participant_id: z.uuid(), room_id: RoomId.nullable(), by: z.uuid().optional() });
/** The end is near: everyone returns to the main room at `ends_at`. */
export const BreakoutWarning = z.object({ message: z.literal('warning'), session_id: z.string(), ends_at: z.iso.datetime() });
export const BreakoutBroadcastMessage = z.object({
  message: z.literal('broadcast'),
  session_id: z.string(),
  text: z.string(),
  from: z.object({ id: z.uuid(), display_name: z.string() }),
  sent_at: z.iso.datetime(),
});
export const BreakoutEnded = z.object({ message: z.literal('ended'), session_id: z.string(), reason: BreakoutEndReason, ended_at: z.iso.datetime(), by: z.uuid().optional() });

export const BreakoutMessage = z.discriminatedUnion('message', [BreakoutStarted, BreakoutMoved, BreakoutWarning, BreakoutBroadcastMessage, BreakoutEnded]);
export type BreakoutMessage = z.infer<typeof BreakoutMessage>;

/** The `breakout` part of join_success. */
export const BreakoutSnapshot = z.object({
  session: BreakoutSession.nullable(),
  /** Whether the warning of the running session went out already. */
  warned: z.boolean(),
  /** The server's time when the snapshot was made, so a client with a wrong clock can correct for it. */
  server_time: z.iso.datetime(),
});
export type BreakoutSnapshot = z.infer<typeof BreakoutSnapshot>;

export const breakoutProtocol = defineProtocol({
  namespace: BREAKOUT_NAMESPACE,
  commands: BreakoutCommand,
  messages: BreakoutMessage,
  snapshot: BreakoutSnapshot,
  errors: [
    /** Breakout rooms are running already; end them first. */
    'breakout_already_running',
    /** No breakout rooms are running. */
    'breakout_not_running',
    /** No breakout room with this id in the running session. */
    'breakout_room_not_found',
  ],
});
