import { z } from 'zod';
import { singleLine } from './text.ts';
import { defineProtocol } from './feature.ts';

/**
 * The `timer` namespace: one timer per room, started and stopped by moderators. A countdown ends by the
 * server's clock (`ended` with reason `expired`); a stopwatch runs until a moderator stops it. Clients get
 * start and end timestamps, never a ticking counter, and compute what to show from them. A coffee break is a
 * countdown during which clients show a break screen and switch their camera and microphone off. With a
 * ready check, participants mark themselves ready; moderators see who is.
 */
export const TIMER_NAMESPACE = 'timer';

/** Longest countdown: a whole day. */
export const MAX_TIMER_SECONDS = 24 * 60 * 60;
export const MAX_TIMER_TITLE_LENGTH = 200;

export const TimerKind = z.enum(['countdown', 'stopwatch']);
export type TimerKind = z.infer<typeof TimerKind>;
export const TimerStyle = z.enum(['normal', 'coffee_break']);
export type TimerStyle = z.infer<typeof TimerStyle>;

// ── client → server ────────────────────────────────────────────────────────────

/** Moderators only. A countdown needs `duration_seconds`; a coffee break is always a countdown. */
export const TimerStart = z
  .object({
    action: z.literal('start'),
    kind: TimerKind,
    duration_seconds: z.number().int().min(1).max(MAX_TIMER_SECONDS).optional(),
    title: singleLine(MAX_TIMER_TITLE_LENGTH).optional(),
    style: TimerStyle.default('normal'),
    ready_check: z.boolean().default(false),
  })
  .strict()
  .refine((c) => (c.kind === 'countdown') === (c.duration_seconds !== undefined), { message: 'a countdown needs duration_seconds, a stopwatch has none', path: ['duration_seconds'] })
  .refine((c) => c.style !== 'coffee_break' || c.kind === 'countdown', { message: 'a coffee break is a countdown', path: ['style'] });
/** Moderators only. */
export const TimerStop = z.object({ action: z.literal('stop') }).strict();
/** Anyone, while a timer with a ready check runs. */
export const TimerUpdateReady = z.object({ action: z.literal('update_ready_status'), ready: z.boolean() }).strict();

export const TimerCommand = z.discriminatedUnion('action', [TimerStart, TimerStop, TimerUpdateReady]);
export type TimerCommand = z.infer<typeof TimerCommand>;

// ── server → client ────────────────────────────────────────────────────────────

export const Timer = z.object({
  id: z.string(),
  kind: TimerKind,
  style: TimerStyle,
  title: z.string().optional(),
  ready_check: z.boolean(),
  started_at: z.iso.datetime(),
  /** Countdowns only: when the server ends it. */
  ends_at: z.iso.datetime().optional(),
  started_by: z.uuid(),
});
export type Timer = z.infer<typeof Timer>;

export const TimerEndReason = z.enum([
  /** A countdown reached its end. */
  'expired',
  /** A moderator stopped it. */
  'stopped',
]);
export type TimerEndReason = z.infer<typeof TimerEndReason>;

export const TimerStarted = z.object({ message: z.literal('started'), timer: Timer });
export const TimerEnded = z.object({
  message: z.literal('ended'),
  timer_id: z.string(),
  reason: TimerEndReason,
  ended_at: z.iso.datetime(),
  /** The moderator, for `stopped`. */
  by: z.uuid().optional(),
});
/** To moderators and to the participant concerned. */
export const TimerReadyUpdated = z.object({ message: z.literal('ready_status_updated'), timer_id: z.string(), participant_id: z.uuid(), ready: z.boolean() });

export const TimerMessage = z.discriminatedUnion('message', [TimerStarted, TimerEnded, TimerReadyUpdated]);
export type TimerMessage = z.infer<typeof TimerMessage>;

/** The `timer` part of join_success. */
export const TimerSnapshot = z.object({
  timer: Timer.nullable(),
  /** The server's time when the snapshot was made, so a client with a wrong clock can correct for it. */
  server_time: z.iso.datetime(),
  /** Who is ready: every ready participant for moderators, only oneself (or nobody) for others. */
  ready: z.array(z.uuid()),
});
export type TimerSnapshot = z.infer<typeof TimerSnapshot>;

export const timerProtocol = defineProtocol({
  namespace: TIMER_NAMESPACE,
  commands: TimerCommand,
  messages: TimerMessage,
  snapshot: TimerSnapshot,
  errors: [
    /** A timer is already running; stop it first. */
    'timer_already_running',
    /** No timer is running (or it has no ready check). */
    'timer_not_running',
  ],
});
