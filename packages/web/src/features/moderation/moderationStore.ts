import { moderationProtocol, type BannedPerson, type CommandOf, type ErrorOf, type ErrorPayloadOf, type MessageOf, type SnapshotOf, type WaitingParticipant } from '@plenum/protocol';
import { FeatureStore, type FeatureConnection } from '../../meeting/featureStore.ts';

export interface ModerationView {
  locked: boolean;
  waitingRoom: boolean;
  moderatorsOnlyUnmute: boolean;
  /** Moderators only: who waits, in the order they came. */
  waiting: readonly WaitingParticipant[];
  /** Moderators only: the room's stored bans, by name. */
  bans: readonly BannedPerson[];
}

export type ModerationEvent =
  | { type: 'waiting_arrived'; name: string }
  | { type: 'locked' | 'unlocked' | 'waiting_room_on' | 'waiting_room_off' | 'unmute_restricted' | 'unmute_allowed' }
  | { type: 'refused'; error: ErrorOf<typeof moderationProtocol> };

/**
 * The room's moderation state as this participant sees it; join_success (also after a resume) replaces
 * everything. Being held in the waiting room and being removed are the connection's business (control).
 */
export class ModerationStore extends FeatureStore<typeof moderationProtocol, ModerationView, ModerationEvent> {
  constructor(connection: FeatureConnection) {
    super(connection, moderationProtocol, { locked: false, waitingRoom: false, moderatorsOnlyUnmute: false, waiting: [], bans: [] });
  }

  /** Sends a moderation command; the server checks the permission. */
  override send(command: CommandOf<typeof moderationProtocol>): boolean {
    return super.send(command);
  }

  protected joined(s: SnapshotOf<typeof moderationProtocol>): void {
    this.set({ locked: s.locked, waitingRoom: s.waiting_room, moderatorsOnlyUnmute: s.moderators_only_unmute, waiting: s.waiting ?? [], bans: s.bans ?? [] });
  }

  protected override refused(error: ErrorPayloadOf<typeof moderationProtocol>): void {
    this.emit({ type: 'refused', error: error.error });
  }

  protected handle(message: MessageOf<typeof moderationProtocol>): void {
    switch (message.message) {
      case 'waiting_list': {
        const known = new Set(this.view.waiting.map((w) => w.id));
        this.set({ waiting: message.waiting });
        for (const w of message.waiting) if (!known.has(w.id)) this.emit({ type: 'waiting_arrived', name: w.display_name });
        return;
      }
      case 'ban_list':
        this.set({ bans: message.bans });
        return;
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
    }
  }
}
