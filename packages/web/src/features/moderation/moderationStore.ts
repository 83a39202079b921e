import { MODERATION_NAMESPACE, ModerationMessage, ModerationSnapshot, SignalingErrorPayload, type JoinSuccess, type ModerationCommand, type WaitingParticipant } from '@plenum/protocol';
import type { SignalingClient } from '../../meeting/signalingClient.ts';

export interface ModerationView {
  locked: boolean;
  waitingRoom: boolean;
  moderatorsOnlyUnmute: boolean;
  /** Moderators only: who waits, in the order they came. */
  waiting: readonly WaitingParticipant[];
}

export type ModerationEvent =
  | { type: 'waiting_arrived'; name: string }
  | { type: 'locked' | 'unlocked' | 'waiting_room_on' | 'waiting_room_off' | 'unmute_restricted' | 'unmute_allowed' }
  | { type: 'refused'; error: string };

type SignalingPort = Pick<SignalingClient, 'state' | 'onState' | 'onMessage' | 'send'>;

/** The room's moderation state as this participant sees it; join_success (also after a resume) replaces everything. */
export class ModerationStore {
  private view: ModerationView = { locked: false, waitingRoom: false, moderatorsOnlyUnmute: false, waiting: [] };
  private readonly listeners = new Set<() => void>();
  private readonly eventListeners = new Set<(event: ModerationEvent) => void>();

  constructor(private readonly signaling: SignalingPort) {
    signaling.onState((state) => {
      if (state.status === 'joined') this.joined(state.join);
    });
    signaling.onMessage((envelope) => {
      if (envelope.namespace === MODERATION_NAMESPACE) this.handle(envelope.payload);
    });
    if (signaling.state.status === 'joined') this.joined(signaling.state.join);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): ModerationView => this.view;

  onEvent(listener: (event: ModerationEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Sends a moderation command; the server checks the permission. */
  send(command: ModerationCommand): boolean {
    return this.signaling.send(MODERATION_NAMESPACE, command);
  }

  private joined(join: JoinSuccess): void {
    const snapshot = ModerationSnapshot.safeParse(join.modules[MODERATION_NAMESPACE]);
    if (!snapshot.success) return;
    const s = snapshot.data;
    this.set({ locked: s.locked, waitingRoom: s.waiting_room, moderatorsOnlyUnmute: s.moderators_only_unmute, waiting: s.waiting ?? [] });
  }

  private handle(payload: unknown): void {
    const error = SignalingErrorPayload.safeParse(payload);
    if (error.success) {
      this.emit({ type: 'refused', error: error.data.error });
      return;
    }
    const parsed = ModerationMessage.safeParse(payload);
    if (!parsed.success) return;
    const message = parsed.data;
    switch (message.message) {
      case 'waiting_list': {
        const known = new Set(this.view.waiting.map((w) => w.id));
        this.set({ waiting: message.waiting });
        for (const w of message.waiting) if (!known.has(w.id)) this.emit({ type: 'waiting_arrived', name: w.display_name });
        return;
      }
      case 'room_lock':
        this.set({ locked: message.locked });
        this.emit({ type: message.locked ? 'locked' : 'unlocked' });
        return;
      case 'waiting_room':
        this.set({ waitingRoom: message.enabled });
        this.emit({ type: message.enabled ? 'waiting_room_on' : 'waiting_room_off' });
        return;
      case 'unmute_policy':
        this.set({ moderatorsOnlyUnmute: message.moderators_only });
        this.emit({ type: message.moderators_only ? 'unmute_restricted' : 'unmute_allowed' });
        return;
      case 'waiting':
      case 'removed':
        // The connection's state machine acts on these (waiting screen, removed notice).
        return;
    }
  }

  private set(change: Partial<ModerationView>): void {
    this.view = { ...this.view, ...change };
    for (const listener of this.listeners) listener();
  }

  private emit(event: ModerationEvent): void {
    for (const listener of this.eventListeners) listener(event);
  }
}

const stores = new WeakMap<object, ModerationStore>();

/** One store per signaling connection, created on first use. */
export function moderationStoreFor(signaling: SignalingPort): ModerationStore {
  let store = stores.get(signaling);
  if (!store) {
    store = new ModerationStore(signaling);
    stores.set(signaling, store);
  }
  return store;
}
