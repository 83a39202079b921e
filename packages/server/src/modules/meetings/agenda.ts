import type { AgendaItem, MeetingLanguage } from '@plenum/protocol';

/**
 * The agenda of a committee session as an invitation carries it (issue #16 point 5): the room's agenda items in
 * their order, numbered; public items with their motion, non-public ones marked as such. External guests (no
 * account, a personal invite link) never get the motion of a non-public item: they read the mail outside the
 * administration, and the item is discussed without the public.
 */

export interface InvitationAgendaItem {
  number: number;
  title: string;
  public: boolean;
  /** null when there is none, or when the reader may not see it. */
  motion: string | null;
}

export const agendaStrings = {
  de: { agenda: 'Tagesordnung', nonPublic: 'nicht öffentlich', motion: 'Beschlussvorschlag' },
  en: { agenda: 'Agenda', nonPublic: 'non-public', motion: 'Motion' },
} as const satisfies Record<MeetingLanguage, { agenda: string; nonPublic: string; motion: string }>;

/** The items one reader gets: `guest` (external) leaves out the motions of non-public items. */
export function agendaFor(items: readonly AgendaItem[], reader: { guest: boolean }): InvitationAgendaItem[] {
  return [...items]
    .sort((a, b) => a.position - b.position)
    .map((item, i) => ({
      number: i + 1,
      title: item.title,
      public: item.public,
      motion: item.motion && (item.public || !reader.guest) ? item.motion : null,
    }));
}

/** One item's heading: "3. Haushalt 2027 (nicht öffentlich)". */
export const agendaHeading = (item: InvitationAgendaItem, language: MeetingLanguage) =>
  `${item.number}. ${item.title}${item.public ? '' : ` (${agendaStrings[language].nonPublic})`}`;

/** The agenda as plain text (mail body and iCalendar DESCRIPTION); empty for a room without an agenda. */
export function agendaText(items: readonly InvitationAgendaItem[], language: MeetingLanguage): string {
  if (!items.length) return '';
  const t = agendaStrings[language];
  const lines = [`${t.agenda}:`];
  for (const item of items) {
    lines.push(agendaHeading(item, language));
    if (item.motion) lines.push(`   ${t.motion}: ${item.motion.replace(/\r?\n/g, '\n   ')}`);
  }
  return lines.join('\n');
}
