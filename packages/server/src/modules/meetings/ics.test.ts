import { describe, expect, it } from 'vitest';
import { calendar, escapeText, fold, type IcsEvent } from './ics.ts';
import { parseIcs } from './testing.ts';
import { occurrenceStarts, parseRule, RecurrenceError, zonedToUtc } from './time.ts';

const base: IcsEvent = {
  uid: '7f1c1c1e-0000-4000-8000-000000000001@plenum.example',
  sequence: 0,
  title: 'Ausschuss für Bau, Umwelt; Verkehr',
  description: 'Tagesordnung:\n1. Haushalt, Teil A\\B',
  location: 'https://plenum.example/rooms/1',
  url: 'https://plenum.example/rooms/1',
  start: '2026-03-17T18:00',
  end: '2026-03-17T20:00',
  timeZone: 'Europe/Berlin',
  rule: parseRule('FREQ=WEEKLY;BYDAY=TU;COUNT=4'),
  exceptions: [],
  organizer: { email: 'clerk@plenum.example', name: 'Clerk "Chief"' },
  attendees: [
    { email: 'anna@example.org', name: 'Anna Äbel' },
    { email: 'guest@example.net', name: null },
  ],
  cancelled: false,
  stamp: new Date('2026-03-01T10:00:00Z'),
  created: new Date('2026-03-01T10:00:00Z'),
  modified: new Date('2026-03-01T10:00:00Z'),
};

