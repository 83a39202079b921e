import { recordingProtocol, type ErrorOf, type ErrorPayloadOf, type MessageOf, type SnapshotOf } from '@plenum/protocol';
import { FeatureStore, type FeatureConnection } from '../../meeting/featureStore.ts';

export interface RecordingView {
  active: boolean;
  paused: boolean;
  since: string | null;
  /** This participant's answer for the running recording (null: not answered). */
  consent: boolean | null;
  /** The consent dialog is open (the server asked, or the participant wants to change their answer). */
  prompt: boolean;
  /** Moderators: why the last recording ended on its own. */
  failed: string | null;
  error: ErrorOf<typeof recordingProtocol> | null;
}

export type RecordingEvent = { type: 'started' } | { type: 'stopped' } | { type: 'paused' } | { type: 'resumed' };

/** The room's recording and this participant's consent; join_success (also after a resume) replaces everything. */
export class RecordingStore extends FeatureStore<typeof recordingProtocol, RecordingView, RecordingEvent> {
  constructor(connection: FeatureConnection) {
    super(connection, recordingProtocol, { active: false, paused: false, since: null, consent: null, prompt: false, failed: null, error: null });
  }

  start(): boolean {
    this.set({ error: null, failed: null });
    return this.send({ action: 'start' });
  }

  stop(): boolean {
    return this.send({ action: 'stop' });
  }

  pause(paused: boolean): boolean {
    return this.send({ action: paused ? 'pause' : 'resume' });
  }

  /** The participant's answer: sent, and the dialog closes. */
  answer(given: boolean): boolean {
    this.set({ prompt: false, consent: given });
    return this.send({ action: 'consent', given });
  }

  /** Opens the dialog again so the participant can change their answer. */
  reconsider(): void {
    if (this.view.active) this.set({ prompt: true });
  }

  protected joined(snapshot: SnapshotOf<typeof recordingProtocol>): void {
    this.set({ ...snapshot, prompt: snapshot.active && snapshot.consent === null, error: null });
  }

  protected override refused(error: ErrorPayloadOf<typeof recordingProtocol>): void {
    this.set({ error: error.error });
  }

  protected handle(message: MessageOf<typeof recordingProtocol>): void {
    switch (message.message) {
      case 'recording_state': {
        const was = this.view;
        if (!message.active) {
          // A next recording asks afresh.
          this.set({ active: false, paused: false, since: null, consent: null, prompt: false });
          if (was.active) this.emit({ type: 'stopped' });
          return;
        }
        this.set({ active: true, paused: message.paused, since: message.since });
        if (!was.active) this.emit({ type: 'started' });
        else if (was.paused !== message.paused) this.emit({ type: message.paused ? 'paused' : 'resumed' });
        return;
      }
      case 'consent_request':
        if (this.view.consent === null) this.set({ prompt: true });
        return;
      case 'consent_state':
        this.set({ consent: message.given, prompt: false });
        return;
      case 'recording_failed':
        this.set({ failed: message.reason });
        return;
    }
  }
}
