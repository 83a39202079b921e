import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportLanguage } from '../../reports/language.ts';
import { attendanceCsv, attendancePdf, neutraliseFormula, type ReportInput } from './report.ts';

const input = (over: Partial<ReportInput> = {}): ReportInput => ({
  roomName: 'Hauptausschuss Gemeinderat',
  startedAt: new Date('2026-03-02T17:00:00Z'),
  endedAt: new Date('2026-03-02T18:30:00Z'),
  entries: [
    { displayName: 'Jürgen Öztürk', kind: 'user', joinedAt: new Date('2026-03-02T17:00:00Z'), leftAt: new Date('2026-03-02T18:30:00Z') },
    { displayName: 'Anna "Nan" Schmidt, Dr.', kind: 'guest', joinedAt: new Date('2026-03-02T17:05:30Z'), leftAt: new Date('2026-03-02T17:50:00Z') },
    { displayName: '=HYPERLINK("http://evil")', kind: 'sip', joinedAt: new Date('2026-03-02T17:10:00Z'), leftAt: new Date('2026-03-02T18:30:00Z') },
    { displayName: 'Aufzeichnung', kind: 'recorder', joinedAt: new Date('2026-03-02T17:00:00Z'), leftAt: null },
  ],
  lang: 'en',
  timeZone: 'UTC',
  ...over,
});

function pdfText(pdf: Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attendance-'));
  try {
    fs.writeFileSync(path.join(dir, 'r.pdf'), pdf);
    return execFileSync('pdftotext', ['-layout', path.join(dir, 'r.pdf'), '-'], { encoding: 'utf8', timeout: 20_000 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('attendance report', () => {
  it('CSV: RFC 4180 quoting, CRLF, UTF-8 BOM, formula cells neutralised, durations in minutes', () => {
    const csv = attendanceCsv(input());
    expect(csv.startsWith('\uFEFF')).toBe(true);
    expect(csv.slice(1).split('\r\n')).toEqual([
      'Name,Kind,Joined,Left,Duration (minutes)',
      'Jürgen Öztürk,User,2026-03-02T17:00:00.000Z,2026-03-02T18:30:00.000Z,90.0',
      '"Anna ""Nan"" Schmidt, Dr.",Guest,2026-03-02T17:05:30.000Z,2026-03-02T17:50:00.000Z,44.5',
      `"'=HYPERLINK(""http://evil"")",Phone,2026-03-02T17:10:00.000Z,2026-03-02T18:30:00.000Z,80.0`,
      // Still there when the meeting ended (a node stopped): counted to the meeting's end.
      'Aufzeichnung,Recorder,2026-03-02T17:00:00.000Z,,90.0',
      '',
    ]);
    expect(attendanceCsv(input({ lang: 'de' })).slice(1).split('\r\n')[0]).toBe('Name,Art,Beigetreten,Verlassen,Dauer (Minuten)');
  });

  it('neutralises every formula prefix', () => {
    expect(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', 'ok', 'a=b'].map(neutraliseFormula)).toEqual(["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", 'ok', 'a=b']);
  });

  it('language from ?lang=, else Accept-Language by q, else English', () => {
    expect(reportLanguage('de', 'en')).toBe('de');
    expect(reportLanguage(undefined, 'de-DE,de;q=0.9,en;q=0.8')).toBe('de');
    expect(reportLanguage(undefined, 'fr, en;q=0.5, de;q=0.7')).toBe('de');
    expect(reportLanguage(undefined, 'fr')).toBe('en');
    expect(reportLanguage(undefined, 'de;q=0, en')).toBe('en');
    expect(reportLanguage(undefined, undefined)).toBe('en');
  });

  it('PDF in English: title, room, start/end, names with umlauts, kinds, times and durations', async () => {
    const pdf = await attendancePdf(input());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(pdf);
    expect(text).toContain('Attendance report');
    expect(text).toContain('Hauptausschuss Gemeinderat');
    expect(text).toMatch(/Meeting start: 2 Mar 2026, 17:00:00/);
    expect(text).toMatch(/Meeting end: 2 Mar 2026, 18:30:00/);
    expect(text).toMatch(/Jürgen Öztürk\s+User\s+2 Mar 2026, 17:00:00\s+2 Mar 2026, 18:30:00\s+1:30:00/);
    expect(text).toMatch(/Anna "Nan" Schmidt, Dr\.\s+Guest\s+2 Mar 2026, 17:05:30\s+2 Mar 2026, 17:50:00\s+0:44:30/);
    expect(text).toMatch(/Phone/);
    expect(text).toMatch(/Aufzeichnung\s+Recorder\s+2 Mar 2026, 17:00:00\s+present\s+1:30:00/);
  });

  it('PDF in German, in the reader’s time zone', async () => {
    const text = pdfText(await attendancePdf(input({ lang: 'de', timeZone: 'Europe/Berlin', endedAt: null })));
    expect(text).toContain('Anwesenheitsliste');
    expect(text).toMatch(/Beginn der Sitzung: 02\.03\.2026, 18:00:00/);
    expect(text).toContain('Ende der Sitzung: läuft noch');
    expect(text).toMatch(/Jürgen Öztürk\s+Benutzer\s+02\.03\.2026, 18:00:00\s+02\.03\.2026, 19:30:00\s+1:30:00/);
    expect(text).toMatch(/Aufzeichnung\s+Aufzeichnung\s+02\.03\.2026, 18:00:00\s+anwesend\s+–/);
    expect(text).toContain('Telefon');
    expect(text).toContain('Gast');
  });
});
