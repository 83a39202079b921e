import type { EligibleVoter, LegalVoteExport, LegalVoteInfo, NamedBallot, TokenBallot } from '@plenum/protocol';
import type { ReportLanguage } from '../../reports/language.ts';
import type { FinalResultsData, VoteEventContent } from './rules.ts';
import { reportPdf } from '../../reports/pdf.ts';

/** The PDF report of one vote, in German or English, built from its export (the same data the verifier reads). */

export interface VoteReportInput {
  export: LegalVoteExport;
  roomName: string | null;
  agendaItemTitle: string | null;
  lang: ReportLanguage;
  timeZone: string;
  /** Where the deployment publishes its signing key (`<public URL>/.well-known/plenum-signing-key`), for the verify line. */
  keyUrl: string;
}

const TEXT = {
  en: {
    title: 'Vote record',
    room: 'Room',
    agendaItem: 'Agenda item',
    none: '—',
    kind: 'Kind',
    kinds: { roll_call: 'Roll call (named)', live_roll_call: 'Roll call (named, live)', pseudonymous: 'Pseudonymous (receipt tokens)', secret: 'Secret' },
    state: 'State',
    states: { open: 'open', closed: 'closed', cancelled: 'cancelled' },
    chair: 'Chair',
    opened: 'Opened',
    closed: 'Closed',
    quorum: 'Quorum',
    quorate: (p: number, r: number, m: number) => `reached: ${p} of ${m} seats present, ${r} required`,
    notQuorate: (p: number, r: number, m: number) => `NOT reached (${p} of ${m} present, ${r} required); started anyway by the chair`,
    noRoster: 'no roster',
    eligible: 'Eligible voters',
    substitutes: 'deputy for',
    proxyHeld: 'ballot cast by proxy',
    result: 'Result',
    option: 'Option',
    votes: 'Votes',
    cast: 'Ballots cast',
    stopReason: 'Closed because',
    stopReasons: { chair: 'the chair closed the vote', expired: 'the voting time ran out', all_voted: 'every eligible voter had voted' },
    ballots: 'Ballots',
    name: 'Name',
    choice: 'Choice',
    tokens: 'Receipt tokens',
    token: 'Token',
    cancelled: 'Cancelled',
    reason: 'Reason',
    issues: 'Reported issues',
    delegations: 'Proxies',
    delegatedTo: 'gave their vote to',
    revoked: 'took their proxy back',
    integrity: 'Integrity',
    events: 'Events in the log',
    headHash: 'Chain head (SHA-256)',
    signature: 'Signature (Ed25519)',
    fingerprint: 'Public key fingerprint',
    howToVerify: (fp: string, keyUrl: string) => [`Verify: plenum verify-vote export.json --fingerprint ${fp}`, `(or --key-url ${keyUrl})`] as const,
    timeZone: 'Times in',
    labels: { yes: 'Yes', no: 'No', abstain: 'Abstain' } as Record<string, string>,
  },
  de: {
    title: 'Abstimmungsprotokoll',
    room: 'Raum',
    agendaItem: 'Tagesordnungspunkt',
    none: '—',
    kind: 'Art',
    kinds: { roll_call: 'Namentlich', live_roll_call: 'Namentlich (live sichtbar)', pseudonymous: 'Pseudonym (Quittungs-Token)', secret: 'Geheim' },
    state: 'Status',
    states: { open: 'offen', closed: 'abgeschlossen', cancelled: 'abgebrochen' },
    chair: 'Sitzungsleitung',
    opened: 'Eröffnet',
    closed: 'Geschlossen',
    quorum: 'Beschlussfähigkeit',
    quorate: (p: number, r: number, m: number) => `gegeben: ${p} von ${m} Sitzen anwesend, ${r} erforderlich`,
    notQuorate: (p: number, r: number, m: number) => `NICHT gegeben (${p} von ${m} anwesend, ${r} erforderlich); von der Sitzungsleitung dennoch gestartet`,
    noRoster: 'keine Mitgliederliste',
    eligible: 'Stimmberechtigte',
    substitutes: 'Stellvertretung für',
    proxyHeld: 'Stimme durch Vollmacht abgegeben',
    result: 'Ergebnis',
    option: 'Option',
    votes: 'Stimmen',
    cast: 'Abgegebene Stimmen',
    stopReason: 'Beendet, weil',
    stopReasons: { chair: 'die Sitzungsleitung die Abstimmung schloss', expired: 'die Abstimmungszeit ablief', all_voted: 'alle Stimmberechtigten abgestimmt hatten' },
    ballots: 'Stimmabgaben',
    name: 'Name',
    choice: 'Stimme',
    tokens: 'Quittungs-Token',
    token: 'Token',
    cancelled: 'Abgebrochen',
    reason: 'Grund',
    issues: 'Gemeldete Probleme',
    delegations: 'Vollmachten',
    delegatedTo: 'übertrug die Stimme an',
    revoked: 'zog die Vollmacht zurück',
    integrity: 'Integrität',
    events: 'Ereignisse im Protokoll',
    headHash: 'Kettenende (SHA-256)',
    signature: 'Signatur (Ed25519)',
    fingerprint: 'Fingerabdruck des öffentlichen Schlüssels',
    howToVerify: (fp: string, keyUrl: string) => [`Prüfen: plenum verify-vote export.json --fingerprint ${fp}`, `(oder --key-url ${keyUrl})`] as const,
    timeZone: 'Zeiten in',
    labels: { yes: 'Ja', no: 'Nein', abstain: 'Enthaltung' } as Record<string, string>,
  },
} as const;

