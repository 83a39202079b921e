import { MAX_OCCURRENCES } from '@plenum/protocol';
import rrulePkg from 'rrule';

const { RRule, Frequency } = rrulePkg;

/**
 * Wall-clock times in IANA zones, and recurrences over them. A series is expanded in "floating" wall-clock time
 * (the rrule library sees each local time as if it were UTC), then every occurrence is placed in its zone: so a
 * weekly 18:00 in Europe/Berlin stays 18:00 across the change to and from summer time, as RFC 5545 wants for a
 * DTSTART with a TZID.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(zone, f);
  }
  return f;
}

/** The zone's offset from UTC at this instant, in minutes (Berlin in winter: 60). */
export function offsetMinutes(zone: string, at: Date): number {
  const parts = Object.fromEntries(formatter(zone).formatToParts(at).map((p) => [p.type, p.value])) as Record<string, string>;
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/** `YYYY-MM-DDTHH:MM` read as UTC (the floating form). */
export const floating = (local: string): Date => new Date(`${local}:00Z`);
export const toLocal = (d: Date): string => d.toISOString().slice(0, 16);

/**
 * The instant a wall-clock time in a zone names. A time skipped by the change to summer time (02:30 on the last
 * Sunday of March in Berlin) is moved forward by the gap, as calendar programs do; a time that happens twice (the
 * change back) is its first happening, as RFC 5545 3.3.5 wants.
 */
export function zonedToUtc(local: string, zone: string): Date {
  const guess = floating(local).getTime();
  const offsets = [...new Set([-86_400_000, 0, 86_400_000].map((d) => offsetMinutes(zone, new Date(guess + d))))];
  const valid = offsets.map((o) => guess - o * 60_000).filter((c) => utcToZoned(new Date(c), zone) === local);
  if (valid.length) return new Date(Math.min(...valid));
  return new Date(guess - Math.min(...offsets) * 60_000);
}

/** The wall-clock time of an instant in a zone. */
export function utcToZoned(at: Date, zone: string): string {
  return toLocal(new Date(at.getTime() + offsetMinutes(zone, at) * 60_000));
}

export class RecurrenceError extends Error {}

export interface ParsedRule {
  /** The RRULE value as stored (upper case, no prefix), UNTIL as given (floating wall-clock time). */
  readonly value: string;
  readonly parts: ReadonlyMap<string, string>;
}

const DAY = '([+-]?([1-9]|[1-4]\\d|5[0-3]))?(MO|TU|WE|TH|FR|SA|SU)';
const list = (item: string) => new RegExp(`^${item}(,${item})*$`);
const PART_SYNTAX: Readonly<Record<string, RegExp>> = {
  FREQ: /^[A-Z]+$/,
  INTERVAL: /^([1-9]\d{0,2})$/,
  COUNT: /^\d{1,4}$/,
  UNTIL: /^\d{8}(T\d{6}Z?)?$/,
  BYDAY: list(DAY),
  BYMONTHDAY: list('-?([1-9]|[12]\\d|3[01])'),
  BYMONTH: list('([1-9]|1[0-2])'),
  BYSETPOS: list('-?([1-9]|[1-9]\\d|[1-2]\\d\\d|3[0-5]\\d|36[0-6])'),
  WKST: /^(MO|TU|WE|TH|FR|SA|SU)$/,
};

const ALLOWED_FREQ = new Set(['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY']);

/** Checks an RRULE: parseable, daily or coarser, and bounded by COUNT or UNTIL. */
export function parseRule(input: string): ParsedRule {
  const value = input.trim().toUpperCase().replace(/^RRULE:/, '');
  const parts = new Map<string, string>();
  for (const part of value.split(';')) {
    const [k, v, ...rest] = part.split('=');
    if (!k || v === undefined || rest.length || parts.has(k)) throw new RecurrenceError(`"${part}" is not a KEY=VALUE part (or it is repeated)`);
    parts.set(k, v);
  }
  const freq = parts.get('FREQ');
  if (!freq || !ALLOWED_FREQ.has(freq)) throw new RecurrenceError('FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY');
  if (!parts.has('COUNT') && !parts.has('UNTIL')) throw new RecurrenceError('the recurrence never ends: give COUNT or UNTIL');
  if (parts.has('COUNT') && parts.has('UNTIL')) throw new RecurrenceError('COUNT and UNTIL exclude each other');
  const count = parts.get('COUNT');
  if (count !== undefined && (!/^\d{1,4}$/.test(count) || Number(count) < 1 || Number(count) > MAX_OCCURRENCES)) {
    throw new RecurrenceError(`COUNT must be 1 to ${MAX_OCCURRENCES}`);
  }
  for (const [k, v] of parts) {
    const check = PART_SYNTAX[k];
    if (!check) throw new RecurrenceError(`${k} is not supported in a recurrence (FREQ, INTERVAL, COUNT, UNTIL, BYDAY, BYMONTHDAY, BYMONTH, BYSETPOS, WKST)`);
    if (!check.test(v)) throw new RecurrenceError(`${k}=${v} is not valid`);
  }
  const until = parts.get('UNTIL');
  if (until !== undefined && !/^\d{8}(T\d{6}Z?)?$/.test(until)) throw new RecurrenceError('UNTIL must be a date (YYYYMMDD) or date-time (YYYYMMDDTHHMMSS)');
  try {
    // The library checks the rest (BYDAY, BYMONTHDAY, INTERVAL …).
    const options = RRule.parseString(value);
    if (options.freq === undefined || ![Frequency.DAILY, Frequency.WEEKLY, Frequency.MONTHLY, Frequency.YEARLY].includes(options.freq)) throw new RecurrenceError('FREQ');
  } catch (err) {
    if (err instanceof RecurrenceError) throw err;
    throw new RecurrenceError(`the recurrence is not a valid RRULE: ${(err as Error).message}`);
  }
  return { value, parts };
}

/** UNTIL as a floating wall-clock instant (a date alone: the end of that day). */
function untilFloating(until: string): Date {
  const d = `${until.slice(0, 4)}-${until.slice(4, 6)}-${until.slice(6, 8)}`;
  if (until.length === 8) return new Date(`${d}T23:59:59Z`);
  return new Date(`${d}T${until.slice(9, 11)}:${until.slice(11, 13)}:${until.slice(13, 15)}Z`);
}

/**
 * The starts of a series' occurrences as wall-clock times (exceptions left out), at most MAX_OCCURRENCES + 1 of
 * them (a caller refuses more). Without a rule: the one start.
 */
export function occurrenceStarts(start: string, rule: ParsedRule | null, exceptions: readonly string[] = []): string[] {
  if (!rule) return exceptions.includes(start) ? [] : [start];
  const options = RRule.parseString(rule.value.replace(/;?UNTIL=[^;]*/, ''));
  const until = rule.parts.get('UNTIL');
  const rrule = new RRule({ ...options, dtstart: floating(start), ...(until ? { until: untilFloating(until) } : {}) });
  const skip = new Set(exceptions);
  const out: string[] = [];
  rrule.all((d, i) => {
    if (i > MAX_OCCURRENCES) return false;
    const local = toLocal(d);
    if (!skip.has(local)) out.push(local);
    return true;
  });
  return out;
}

/** The RRULE for an iCalendar file: UNTIL as a UTC date-time (RFC 5545 3.3.10 with a TZID start). */
export function ruleForIcs(rule: ParsedRule, zone: string, startLocal: string): string {
  const until = rule.parts.get('UNTIL');
  if (!until) return rule.value;
  const u = untilFloating(until);
  // A date-only UNTIL means "through that day": the last start that day at the series' time of day.
  const local = until.length === 8 ? `${toLocal(u).slice(0, 10)}T${startLocal.slice(11)}` : toLocal(u);
  const utc = zonedToUtc(local, zone).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return rule.value.replace(/UNTIL=[^;]*/, `UNTIL=${utc}`);
}

/** A duration in minutes between two wall-clock times (as the series keeps it for every occurrence). */
export const durationMinutes = (start: string, end: string) => Math.round((floating(end).getTime() - floating(start).getTime()) / 60_000);
export const addMinutes = (local: string, minutes: number) => toLocal(new Date(floating(local).getTime() + minutes * 60_000));

/** The changes of a zone's UTC offset between two instants (for VTIMEZONE): the instant and the offsets before/after. */
export function transitions(zone: string, from: Date, to: Date): { at: Date; before: number; after: number }[] {
  const out: { at: Date; before: number; after: number }[] = [];
  const day = 86_400_000;
  let t = from.getTime();
  let prev = offsetMinutes(zone, new Date(t));
  for (t += day; t <= to.getTime() + day; t += day) {
    const cur = offsetMinutes(zone, new Date(t));
    if (cur !== prev) {
      let lo = t - day;
      let hi = t;
      while (hi - lo > 60_000) {
        const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
        if (offsetMinutes(zone, new Date(mid)) === prev) lo = mid;
        else hi = mid;
      }
      out.push({ at: new Date(hi), before: prev, after: cur });
      prev = cur;
    }
  }
  return out;
}
