import { pollsProtocol, type ErrorOf, type ErrorPayloadOf, type FinishedPoll, type MessageOf, type Poll, type PollResults, type SnapshotOf } from '@plenum/protocol';
import { FeatureStore, type FeatureConnection } from '../../meeting/featureStore.ts';

export interface OpenPollView {
  poll: Poll;
  voted: boolean;
  voters: number;
  /** Live polls only. */
  results?: PollResults;
}

export interface PollsView {
  open: OpenPollView | null;
  last: FinishedPoll | null;
  /** The last refusal of one of this participant's commands. */
  error: ErrorOf<typeof pollsProtocol> | null;
}

export type PollsEvent = { type: 'opened'; poll: Poll } | { type: 'done'; finished: FinishedPoll } | { type: 'counted' };

/** Polls as this participant sees them; join_success (also after a resume) replaces everything. */
export class PollsStore extends FeatureStore<typeof pollsProtocol, PollsView, PollsEvent> {
  constructor(connection: FeatureConnection) {
    super(connection, pollsProtocol, { open: null, last: null, error: null });
  }

  create(poll: { question: string; options: string[]; multiple: boolean; maxChoices?: number; live: boolean; durationSeconds?: number }): boolean {
    this.set({ error: null });
    return this.send({
      action: 'create',
      question: poll.question,
      options: poll.options,
      choice: poll.multiple ? 'multiple' : 'single',
      ...(poll.multiple && poll.maxChoices !== undefined ? { max_choices: poll.maxChoices } : {}),
      live: poll.live,
      ...(poll.durationSeconds !== undefined ? { duration_seconds: poll.durationSeconds } : {}),
    });
  }

  vote(pollId: string, choices: number[]): boolean {
    this.set({ error: null });
    return this.send({ action: 'vote', poll_id: pollId, choices });
  }

  close(pollId: string): boolean {
    return this.send({ action: 'close', poll_id: pollId });
  }

  protected joined(snapshot: SnapshotOf<typeof pollsProtocol>): void {
    this.set({ open: snapshot.open, last: snapshot.last, error: null });
  }

  protected override refused(error: ErrorPayloadOf<typeof pollsProtocol>): void {
    this.set({ error: error.error });
  }

  protected handle(message: MessageOf<typeof pollsProtocol>): void {
    const open = this.view.open;
    switch (message.message) {
      case 'started':
        this.set({ open: { poll: message.poll, voted: false, voters: 0, ...(message.poll.live ? { results: message.poll.options.map((o) => ({ option_id: o.id, votes: 0 })) } : {}) }, error: null });
        this.emit({ type: 'opened', poll: message.poll });
        return;
      case 'votes_updated':
        if (open?.poll.id !== message.poll_id) return;
        this.set({ open: { ...open, voters: message.voters, ...(message.results ? { results: message.results } : {}) } });
        return;
      case 'vote_counted':
        if (open?.poll.id !== message.poll_id) return;
        this.set({ open: { ...open, voted: true } });
        this.emit({ type: 'counted' });
        return;
      case 'done': {
        if (open?.poll.id !== message.poll_id) return;
        const finished: FinishedPoll = { poll: open.poll, reason: message.reason, voters: message.voters, results: message.results, ended_at: message.ended_at };
        this.set({ open: null, last: finished });
        this.emit({ type: 'done', finished });
        return;
      }
    }
  }
}
