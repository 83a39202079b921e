import { MAX_OCCURRENCES, type Meeting, type MeetingLanguage } from '@plenum/protocol';
import { PlenumError } from '../../http/errors.ts';
import { calendar, type IcsEvent } from './ics.ts';
import type { InviteeRow, MeetingRecord, StoredOverride } from './storage.ts';
import { addMinutes, durationMinutes, occurrenceStarts, parseRule, RecurrenceError, zonedToUtc, type ParsedRule } from './time.ts';

/** A meeting's times, checked: the rule parsed, the occurrences counted, the UTC instants for queries. */
export interface Schedule {
  start: string;
  end: string;
  timeZone: string;
  rule: ParsedRule | null;
  exceptions: string[];
  startsAt: Date;
  endsAt: Date;
  seriesEndsAt: Date;
  /** Single occurrences moved or retitled, by their start in the series. */
  overrides: StoredOverride[];
  /** Wall-clock starts of every occurrence as the rule makes them (exceptions left out). */
  occurrences: string[];
}

/** Every occurrence as it takes place: wall-clock start and end, and its own title when it has one. */
export function seriesOccurrences(s: Schedule): { occurrence: string; start: string; end: string; title?: string | undefined }[] {
  const minutes = durationMinutes(s.start, s.end);
  const moved = new Map(s.overrides.map((o) => [o.occurrence, o]));
  return s.occurrences
    .map((occurrence) => {
      const o = moved.get(occurrence);
      return o ? { occurrence, start: o.start, end: o.end, title: o.title } : { occurrence, start: occurrence, end: addMinutes(occurrence, minutes) };
    })
    .sort((a, b) => a.start.localeCompare(b.start));
}

const invalid = (path: string, message: string) => new PlenumError('PLENUM_ERR_VALIDATION', message, [{ path, message }]);

/** Checks a meeting's times as a whole (400 with the field at fault): before anything is written. */
export function schedule(input: {
  start: string;
  end: string;
  time_zone: string;
  recurrence: string | null;
  exceptions: readonly string[];
  overrides?: readonly StoredOverride[];
}): Schedule {
  if (input.end <= input.start) throw invalid('end', 'end must be after start');
  let rule: ParsedRule | null = null;
  if (input.recurrence) {
    try {
      rule = parseRule(input.recurrence);
    } catch (err) {
      if (err instanceof RecurrenceError) throw invalid('recurrence', err.message);
      throw err;
    }
  }
  const exceptions = [...new Set(input.exceptions)].sort();
  if (exceptions.length && !rule) throw invalid('exceptions', 'exceptions need a recurrence');
  const occurrences = occurrenceStarts(input.start, rule, exceptions);
  if (occurrences.length > MAX_OCCURRENCES) throw invalid('recurrence', `the recurrence has more than ${MAX_OCCURRENCES} occurrences`);
  if (occurrences.length === 0) throw invalid('exceptions', 'the exceptions leave no occurrence');
  const overrides = [...(input.overrides ?? [])].sort((a, b) => a.occurrence.localeCompare(b.occurrence));
  if (overrides.length && !rule) throw invalid('overrides', 'single-occurrence changes need a recurrence');
  const known = new Set(occurrences);
  const seen = new Set<string>();
  for (const o of overrides) {
    if (!known.has(o.occurrence)) throw invalid('overrides', `${o.occurrence} is not an occurrence of the series`);
    if (seen.has(o.occurrence)) throw invalid('overrides', `${o.occurrence} is changed twice`);
    if (o.end <= o.start) throw invalid('overrides', 'end must be after start');
    seen.add(o.occurrence);
  }
  const minutes = durationMinutes(input.start, input.end);
  const ends = [addMinutes(occurrences[occurrences.length - 1]!, minutes), ...overrides.map((o) => o.end)].sort();
  const lastEnd = ends[ends.length - 1]!;
  return {
    start: input.start,
    end: input.end,
    timeZone: input.time_zone,
    rule,
    exceptions,
    startsAt: zonedToUtc(input.start, input.time_zone),
    endsAt: zonedToUtc(input.end, input.time_zone),
    seriesEndsAt: zonedToUtc(lastEnd, input.time_zone),
    overrides,
    occurrences,
  };
}

export const scheduleOf = (m: MeetingRecord): Schedule =>
  schedule({ start: m.start_local, end: m.end_local, time_zone: m.time_zone, recurrence: m.rrule, exceptions: m.exceptions, overrides: m.overrides });

/** The columns a meeting's schedule is stored in (what scheduleOf reads back), for a new meeting and a change alike. */
export const scheduleColumns = (s: Schedule) => ({
  start_local: s.start,
  end_local: s.end,
  time_zone: s.timeZone,
  rrule: s.rule?.value ?? null,
  exceptions: s.exceptions,
  overrides: s.overrides,
  starts_at: s.startsAt,
  ends_at: s.endsAt,
  series_ends_at: s.seriesEndsAt,
});

