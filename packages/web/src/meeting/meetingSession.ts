import { CONTROL_NAMESPACE, ControlMessage, type JoinSuccess, type ParticipantPublic, type ServerEnvelope } from '@plenum/protocol';
import { FeatureConnection } from './featureStore.ts';
import type { LocalMedia } from './localMedia.ts';
import { MediaEngine } from './mediaEngine.ts';
import { Notices } from './notices.ts';
import { SignalingClient, type ConnectionState, type SignalingClientOptions } from './signalingClient.ts';
import { registerTestHooks } from './testHooks.ts';

export interface Self {
  id: string;
  displayName: string;
  role: ParticipantPublic['role'];
  kind: ParticipantPublic['kind'];
}

export interface MeetingSnapshot {
  connection: ConnectionState;
  self: Self | null;
  roomName: string | null;
  /** Everyone else, in order of joining. */
  participants: readonly ParticipantPublic[];
}

/** Things a person should hear about (screen readers) as they happen. */
export type MeetingEvent =
  | { type: 'joined'; name: string }
  | { type: 'left'; name: string }
  /** A moderator muted this participant. */
  | { type: 'force_muted' }
  /** This participant's own role changed (made moderator, or no longer). */
  | { type: 'role_changed'; role: ParticipantPublic['role'] };

/**
 * One person's meeting: the signaling connection, presence (control) and the media engine, as one store
 * the UI reads with useSyncExternalStore.
 */
export class MeetingSession {
  readonly signaling: SignalingClient;
  readonly media: MediaEngine;
  /** The features' side of this connection: their stores (one each) and the server clock. */
  readonly features: FeatureConnection;
  /** What happened to this person, shown briefly and read out (the meeting's and every feature's). */
  readonly notices = new Notices();
  private snapshotValue: MeetingSnapshot;
  private readonly listeners = new Set<() => void>();
  private readonly eventListeners = new Set<(event: MeetingEvent) => void>();
  private readonly cleanup: (() => void)[] = [];

  constructor(options: SignalingClientOptions, local: LocalMedia) {
    this.signaling = new SignalingClient(options);
    this.media = new MediaEngine(this.signaling, local);
    this.features = new FeatureConnection(this.signaling);
    this.snapshotValue = { connection: this.signaling.state, self: null, roomName: null, participants: [] };
    this.cleanup.push(
      this.signaling.onState((connection) => {
        this.update({ connection });
        if (connection.status === 'joined') this.onJoined(connection.join);
      }),
      this.signaling.onMessage((envelope) => this.onMessage(envelope)),
      this.media.onForceMuted(() => this.emit({ type: 'force_muted' })),
      registerTestHooks(this),
    );
  }

  get snapshot(): MeetingSnapshot {
    return this.snapshotValue;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): MeetingSnapshot => this.snapshotValue;

  onEvent(listener: (event: MeetingEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  start(): void {
    this.signaling.start();
  }

  leave(): void {
    this.media.close();
    this.signaling.leave();
  }

  /** Closes everything without telling the server (page teardown); the server's resume window decides. */
  close(): void {
    for (const fn of this.cleanup.splice(0)) fn();
    this.notices.close();
    this.media.close();
    if (this.signaling.state.status !== 'left') this.signaling.leave();
  }

  private onJoined(join: JoinSuccess): void {
    this.update({
      self: { id: join.id, displayName: join.display_name, role: join.role, kind: join.kind },
      roomName: join.room.name,
      participants: join.participants,
    });
    void this.media.joined(join.id, join.modules, join.resumed).catch((err: unknown) => console.warn('media setup failed', err));
  }

  private onMessage(envelope: ServerEnvelope): void {
    if (envelope.namespace !== CONTROL_NAMESPACE) {
      this.media.handle(envelope);
      return;
    }
    const parsed = ControlMessage.safeParse(envelope.payload);
    if (!parsed.success) return;
    const message = parsed.data;
    const participants = this.snapshotValue.participants;
    switch (message.message) {
      case 'joined': {
        const others = participants.filter((p) => p.id !== message.participant.id);
        this.update({ participants: [...others, message.participant] });
        this.emit({ type: 'joined', name: message.participant.display_name });
        return;
      }
      case 'update': {
        if (message.participant.id === this.snapshotValue.self?.id) {
          const self = this.snapshotValue.self;
          this.update({ self: { ...self, displayName: message.participant.display_name, role: message.participant.role } });
          if (message.participant.role !== self.role) this.emit({ type: 'role_changed', role: message.participant.role });
          return;
        }
        this.update({ participants: participants.map((p) => (p.id === message.participant.id ? message.participant : p)) });
        return;
      }
      case 'left': {
        const gone = participants.find((p) => p.id === message.id);
        this.update({ participants: participants.filter((p) => p.id !== message.id) });
        this.media.forget(message.id);
        if (gone) this.emit({ type: 'left', name: gone.display_name });
        return;
      }
      case 'join_success':
      case 'closing':
        return;
    }
  }

  private emit(event: MeetingEvent): void {
    for (const listener of this.eventListeners) listener(event);
  }

  private update(change: Partial<MeetingSnapshot>): void {
    this.snapshotValue = { ...this.snapshotValue, ...change };
    for (const listener of this.listeners) listener();
  }
}
