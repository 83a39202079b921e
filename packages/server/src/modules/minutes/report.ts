import type { AgendaItem, MinutesLanguage, MinutesVersionContent, QuorumResult, QuorumRule } from '@plenum/protocol';
import type { Block } from './document.ts';
import { reportPdf } from '../../reports/pdf.ts';

/** The texts of the blocks the server inserts into the minutes, and the PDF of a sealed version, in de/en. */

const TEXT = {
  en: {
    minutes: 'Minutes',
    agenda: 'Agenda',
    noAgenda: 'No agenda items.',
    motion: 'Motion',
    attendance: 'Attendance',
    noAttendance: 'Nobody has attended yet.',
    joined: 'joined',
    left: 'left',
    present: 'present',
    quorum: 'Quorum',
    quorate: 'The committee is quorate.',
    notQuorate: 'The committee is not quorate.',
    quorumLine: (q: QuorumResult) => `${q.present} of ${q.members} voting seats filled, ${q.required} required`,
    rules: { more_than_half: 'more than half', at_least_two_thirds: 'at least two thirds', at_least_count: 'at least a fixed number' },
    rule: 'Rule',
    at: 'As of',
    vote: 'Vote',
    result: 'Result',
    options: { yes: 'Yes', no: 'No', abstain: 'Abstain' } as Record<string, string>,
    kinds: { roll_call: 'roll-call vote', live_roll_call: 'live roll-call vote', pseudonymous: 'pseudonymous vote', secret: 'secret vote' } as Record<string, string>,
    eligibleCast: (e: number, c: number) => `Eligible: ${e}, ballots cast: ${c}`,
    kind: 'Kind',
    closedAt: 'Closed',
    chainHead: 'Chain head (SHA-256)',
    version: 'Version',
    sealedAt: 'Sealed',
    sealedBy: 'Sealed by',
    seal: 'Seal',
    hash: 'Hash (SHA-256)',
    prevHash: 'Previous hash',
    signature: 'Signature (Ed25519)',
    fingerprint: 'Key fingerprint',
    verify: 'Signed message: plenum-minutes:<room>:<version>:<hash>. Public key: /.well-known/plenum-signing-key',
    timeZone: 'Times in',
  },
  de: {
    minutes: 'Niederschrift',
    agenda: 'Tagesordnung',
    noAgenda: 'Keine Tagesordnungspunkte.',
    motion: 'Beschlussvorschlag',
    attendance: 'Anwesenheit',
    noAttendance: 'Bisher niemand anwesend.',
    joined: 'gekommen',
    left: 'gegangen',
    present: 'anwesend',
    quorum: 'Beschlussfähigkeit',
    quorate: 'Das Gremium ist beschlussfähig.',
    notQuorate: 'Das Gremium ist nicht beschlussfähig.',
    quorumLine: (q: QuorumResult) => `${q.present} von ${q.members} stimmberechtigten Sitzen besetzt, ${q.required} erforderlich`,
    rules: { more_than_half: 'mehr als die Hälfte', at_least_two_thirds: 'mindestens zwei Drittel', at_least_count: 'feste Mindestzahl' },
    rule: 'Regel',
    at: 'Stand',
    vote: 'Abstimmung',
    result: 'Ergebnis',
    options: { yes: 'Ja', no: 'Nein', abstain: 'Enthaltung' } as Record<string, string>,
    kinds: { roll_call: 'namentliche Abstimmung', live_roll_call: 'offene namentliche Abstimmung', pseudonymous: 'pseudonyme Abstimmung', secret: 'geheime Abstimmung' } as Record<string, string>,
    eligibleCast: (e: number, c: number) => `Stimmberechtigt: ${e}, abgegebene Stimmen: ${c}`,
    kind: 'Art',
    closedAt: 'Abgeschlossen',
    chainHead: 'Kettenkopf (SHA-256)',
    version: 'Fassung',
    sealedAt: 'Versiegelt',
    sealedBy: 'Versiegelt von',
    seal: 'Siegel',
    hash: 'Hash (SHA-256)',
    prevHash: 'Vorheriger Hash',
    signature: 'Signatur (Ed25519)',
    fingerprint: 'Schlüssel-Fingerabdruck',
    verify: 'Signierte Nachricht: plenum-minutes:<Raum>:<Fassung>:<Hash>. Öffentlicher Schlüssel: /.well-known/plenum-signing-key',
    timeZone: 'Zeiten in',
  },
} as const;

export function minutesTitle(roomName: string, lang: MinutesLanguage): string {
  return `${TEXT[lang].minutes} – ${roomName}`;
}

export function formatTime(d: Date, lang: MinutesLanguage, timeZone: string, withDate = true): string {
  return new Intl.DateTimeFormat(lang === 'de' ? 'de-DE' : 'en-GB', {
    timeZone,
    ...(withDate ? { dateStyle: 'medium' as const } : {}),
    timeStyle: 'short',
  }).format(d);
}

export function agendaBlocks(items: readonly AgendaItem[], lang: MinutesLanguage): Block[] {
  const t = TEXT[lang];
  if (items.length === 0) return [{ type: 'heading', level: 2, text: t.agenda }, { type: 'paragraph', text: t.noAgenda }];
  return [
    { type: 'heading', level: 2, text: t.agenda },
    {
      type: 'bullets',
      items: items.map((item, i) => {
        const parts = [`${i + 1}. ${item.title}`];
        if (item.description) parts.push(item.description);
        if (item.motion) parts.push(`${t.motion}: ${item.motion}`);
        return parts.join(' — ');
      }),
    },
  ];
}

export interface AttendanceLine {
  displayName: string;
  joinedAt: Date;
  leftAt: Date | null;
}

