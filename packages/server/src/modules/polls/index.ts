import { pollsProtocol, type FinishedPoll, type Poll, type PollEndReason, type PollResults, type PollsSnapshot } from '@plenum/protocol';
import { defineFeature, refusal, type FeatureRoom, type HooksOf, type Participant } from '../../signaling/feature.ts';

/**
 * `polls`: quick anonymous polls, one open at a time (as in OpenTalk). The server keeps a count per option
 * and the set of who voted — never who chose what — so a second vote is refused and nothing personal can
 * leak. Users are recognised by their account, so leaving and joining again does not give a second vote;
 * guests by their participant id (which survives a resume).
 */

interface OpenPoll {
  poll: Poll;
  counts: number[];
  voted: Set<string>;
  cancelEnd: (() => void) | null;
}

export interface PollsState {
  /** Kept for the end of a poll with a duration, which runs as a room timer outside any command. */
  room: FeatureRoom<typeof pollsProtocol>;
  open: OpenPoll | null;
  last: FinishedPoll | null;
  counter: number;
}

const refuse = refusal(pollsProtocol);

const voterKey = (who: Participant) => (who.userId ? `user:${who.userId}` : `participant:${who.id}`);
const resultsOf = (open: OpenPoll): PollResults => open.counts.map((votes, option_id) => ({ option_id, votes }));

function finish(state: PollsState, reason: PollEndReason): void {
  const open = state.open;
  if (!open) return;
  open.cancelEnd?.();
  state.open = null;
  const ended_at = state.room.clock.now().toISOString();
  state.last = { poll: open.poll, reason, voters: open.voted.size, results: resultsOf(open), ended_at };
  state.room.broadcast({ message: 'done', poll_id: open.poll.id, reason, voters: open.voted.size, results: resultsOf(open), ended_at });
}

function hooks(): HooksOf<typeof pollsProtocol, PollsState> {
  return {
    init(room) {
      return { room, open: null, last: null, counter: 0 };
    },

    onCommand(ctx, who, cmd) {
      const { state } = ctx;
      const moderator = ctx.permissions.has('moderate');
      switch (cmd.action) {
        case 'create': {
          if (!moderator) throw refuse('forbidden');
          if (state.open) throw refuse('poll_already_open');
          const now = ctx.clock.now();
          const poll: Poll = {
            // Unique per room; the counter keeps ids short and in order.
            id: `${++state.counter}`,
            question: cmd.question,
            options: cmd.options.map((text, id) => ({ id, text })),
            choice: cmd.choice,
            max_choices: cmd.choice === 'single' ? 1 : (cmd.max_choices ?? cmd.options.length),
            live: cmd.live,
            started_at: now.toISOString(),
            ...(cmd.duration_seconds !== undefined ? { ends_at: new Date(now.getTime() + cmd.duration_seconds * 1000).toISOString() } : {}),
          };
          const open: OpenPoll = { poll, counts: poll.options.map(() => 0), voted: new Set(), cancelEnd: null };
          if (cmd.duration_seconds !== undefined) {
            open.cancelEnd = ctx.room.setTimer(cmd.duration_seconds * 1000, () => {
              if (state.open === open) finish(state, 'expired');
            });
          }
          state.open = open;
          ctx.broadcast({ message: 'started', poll });
          return;
        }
        case 'vote': {
          const open = state.open;
          if (!open || open.poll.id !== cmd.poll_id) throw refuse('poll_not_open');
          const key = voterKey(who);
          if (open.voted.has(key)) throw refuse('already_voted');
          if (cmd.choices.length > open.poll.max_choices || cmd.choices.some((c) => c >= open.poll.options.length)) throw refuse('invalid_choice');
          open.voted.add(key);
          for (const c of cmd.choices) open.counts[c]!++;
          ctx.send(who, { message: 'vote_counted', poll_id: open.poll.id });
          ctx.broadcast({ message: 'votes_updated', poll_id: open.poll.id, voters: open.voted.size, ...(open.poll.live ? { results: resultsOf(open) } : {}) });
          return;
        }
        case 'close':
          if (!moderator) throw refuse('forbidden');
          if (!state.open || state.open.poll.id !== cmd.poll_id) throw refuse('poll_not_open');
          finish(state, 'closed');
          return;
      }
    },

    snapshot(ctx, forWhom): PollsSnapshot {
      const open = ctx.state.open;
      return {
        open: open
          ? { poll: open.poll, voted: open.voted.has(voterKey(forWhom)), voters: open.voted.size, ...(open.poll.live ? { results: resultsOf(open) } : {}) }
          : null,
        last: ctx.state.last,
      };
    },
  };
}

export const pollsFeature = defineFeature({ ...pollsProtocol, setup: hooks });
