import { POLLS_NAMESPACE, PollsMessage, PollsSnapshot, type FinishedPoll, type JoinSuccess, type Poll, type PollResults, type SignalingErrorCode } from '@plenum/protocol';
import type { SignalingClient } from '../../meeting/signalingClient.ts';

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
  error: SignalingErrorCode | null;
}

export type PollsEvent = { type: 'opened'; poll: Poll } | { type: 'done'; finished: FinishedPoll } | { type: 'counted' };

type SignalingPort = Pick<SignalingClient, 'state' | 'onState' | 'onMessage' | 'send'>;

/** Polls as this participant sees them; join_success (also after a resume) replaces everything. */
export class PollsStore {
  private view: PollsView = { open: null, last: null, error: null };
  private readonly listeners = new Set<() => void>();
  private readonly eventListeners = new Set<(event: PollsEvent) => void>();

  constructor(private readonly signaling: SignalingPort) {
    signaling.onState((state) => {
      if (state.status === 'joined') this.joined(state.join);
    });
    signaling.onMessage((envelope) => {
      if (envelope.namespace === POLLS_NAMESPACE) this.handle(envelope.payload);
    });
    if (signaling.state.status === 'joined') this.joined(signaling.state.join);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): PollsView => this.view;

  onEvent(listener: (event: PollsEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  create(poll: { question: string; options: string[]; multiple: boolean; maxChoices?: number; live: boolean; durationSeconds?: number }): boolean {
    this.set({ error: null });
    return this.signaling.send(POLLS_NAMESPACE, {
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
    return this.signaling.send(POLLS_NAMESPACE, { action: 'vote', poll_id: pollId, choices });
  }

  close(pollId: string): boolean {
    return this.signaling.send(POLLS_NAMESPACE, { action: 'close', poll_id: pollId });
  }

  private joined(join: JoinSuccess): void {
    const snapshot = PollsSnapshot.safeParse(join.modules[POLLS_NAMESPACE]);
    if (!snapshot.success) return;
    this.set({ open: snapshot.data.open, last: snapshot.data.last, error: null });
  }

  private handle(payload: unknown): void {
    if ((payload as { message?: unknown }).message === 'error') {
      this.set({ error: (payload as { error: SignalingErrorCode }).error });
      return;
    }
    const parsed = PollsMessage.safeParse(payload);
    if (!parsed.success) return;
    const message = parsed.data;
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

  private set(change: Partial<PollsView>): void {
    this.view = { ...this.view, ...change };
    for (const listener of this.listeners) listener();
  }

  private emit(event: PollsEvent): void {
    for (const listener of this.eventListeners) listener(event);
  }
}

const stores = new WeakMap<object, PollsStore>();

/** One store per signaling connection, created on first use. */
export function pollsStoreFor(signaling: SignalingPort): PollsStore {
  let store = stores.get(signaling);
  if (!store) {
    store = new PollsStore(signaling);
    stores.set(signaling, store);
  }
  return store;
}
