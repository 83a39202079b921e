import { addMinutes, occurrenceStarts, offsetMinutes, ruleForIcs, transitions, zonedToUtc, type ParsedRule } from './time.ts';

/**
 * An iCalendar (RFC 5545) writer for invitations (iTIP, RFC 5546: METHOD REQUEST / CANCEL) and the calendar feed.
 * Small on purpose: the values are escaped (3.3.11), lines folded at 75 octets without splitting a UTF-8
 * sequence (3.1), line ends CRLF; the start carries its TZID with a VTIMEZONE built from the runtime's zone data
 * for the years the series spans, so Thunderbird and Outlook place every occurrence at the same wall-clock time.
 */

export interface IcsAttendee {
  readonly email: string;
  readonly name: string | null;
}

export interface IcsEvent {
  /** Stable across updates: `<meeting id>@<host>`. */
  readonly uid: string;
  readonly sequence: number;
  readonly title: string;
  readonly description: string;
  readonly location: string;
  readonly url: string;
  readonly start: string;
  readonly end: string;
  readonly timeZone: string;
  readonly rule: ParsedRule | null;
  readonly exceptions: readonly string[];
  /** Single occurrences moved or retitled: one more VEVENT each with the same UID and RECURRENCE-ID. */
  readonly overrides?: readonly { occurrence: string; start: string; end: string; title?: string | undefined }[];
  readonly organizer: { readonly email: string; readonly name: string };
  readonly attendees: readonly IcsAttendee[];
  readonly cancelled: boolean;
  /** A display reminder this many minutes before each occurrence (VALARM); 0 or absent: none. */
  readonly reminderMinutes?: number;
  readonly stamp: Date;
  readonly created: Date;
  readonly modified: Date;
}

export const PRODID = '-//Plenum//Planned meetings//EN';

/** TEXT value escaping (RFC 5545 3.3.11). */
export function escapeText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** A quoted parameter value (CN): no DQUOTE, no controls (RFC 5545 3.2). */
const paramValue = (value: string) => `"${value.replace(/["\p{Cc}]/gu, '')}"`;

