import { TIMER_NAMESPACE, TimerMessage, TimerSnapshot, type JoinSuccess, type SignalingErrorCode, type Timer, type TimerEndReason } from '@plenum/protocol';
import type { SignalingClient } from '../../meeting/signalingClient.ts';

export interface TimerView {
  selfId: string | null;
  timer: Timer | null;
  /** Server time minus this device's time, in ms: what to add to Date.now() to get the server's "now". */
  offsetMs: number;
  /** Moderators: everyone who is ready; others: at most themselves. */
  ready: ReadonlySet<string>;
  /** This participant dismissed the break screen of the running coffee break ("Back now"). */
  breakDismissed: boolean;
  error: SignalingErrorCode | null;
}

export type TimerEvent =
  | { type: 'started'; timer: Timer }
  | { type: 'ended'; timer: Timer; reason: TimerEndReason }
  /** A coffee break this client has not seen before (fired once per break, also when joining during one). */
  | { type: 'break_started'; timer: Timer };

type SignalingPort = Pick<SignalingClient, 'state' | 'onState' | 'onMessage' | 'send'>;

const keyOf = (timer: Timer) => `${timer.started_at}/${timer.id}`;

/** The room's timer as this participant sees it; join_success (also after a resume) replaces everything. */
export class TimerStore {
  private view: TimerView = { selfId: null, timer: null, offsetMs: 0, ready: new Set(), breakDismissed: false, error: null };
  private readonly listeners = new Set<() => void>();
  private readonly eventListeners = new Set<(event: TimerEvent) => void>();
  /** Breaks already announced to the page, so a resume does not switch camera and microphone off again. */
  private readonly seenBreaks = new Set<string>();
  private readonly dismissedBreaks = new Set<string>();

  constructor(
    private readonly signaling: SignalingPort,
    private readonly now: () => number = Date.now,
  ) {
    signaling.onState((state) => {
      if (state.status === 'joined') this.joined(state.join);
    });
    signaling.onMessage((envelope) => {
      if (envelope.namespace === TIMER_NAMESPACE) this.handle(envelope.payload, envelope.timestamp);
    });
    if (signaling.state.status === 'joined') this.joined(signaling.state.join);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): TimerView => this.view;

  onEvent(listener: (event: TimerEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** The server's current time in ms, as well as this device can tell. */
  serverNow(): number {
    return this.now() + this.view.offsetMs;
  }

  start(options: { kind: 'countdown' | 'stopwatch'; durationSeconds?: number; title?: string; coffeeBreak: boolean; readyCheck: boolean }): boolean {
    this.set({ error: null });
    return this.signaling.send(TIMER_NAMESPACE, {
      action: 'start',
      kind: options.kind,
      ...(options.kind === 'countdown' ? { duration_seconds: options.durationSeconds } : {}),
      ...(options.title ? { title: options.title } : {}),
      style: options.coffeeBreak ? 'coffee_break' : 'normal',
      ready_check: options.readyCheck,
    });
  }

  stop(): boolean {
    return this.signaling.send(TIMER_NAMESPACE, { action: 'stop' });
  }

  setReady(ready: boolean): boolean {
    return this.signaling.send(TIMER_NAMESPACE, { action: 'update_ready_status', ready });
  }

  /** "Back now": hides the break screen on this device only. */
  dismissBreak(): void {
    const timer = this.view.timer;
    if (!timer) return;
    this.dismissedBreaks.add(keyOf(timer));
    this.set({ breakDismissed: true });
  }

  private offsetFrom(serverTime: string): number {
    const server = Date.parse(serverTime);
    return Number.isFinite(server) ? server - this.now() : this.view.offsetMs;
  }

  private joined(join: JoinSuccess): void {
    const snapshot = TimerSnapshot.safeParse(join.modules[TIMER_NAMESPACE]);
    if (!snapshot.success) return;
    const { timer, ready, server_time } = snapshot.data;
    this.set({ selfId: join.id, timer, ready: new Set(ready), offsetMs: this.offsetFrom(server_time), error: null, breakDismissed: timer ? this.dismissedBreaks.has(keyOf(timer)) : false });
    if (timer) this.noticeBreak(timer);
  }

  private handle(payload: unknown, timestamp: string): void {
    if ((payload as { message?: unknown }).message === 'error') {
      this.set({ error: (payload as { error: SignalingErrorCode }).error });
      return;
    }
    const parsed = TimerMessage.safeParse(payload);
    if (!parsed.success) return;
    const message = parsed.data;
    switch (message.message) {
      case 'started':
        this.set({ timer: message.timer, ready: new Set(), offsetMs: this.offsetFrom(timestamp), breakDismissed: false, error: null });
        this.emit({ type: 'started', timer: message.timer });
        this.noticeBreak(message.timer);
        return;
      case 'ended': {
        const timer = this.view.timer;
        if (!timer || timer.id !== message.timer_id) return;
        this.set({ timer: null, ready: new Set(), breakDismissed: false });
        this.emit({ type: 'ended', timer, reason: message.reason });
        return;
      }
      case 'ready_status_updated': {
        if (this.view.timer?.id !== message.timer_id) return;
        const ready = new Set(this.view.ready);
        if (message.ready) ready.add(message.participant_id);
        else ready.delete(message.participant_id);
        this.set({ ready });
        return;
      }
    }
  }

  private noticeBreak(timer: Timer): void {
    if (timer.style !== 'coffee_break' || this.seenBreaks.has(keyOf(timer))) return;
    this.seenBreaks.add(keyOf(timer));
    this.emit({ type: 'break_started', timer });
  }

  private set(change: Partial<TimerView>): void {
    this.view = { ...this.view, ...change };
    for (const listener of this.listeners) listener();
  }

  private emit(event: TimerEvent): void {
    for (const listener of this.eventListeners) listener(event);
  }
}

const stores = new WeakMap<object, TimerStore>();

/** One store per signaling connection, created on first use. */
export function timerStoreFor(signaling: SignalingPort): TimerStore {
  let store = stores.get(signaling);
  if (!store) {
    store = new TimerStore(signaling);
    stores.set(signaling, store);
  }
  return store;
}

/** "4:05", "1:02:03": minutes and seconds, hours when needed. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** What a timer shows now: the time left (countdown, rounded up so it reads 0:00 only at the end) or the time since its start. */
export function timerDisplayMs(timer: Timer, serverNowMs: number): number {
  if (timer.ends_at) return Math.ceil((Date.parse(timer.ends_at) - serverNowMs) / 1000) * 1000;
  return serverNowMs - Date.parse(timer.started_at);
}
