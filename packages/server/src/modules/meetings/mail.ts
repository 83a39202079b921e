import type { MeetingLanguage } from '@plenum/protocol';
import nodemailer from 'nodemailer';
import type { Config } from '../../config.ts';
import { agendaHeading, agendaStrings, agendaText, type InvitationAgendaItem } from './agenda.ts';
import { zonedToUtc, type ParsedRule } from './time.ts';

/**
 * Invitation mails: an HTML and a plain-text part in the invitee's language with the join link (a personal
 * invite link for external guests) and, when telephone dial-in is configured, the number, the room's dial-in ID
 * and PIN; the iCalendar object rides along as the text/calendar alternative iTIP expects (Outlook, Thunderbird)
 * and as an `invite.ics` attachment.
 */

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  ics: string;
  method: 'REQUEST' | 'CANCEL';
  /** Further files, e.g. a committee session's agenda as PDF. */
  attachments?: readonly { filename: string; content: Buffer; contentType: string }[];
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** The SMTP mailer of the configuration; undefined without SMTP_HOST. Credentials stay in the transport (never logged). */
export function smtpMailer(config: Config['smtp']): Mailer | undefined {
  if (!config) return undefined;
  const transport = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure,
    ...(config.user && config.password ? { auth: { user: config.user, pass: config.password } } : {}),
    // A council's 500 invitations go through a few reused connections, not 500 at once.
    pool: true,
    maxConnections: 3,
    maxMessages: 100,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  });
  return {
    async send(mail) {
      const contentType = `text/calendar; charset=utf-8; method=${mail.method}`;
      await transport.sendMail({
        from: config.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        icalEvent: { method: mail.method, content: mail.ics, filename: 'invite.ics' },
        attachments: [{ filename: 'invite.ics', content: mail.ics, contentType }, ...(mail.attachments ?? [])],
      });
    },
    close: () => transport.close(),
  };
}

export interface InvitationFacts {
  title: string;
  description: string;
  roomName: string;
  organizerName: string;
  start: string;
  end: string;
  timeZone: string;
  rule: ParsedRule | null;
  /** Every occurrence as it takes place (exceptions left out, single changes applied). */
  occurrences: readonly { start: string; end: string; title?: string | undefined }[];
  joinUrl: string;
  waitingRoom: boolean;
  passwordRequired: boolean;
  dialIn: { number: string; id: string; pin: string } | null;
  method: 'REQUEST' | 'CANCEL';
  /** An update of an earlier invitation (SEQUENCE > 0). */
  updated: boolean;
  /** The room's agenda as this recipient may read it (a committee session); empty: none. */
  agenda: readonly InvitationAgendaItem[];
}

const strings = {
  de: {
    invitation: 'Einladung',
    updated: 'Geändert',
    cancelled: 'Abgesagt',
    intro: (organizer: string) => `${organizer} lädt Sie zu einer Videokonferenz ein.`,
    introUpdated: (organizer: string) => `${organizer} hat die Videokonferenz geändert.`,
    introCancelled: (organizer: string) => `${organizer} hat die Videokonferenz abgesagt.`,
    when: 'Wann',
    room: 'Raum',
    join: 'Teilnehmen',
    joinHint: 'Öffnen Sie den Link kurz vor Beginn im Browser.',
    personal: 'Dieser Link ist persönlich für Sie; bitte nicht weitergeben.',
    phone: 'Per Telefon',
    dialInId: 'Konferenz-ID',
    pin: 'PIN',
    waitingRoom: 'Ein Warteraum ist eingerichtet: die Moderation lässt Sie ein.',
    password: 'Die Teilnahme erfordert ein Passwort, das Ihnen die Einladenden mitteilen.',
    recurring: 'Serientermin',
    next: 'Termine',
    more: (n: number) => `und ${n} weitere`,
    locale: 'de-DE',
  },
  en: {
    invitation: 'Invitation',
    updated: 'Updated',
    cancelled: 'Cancelled',
    intro: (organizer: string) => `${organizer} invites you to a video conference.`,
    introUpdated: (organizer: string) => `${organizer} has changed the video conference.`,
    introCancelled: (organizer: string) => `${organizer} has cancelled the video conference.`,
    when: 'When',
    room: 'Room',
    join: 'Join',
    joinHint: 'Open the link in your browser shortly before the start.',
    personal: 'This link is personal to you; please do not pass it on.',
    phone: 'By phone',
    dialInId: 'Meeting ID',
    pin: 'PIN',
    waitingRoom: 'There is a waiting room: the moderators will let you in.',
    password: 'Joining needs a password, which the organizers will give you.',
    recurring: 'Recurring meeting',
    next: 'Dates',
    more: (n: number) => `and ${n} more`,
    locale: 'en-GB',
  },
} as const;