function formatTime(iso: string, input: Pick<VoteReportInput, 'lang' | 'timeZone'>): string {
  return new Intl.DateTimeFormat(input.lang === 'de' ? 'de-DE' : 'en-GB', { timeZone: input.timeZone, dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(iso));
}

export function votePdf(input: VoteReportInput): Promise<Buffer> {
  const t = TEXT[input.lang];
  const exp = input.export;
  const contents = exp.events.map((e) => e.content as VoteEventContent);
  const started = contents.find((c) => c.type === 'started')?.data as { vote: LegalVoteInfo; eligible: EligibleVoter[] } | undefined;
  const info = started?.vote;
  const finalEvent = exp.events.find((e) => e.type === 'final_results');
  const final = finalEvent ? ((finalEvent.content as VoteEventContent).data as unknown as FinalResultsData) : null;
  const cancelledEvent = exp.events.find((e) => e.type === 'cancelled');
  const closing = finalEvent ?? cancelledEvent;
  const label = (id: string) => info?.options.find((o) => o.id === id)?.label ?? id;
  const optionLabel = (id: string) => (id.startsWith('c') ? label(id) : (t.labels[id] ?? label(id)));

  const { doc, body, strong, mono: fixed, left, width, done } = reportPdf({ title: `${t.title} – ${exp.vote.title}` });
  const heading = (text: string) => {
    doc.moveDown(0.8);
    doc.font(strong).fontSize(13).text(text, left, undefined, { width });
    doc.moveDown(0.3);
    doc.font(body).fontSize(10);
  };
  const field = (name: string, value: string) => doc.font(strong).fontSize(10).text(`${name}: `, left, undefined, { continued: true, width }).font(body).text(value);

  doc.font(strong).fontSize(18).text(t.title, left, undefined, { width });
  doc.font(body).fontSize(14).text(exp.vote.title, { width });
  doc.moveDown(0.5);
  if (input.roomName) field(t.room, input.roomName);
  field(t.agendaItem, input.agendaItemTitle ?? t.none);
  field(t.kind, t.kinds[exp.vote.kind]);
  field(t.state, t.states[exp.vote.state]);
  if (info) field(t.chair, info.chair.display_name);
  field(t.opened, formatTime(exp.vote.opened_at, input));
  if (exp.vote.closed_at) field(t.closed, formatTime(exp.vote.closed_at, input));
  if (info) {
    const q = info.quorum;
    field(t.quorum, q ? (q.quorate ? t.quorate(q.present, q.required, q.members) : t.notQuorate(q.present, q.required, q.members)) : t.noRoster);
  }
  field(t.timeZone, input.timeZone);

  // Columns of the small tables.
  const table = (fractions: number[], header: string[], rows: string[][]) => {
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
    drawRow(header, strong);
    for (const r of rows) drawRow(r, body);
  };

  if (final && info) {
    heading(t.result);
    table(
      [0.7, 0.3],
      [t.option, t.votes],
      info.options.map((o) => [optionLabel(o.id), String(final.tally[o.id] ?? 0)]),
    );
    doc.moveDown(0.4);
    field(t.cast, `${final.cast} / ${final.eligible}`);
    field(t.stopReason, t.stopReasons[final.stop_reason]);
  }
  if (cancelledEvent) {
    const data = (cancelledEvent.content as VoteEventContent).data as { reason: string };
    heading(t.cancelled);
    field(t.reason, data.reason);
  }

  if (started) {
    heading(`${t.eligible} (${started.eligible.length})`);
    const lines = started.eligible.map((e) => {
      const sub = e.substitutes_for ? ` (${t.substitutes} ${e.substitutes_for.slice(0, 8)})` : '';
      const proxy = e.proxy ? ` — ${t.proxyHeld}: ${e.proxy.display_name}` : '';
      return `${e.display_name}${sub}${proxy}`;
    });
    doc.font(body).fontSize(9).text(lines.join(', '), left, undefined, { width });
  }

  if (final?.ballots) {
    heading(t.ballots);
    table(
      [0.55, 0.45],
      [t.name, t.choice],
      final.ballots.map((b: NamedBallot) => [b.display_name + (b.cast_by_proxy ? ` (${t.proxyHeld})` : ''), b.choices.map(optionLabel).join(', ')]),
    );
  }
  if (final?.tokens) {
    heading(t.tokens);
    table(
      [0.55, 0.45],
      [t.token, t.choice],
      final.tokens.map((b: TokenBallot) => [b.token, b.choices.map(optionLabel).join(', ')]),
    );
  }

  const delegations = contents.filter((c) => c.type === 'delegated').map((c) => c.data as { from_name: string; to_name: string | null });
  if (delegations.length > 0) {
    heading(t.delegations);
    for (const d of delegations) doc.font(body).fontSize(9).text(d.to_name ? `${d.from_name} ${t.delegatedTo} ${d.to_name}` : `${d.from_name} ${t.revoked}`, left, undefined, { width });
  }
  const issues = contents.filter((c) => c.type === 'issue_reported');
  if (issues.length > 0) {
    heading(t.issues);
    for (const c of issues) {
      const d = c.data as { display_name: string; text: string };
      doc.font(body).fontSize(9).text(`${formatTime(c.at, input)} — ${d.display_name}: ${d.text}`, left, undefined, { width });
    }
  }

  heading(t.integrity);
  field(t.events, String(exp.events.length));
  doc.font(strong).fontSize(10).text(`${t.headHash}:`, left, undefined, { width });
  doc.font(fixed).fontSize(8).text(exp.vote.head_hash, { width });
  if (closing?.signature) {
    doc.font(strong).fontSize(10).text(`${t.signature}:`, left, undefined, { width });
    doc.font(fixed).fontSize(8).text(closing.signature, { width });
  }
  doc.font(strong).fontSize(10).text(`${t.fingerprint}:`, left, undefined, { width });
  doc.font(fixed).fontSize(8).text(exp.public_key.fingerprint, { width });
  doc.moveDown(0.5);
  // The command a reader can copy; the fingerprint is the trust anchor (the key inside the export is not one).
  // The command with the fingerprint stays on one line (the type shrinks until it fits); the key URL follows.
  const [command, alternative] = t.howToVerify(exp.public_key.fingerprint, input.keyUrl);
  let size = 7;
  doc.font(fixed);
  while (size > 5 && doc.fontSize(size).widthOfString(command) > width) size -= 0.25;
  doc.fontSize(size).fillColor('#444444').text(`${command}\n${alternative}`, left, undefined, { width });
  doc.end();
  return done;
}
