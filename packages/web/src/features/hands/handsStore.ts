import { handsProtocol, type HandLoweredReason, type JoinSuccess, type MessageOf, type RaisedHand, type SnapshotOf } from '@plenum/protocol';
import { FeatureStore, type FeatureConnection } from '../../meeting/featureStore.ts';

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

/** Raised hands as this participant sees them; join_success (also after a resume) replaces everything. */
export class HandsStore extends FeatureStore<typeof handsProtocol, HandsView, HandsEvent> {
  constructor(connection: FeatureConnection) {
    super(connection, handsProtocol, { selfId: null, enabled: true, hands: [], raised: false });
  }

  raise(): boolean {
    return this.send({ action: 'raise_hand' });
  }

  lower(): boolean {
    return this.send({ action: 'lower_hand' });
  }

  /** Moderators: lower these hands, or all. */
  lowerOthers(participantIds?: string[]): boolean {
    return this.send({ action: 'lower_hands', ...(participantIds ? { participant_ids: participantIds } : {}) });
  }

  setEnabled(enabled: boolean): boolean {
    return this.send({ action: enabled ? 'enable_raise_hands' : 'disable_raise_hands' });
  }

  protected joined(snapshot: SnapshotOf<typeof handsProtocol>, join: JoinSuccess): void {
    this.set({ selfId: join.id, enabled: snapshot.enabled, hands: snapshot.hands });
  }

  protected handle(message: MessageOf<typeof handsProtocol>): void {
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

  /** Whether this participant's own hand is up follows from every change. */
  protected override set(change: Partial<HandsView>): void {
    const next = { ...this.view, ...change };
    super.set({ ...change, raised: next.selfId !== null && next.hands.some((h) => h.participant_id === next.selfId) });
  }
}
