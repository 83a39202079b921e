import { speakerQueueProtocol, type CommandOf, type JoinSuccess, type MessageOf, type SnapshotOf, type SpeakerQueueSnapshot } from '@plenum/protocol';
import { FeatureStore, type FeatureConnection } from '../../meeting/featureStore.ts';

export interface SpeakerQueueView {
  selfId: string | null;
  state: SpeakerQueueSnapshot | null;
}

type Configure = Omit<Extract<CommandOf<typeof speakerQueueProtocol>, { action: 'configure' }>, 'action'>;

/** A moderator gave this participant the floor (given by someone else, or by `next`). */
export type SpeakerQueueEvent = { type: 'floor_given' };

/** The speaker queue as this participant sees it; every `updated` carries the whole state. */
export class SpeakerQueueStore extends FeatureStore<typeof speakerQueueProtocol, SpeakerQueueView, SpeakerQueueEvent> {
  constructor(connection: FeatureConnection) {
    super(connection, speakerQueueProtocol, { selfId: null, state: null });
  }

  /** The server's current time in ms, so the countdown of a turn matches the server's timer. */
  serverNow(): number {
    return this.connection.clock.now();
  }

  configure(change: Configure): boolean {
    return this.send({ action: 'configure', ...change });
  }
  add(participantId: string): boolean {
    return this.send({ action: 'add', participant_id: participantId });
  }
  remove(participantId: string): boolean {
    return this.send({ action: 'remove', participant_id: participantId });
  }
  move(participantId: string, by: -1 | 1): boolean {
    const list = [...(this.view.state?.list ?? [])];
    const from = list.indexOf(participantId);
    const to = from + by;
    if (from < 0 || to < 0 || to >= list.length) return false;
    list.splice(from, 1);
    list.splice(to, 0, participantId);
    return this.send({ action: 'set_list', participant_ids: list });
  }
  next(): boolean {
    return this.send({ action: 'next' });
  }
  setSpeaker(participantId: string | null): boolean {
    return this.send({ action: 'set_speaker', participant_id: participantId });
  }
  yieldFloor(): boolean {
    return this.send({ action: 'yield' });
  }
  nominate(participantId: string): boolean {
    return this.send({ action: 'nominate', participant_id: participantId });
  }

  protected joined(snapshot: SnapshotOf<typeof speakerQueueProtocol>, join: JoinSuccess): void {
    this.set({ selfId: join.id, state: snapshot });
  }

  protected override joinedWithout(join: JoinSuccess): void {
    this.set({ selfId: join.id, state: null });
  }

  protected handle(message: MessageOf<typeof speakerQueueProtocol>): void {
    const self = this.view.selfId;
    const before = this.view.state?.current?.participant_id ?? null;
    this.set({ state: message.state });
    const now = message.state.current?.participant_id ?? null;
    if (self !== null && now === self && before !== self && message.reason === 'moderator' && message.by !== self) this.emit({ type: 'floor_given' });
  }
}

/** Whole seconds left in the current turn at `nowMs` (server time), or null without a limit. */
export function secondsLeft(state: SpeakerQueueSnapshot | null, nowMs: number): number | null {
  const current = state?.current;
  if (!current || current.time_limit_seconds === null) return null;
  const end = Date.parse(current.started_at) + current.time_limit_seconds * 1000;
  return Math.max(0, Math.ceil((end - nowMs) / 1000));
}
