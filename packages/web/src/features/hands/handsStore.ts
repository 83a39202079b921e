import { HANDS_NAMESPACE, HandsMessage, HandsSnapshot, type HandLoweredReason, type JoinSuccess, type RaisedHand } from '@plenum/protocol';
import type { SignalingClient } from '../../meeting/signalingClient.ts';

export interface HandsView {
  selfId: string | null;
  enabled: boolean;
  /** In the order the hands went up. */
  hands: readonly RaisedHand[];
  /** Whether this participant's own hand is up. */
  raised: boolean;
}

export type HandsEvent =
  | { type: 'raised'; participantId: string }
  | { type: 'lowered'; participantIds: readonly string[]; reason: HandLoweredReason }
  | { type: 'enabled' }
  | { type: 'disabled' };

type SignalingPort = Pick<SignalingClient, 'state' | 'onState' | 'onMessage' | 'send'>;

/** Raised hands as this participant sees them; join_success (also after a resume) replaces everything. */
export class HandsStore {
  private view: HandsView = { selfId: null, enabled: true, hands: [], raised: false };
  private readonly listeners = new Set<() => void>();
  private readonly eventListeners = new Set<(event: HandsEvent) => void>();

  constructor(private readonly signaling: SignalingPort) {
    signaling.onState((state) => {
      if (state.status === 'joined') this.joined(state.join);
    });
    signaling.onMessage((envelope) => {
      if (envelope.namespace === HANDS_NAMESPACE) this.handle(envelope.payload);
    });
    if (signaling.state.status === 'joined') this.joined(signaling.state.join);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): HandsView => this.view;

  onEvent(listener: (event: HandsEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  raise(): boolean {
    return this.signaling.send(HANDS_NAMESPACE, { action: 'raise_hand' });
  }

  lower(): boolean {
    return this.signaling.send(HANDS_NAMESPACE, { action: 'lower_hand' });
  }

  /** Moderators: lower these hands, or all. */
  lowerOthers(participantIds?: string[]): boolean {
    return this.signaling.send(HANDS_NAMESPACE, { action: 'lower_hands', ...(participantIds ? { participant_ids: participantIds } : {}) });
  }

  setEnabled(enabled: boolean): boolean {
    return this.signaling.send(HANDS_NAMESPACE, { action: enabled ? 'enable_raise_hands' : 'disable_raise_hands' });
  }

  private joined(join: JoinSuccess): void {
    const snapshot = HandsSnapshot.safeParse(join.modules[HANDS_NAMESPACE]);
    if (!snapshot.success) return;
    this.set({ selfId: join.id, enabled: snapshot.data.enabled, hands: snapshot.data.hands });
  }

  private handle(payload: unknown): void {
    const parsed = HandsMessage.safeParse(payload);
    if (!parsed.success) return;
    const message = parsed.data;
    switch (message.message) {
      case 'hand_raised':
        if (this.view.hands.some((h) => h.participant_id === message.hand.participant_id)) return;
        this.set({ hands: [...this.view.hands, message.hand] });
        this.emit({ type: 'raised', participantId: message.hand.participant_id });
        return;
      case 'hands_lowered': {
        const gone = new Set(message.participant_ids);
        this.set({ hands: this.view.hands.filter((h) => !gone.has(h.participant_id)) });
        this.emit({ type: 'lowered', participantIds: message.participant_ids, reason: message.reason });
        return;
      }
      case 'raise_hands_enabled':
      case 'raise_hands_disabled': {
        const enabled = message.message === 'raise_hands_enabled';
        this.set({ enabled });
        this.emit({ type: enabled ? 'enabled' : 'disabled' });
        return;
      }
    }
  }

  private set(change: Partial<HandsView>): void {
    const next = { ...this.view, ...change };
    next.raised = next.selfId !== null && next.hands.some((h) => h.participant_id === next.selfId);
    this.view = next;
    for (const listener of this.listeners) listener();
  }

  private emit(event: HandsEvent): void {
    for (const listener of this.eventListeners) listener(event);
  }
}

const stores = new WeakMap<object, HandsStore>();

/** One store per signaling connection, created on first use. */
export function handsStoreFor(signaling: SignalingPort): HandsStore {
  let store = stores.get(signaling);
  if (!store) {
    store = new HandsStore(signaling);
    stores.set(signaling, store);
  }
  return store;
}
