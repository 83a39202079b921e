import { z } from 'zod';
import { singleLine } from './text.ts';
import { defineProtocol } from './feature.ts';

/**
 * The `polls` namespace: quick, anonymous polls (not legal votes: no audit trail). A moderator opens one
 * poll at a time; everyone in the room, also those who join later, votes once. The server keeps counts and
 * who voted (to refuse a second vote), never who chose what. With live results everyone sees the counts as
 * they change; otherwise only the number of votes, and the counts when the poll ends (a moderator closes it
 * or its duration runs out).
 */
export const POLLS_NAMESPACE = 'polls';

export const MAX_POLL_QUESTION_LENGTH = 500;
export const MAX_POLL_OPTION_LENGTH = 200;
export const MIN_POLL_OPTIONS = 2;
export const MAX_POLL_OPTIONS = 12;
export const MAX_POLL_SECONDS = 24 * 60 * 60;

export const PollChoice = z.enum(['single', 'multiple']);
export type PollChoice = z.infer<typeof PollChoice>;

// ── client → server ────────────────────────────────────────────────────────────

/** Moderators only. `max_choices` (multiple choice only) defaults to the number of options. */
export const PollsCreate = z
  .object({
    action: z.literal('create'),
    question: singleLine(MAX_POLL_QUESTION_LENGTH),
    options: z.array(singleLine(MAX_POLL_OPTION_LENGTH)).min(MIN_POLL_OPTIONS).max(MAX_POLL_OPTIONS),
    choice: PollChoice,
    max_choices: z.number().int().min(1).max(MAX_POLL_OPTIONS).optional(),
    live: z.boolean(),
    duration_seconds: z.number().int().min(1).max(MAX_POLL_SECONDS).optional(),
  })
  .strict()
  .refine((c) => c.max_choices === undefined || (c.choice === 'multiple' && c.max_choices <= c.options.length), {
    message: 'max_choices is for multiple choice and at most the number of options',
    path: ['max_choices'],
  });
/** Option ids (their index in the poll's options). Single choice: exactly one. */
export const PollsVote = z
  .object({
    action: z.literal('vote'),
    poll_id: z.string().min(1).max(64),
    choices: z.array(z.number().int().min(0).max(MAX_POLL_OPTIONS - 1)).min(1).max(MAX_POLL_OPTIONS),
  })
  .strict()
  .refine((c) => new Set(c.choices).size === c.choices.length, { message: 'an option is chosen twice', path: ['choices'] });
/** Moderators only. */
export const PollsClose = z.object({ action: z.literal('close'), poll_id: z.string().min(1).max(64) }).strict();

export const PollsCommand = z.discriminatedUnion('action', [PollsCreate, PollsVote, PollsClose]);
export type PollsCommand = z.infer<typeof PollsCommand>;

// ── server → client ────────────────────────────────────────────────────────────

export const PollOption = z.object({ id: z.number().int(), text: z.string() });
export const Poll = z.object({
  id: z.string(),
  question: z.string(),
  options: z.array(PollOption),
  choice: PollChoice,
  /** 1 for single choice. */
  max_choices: z.number().int(),
  live: z.boolean(),
  started_at: z.iso.datetime(),
  ends_at: z.iso.datetime().optional(),
});
export type Poll = z.infer<typeof Poll>;

/** Votes per option, in the order of the options. */
export const PollResults = z.array(z.object({ option_id: z.number().int(), votes: z.number().int().nonnegative() }));
export type PollResults = z.infer<typeof PollResults>;

export const PollEndReason = z.enum(['closed', 'expired']);
export type PollEndReason = z.infer<typeof PollEndReason>;

export const PollStarted = z.object({ message: z.literal('started'), poll: Poll });
/** After each vote. `results` only for live polls. */
export const PollVotesUpdated = z.object({ message: z.literal('votes_updated'), poll_id: z.string(), voters: z.number().int(), results: PollResults.optional() });
/** To the voter only. */
export const PollVoteCounted = z.object({ message: z.literal('vote_counted'), poll_id: z.string() });
export const PollDone = z.object({ message: z.literal('done'), poll_id: z.string(), reason: PollEndReason, voters: z.number().int(), results: PollResults, ended_at: z.iso.datetime() });

export const PollsMessage = z.discriminatedUnion('message', [PollStarted, PollVotesUpdated, PollVoteCounted, PollDone]);
export type PollsMessage = z.infer<typeof PollsMessage>;

export const FinishedPoll = z.object({ poll: Poll, reason: PollEndReason, voters: z.number().int(), results: PollResults, ended_at: z.iso.datetime() });
export type FinishedPoll = z.infer<typeof FinishedPoll>;

/** The `polls` part of join_success. */
export const PollsSnapshot = z.object({
  open: z
    .object({
      poll: Poll,
      /** Whether the receiver has voted already (e.g. before a reconnect). */
      voted: z.boolean(),
      voters: z.number().int(),
      /** Live polls only. */
      results: PollResults.optional(),
    })
    .nullable(),
  /** The most recent finished poll, so latecomers see the last result. */
  last: FinishedPoll.nullable(),
});
export type PollsSnapshot = z.infer<typeof PollsSnapshot>;

export const pollsProtocol = defineProtocol({
  namespace: POLLS_NAMESPACE,
  commands: PollsCommand,
  messages: PollsMessage,
  snapshot: PollsSnapshot,
  errors: [
    /** A poll is already open; close it first. */
    'poll_already_open',
    /** No open poll with this id (it ended, or never existed). */
    'poll_not_open',
    /** This participant has voted in this poll already. */
    'already_voted',
    /** The choices do not fit the poll (unknown option, several for single choice, more than allowed). */
    'invalid_choice',
  ],
});
