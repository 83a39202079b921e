import { AGENDA_NAMESPACE, AgendaMessage, AgendaSnapshot, type AgendaItemView, type JoinSuccess, type Quorum, type SignalingErrorCode } from '@plenum/protocol';
import type { SignalingClient } from '../../meeting/signalingClient.ts';

export interface AgendaView {
  items: AgendaItemView[];
  currentItemId: string | null;
  /** null until the first join_success with an agenda part. */
  quorum: Quorum | null;
  myMemberId: string | null;
  /** The last refusal of one of this participant's commands. */
  error: SignalingErrorCode | null;
}

export type AgendaEvent = { type: 'current'; item: AgendaItemView } | { type: 'quorum'; quorate: boolean };

type SignalingPort = Pick<SignalingClient, 'state' | 'onState' | 'onMessage' | 'send'>;

/** The agenda and quorum as this participant sees them; join_success (also after a resume) replaces everything. */
export class AgendaStore {
  private view: AgendaView = { items: [], currentItemId: null, quorum: null, myMemberId: null, error: null };
  private readonly listeners = new Set<() => void>();
  private readonly eventListeners = new Set<(event: AgendaEvent) => void>();

  constructor(private readonly signaling: SignalingPort) {
    signaling.onState((state) => {
      if (state.status === 'joined') this.joined(state.join);
    });
    signaling.onMessage((envelope) => {
      if (envelope.namespace === AGENDA_NAMESPACE) this.handle(envelope.payload);
    });
    if (signaling.state.status === 'joined') this.joined(signaling.state.join);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): AgendaView => this.view;

  onEvent(listener: (event: AgendaEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  next(): boolean {
    return this.command({ action: 'next' });
  }

  previous(): boolean {
    return this.command({ action: 'previous' });
  }

  select(itemId: string): boolean {
    return this.command({ action: 'select', item_id: itemId });
  }

  reload(): boolean {
    return this.command({ action: 'reload' });
  }

  private command(payload: { action: string; [k: string]: unknown }): boolean {
    this.set({ error: null });
    return this.signaling.send(AGENDA_NAMESPACE, payload);
  }

  private joined(join: JoinSuccess): void {
    const snapshot = AgendaSnapshot.safeParse(join.modules[AGENDA_NAMESPACE]);
    if (!snapshot.success) return;
    const s = snapshot.data;
    this.set({ items: s.items, currentItemId: s.current_item_id, quorum: s.quorum, myMemberId: s.my_member_id, error: null });
  }

  private handle(payload: unknown): void {
    if ((payload as { message?: unknown }).message === 'error') {
      this.set({ error: (payload as { error: SignalingErrorCode }).error });
      return;
    }
    const parsed = AgendaMessage.safeParse(payload);
    if (!parsed.success) return;
    const message = parsed.data;
    switch (message.message) {
      case 'current': {
        this.set({ currentItemId: message.current_item_id });
        const item = this.view.items.find((i) => i.id === message.current_item_id);
        if (item) this.emit({ type: 'current', item });
        return;
      }
      case 'agenda':
        this.set({ items: message.items, currentItemId: message.current_item_id });
        return;
      case 'quorum': {
        const { message: _m, ...quorum } = message;
        const changed = this.view.quorum !== null && this.view.quorum.quorate !== quorum.quorate;
        this.set({ quorum });
        if (changed) this.emit({ type: 'quorum', quorate: quorum.quorate });
        return;
      }
    }
  }

  private set(change: Partial<AgendaView>): void {
    this.view = { ...this.view, ...change };
    for (const listener of this.listeners) listener();
  }

  private emit(event: AgendaEvent): void {
    for (const listener of this.eventListeners) listener(event);
  }
}

const stores = new WeakMap<object, AgendaStore>();

/** One store per signaling connection, created on first use. */
export function agendaStoreFor(signaling: SignalingPort): AgendaStore {
  let store = stores.get(signaling);
  if (!store) {
    store = new AgendaStore(signaling);
    stores.set(signaling, store);
  }
  return store;
}