export function attendanceBlocks(entries: readonly AttendanceLine[], lang: MinutesLanguage, timeZone: string, at: Date): Block[] {
  const t = TEXT[lang];
  const head: Block[] = [
    { type: 'heading', level: 2, text: t.attendance },
    { type: 'paragraph', text: `${t.at}: ${formatTime(at, lang, timeZone)} (${t.timeZone} ${timeZone})` },
  ];
  if (entries.length === 0) return [...head, { type: 'paragraph', text: t.noAttendance }];
  return [
    ...head,
    {
      type: 'bullets',
      items: entries.map(
        (e) => `${e.displayName}: ${t.joined} ${formatTime(e.joinedAt, lang, timeZone, false)}, ${e.leftAt ? `${t.left} ${formatTime(e.leftAt, lang, timeZone, false)}` : t.present}`,
      ),
    },
  ];
}

export function quorumBlocks(q: QuorumResult, rule: QuorumRule, lang: MinutesLanguage, timeZone: string, at: Date): Block[] {
  const t = TEXT[lang];
  const ruleText = rule.rule === 'at_least_count' ? `${t.rules.at_least_count} (${rule.count ?? q.members})` : t.rules[rule.rule];
  return [
    { type: 'heading', level: 2, text: `${t.quorum} (${t.at} ${formatTime(at, lang, timeZone)})` },
    { type: 'paragraph', text: q.quorate ? t.quorate : t.notQuorate },
    { type: 'bullets', items: [t.quorumLine(q), `${t.rule}: ${ruleText}`] },
  ];
}

export interface VoteResult {
  title: string;
  kind: string;
  tally: Record<string, number>;
  /** Labels of the options (candidates' names); yes/no/abstain are named in the minutes' language. */
  options?: readonly { id: string; label: string }[];
  eligible: number;
  cast: number;
  chainHead: string;
  closedAt: Date;
}

export function voteBlocks(v: VoteResult, lang: MinutesLanguage, timeZone: string): Block[] {
  const t = TEXT[lang];
  const label = (id: string) => t.options[id] ?? v.options?.find((o) => o.id === id)?.label ?? id;
  const tally = Object.entries(v.tally)
    .map(([option, count]) => `${label(option)}: ${count}`)
    .join(', ');
  return [
    { type: 'heading', level: 2, text: `${t.vote}: ${v.title}` },
    {
      type: 'bullets',
      items: [`${t.result}: ${tally}`, t.eligibleCast(v.eligible, v.cast), `${t.kind}: ${t.kinds[v.kind] ?? v.kind}`, `${t.closedAt}: ${formatTime(v.closedAt, lang, timeZone)}`, `${t.chainHead}: ${v.chainHead}`],
    },
  ];
}

// ── PDF ────────────────────────────────────────────────────────────────────────

export interface SealedVersionPdf {
  content: MinutesVersionContent;
  prevHash: string;
  hash: string;
  signature: string;
  keyFingerprint: string;
  lang: MinutesLanguage;
  timeZone: string;
}

export function minutesPdf(input: SealedVersionPdf): Promise<Buffer> {
  const t = TEXT[input.lang];
  const { content } = input;
  const { doc, body, strong, mono, left, width, done } = reportPdf({ title: content.title });
  doc.font(strong).fontSize(18).text(content.title, left, undefined, { width });
  doc.moveDown(0.4);
  doc.fontSize(10);
  const meta: [string, string][] = [
    [t.version, String(content.version)],
    [t.sealedAt, `${formatTime(new Date(content.sealed_at), input.lang, input.timeZone)} (${input.timeZone})`],
    [t.sealedBy, content.sealed_by.display_name],
  ];
  for (const [label, value] of meta) doc.font(strong).text(`${label}: `, { continued: true }).font(body).text(value);
  doc.moveDown(0.8);

  for (const block of content.blocks) {
    switch (block.type) {
      case 'heading': {
        const size = block.level === 1 ? 16 : block.level === 2 ? 13.5 : 12;
        doc.moveDown(0.4).font(strong).fontSize(size).text(block.text, left, undefined, { width });
        doc.moveDown(0.2);
        break;
      }
      case 'list_item':
        doc.font(body).fontSize(11).text(`•  ${block.text}`, left + 12, undefined, { width: width - 12 });
        break;
      case 'rule':
        doc.moveDown(0.3).moveTo(left, doc.y).lineTo(left + width, doc.y).lineWidth(0.5).strokeColor('#999999').stroke();
        doc.moveDown(0.3);
        break;
      default:
        doc.font(body).fontSize(11).text(block.text || ' ', left, undefined, { width });
        doc.moveDown(0.3);
    }
  }

  doc.moveDown(1.2);
  doc.moveTo(left, doc.y).lineTo(left + width, doc.y).lineWidth(0.8).strokeColor('#333333').stroke();
  doc.moveDown(0.5);
  doc.font(strong).fontSize(12).text(t.seal, left, undefined, { width });
  doc.moveDown(0.3);
  const seal: [string, string][] = [
    [t.version, String(content.version)],
    [t.hash, input.hash],
    [t.prevHash, input.prevHash],
    [t.signature, input.signature],
    [t.fingerprint, input.keyFingerprint],
  ];
  for (const [label, value] of seal) {
    doc.font(strong).fontSize(9).text(label, left, undefined, { width });
    doc.font(mono).fontSize(7.5).text(value, left, undefined, { width });
    doc.moveDown(0.2);
  }
  doc.moveDown(0.3);
  doc.font(body).fontSize(8).fillColor('#444444').text(t.verify, left, undefined, { width });
  doc.end();
  return done;
}