/** Folds a content line at 75 octets, never inside a UTF-8 sequence (RFC 5545 3.1). */
export function fold(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch, 'utf8');
    const limit = out.length === 0 ? 75 : 74;
    if (octets + size > limit) {
      out.push(current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  out.push(current);
  return out.join('\r\n ');
}

const utcStamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
const localStamp = (local: string) => `${local.replace(/[-:]/g, '')}00`;
const offset = (minutes: number) => {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
};

/** VTIMEZONE for a zone over [from, to]: one STANDARD/DAYLIGHT per offset change, or one STANDARD for a fixed zone. */
export function vtimezone(zone: string, from: Date, to: Date): string[] {
  const lines = ['BEGIN:VTIMEZONE', `TZID:${zone}`];
  const yearStart = new Date(Date.UTC(from.getUTCFullYear() - 1, 0, 1));
  const yearEnd = new Date(Date.UTC(to.getUTCFullYear() + 1, 11, 31));
  const changes = transitions(zone, yearStart, yearEnd);
  if (changes.length === 0) {
    const fixed = offsetMinutes(zone, yearStart);
    lines.push('BEGIN:STANDARD', 'DTSTART:19700101T000000', `TZOFFSETFROM:${offset(fixed)}`, `TZOFFSETTO:${offset(fixed)}`, 'END:STANDARD');
  }
  for (const c of changes) {
    const kind = c.after > c.before ? 'DAYLIGHT' : 'STANDARD';
    // DTSTART is the local time before the change, in the offset that applied then.
    const wall = new Date(c.at.getTime() + c.before * 60_000).toISOString().slice(0, 16);
    lines.push(`BEGIN:${kind}`, `DTSTART:${localStamp(wall)}`, `TZOFFSETFROM:${offset(c.before)}`, `TZOFFSETTO:${offset(c.after)}`, `END:${kind}`);
  }
  lines.push('END:VTIMEZONE');
  return lines;
}

function eventLines(e: IcsEvent, method: 'REQUEST' | 'CANCEL' | 'PUBLISH', override?: NonNullable<IcsEvent['overrides']>[number]): string[] {
  const tz = e.timeZone;
  const lines = [
    'BEGIN:VEVENT',
    `UID:${e.uid}`,
    `SEQUENCE:${e.sequence}`,
    `DTSTAMP:${utcStamp(e.stamp)}`,
    `CREATED:${utcStamp(e.created)}`,
    `LAST-MODIFIED:${utcStamp(e.modified)}`,
    ...(override ? [`RECURRENCE-ID;TZID=${tz}:${localStamp(override.occurrence)}`] : []),
    `DTSTART;TZID=${tz}:${localStamp(override?.start ?? e.start)}`,
    `DTEND;TZID=${tz}:${localStamp(override?.end ?? e.end)}`,
    `SUMMARY:${escapeText(override?.title ?? e.title)}`,
    `DESCRIPTION:${escapeText(e.description)}`,
    `LOCATION:${escapeText(e.location)}`,
    `URL:${e.url}`,
    `ORGANIZER;CN=${paramValue(e.organizer.name)}:mailto:${e.organizer.email}`,
  ];
  if (e.rule && !override) lines.push(`RRULE:${ruleForIcs(e.rule, tz, e.start)}`);
  if (e.rule && !override && e.exceptions.length) lines.push(`EXDATE;TZID=${tz}:${e.exceptions.map(localStamp).join(',')}`);
  for (const a of e.attendees) {
    const cn = a.name ? `;CN=${paramValue(a.name)}` : '';
    const rsvp = method === 'REQUEST' ? ';RSVP=FALSE' : '';
    lines.push(`ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION${rsvp}${cn}:mailto:${a.email}`);
  }
  const cancelled = e.cancelled || method === 'CANCEL';
  lines.push(`STATUS:${cancelled ? 'CANCELLED' : 'CONFIRMED'}`, 'TRANSP:OPAQUE');
  if (!cancelled && e.reminderMinutes) lines.push('BEGIN:VALARM', 'ACTION:DISPLAY', `DESCRIPTION:${escapeText(e.title)}`, `TRIGGER:-PT${e.reminderMinutes}M`, 'END:VALARM');
  lines.push('END:VEVENT');
  return lines;
}

/** The span of a series, for its VTIMEZONE. */
function span(e: IcsEvent): { from: Date; to: Date } {
  const starts = occurrenceStarts(e.start, e.rule, []);
  const last = starts[starts.length - 1] ?? e.start;
  return { from: zonedToUtc(e.start, e.timeZone), to: zonedToUtc(addMinutes(last, 24 * 60), e.timeZone) };
}

/** A calendar object: one event (an invitation or a cancellation), or several (the feed, METHOD PUBLISH). */
export function calendar(method: 'REQUEST' | 'CANCEL' | 'PUBLISH', events: readonly IcsEvent[], name?: string): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${PRODID}`, 'CALSCALE:GREGORIAN', `METHOD:${method}`];
  if (name) lines.push(`X-WR-CALNAME:${escapeText(name)}`);
  const zones = new Map<string, { from: Date; to: Date }>();
  for (const e of events) {
    const s = span(e);
    const known = zones.get(e.timeZone);
    zones.set(e.timeZone, known ? { from: s.from < known.from ? s.from : known.from, to: s.to > known.to ? s.to : known.to } : s);
  }
  for (const [zone, s] of zones) lines.push(...vtimezone(zone, s.from, s.to));
  for (const e of events) {
    lines.push(...eventLines(e, method));
    // A cancellation of the series cancels its moved occurrences with it.
    if (method !== 'CANCEL') for (const o of e.overrides ?? []) lines.push(...eventLines(e, method, o));
  }
  lines.push('END:VCALENDAR');
  return lines.map(fold).join('\r\n') + '\r\n';
}