/** "Dienstag, 24. März 2026, 18:00–20:00 (Europe/Berlin)" in the meeting's zone. */
export function formatWhen(start: string, end: string, zone: string, language: MeetingLanguage): string {
  const locale = strings[language].locale;
  const s = zonedToUtc(start, zone);
  const e = zonedToUtc(end, zone);
  const day = new Intl.DateTimeFormat(locale, { timeZone: zone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
  const time = new Intl.DateTimeFormat(locale, { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const sameDay = start.slice(0, 10) === end.slice(0, 10);
  return sameDay ? `${day.format(s)}, ${time.format(s)}–${time.format(e)} (${zone})` : `${day.format(s)}, ${time.format(s)} – ${day.format(e)}, ${time.format(e)} (${zone})`;
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

export function invitationMail(f: InvitationFacts, language: MeetingLanguage, personalLink: boolean): { subject: string; text: string; html: string } {
  const t = strings[language];
  const prefix = f.method === 'CANCEL' ? t.cancelled : f.updated ? t.updated : t.invitation;
  const subject = `${prefix}: ${f.title} – ${formatWhen(f.start, f.end, f.timeZone, language)}`;
  const intro = f.method === 'CANCEL' ? t.introCancelled(f.organizerName) : f.updated ? t.introUpdated(f.organizerName) : t.intro(f.organizerName);
  const dates = f.rule ? f.occurrences.map((o) => `${formatWhen(o.start, o.end, f.timeZone, language)}${o.title ? ` – ${o.title}` : ''}`) : [];
  const shown = dates.slice(0, 10);
  const rows: [string, string][] = [
    [t.when, formatWhen(f.start, f.end, f.timeZone, language)],
    [t.room, f.roomName],
  ];
  if (f.rule) rows.push([t.recurring, [...shown, ...(dates.length > shown.length ? [t.more(dates.length - shown.length)] : [])].join('\n')]);
  const phone = f.dialIn ? `${t.phone}: ${f.dialIn.number}, ${t.dialInId} ${f.dialIn.id}, ${t.pin} ${f.dialIn.pin}` : null;
  const notes: string[] = [...(f.waitingRoom ? [t.waitingRoom] : []), ...(f.passwordRequired ? [t.password] : [])];

  const text = [
    intro,
    '',
    f.title,
    ...(f.description ? ['', f.description] : []),
    '',
    ...rows.map(([k, v]) => `${k}: ${v.replace(/\n/g, '\n  ')}`),
    ...(f.agenda.length ? ['', agendaText(f.agenda, language)] : []),
    ...(f.method === 'CANCEL' ? [] : ['', `${t.join}: ${f.joinUrl}`, t.joinHint, ...(personalLink ? [t.personal] : []), ...(phone ? ['', phone] : []), ...(notes.length ? ['', ...notes] : [])]),
    '',
  ].join('\n');

  const p = (s: string) => `<p>${escapeHtml(s).replace(/\n/g, '<br>')}</p>`;
  const html = [
    `<!doctype html><html lang="${language}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body style="font-family:sans-serif;line-height:1.5">`,
    p(intro),
    `<h1 style="font-size:1.3em">${escapeHtml(f.title)}</h1>`,
    ...(f.description ? [p(f.description)] : []),
    `<table>${rows.map(([k, v]) => `<tr><th style="text-align:left;vertical-align:top;padding-right:1em">${escapeHtml(k)}</th><td>${escapeHtml(v).replace(/\n/g, '<br>')}</td></tr>`).join('')}</table>`,
    ...(f.agenda.length ? [agendaHtml(f.agenda, language)] : []),
    ...(f.method === 'CANCEL'
      ? []
      : [
          `<p><a href="${escapeHtml(f.joinUrl)}" style="display:inline-block;padding:.5em 1em;background:#0b5cad;color:#fff;text-decoration:none;border-radius:4px">${escapeHtml(t.join)}</a></p>`,
          p(`${t.joinHint}${personalLink ? ` ${t.personal}` : ''}`),
          `<p style="font-size:.9em">${escapeHtml(f.joinUrl)}</p>`,
          ...(phone ? [p(phone)] : []),
          ...notes.map(p),
        ]),
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

function agendaHtml(items: readonly InvitationAgendaItem[], language: MeetingLanguage): string {
  const t = agendaStrings[language];
  const li = items.map((item) => {
    const motion = item.motion ? `<br><span style="font-size:.9em">${escapeHtml(t.motion)}: ${escapeHtml(item.motion).replace(/\n/g, '<br>')}</span>` : '';
    return `<li>${escapeHtml(agendaHeading(item, language))}${motion}</li>`;
  });
  return `<h2 style="font-size:1.1em">${escapeHtml(t.agenda)}</h2><ol style="list-style:none;padding-left:0">${li.join('')}</ol>`;
}
