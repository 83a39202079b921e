import { z } from 'zod';
import { AgendaItem } from './agenda.ts';
import { defineProtocol } from './feature.ts';
import { singleLine, text } from './text.ts';

/**
 * Planned meetings (issue #16): a meeting of a room in time — title, description, start and end as wall-clock
 * times in an IANA time zone, an optional RFC 5545 recurrence (bounded by COUNT or UNTIL) with exceptions, and
 * invitees (accounts by e-mail, external guests by e-mail, who each get a personal invite link). Invitations go
 * out by e-mail with an iCalendar entry; each account can subscribe to its own calendar feed.
 */

/** At most this many invitees per meeting (a council with its administration fits several times over). */
export const MAX_INVITEES = 500;
/** At most this many occurrences of one series (and exceptions). */
export const MAX_OCCURRENCES = 1000;
export const DEFAULT_MEETING_TIME_ZONE = 'Europe/Berlin';

let zones: Set<string> | undefined;
/** IANA time zones this runtime knows (and UTC, which `Intl.supportedValuesOf` lists only as an alias in some). */
export function isTimeZone(value: string): boolean {
  zones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC']);
  return zones.has(value);
}

export const MeetingTimeZone = z
  .string()
  .max(64)
  .refine(isTimeZone, { message: 'unknown time zone: expected an IANA name such as Europe/Berlin' })
  .describe('IANA time zone, e.g. Europe/Berlin');

/** A wall-clock time in the meeting's time zone: `YYYY-MM-DDTHH:MM` (seconds are not planned). */
export const LocalDateTime = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d$/, 'expected YYYY-MM-DDTHH:MM (wall-clock time in the time zone)')
  .refine((v) => !Number.isNaN(Date.parse(`${v}:00Z`)) && new Date(`${v}:00Z`).toISOString().startsWith(v), { message: 'no such date' });

/**
 * An RFC 5545 RRULE value (`FREQ=WEEKLY;BYDAY=TU;COUNT=10`, optionally with the `RRULE:` prefix). The server
 * parses it; a rule without COUNT or UNTIL (one that never ends) is refused, as are rules finer than daily.
 */
export const RecurrenceRule = z
  .string()
  .max(500)
  .regex(/^(RRULE:)?[A-Z]+=[A-Z0-9,+\-:]+(;[A-Z]+=[A-Z0-9,+\-:]+)*$/i, 'expected an RRULE such as FREQ=WEEKLY;BYDAY=TU;COUNT=10');

export const MeetingLanguage = z.enum(['de', 'en']);
export type MeetingLanguage = z.infer<typeof MeetingLanguage>;

export const InviteeInput = z
  .object({
    /** An account with this e-mail address is invited as that account; anyone else as an external guest. */
    email: z.email().max(254),
    name: singleLine(120).optional(),
    /** Language of the invitation mail (default: German). */
    language: MeetingLanguage.optional(),
  })
  .strict();
export type InviteeInput = z.infer<typeof InviteeInput>;

/** One occurrence of a series moved or retitled (RECURRENCE-ID): `occurrence` is its start as the series has it. */
export const OccurrenceOverride = z
  .object({
    occurrence: LocalDateTime,
    start: LocalDateTime,
    end: LocalDateTime,
    title: singleLine(200).optional(),
  })
  .strict()
  .refine((v) => v.end > v.start, { message: 'end must be after start', path: ['end'] });
export type OccurrenceOverride = z.infer<typeof OccurrenceOverride>;

