import type { ParticipantKind } from '@plenum/protocol';
import { stringify } from 'csv-stringify/sync';
import type { ReportLanguage } from '../../reports/language.ts';
import { reportPdf } from '../../reports/pdf.ts';

/** The attendance report of one meeting as CSV (RFC 4180) and PDF, in German or English. */

export interface ReportEntry {
  displayName: string;
  kind: ParticipantKind;
  joinedAt: Date;
  leftAt: Date | null;
}

export interface ReportInput {
  roomName: string;
  startedAt: Date;
  endedAt: Date | null;
  entries: readonly ReportEntry[];
  lang: ReportLanguage;
  /** IANA time zone the times are shown in. */
  timeZone: string;
}

const TEXT = {
  en: {
    title: 'Attendance report',
    room: 'Room',
    start: 'Meeting start',
    end: 'Meeting end',
    ongoing: 'still going on',
    name: 'Name',
    kind: 'Kind',
    joined: 'Joined',
    left: 'Left',
    duration: 'Duration',
    durationMinutes: 'Duration (minutes)',
    present: 'present',
    people: 'Entries',
    timeZone: 'Times in',
    kinds: { user: 'User', guest: 'Guest', sip: 'Phone', recorder: 'Recorder' },
  },
  de: {
    title: 'Anwesenheitsliste',
    room: 'Raum',
    start: 'Beginn der Sitzung',
    end: 'Ende der Sitzung',
    ongoing: 'läuft noch',
    name: 'Name',
    kind: 'Art',
    joined: 'Beigetreten',
    left: 'Verlassen',
    duration: 'Dauer',
    durationMinutes: 'Dauer (Minuten)',
    present: 'anwesend',
    people: 'Einträge',
    timeZone: 'Zeiten in',
    kinds: { user: 'Benutzer', guest: 'Gast', sip: 'Telefon', recorder: 'Aufzeichnung' },
  },
} as const satisfies Record<ReportLanguage, unknown>;

function formatTime(d: Date, input: Pick<ReportInput, 'lang' | 'timeZone'>): string {
  return new Intl.DateTimeFormat(input.lang === 'de' ? 'de-DE' : 'en-GB', {
    timeZone: input.timeZone,
    dateStyle: 'medium',
    timeStyle: 'medium',
  }).format(d);
}

function durationMs(e: ReportEntry, input: ReportInput): number | null {
  const end = e.leftAt ?? input.endedAt;
  return end ? Math.max(0, end.getTime() - e.joinedAt.getTime()) : null;
}

/** h:mm:ss */
function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * A display name is chosen by the participant (guests type it): a cell starting with = + - @ (or a tab or
 * carriage return) would be run as a formula by spreadsheet programs, so it gets a leading apostrophe.
 */
export function neutraliseFormula(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

export function attendanceCsv(input: ReportInput): string {
  const t = TEXT[input.lang];
  const rows = input.entries.map((e) => {
    const ms = durationMs(e, input);
    return [
      neutraliseFormula(e.displayName),
      t.kinds[e.kind],
      e.joinedAt.toISOString(),
      e.leftAt ? e.leftAt.toISOString() : '',
      ms === null ? '' : (ms / 60_000).toFixed(1),
    ];
  });
  // The BOM lets spreadsheet programs read the UTF-8 names (umlauts) correctly.
  return '\uFEFF' + stringify([[t.name, t.kind, t.joined, t.left, t.durationMinutes], ...rows], { record_delimiter: 'windows' });
}

export function attendancePdf(input: ReportInput): Promise<Buffer> {
  const t = TEXT[input.lang];
  const { doc, body, strong, left, width, done } = reportPdf({ title: `${t.title} – ${input.roomName}` });
  doc.font(strong).fontSize(18).text(t.title, left, undefined, { width });
  doc.moveDown(0.5);
  doc.font(body).fontSize(11);
  const meta: [string, string][] = [
    [t.room, input.roomName],
    [t.start, formatTime(input.startedAt, input)],
    [t.end, input.endedAt ? formatTime(input.endedAt, input) : t.ongoing],
    [t.people, String(input.entries.length)],
    [t.timeZone, input.timeZone],
  ];
  for (const [label, value] of meta) {
    doc.font(strong).text(`${label}: `, { continued: true }).font(body).text(value);
  }
  doc.moveDown(1);

  // Columns: name, kind, joined, left, duration (fractions of the usable width).
  const fractions = [0.27, 0.16, 0.22, 0.22, 0.13];
  const columns = fractions.map((f) => f * width);
  const xs = columns.map((_, i) => left + columns.slice(0, i).reduce((a, b) => a + b, 0));
  const drawRow = (cells: string[], font: string) => {
    doc.font(font).fontSize(9);
    const height = Math.max(...cells.map((c, i) => doc.heightOfString(c, { width: columns[i]! - 6 }))) + 6;
    if (doc.y + height > doc.page.height - doc.page.margins.bottom) doc.addPage();
    const y = doc.y;
    cells.forEach((c, i) => doc.text(c, xs[i]! + 3, y + 3, { width: columns[i]! - 6 }));
    doc
      .moveTo(left, y + height)
      .lineTo(left + width, y + height)
      .lineWidth(0.5)
      .strokeColor('#999999')
      .stroke();
    doc.x = left;
    doc.y = y + height;
  };
  drawRow([t.name, t.kind, t.joined, t.left, t.duration], strong);
  for (const e of input.entries) {
    const ms = durationMs(e, input);
    drawRow(
      [e.displayName, t.kinds[e.kind], formatTime(e.joinedAt, input), e.leftAt ? formatTime(e.leftAt, input) : t.present, ms === null ? '–' : formatDuration(ms)],
      body,
    );
  }
  doc.end();
  return done;
}
