import ICAL from 'ical.js';

/** Parses an iCalendar text as Thunderbird does (Mozilla's ical.js), registering its VTIMEZONEs first. */
export function parseIcs(text: string) {
  const cal = new ICAL.Component(ICAL.parse(text));
  for (const vtz of cal.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(vtz);
  const events = cal.getAllSubcomponents('vevent').map((c) => new ICAL.Event(c));
  return {
    method: String(cal.getFirstPropertyValue('method')),
    cal,
    events,
    event: events[0]!,
    /** The first `max` occurrence starts of the first event, in UTC. */
    occurrences(max = 100): string[] {
      const it = events[0]!.iterator();
      const out: string[] = [];
      for (let t = it.next(); t && out.length < max; t = it.next()) out.push(t.toJSDate().toISOString());
      return out;
    },
  };
}