const meetingFields = {
  title: singleLine(200),
  description: text({ max: 5000, min: 0, multiline: true }).optional(),
  start: LocalDateTime.describe('start of the (first) occurrence, wall-clock time in time_zone'),
  end: LocalDateTime.describe('end of the (first) occurrence, wall-clock time in time_zone'),
  time_zone: MeetingTimeZone.default(DEFAULT_MEETING_TIME_ZONE),
  recurrence: RecurrenceRule.nullable().optional(),
  /** Occurrences left out of the series: their starts, wall-clock time in time_zone (EXDATE). */
  exceptions: z.array(LocalDateTime).max(MAX_OCCURRENCES).optional(),
  /** Single occurrences moved or retitled; the rest of the series stays. */
  overrides: z.array(OccurrenceOverride).max(MAX_OCCURRENCES).optional(),
  invitees: z.array(InviteeInput).max(MAX_INVITEES, `at most ${MAX_INVITEES} invitees`).optional(),
  waiting_room: z.boolean().optional(),
  password_required: z.boolean().optional(),
};

const endAfterStart = (v: { start?: string | undefined; end?: string | undefined }) => !v.start || !v.end || v.end > v.start;

export const MeetingCreate = z
  .object(meetingFields)
  .strict()
  .refine(endAfterStart, { message: 'end must be after start', path: ['end'] })
  .meta({ id: 'MeetingCreate' });
export type MeetingCreate = z.input<typeof MeetingCreate>;

/** A partial change; `invitees` replaces the list (those left out get a cancellation). */
export const MeetingUpdate = z
  .object({
    ...meetingFields,
    title: meetingFields.title.optional(),
    start: meetingFields.start.optional(),
    end: meetingFields.end.optional(),
    time_zone: MeetingTimeZone.optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: 'at least one field is required' })
  .refine((v) => (v.start === undefined) === (v.end === undefined), { message: 'start and end change together', path: ['end'] })
  .refine(endAfterStart, { message: 'end must be after start', path: ['end'] })
  .meta({ id: 'MeetingUpdate' });
export type MeetingUpdate = z.input<typeof MeetingUpdate>;

export const MeetingInvitee = z
  .object({
    email: z.string(),
    name: z.string().nullable(),
    language: MeetingLanguage,
    kind: z.enum(['account', 'external']),
    /** The account, when the e-mail address is one's. */
    user_id: z.uuid().nullable(),
    /** External guests only: their personal invite link (the guest landing page with its code); null for others. */
    invite_url: z.string().nullable(),
  })
  .meta({ id: 'MeetingInvitee' });
export type MeetingInvitee = z.infer<typeof MeetingInvitee>;

export const Meeting = z
  .object({
    id: z.uuid(),
    room_id: z.uuid(),
    room_name: z.string(),
    organizer: z.object({ id: z.uuid(), name: z.string() }),
    title: z.string(),
    description: z.string(),
    start: LocalDateTime,
    end: LocalDateTime,
    time_zone: z.string(),
    /** The first occurrence, in UTC. */
    starts_at: z.iso.datetime(),
    ends_at: z.iso.datetime(),
    recurrence: z.string().nullable(),
    exceptions: z.array(LocalDateTime),
    overrides: z.array(z.object({ occurrence: LocalDateTime, start: LocalDateTime, end: LocalDateTime, title: z.string().optional() })),
    waiting_room: z.boolean(),
    password_required: z.boolean(),
    /** iCalendar SEQUENCE: 0 when created, one more with each update and the cancellation. */
    sequence: z.number().int().nonnegative(),
    cancelled: z.boolean(),
    /** Owners and admins see the invitees with their links; invitees see names only (invite_url null). */
    invitees: z.array(MeetingInvitee),
    can_manage: z.boolean(),
    join_url: z.string(),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
  })
  .meta({ id: 'Meeting' });
export type Meeting = z.infer<typeof Meeting>;

/**
 * `GET /v1/meetings/{id}`: the meeting page — the meeting and, for a committee session, its room's agenda
 * (committee preparation; empty for a room without one). Only the organizer, the room's owner, admins and
 * invitees read it (accounts all: the motions of non-public items included).
 */
export const MeetingDetails = Meeting.extend({ agenda: z.array(AgendaItem) }).meta({ id: 'MeetingDetails' });
export type MeetingDetails = z.infer<typeof MeetingDetails>;

