/**
 * Notices: short messages about what happened to this person (a moderator muted them, moved them, gave them
 * the floor, changed their role), shown for a few seconds and read out by screen readers — one mechanism for
 * the meeting and every feature (`MeetingContext.notices`, `NoticeArea`). A notice is an i18n key with its
 * values, rendered when it is shown, so it is in the language the person has chosen now.
 */
import type { ParseKeys } from 'i18next';

/** A notice text of the catalogue: `call.notice…` or a feature's `<feature>.notice…`. */
export type NoticeKey = Extract<ParseKeys, `${string}.notice${string}`>;

export interface Notice {
  readonly id: number;
  readonly key: NoticeKey;
  readonly values: Record<string, string>;
}

/** How long a notice stays on screen. */
export const NOTICE_MS = 8000;
/** At most this many notices on screen; an older one gives way. */
const MAX_SHOWN = 3;

export class Notices {
  private shown: readonly Notice[] = [];
  private counter = 0;
  private readonly timers = new Map<number, ReturnType<typeof setTimeout>>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly visibleMs = NOTICE_MS) {}

  /** Shows (and announces) one notice: `key` is an i18n key of the catalogue, `values` its interpolations. */
  post(key: NoticeKey, values: Record<string, string> = {}): void {
    values = { ...values };
    const notice: Notice = { id: ++this.counter, key, values };
    const kept = this.shown.slice(-(MAX_SHOWN - 1));
    for (const gone of this.shown.filter((n) => !kept.includes(n))) this.clearTimer(gone.id);
    this.set([...kept, notice]);
    this.timers.set(
      notice.id,
      setTimeout(() => this.dismiss(notice.id), this.visibleMs),
    );
  }

  dismiss(id: number): void {
    this.clearTimer(id);
    if (this.shown.some((n) => n.id === id)) this.set(this.shown.filter((n) => n.id !== id));
  }

  /** Stops every timer (the meeting ended). */
  close(): void {
    for (const id of [...this.timers.keys()]) this.clearTimer(id);
    this.set([]);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): readonly Notice[] => this.shown;

  private clearTimer(id: number): void {
    const timer = this.timers.get(id);
    if (timer !== undefined) clearTimeout(timer);
    this.timers.delete(id);
  }

  private set(shown: readonly Notice[]): void {
    this.shown = shown;
    for (const listener of this.listeners) listener();
  }
}