describe('iCalendar writer', () => {
  it('escapes TEXT values and folds lines at 75 octets without splitting a UTF-8 sequence', () => {
    expect(escapeText('a,b;c\\d\ne')).toBe('a\\,b\\;c\\\\d\\ne');
    const folded = fold(`DESCRIPTION:${'ä'.repeat(100)}`);
    for (const line of folded.split('\r\n')) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
    expect(folded.replace(/\r\n /g, '')).toBe(`DESCRIPTION:${'ä'.repeat(100)}`);
    const text = calendar('REQUEST', [{ ...base, description: 'x'.repeat(500) }]);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.split('\r\n').every((l) => Buffer.byteLength(l, 'utf8') <= 75)).toBe(true);
    expect(text.replace(/\r\n/g, '').includes('\n')).toBe(false);
  });

  it('writes an invitation ical.js reads: method, UID, SEQUENCE, organizer, attendees, text back as written', () => {
    const p = parseIcs(calendar('REQUEST', [base]));
    expect(p.method).toBe('REQUEST');
    expect(p.event.uid).toBe(base.uid);
    expect(p.event.sequence).toBe(0);
    expect(p.event.summary).toBe(base.title);
    expect(p.event.description).toBe(base.description);
    expect(p.event.organizer).toBe('mailto:clerk@plenum.example');
    expect(p.event.attendees.map((a) => a.getFirstValue())).toEqual(['mailto:anna@example.org', 'mailto:guest@example.net']);
    expect(p.event.attendees[0]!.getParameter('cn')).toBe('Anna Äbel');
    expect(p.cal.getAllSubcomponents('vtimezone').map((z) => z.getFirstPropertyValue('tzid'))).toEqual(['Europe/Berlin']);
  });

  it('keeps 18:00 Berlin time across the change to summer time: UTC start moves from 17:00 to 16:00', () => {
    const p = parseIcs(calendar('REQUEST', [base]));
    expect(p.event.startDate.toJSDate().toISOString()).toBe('2026-03-17T17:00:00.000Z');
    expect(p.event.endDate.toJSDate().toISOString()).toBe('2026-03-17T19:00:00.000Z');
    expect(p.occurrences()).toEqual(['2026-03-17T17:00:00.000Z', '2026-03-24T17:00:00.000Z', '2026-03-31T16:00:00.000Z', '2026-04-07T16:00:00.000Z']);
  });

  it('expands UNTIL (written in UTC) and EXDATE as the server does, and back to winter time in October', () => {
    const rule = parseRule('FREQ=WEEKLY;BYDAY=TU;UNTIL=20261103');
    const event = { ...base, start: '2026-10-13T18:00', end: '2026-10-13T19:00', rule, exceptions: ['2026-10-20T18:00'] };
    const p = parseIcs(calendar('REQUEST', [event]));
    const expected = occurrenceStarts(event.start, rule, event.exceptions).map((l) => zonedToUtc(l, 'Europe/Berlin').toISOString());
    expect(expected).toEqual(['2026-10-13T16:00:00.000Z', '2026-10-27T17:00:00.000Z', '2026-11-03T17:00:00.000Z']);
    // ical.js leaves EXDATEs to the expansion: it skips them.
    expect(p.occurrences()).toEqual(expected);
  });

  it('reminds before each occurrence with a VALARM (none in a cancellation)', () => {
    const p = parseIcs(calendar('REQUEST', [{ ...base, reminderMinutes: 15 }]));
    const alarm = p.event.component.getFirstSubcomponent('valarm')!;
    expect(alarm.getFirstPropertyValue('action')).toBe('DISPLAY');
    expect(String(alarm.getFirstPropertyValue('trigger'))).toBe('-PT15M');
    expect(parseIcs(calendar('CANCEL', [{ ...base, reminderMinutes: 15 }])).event.component.getFirstSubcomponent('valarm')).toBeNull();
    expect(parseIcs(calendar('REQUEST', [base])).event.component.getFirstSubcomponent('valarm')).toBeNull();
  });

  it('moves a single occurrence with a second VEVENT (same UID, RECURRENCE-ID) that ical.js puts in place of the rule’s', () => {
    const moved = { occurrence: '2026-03-31T18:00', start: '2026-04-01T17:00', end: '2026-04-01T19:00', title: 'Sondersitzung' };
    const p = parseIcs(calendar('REQUEST', [{ ...base, overrides: [moved] }]));
    expect(p.events).toHaveLength(2);
    const [master, exception] = p.events as [(typeof p.events)[number], (typeof p.events)[number]];
    expect(exception.uid).toBe(base.uid);
    expect(exception.recurrenceId.toJSDate().toISOString()).toBe('2026-03-31T16:00:00.000Z');
    master.relateException(exception);
    const it = master.iterator();
    const details: [string, string, string][] = [];
    for (let t = it.next(); t; t = it.next()) {
      const d = master.getOccurrenceDetails(t);
      details.push([d.startDate.toJSDate().toISOString(), d.endDate.toJSDate().toISOString(), d.item.summary]);
    }
    expect(details).toEqual([
      ['2026-03-17T17:00:00.000Z', '2026-03-17T19:00:00.000Z', base.title],
      ['2026-03-24T17:00:00.000Z', '2026-03-24T19:00:00.000Z', base.title],
      ['2026-04-01T15:00:00.000Z', '2026-04-01T17:00:00.000Z', 'Sondersitzung'],
      ['2026-04-07T16:00:00.000Z', '2026-04-07T18:00:00.000Z', base.title],
    ]);
    // Cancelling the series leaves no moved occurrence behind.
    expect(parseIcs(calendar('CANCEL', [{ ...base, overrides: [moved] }])).events).toHaveLength(1);
  });

  it('marks a cancellation METHOD:CANCEL, STATUS:CANCELLED with the same UID and a higher SEQUENCE', () => {
    const p = parseIcs(calendar('CANCEL', [{ ...base, sequence: 3, cancelled: true }]));
    expect(p.method).toBe('CANCEL');
    expect(p.event.uid).toBe(base.uid);
    expect(p.event.sequence).toBe(3);
    expect(p.event.component.getFirstPropertyValue('status')).toBe('CANCELLED');
  });

  it('places events in zones without summer time and south of the equator', () => {
    for (const [zone, local, utc] of [
      ['Asia/Tokyo', '2026-07-01T09:00', '2026-07-01T00:00:00.000Z'],
      ['Australia/Sydney', '2026-07-01T09:00', '2026-06-30T23:00:00.000Z'],
      ['America/New_York', '2026-03-09T09:00', '2026-03-09T13:00:00.000Z'],
    ] as const) {
      const p = parseIcs(calendar('REQUEST', [{ ...base, timeZone: zone, start: local, end: local.replace('09:00', '10:00'), rule: null }]));
      expect(p.event.startDate.toJSDate().toISOString(), zone).toBe(utc);
    }
  });
});

describe('recurrence rules', () => {
  it('refuses a rule that never ends, one finer than daily, unknown parts and too many occurrences', () => {
    expect(() => parseRule('FREQ=WEEKLY;BYDAY=TU')).toThrow(RecurrenceError);
    expect(() => parseRule('FREQ=HOURLY;COUNT=3')).toThrow(/FREQ/);
    expect(() => parseRule('FREQ=WEEKLY;COUNT=3;BYDAY=XX')).toThrow(/BYDAY/);
    expect(() => parseRule('FREQ=WEEKLY;COUNT=3;BYHOUR=5')).toThrow(/BYHOUR/);
    expect(() => parseRule('FREQ=DAILY;COUNT=5000')).toThrow(/COUNT/);
    expect(() => parseRule('FREQ=DAILY;COUNT=3;UNTIL=20260101')).toThrow(/exclude/);
    expect(parseRule('rrule:freq=monthly;byday=2tu;count=3').value).toBe('FREQ=MONTHLY;BYDAY=2TU;COUNT=3');
  });

  it('places wall-clock times skipped or doubled by a change of offset as calendar programs do', () => {
    expect(zonedToUtc('2026-03-29T02:30', 'Europe/Berlin').toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(zonedToUtc('2026-10-25T02:30', 'Europe/Berlin').toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });
});