/**
 * What became of each invitation: `sent` by SMTP, `failed` (the mail server refused; the text is there to copy),
 * `not_sent` (no SMTP configured: the text is there to copy).
 */
export const InvitationDelivery = z
  .object({
    email: z.string(),
    language: MeetingLanguage,
    method: z.enum(['REQUEST', 'CANCEL']),
    status: z.enum(['sent', 'failed', 'not_sent']),
    join_url: z.string(),
    subject: z.string(),
    /** The plain-text invitation, for copying; null once sent. */
    text: z.string().nullable(),
  })
  .meta({ id: 'InvitationDelivery' });
export type InvitationDelivery = z.infer<typeof InvitationDelivery>;

export const MeetingWithDeliveries = z
  .object({ meeting: Meeting, invitations: z.array(InvitationDelivery) })
  .meta({ id: 'MeetingWithDeliveries' });
export type MeetingWithDeliveries = z.infer<typeof MeetingWithDeliveries>;

export const PlannedMeetingList = z.object({ meetings: z.array(Meeting) }).meta({ id: 'PlannedMeetingList' });
export type PlannedMeetingList = z.infer<typeof PlannedMeetingList>;

/** One occurrence of a planned meeting, for the dashboard. */
export const MeetingOccurrence = z
  .object({
    meeting_id: z.uuid(),
    room_id: z.uuid(),
    room_name: z.string(),
    title: z.string(),
    starts_at: z.iso.datetime(),
    ends_at: z.iso.datetime(),
    time_zone: z.string(),
    recurring: z.boolean(),
    /** The caller's part: organizer (or the room's owner/admin) or invitee. */
    role: z.enum(['organizer', 'invitee']),
    join_url: z.string(),
  })
  .meta({ id: 'MeetingOccurrence' });
export type MeetingOccurrence = z.infer<typeof MeetingOccurrence>;

export const UpcomingQuery = z
  .object({
    from: z.iso.datetime({ offset: true }).optional().describe('default: now'),
    days: z.coerce.number().int().min(1).max(366).default(60),
  })
  .strict();

export const UpcomingList = z.object({ occurrences: z.array(MeetingOccurrence) }).meta({ id: 'UpcomingMeetings' });
export type UpcomingList = z.infer<typeof UpcomingList>;

/** `GET/POST /v1/calendar-feed`: the caller's own feed. The URL (with its secret token) is shown only when made. */
export const CalendarFeed = z
  .object({
    active: z.boolean(),
    created_at: z.iso.datetime().nullable(),
    /** Only in the answer to POST: the subscription URL with the secret token (not stored in the clear). */
    url: z.string().nullable(),
  })
  .meta({ id: 'CalendarFeed' });
export type CalendarFeed = z.infer<typeof CalendarFeed>;

export const CalendarFeedToken = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'not a feed token');

// ── signaling namespace `meetings` ──────────────────────────────────────────

export const MEETINGS_NAMESPACE = 'meetings';
/** Everyone in the room: the room's planned meeting now or next (title and times), answered with `planned`. */
export const MeetingsGetPlanned = z.object({ action: z.literal('get_planned') }).strict();
export const MeetingsCommand = z.discriminatedUnion('action', [MeetingsGetPlanned]);
export type MeetingsCommand = z.infer<typeof MeetingsCommand>;
export const MeetingsPlanned = z.object({
  message: z.literal('planned'),
  occurrence: z.object({ meeting_id: z.uuid(), title: z.string(), starts_at: z.iso.datetime(), ends_at: z.iso.datetime() }).nullable(),
});
export const MeetingsMessage = z.discriminatedUnion('message', [MeetingsPlanned]);
export type MeetingsMessage = z.infer<typeof MeetingsMessage>;
export const MeetingsSnapshot = z.object({}).strict();

export const meetingsProtocol = defineProtocol({
  namespace: MEETINGS_NAMESPACE,
  commands: MeetingsCommand,
  messages: MeetingsMessage,
  snapshot: MeetingsSnapshot,
});
