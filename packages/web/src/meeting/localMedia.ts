/**
 * The person's own microphone and camera: acquired on the pre-join page and handed to the meeting, so the
 * browser asks for permission once. Each kind is acquired separately: a missing or refused camera must not
 * cost the microphone (the meeting then runs audio-only or listen-only).
 */

export type DeviceProblem = 'denied' | 'not_found' | 'busy' | 'unsupported' | 'failed';

export interface DeviceState {
  track: MediaStreamTrack | null;
  /** The person's switch: on (sending) or off. */
  enabled: boolean;
  deviceId: string | null;
  problem: DeviceProblem | null;
}

export interface LocalMediaSnapshot {
  audio: DeviceState;
  video: DeviceState;
  devices: { audioinput: MediaDeviceInfo[]; videoinput: MediaDeviceInfo[] };
  /** Preview stream with the current tracks (a new object whenever a track changes). */
  stream: MediaStream | null;
}

function problemOf(err: unknown): DeviceProblem {
  const name = err instanceof DOMException || err instanceof Error ? err.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'denied';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'not_found';
    case 'NotReadableError':
    case 'AbortError':
      return 'busy';
    case 'TypeError':
      return 'unsupported';
    default:
      return 'failed';
  }
}

/** Modest capture: councils meet on old laptops and weak lines; simulcast scales down from here. */
const videoConstraints: MediaTrackConstraints = { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24, max: 30 } };
const audioConstraints: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

export class LocalMedia {
  private snapshotValue: LocalMediaSnapshot = {
    audio: { track: null, enabled: true, deviceId: null, problem: null },
    video: { track: null, enabled: true, deviceId: null, problem: null },
    devices: { audioinput: [], videoinput: [] },
    stream: null,
  };
  private readonly listeners = new Set<() => void>();
  private closed = false;
  private readonly onDeviceChange = () => void this.refreshDevices();

  constructor() {
    navigator.mediaDevices?.addEventListener('devicechange', this.onDeviceChange);
  }

  get snapshot(): LocalMediaSnapshot {
    return this.snapshotValue;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): LocalMediaSnapshot => this.snapshotValue;

  /**
   * Asks for microphone and camera in one request (one permission prompt); if that fails, for each on its
   * own, so that a refused or missing camera still leaves the microphone (and the reason for each). Then
   * lists the devices.
   */
  async acquire(): Promise<void> {
    let both: MediaStream | null = null;
    try {
      both = (await navigator.mediaDevices?.getUserMedia({ audio: audioConstraints, video: videoConstraints })) ?? null;
    } catch {
      // Find out per device what works and why not.
    }
    const audio = both?.getAudioTracks()[0];
    const video = both?.getVideoTracks()[0];
    if (this.closed) {
      both?.getTracks().forEach((t) => t.stop());
      return;
    }
    if (audio && video) {
      // The switches may have been used while the browser was asking.
      audio.enabled = this.snapshotValue.audio.enabled;
      const videoWanted = this.snapshotValue.video.enabled;
      if (!videoWanted) video.stop();
      this.update({
        audio: { ...this.snapshotValue.audio, track: audio, deviceId: audio.getSettings().deviceId ?? null, problem: null },
        video: { ...this.snapshotValue.video, track: videoWanted ? video : null, deviceId: video.getSettings().deviceId ?? null, problem: null },
      });
    } else {
      both?.getTracks().forEach((t) => t.stop());
      await this.open('audio', null);
      await this.open('video', null);
    }
    await this.refreshDevices();
  }

  /** Switches to another device of the kind; listeners (the publisher) replace the sent track. */
  async select(kind: 'audio' | 'video', deviceId: string): Promise<void> {
    await this.open(kind, deviceId);
  }

  /** Microphone: the track stays, only its content is silenced, so unmuting is instant. */
  setAudioEnabled(enabled: boolean): void {
    const audio = this.snapshotValue.audio;
    if (audio.track) audio.track.enabled = enabled;
    this.update({ audio: { ...audio, enabled } });
  }

  /** Camera: switching off releases the device (its light goes out); switching on opens it again. */
  async setVideoEnabled(enabled: boolean): Promise<void> {
    const video = this.snapshotValue.video;
    if (!enabled) {
      video.track?.stop();
      this.update({ video: { ...video, track: null, enabled: false } });
      return;
    }
    this.update({ video: { ...video, enabled: true } });
    await this.open('video', video.deviceId);
  }

  close(): void {
    this.closed = true;
    navigator.mediaDevices?.removeEventListener('devicechange', this.onDeviceChange);
    this.snapshotValue.audio.track?.stop();
    this.snapshotValue.video.track?.stop();
    this.listeners.clear();
  }

  private async open(kind: 'audio' | 'video', deviceId: string | null): Promise<void> {
    const current = this.snapshotValue[kind];
    if (kind === 'video' && !current.enabled) {
      this.update({ video: { ...current, deviceId } });
      return;
    }
    if (!navigator.mediaDevices?.getUserMedia) {
      this.update({ [kind]: { ...current, problem: 'unsupported' } });
      return;
    }
    const base = kind === 'audio' ? audioConstraints : videoConstraints;
    const constraints: MediaTrackConstraints = deviceId ? { ...base, deviceId: { exact: deviceId } } : base;
    try {
      const stream = await navigator.mediaDevices.getUserMedia(kind === 'audio' ? { audio: constraints } : { video: constraints });
      const track = (kind === 'audio' ? stream.getAudioTracks() : stream.getVideoTracks())[0] ?? null;
      if (this.closed) {
        track?.stop();
        return;
      }
      const latest = this.snapshotValue[kind];
      latest.track?.stop();
      if (track) track.enabled = kind === 'video' || latest.enabled;
      this.update({ [kind]: { ...latest, track, deviceId: track?.getSettings().deviceId ?? deviceId, problem: null } });
    } catch (err) {
      if (this.closed) return;
      this.update({ [kind]: { ...this.snapshotValue[kind], problem: problemOf(err) } });
    }
  }

  private async refreshDevices(): Promise<void> {
    if (!navigator.mediaDevices?.enumerateDevices) return;
    const all = await navigator.mediaDevices.enumerateDevices();
    if (this.closed) return;
    // Without permission, devices have no labels and ids; they are not worth offering.
    const usable = (kind: MediaDeviceKind) => all.filter((d) => d.kind === kind && d.deviceId);
    this.update({ devices: { audioinput: usable('audioinput'), videoinput: usable('videoinput') } });
  }

  private update(change: Partial<LocalMediaSnapshot>): void {
    const next = { ...this.snapshotValue, ...change };
    if (change.audio || change.video) {
      const tracks = [next.audio.track, next.video.track].filter((t): t is MediaStreamTrack => t !== null);
      next.stream = tracks.length ? new MediaStream(tracks) : null;
    }
    this.snapshotValue = next;
    for (const listener of this.listeners) listener();
  }
}
