import type { MeetingLanguage } from '@plenum/protocol';
import { agendaHeading, agendaStrings, type InvitationAgendaItem } from './agenda.ts';
import { reportPdf } from '../../reports/pdf.ts';

/**
 * The agenda of a committee session as a PDF attached to its invitation (pdfkit with DejaVu, like the attendance
 * and vote reports): the meeting's title, date, room and organizer, then the items as the recipient may read
 * them (`agendaFor`: non-public ones marked, their motion left out for external guests).
 */

const labels = {
  de: { when: 'Termin', room: 'Raum', organizer: 'Einladung von', file: 'Tagesordnung.pdf' },
  en: { when: 'Date', room: 'Room', organizer: 'Invited by', file: 'Agenda.pdf' },
} as const satisfies Record<MeetingLanguage, Record<string, string>>;

export const agendaPdfName = (language: MeetingLanguage) => labels[language].file;

export function agendaPdf(
  input: { title: string; when: string; roomName: string; organizerName: string; items: readonly InvitationAgendaItem[] },
  language: MeetingLanguage,
): Promise<Buffer> {
  const t = { ...agendaStrings[language], ...labels[language] };
  const { doc, body, strong, left, width, done } = reportPdf({ title: `${t.agenda} – ${input.title}`, margin: 56, lang: language });
  doc.font(strong).fontSize(18).text(t.agenda, left, undefined, { width });
  doc.font(strong).fontSize(14).text(input.title, { width });
  doc.moveDown(0.5);
  doc.fontSize(11);
  for (const [label, value] of [
    [t.when, input.when],
    [t.room, input.roomName],
    [t.organizer, input.organizerName],
  ] as const) {
    doc.font(strong).text(`${label}: `, { continued: true }).font(body).text(value);
  }
  doc.moveDown(1);
  for (const item of input.items) {
    doc.font(strong).fontSize(12).text(agendaHeading(item, language), left, undefined, { width });
    if (item.motion) doc.font(body).fontSize(11).text(`${t.motion}: ${item.motion}`, left + 18, undefined, { width: width - 18 });
    doc.x = left;
    doc.moveDown(0.6);
  }
  doc.end();
  return done;
}
