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

const FREQ_WORDS = {
  de: { DAILY: ['Täglich', 'Alle {n} Tage'], WEEKLY: ['Wöchentlich', 'Alle {n} Wochen'], MONTHLY: ['Monatlich', 'Alle {n} Monate'], YEARLY: ['Jährlich', 'Alle {n} Jahre'] },
  en: { DAILY: ['Daily', 'Every {n} days'], WEEKLY: ['Weekly', 'Every {n} weeks'], MONTHLY: ['Monthly', 'Every {n} months'], YEARLY: ['Yearly', 'Every {n} years'] },
} as const;
const DAY_INDEX: Record<string, number> = { MO: 0, TU: 1, WE: 2, TH: 3, FR: 4, SA: 5, SU: 6 };
const ordinalEn = (n: number) => `${n}${n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th'}`;

/**
 * An RFC 5545 RRULE in words for the meeting page: "Weekly on Tuesday, 4 times", "Alle 2 Wochen am Montag und
 * Donnerstag, bis 30. Juni 2026". null for a single meeting; the rule itself for a FREQ it does not know.
 */
export function recurrenceInWords(rule: string | null, lang: 'de' | 'en'): string | null {
  if (!rule) return null;
  const parts = new Map(
    rule
      .replace(/^RRULE:/i, '')
      .split(';')
      .map((p) => p.split('=') as [string, string | undefined])
      .map(([k, v]) => [k.toUpperCase(), (v ?? '').toUpperCase()]),
  );
  const freq = parts.get('FREQ') as keyof (typeof FREQ_WORDS)['en'] | undefined;
  if (!freq || !(freq in FREQ_WORDS.en)) return rule;
  const locale = lang === 'de' ? 'de-DE' : 'en-GB';
  const interval = Number(parts.get('INTERVAL') ?? '1') || 1;
  const [one, many] = FREQ_WORDS[lang][freq];
  let words: string = interval === 1 ? one : many.replace('{n}', String(interval));
  const byDay = parts.get('BYDAY');
  if (byDay) {
    const weekday = new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone: 'UTC' });
    const days = byDay.split(',').flatMap((d) => {
      const m = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(d);
      if (!m) return [];
      // 2024-01-01 was a Monday.
      const name = weekday.format(new Date(Date.UTC(2024, 0, 1 + DAY_INDEX[m[2]!]!)));
      const n = m[1] ? Number(m[1]) : 0;
      if (n === 0) return [name];
      if (n === -1) return [lang === 'de' ? `letzten ${name}` : `last ${name}`];
      return [lang === 'de' ? `${n}. ${name}` : `${ordinalEn(n)} ${name}`];
    });
    if (days.length) words += `${lang === 'de' ? ' am ' : ' on '}${new Intl.ListFormat(locale, { type: 'conjunction' }).format(days)}`;
  }
  const count = parts.get('COUNT');
  const until = parts.get('UNTIL');
  if (count) words += lang === 'de' ? `, ${count} Termine` : `, ${count} times`;
  else if (until && /^\d{8}/.test(until)) {
    const date = new Date(Date.UTC(Number(until.slice(0, 4)), Number(until.slice(4, 6)) - 1, Number(until.slice(6, 8))));
    words += `${lang === 'de' ? ', bis ' : ', until '}${new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(date)}`;
  }
  return words;
}
