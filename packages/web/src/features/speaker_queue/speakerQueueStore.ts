import {
  SPEAKER_QUEUE_NAMESPACE,
  SpeakerQueueMessage,
  SpeakerQueueSnapshot,
  type JoinSuccess,
  type SpeakerQueueStrategy,
} from '@plenum/protocol';
import type { SignalingClient } from '../../meeting/signalingClient.ts';

export interface SpeakerQueueView {
  selfId: string | null;
  state: SpeakerQueueSnapshot | null;
  /** Server time minus local time (from envelope timestamps), so the countdown matches the server's timer. */
  clockOffsetMs: number;
}

type SignalingPort = Pick<SignalingClient, 'state' | 'onState' | 'onMessage' | 'send'>;

/** The speaker queue as this participant sees it; every `updated` carries the whole state. */
export class SpeakerQueueStore {
  private view: SpeakerQueueView = { selfId: null, state: null, clockOffsetMs: 0 };
  private readonly listeners = new Set<() => void>();

  constructor(private readonly signaling: SignalingPort) {
    signaling.onState((state) => {
      if (state.status === 'joined') this.joined(state.join);
    });
    signaling.onMessage((envelope) => {
      if (envelope.namespace !== SPEAKER_QUEUE_NAMESPACE) return;
      const parsed = SpeakerQueueMessage.safeParse(envelope.payload);
      if (!parsed.success) return;
      this.set({ state: parsed.data.state, clockOffsetMs: Date.parse(envelope.timestamp) - Date.now() });
    });
    if (signaling.state.status === 'joined') this.joined(signaling.state.join);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): SpeakerQueueView => this.view;

  private command(payload: { action: string } & Record<string, unknown>): boolean {
    return this.signaling.send(SPEAKER_QUEUE_NAMESPACE, payload);
  }

  configure(change: { strategy?: SpeakerQueueStrategy; time_limit_seconds?: number | null; auto_append_hands?: boolean }): boolean {
    return this.command({ action: 'configure', ...change });
  }
  add(participantId: string): boolean {
    return this.command({ action: 'add', participant_id: participantId });
  }
  remove(participantId: string): boolean {
    return this.command({ action: 'remove', participant_id: participantId });
  }
  move(participantId: string, by: -1 | 1): boolean {
    const list = [...(this.view.state?.list ?? [])];
    const from = list.indexOf(participantId);
    const to = from + by;
    if (from < 0 || to < 0 || to >= list.length) return false;
    list.splice(from, 1);
    list.splice(to, 0, participantId);
    return this.command({ action: 'set_list', participant_ids: list });
  }
  next(): boolean {
    return this.command({ action: 'next' });
  }
  setSpeaker(participantId: string | null): boolean {
    return this.command({ action: 'set_speaker', participant_id: participantId });
  }
  yieldFloor(): boolean {
    return this.command({ action: 'yield' });
  }
  nominate(participantId: string): boolean {
    return this.command({ action: 'nominate', participant_id: participantId });
  }

  private joined(join: JoinSuccess): void {
    const snapshot = SpeakerQueueSnapshot.safeParse(join.modules[SPEAKER_QUEUE_NAMESPACE]);
    this.set({ selfId: join.id, state: snapshot.success ? snapshot.data : null });
  }

  private set(change: Partial<SpeakerQueueView>): void {
    this.view = { ...this.view, ...change };
    for (const listener of this.listeners) listener();
  }
}

const stores = new WeakMap<object, SpeakerQueueStore>();

/** One store per signaling connection, created on first use. */
export function speakerQueueStoreFor(signaling: SignalingPort): SpeakerQueueStore {
  let store = stores.get(signaling);
  if (!store) {
    store = new SpeakerQueueStore(signaling);
    stores.set(signaling, store);
  }
  return store;
}

/** Whole seconds left in the current turn at `nowMs` (server time), or null without a limit. */
export function secondsLeft(state: SpeakerQueueSnapshot | null, nowMs: number): number | null {
  const current = state?.current;
  if (!current || current.time_limit_seconds === null) return null;
  const end = Date.parse(current.started_at) + current.time_limit_seconds * 1000;
  return Math.max(0, Math.ceil((end - nowMs) / 1000));
}
