import { describe, expect, it } from 'vitest';
import { joinState, parseInvitees, splitByDay, recurrenceInWords } from './time.ts';

const at = (s: string) => new Date(s).getTime();

describe('dashboard times', () => {
  it('opens the join button ten minutes before the start and closes it at the end', () => {
    const o = { starts_at: new Date(2026, 2, 17, 18, 0).toISOString(), ends_at: new Date(2026, 2, 17, 20, 0).toISOString() };
    expect(joinState(o, new Date(2026, 2, 17, 17, 49).getTime())).toBe('early');
    expect(joinState(o, new Date(2026, 2, 17, 17, 50).getTime())).toBe('open');
    expect(joinState(o, new Date(2026, 2, 17, 19, 59).getTime())).toBe('open');
    expect(joinState(o, new Date(2026, 2, 17, 20, 0).getTime())).toBe('ended');
  });

  it('puts today’s meetings first and leaves out the ended ones', () => {
    const now = new Date(2026, 2, 17, 12, 0).getTime();
    const mk = (d: number, h: number) => ({ starts_at: new Date(2026, 2, d, h).toISOString(), ends_at: new Date(2026, 2, d, h + 1).toISOString() });
    const { today, later } = splitByDay([mk(17, 9), mk(17, 18), mk(18, 9), mk(24, 9)], now);
    expect(today).toEqual([mk(17, 18)]);
    expect(later).toEqual([mk(18, 9), mk(24, 9)]);
    expect(at(later[0]!.starts_at)).toBeGreaterThan(now);
  });

  it('reads invitees one per line, commas and semicolons too, and names the wrong ones', () => {
    expect(parseInvitees('Anna@Example.org\n guest@extern.example; anna@example.org,\nnot-an-address')).toEqual({
      emails: ['anna@example.org', 'guest@extern.example'],
      invalid: ['not-an-address'],
    });
  });
});

describe('recurrenceInWords', () => {
  it('says a rule in German and English', () => {
    expect(recurrenceInWords(null, 'de')).toBeNull();
    expect(recurrenceInWords('FREQ=WEEKLY;BYDAY=TU;COUNT=4', 'de')).toBe('Wöchentlich am Dienstag, 4 Termine');
    expect(recurrenceInWords('FREQ=WEEKLY;BYDAY=TU;COUNT=4', 'en')).toBe('Weekly on Tuesday, 4 times');
    expect(recurrenceInWords('RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;UNTIL=20260630T215959Z', 'de')).toBe('Alle 2 Wochen am Montag und Donnerstag, bis 30. Juni 2026');
    expect(recurrenceInWords('FREQ=MONTHLY;BYDAY=1WE;COUNT=12', 'en')).toBe('Monthly on 1st Wednesday, 12 times');
    expect(recurrenceInWords('FREQ=MONTHLY;BYDAY=-1FR;COUNT=3', 'de')).toBe('Monatlich am letzten Freitag, 3 Termine');
  });
});
