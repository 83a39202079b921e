import { timerProtocol, type ErrorOf, type ErrorPayloadOf, type JoinSuccess, type MessageOf, type SnapshotOf, type Timer, type TimerEndReason } from '@plenum/protocol';
import { FeatureStore, type FeatureConnection } from '../../meeting/featureStore.ts';

export interface TimerView {
  selfId: string | null;
  timer: Timer | null;
  /** Moderators: everyone who is ready; others: at most themselves. */
  ready: ReadonlySet<string>;
  /** This participant dismissed the break screen of the running coffee break ("Back now"). */
  breakDismissed: boolean;
  error: ErrorOf<typeof timerProtocol> | null;
}

export type TimerEvent =
  | { type: 'started'; timer: Timer }
  | { type: 'ended'; timer: Timer; reason: TimerEndReason }
  /** A coffee break this client has not seen before (fired once per break, also when joining during one). */
  | { type: 'break_started'; timer: Timer };

const keyOf = (timer: Timer) => `${timer.started_at}/${timer.id}`;

/** The room's timer as this participant sees it; join_success (also after a resume) replaces everything. */
export class TimerStore extends FeatureStore<typeof timerProtocol, TimerView, TimerEvent> {
  /** Breaks already announced to the page, so a resume does not switch camera and microphone off again. */
  private readonly seenBreaks = new Set<string>();
  private readonly dismissedBreaks = new Set<string>();

  constructor(connection: FeatureConnection) {
    super(connection, timerProtocol, { selfId: null, timer: null, ready: new Set(), breakDismissed: false, error: null });
  }

  /** The server's current time in ms, as well as this device can tell. */
  serverNow(): number {
    return this.connection.clock.now();
  }

  start(options: { kind: 'countdown' | 'stopwatch'; durationSeconds?: number; title?: string; coffeeBreak: boolean; readyCheck: boolean }): boolean {
    this.set({ error: null });
    return this.send({
      action: 'start',
      kind: options.kind,
      ...(options.kind === 'countdown' ? { duration_seconds: options.durationSeconds } : {}),
      ...(options.title ? { title: options.title } : {}),
      style: options.coffeeBreak ? 'coffee_break' : 'normal',
      ready_check: options.readyCheck,
    });
  }

  stop(): boolean {
    return this.send({ action: 'stop' });
  }

  setReady(ready: boolean): boolean {
    return this.send({ action: 'update_ready_status', ready });
  }

  /** "Back now": hides the break screen on this device only. */
  dismissBreak(): void {
    const timer = this.view.timer;
    if (!timer) return;
    this.dismissedBreaks.add(keyOf(timer));
    this.set({ breakDismissed: true });
  }

  protected joined(snapshot: SnapshotOf<typeof timerProtocol>, join: JoinSuccess): void {
    const { timer, ready, server_time } = snapshot;
    this.connection.clock.observe(server_time);
    this.set({ selfId: join.id, timer, ready: new Set(ready), error: null, breakDismissed: timer ? this.dismissedBreaks.has(keyOf(timer)) : false });
    if (timer) this.noticeBreak(timer);
  }

  protected override refused(error: ErrorPayloadOf<typeof timerProtocol>): void {
    this.set({ error: error.error });
  }

  protected handle(message: MessageOf<typeof timerProtocol>): void {
    switch (message.message) {
      case 'started':
        this.set({ timer: message.timer, ready: new Set(), breakDismissed: false, error: null });
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
