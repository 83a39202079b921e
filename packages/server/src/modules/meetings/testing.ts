import ICAL from 'ical.js';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Received {
  from: string;
  to: string[];
  mail: ParsedMail;
}


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

/** A real SMTP server on a random port: every mail it accepts, parsed, before the sender hears back. */
export async function startMailbox() {
  const received: Received[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), mail });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  return {
    port,
    received,
    /** The mails since the last call. */
    take(): Received[] {
      return received.splice(0, received.length);
    },
    close: () => new Promise<void>((resolve) => smtp.close(() => resolve())),
  };
}

