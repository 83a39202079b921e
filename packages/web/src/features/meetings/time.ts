import type { MeetingOccurrence } from '@plenum/protocol';

/** The join button is active from this many minutes before the start until the end. */
export const JOIN_EARLY_MINUTES = 10;

export type JoinState = 'early' | 'open' | 'ended';

export function joinState(o: Pick<MeetingOccurrence, 'starts_at' | 'ends_at'>, now: number): JoinState {
  if (now >= Date.parse(o.ends_at)) return 'ended';
  return now >= Date.parse(o.starts_at) - JOIN_EARLY_MINUTES * 60_000 ? 'open' : 'early';
}

/** The calendar day of an instant in the browser's zone (YYYY-MM-DD). */
export const dayOf = (at: number | string) => {
  const d = new Date(at);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

/** Today's occurrences (running or later today) first, then the later ones; ended ones drop out. */
export function splitByDay<T extends Pick<MeetingOccurrence, 'starts_at' | 'ends_at'>>(list: readonly T[], now: number): { today: T[]; later: T[] } {
  const today = dayOf(now);
  const current = list.filter((o) => Date.parse(o.ends_at) > now);
  return { today: current.filter((o) => dayOf(o.starts_at) <= today), later: current.filter((o) => dayOf(o.starts_at) > today) };
}

/** "YYYY-MM-DD" + "HH:MM" → the LocalDateTime the API takes. */
export const localDateTime = (date: string, time: string) => `${date}T${time}`;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** The addresses of a text with one per line (or separated by commas or semicolons); the wrong ones apart. */
export function parseInvitees(text: string): { emails: string[]; invalid: string[] } {
  const parts = text
    .split(/[\n,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  const emails = [...new Set(parts.filter((p) => EMAIL.test(p)).map((p) => p.toLowerCase()))];
  return { emails, invalid: parts.filter((p) => !EMAIL.test(p)) };
}
