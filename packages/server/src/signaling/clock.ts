import type { Clock, TimerHandle } from './feature.ts';

/** Real time. Timers are unref'd: a pending resume window must not keep the process alive at shutdown. */
export function systemClock(now: () => Date = () => new Date()): Clock {
  return {
    now,
    setTimeout(fn, ms) {
      const t = setTimeout(fn, ms);
      t.unref();
      return t as unknown as TimerHandle;
    },
    clearTimeout(handle) {
      clearTimeout(handle as unknown as ReturnType<typeof setTimeout>);
    },
  };
}

interface PendingTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/** A clock for tests: time moves only when `advance` is called; due timers fire in order. */
export class ManualClock implements Clock {
  private ms: number;
  private seq = 0;
  private readonly timers = new Map<number, PendingTimer>();

  constructor(start: Date = new Date('2026-01-01T09:00:00Z')) {
    this.ms = start.getTime();
  }

  now(): Date {
    return new Date(this.ms);
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const seq = ++this.seq;
    this.timers.set(seq, { at: this.ms + Math.max(0, ms), seq, fn });
    return { __timer: true, seq } as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete((handle as unknown as { seq: number }).seq);
  }

  /** Moves time forward, firing every timer that falls due (also those set by fired timers) in time order. */
  advance(ms: number): void {
    const target = this.ms + ms;
    for (let guard = 0; guard < 100_000; guard++) {
      let next: PendingTimer | undefined;
      for (const t of this.timers.values()) if (t.at <= target && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      if (!next) break;
      this.timers.delete(next.seq);
      this.ms = next.at;
      next.fn();
    }
    this.ms = target;
  }

  get pendingTimers(): number {
    return this.timers.size;
  }
}
