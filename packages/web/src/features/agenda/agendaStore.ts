import { agendaProtocol, type AgendaItemView, type CommandOf, type ErrorOf, type ErrorPayloadOf, type MessageOf, type Quorum, type SnapshotOf } from '@plenum/protocol';
import { FeatureStore, type FeatureConnection } from '../../meeting/featureStore.ts';

export interface AgendaView {
  items: AgendaItemView[];
  currentItemId: string | null;
  /** null until the first join_success with an agenda part. */
  quorum: Quorum | null;
  myMemberId: string | null;
  /** The last refusal of one of this participant's commands. */
  error: ErrorOf<typeof agendaProtocol> | null;
}

export type AgendaEvent = { type: 'current'; item: AgendaItemView } | { type: 'quorum'; quorate: boolean };

/** The agenda and quorum as this participant sees them; join_success (also after a resume) replaces everything. */
export class AgendaStore extends FeatureStore<typeof agendaProtocol, AgendaView, AgendaEvent> {
  constructor(connection: FeatureConnection) {
    super(connection, agendaProtocol, { items: [], currentItemId: null, quorum: null, myMemberId: null, error: null });
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

  /** A chair's command: the last refusal no longer applies. */
  private command(command: CommandOf<typeof agendaProtocol>): boolean {
    this.set({ error: null });
    return this.send(command);
  }

  protected joined(s: SnapshotOf<typeof agendaProtocol>): void {
    this.set({ items: s.items, currentItemId: s.current_item_id, quorum: s.quorum, myMemberId: s.my_member_id, error: null });
  }

  protected override refused(error: ErrorPayloadOf<typeof agendaProtocol>): void {
    this.set({ error: error.error });
  }

  protected handle(message: MessageOf<typeof agendaProtocol>): void {
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
}