/** The occurrences of a meeting in [from, to) as UTC instants (one that is running at `from` is included). */
export function occurrencesBetween(s: Schedule, from: Date, to: Date): { startsAt: Date; endsAt: Date; title?: string | undefined }[] {
  return seriesOccurrences(s)
    .map((o) => ({ startsAt: zonedToUtc(o.start, s.timeZone), endsAt: zonedToUtc(o.end, s.timeZone), title: o.title }))
    .filter((o) => o.endsAt > from && o.startsAt < to);
}

export interface Links {
  base: string;
  roomUrl(roomId: string): string;
  inviteUrl(code: string): string;
}

export const linksFor = (base: string): Links => ({
  base,
  roomUrl: (roomId) => `${base}/rooms/${roomId}`,
  inviteUrl: (code) => `${base}/invite/${code}`,
});

export const joinUrlOf = (links: Links, roomId: string, invitee: Pick<InviteeRow, 'invite_code'> | undefined) =>
  invitee?.invite_code ? links.inviteUrl(invitee.invite_code) : links.roomUrl(roomId);

/** A meeting as a signed-in account sees it (`join_url`: the room, where it joins as itself). */
export function meetingView(m: MeetingRecord, invitees: readonly InviteeRow[], links: Links, viewer: { canManage: boolean }): Meeting {
  return {
    id: m.id,
    room_id: m.room_id,
    room_name: m.room_name,
    organizer: { id: m.organizer_id, name: m.organizer_name },
    title: m.title,
    description: m.description,
    start: m.start_local,
    end: m.end_local,
    time_zone: m.time_zone,
    starts_at: new Date(m.starts_at).toISOString(),
    ends_at: new Date(m.ends_at).toISOString(),
    recurrence: m.rrule,
    exceptions: m.exceptions,
    overrides: m.overrides,
    waiting_room: m.waiting_room,
    password_required: m.password_required,
    sequence: m.sequence,
    cancelled: m.cancelled_at !== null,
    invitees: invitees.map((i) => ({
      email: i.email,
      name: i.display_name,
      language: i.language,
      kind: i.user_id ? ('account' as const) : ('external' as const),
      user_id: i.user_id,
      invite_url: viewer.canManage && i.invite_code ? links.inviteUrl(i.invite_code) : null,
    })),
    can_manage: viewer.canManage,
    join_url: links.roomUrl(m.room_id),
    created_at: new Date(m.created_at).toISOString(),
    updated_at: new Date(m.updated_at).toISOString(),
  };
}

const descriptionStrings: Record<MeetingLanguage, { join: string; phone: string; id: string; pin: string }> = {
  de: { join: 'Teilnehmen', phone: 'Per Telefon', id: 'Konferenz-ID', pin: 'PIN' },
  en: { join: 'Join', phone: 'By phone', id: 'Meeting ID', pin: 'PIN' },
};

/** The event of a meeting as one recipient gets it: their join link in URL, LOCATION and DESCRIPTION. */
export function icsEvent(
  m: MeetingRecord,
  s: Schedule,
  invitees: readonly InviteeRow[],
  opts: {
    host: string;
    joinUrl: string;
    organizerEmail: string;
    dialIn: { number: string; id: string; pin: string } | null;
    language: MeetingLanguage;
    stamp: Date;
    cancelled?: boolean;
    reminderMinutes?: number;
    /** The agenda as plain text (`agendaText`), for a committee session. */
    agenda?: string;
  },
): IcsEvent {
  const t = descriptionStrings[opts.language];
  const phone = opts.dialIn ? `${t.phone}: ${opts.dialIn.number}, ${t.id} ${opts.dialIn.id}, ${t.pin} ${opts.dialIn.pin}` : null;
  const description = [m.description, opts.agenda, `${t.join}: ${opts.joinUrl}`, phone].filter((x): x is string => !!x).join('\n\n');
  return {
    uid: `${m.id}@${opts.host}`,
    sequence: m.sequence,
    title: m.title,
    description,
    location: phone ? `${opts.joinUrl} (${phone})` : opts.joinUrl,
    url: opts.joinUrl,
    start: s.start,
    end: s.end,
    timeZone: s.timeZone,
    rule: s.rule,
    exceptions: s.exceptions,
    overrides: s.overrides,
    organizer: { email: opts.organizerEmail, name: m.organizer_name },
    attendees: invitees.map((i) => ({ email: i.email, name: i.display_name })),
    cancelled: opts.cancelled ?? m.cancelled_at !== null,
    ...(opts.reminderMinutes ? { reminderMinutes: opts.reminderMinutes } : {}),
    stamp: opts.stamp,
    created: new Date(m.created_at),
    modified: new Date(m.updated_at),
  };
}

export const invitationIcs = (method: 'REQUEST' | 'CANCEL', event: IcsEvent) => calendar(method, [event]);
