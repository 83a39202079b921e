import type { MeetingDetails, MeetingWithDeliveries, UpcomingList } from '@plenum/protocol';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backends } from '../../storage/testing.ts';
import { startTestServer, type TestServer } from '../../testing/server.ts';
import { parseIcs, startMailbox, type Received } from './testing.ts';

const DIAL_IN_NUMBER = '+49 361 123456-0';
const NOW = '2026-03-01T10:00:00Z';
type Login = Awaited<ReturnType<TestServer['loginAs']>>;

const icsOf = (r: Received) => {
  const att = r.mail.attachments.find((a) => a.filename === 'invite.ics' && a.contentType === 'text/calendar');
  if (!att) throw new Error(`no invite.ics in the mail to ${r.to.join(',')}: ${r.mail.attachments.map((a) => `${a.filename} ${a.contentType}`).join('; ')}`);
  return att.content.toString('utf8');
};

async function loginWithEmail(server: TestServer, name: string, email: string): Promise<Login> {
  const user = await server.services.users.upsertFromLogin({ issuer: 'urn:plenum:test', subject: crypto.randomUUID(), displayName: name, email, role: 'user' });
  const { token } = await server.services.sessions.create(user.id, null);
  const session = (await server.services.sessions.resolve(token))!;
  return { userId: user.id, cookie: `plenum_session=${token}`, csrf: session.csrfToken, token };
}

async function call(server: TestServer, method: string, url: string, body?: unknown, who?: Login) {
  const res = await server.app.inject({
    method: method as 'GET',
    url,
    headers: { ...(who ? { cookie: who.cookie, 'x-csrf-token': who.csrf } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  return { status: res.statusCode, type: String(res.headers['content-type'] ?? ''), body: res.body, json: <T>() => JSON.parse(res.body) as T };
}

const weekly = {
  title: 'Bauausschuss',
  description: 'Öffentliche Sitzung',
  start: '2026-03-17T18:00',
  end: '2026-03-17T20:00',
  recurrence: 'FREQ=WEEKLY;BYDAY=TU;COUNT=4',
  waiting_room: true,
};

describe.each(backends)('planned meetings with invitations on %s', (backend) => {
  let mailbox: Awaited<ReturnType<typeof startMailbox>>;
  let server: TestServer;
  let owner: Login;
  let anna: Login;
  let stranger: Login;
  let roomId: string;

  beforeAll(async () => {
    mailbox = await startMailbox();
    server = await startTestServer({
      backend,
      // Planning happens before the session series: the feed and the dashboard look ahead from here.
      now: () => new Date(NOW),
      env: {
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(mailbox.port),
        SMTP_FROM: 'Plenum <plenum@rathaus.example>',
        TELEPHONE_DIAL_IN_NUMBER: DIAL_IN_NUMBER,
        PUBLIC_URL: 'https://plenum.rathaus.example',
      },
    });
    owner = await loginWithEmail(server, 'Clerk Chief', 'clerk@rathaus.example');
    anna = await loginWithEmail(server, 'Anna Äbel', 'Anna@Example.org');
    stranger = await loginWithEmail(server, 'Stranger', 'stranger@example.org');
    roomId = (await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Ratssaal' }, owner)).id;
  });
  afterAll(async () => {
    await server?.close();
    await mailbox?.close();
  });
  beforeEach(() => void mailbox.take());

  it('plans a weekly session: mails in each language with the right links, dial-in and an .ics across the DST change', async () => {
    const res = await call(server, 'POST', `/v1/rooms/${roomId}/meetings`, { ...weekly, invitees: [{ email: 'anna@example.org', language: 'en' }, { email: 'guest@extern.example', name: 'Gerd Gast' }] }, owner);
    expect(res.status, res.body).toBe(201);
    const { meeting, invitations } = res.json<MeetingWithDeliveries>();
    expect(meeting).toMatchObject({ time_zone: 'Europe/Berlin', starts_at: '2026-03-17T17:00:00.000Z', sequence: 0, cancelled: false, waiting_room: true });
    expect(meeting.invitees.map((i) => [i.email, i.kind, i.language, i.user_id])).toEqual([
      ['anna@example.org', 'account', 'en', anna.userId],
      ['guest@extern.example', 'external', 'de', null],
    ]);
    expect(invitations.map((i) => [i.email, i.status, i.method, i.text])).toEqual([
      ['anna@example.org', 'sent', 'REQUEST', null],
      ['guest@extern.example', 'sent', 'REQUEST', null],
    ]);
    const guestLink = meeting.invitees[1]!.invite_url!;
    expect(guestLink).toMatch(/^https:\/\/plenum\.rathaus\.example\/invite\/[A-Za-z0-9_-]{22}$/);

    const mails = mailbox.take().sort((a, b) => a.to[0]!.localeCompare(b.to[0]!));
    expect(mails.map((m) => [m.from, m.to])).toEqual([
      ['plenum@rathaus.example', ['anna@example.org']],
      ['plenum@rathaus.example', ['guest@extern.example']],
    ]);
    const [toAnna, toGuest] = mails as [Received, Received];
    const dialIn = (await call(server, 'GET', `/v1/rooms/${roomId}/telephone`, undefined, owner)).json<{ dial_in_id: string; pin: string }>();
    // Anna (an account, English): the room link, English text, the phone details.
    expect(toAnna.mail.subject).toBe('Invitation: Bauausschuss – Tuesday, 17 March 2026, 18:00–20:00 (Europe/Berlin)');
    expect(toAnna.mail.text).toContain(`Join: https://plenum.rathaus.example/rooms/${roomId}`);
    expect(toAnna.mail.text).toContain(`By phone: ${DIAL_IN_NUMBER}, Meeting ID ${dialIn.dial_in_id}, PIN ${dialIn.pin}`);
    expect(toAnna.mail.text).toContain('There is a waiting room');
    expect(toAnna.mail.html).toContain(`href="https://plenum.rathaus.example/rooms/${roomId}"`);
    expect(toAnna.mail.html).toContain('lang="en"');
    // The guest (external, German by default): the personal invite link.
    expect(toGuest.mail.subject).toBe('Einladung: Bauausschuss – Dienstag, 17. März 2026, 18:00–20:00 (Europe/Berlin)');
    expect(toGuest.mail.text).toContain(`Teilnehmen: ${guestLink}`);
    expect(toGuest.mail.text).toContain('persönlich');
    expect(toGuest.mail.text).toContain(`Per Telefon: ${DIAL_IN_NUMBER}, Konferenz-ID ${dialIn.dial_in_id}, PIN ${dialIn.pin}`);
    expect(toGuest.mail.text).not.toContain(`/rooms/${roomId}`);
    expect(toGuest.mail.html).toContain(`href="${guestLink}"`);
    // The link works as a guest's invite.
    const code = guestLink.split('/').pop()!;
    expect((await call(server, 'POST', `/v1/invites/${code}/verify`, {})).json()).toMatchObject({ room_id: roomId, room_name: 'Ratssaal' });

    for (const [mail, link] of [
      [toAnna, `https://plenum.rathaus.example/rooms/${roomId}`],
      [toGuest, guestLink],
    ] as const) {
      const ics = parseIcs(icsOf(mail));
      expect(ics.method).toBe('REQUEST');
      expect(ics.event.uid).toBe(`${meeting.id}@plenum.rathaus.example`);
      expect(ics.event.sequence).toBe(0);
      expect(ics.event.organizer).toBe('mailto:clerk@rathaus.example');
      expect(ics.event.attendees.map((a) => a.getFirstValue()).sort()).toEqual(['mailto:anna@example.org', 'mailto:guest@extern.example']);
      expect(ics.event.startDate.toJSDate().toISOString()).toBe('2026-03-17T17:00:00.000Z');
      expect(ics.occurrences()).toEqual(['2026-03-17T17:00:00.000Z', '2026-03-24T17:00:00.000Z', '2026-03-31T16:00:00.000Z', '2026-04-07T16:00:00.000Z']);
      expect(ics.event.location).toContain(link);
      expect(ics.event.description).toContain(link);
      expect(ics.event.description).toContain(dialIn.pin);
      // The default reminder: 15 minutes before.
      expect(String(ics.event.component.getFirstSubcomponent('valarm')?.getFirstPropertyValue('trigger'))).toBe('-PT15M');
      // The iTIP alternative for Outlook carries the same object.
      expect(mail.mail.attachments.some((a) => a.contentType === 'text/calendar' && a.content.toString('utf8').includes('METHOD:REQUEST'))).toBe(true);
    }
  });

  it('updates with the same UID and a higher SEQUENCE; a removed guest gets METHOD:CANCEL and loses the link; cancelling cancels for all', async () => {
    const created = (await call(server, 'POST', `/v1/rooms/${roomId}/meetings`, { ...weekly, invitees: [{ email: 'anna@example.org' }, { email: 'gone@extern.example', language: 'en' }] }, owner)).json<MeetingWithDeliveries>();
    const guestLink = created.meeting.invitees.find((i) => i.email === 'gone@extern.example')!.invite_url!;
    mailbox.take();

    const patch = await call(server, 'PATCH', `/v1/meetings/${created.meeting.id}`, { title: 'Bauausschuss (verlegt)', start: '2026-03-18T17:00', end: '2026-03-18T19:00', recurrence: 'FREQ=WEEKLY;BYDAY=WE;COUNT=3', invitees: [{ email: 'anna@example.org' }] }, owner);
    expect(patch.status, patch.body).toBe(200);
    expect(patch.json<MeetingWithDeliveries>().meeting.sequence).toBe(1);
    const afterUpdate = mailbox.take();
    const toAnna = afterUpdate.find((m) => m.to[0] === 'anna@example.org')!;
    const toGone = afterUpdate.find((m) => m.to[0] === 'gone@extern.example')!;
    expect(afterUpdate).toHaveLength(2);
    expect(toAnna.mail.subject).toMatch(/^Geändert: Bauausschuss \(verlegt\)/);
    const update = parseIcs(icsOf(toAnna));
    expect([update.method, update.event.uid, update.event.sequence]).toEqual(['REQUEST', `${created.meeting.id}@plenum.rathaus.example`, 1]);
    expect(update.occurrences()).toEqual(['2026-03-18T16:00:00.000Z', '2026-03-25T16:00:00.000Z', '2026-04-01T15:00:00.000Z']);
    const removal = parseIcs(icsOf(toGone));
    expect([removal.method, removal.event.uid, removal.event.sequence]).toEqual(['CANCEL', `${created.meeting.id}@plenum.rathaus.example`, 1]);
    expect(toGone.mail.subject).toMatch(/^Cancelled: /);
    expect(toGone.mail.text).not.toContain(guestLink);
    expect((await call(server, 'POST', `/v1/invites/${guestLink.split('/').pop()!}/verify`, {})).status).toBe(410);

    const del = await call(server, 'DELETE', `/v1/meetings/${created.meeting.id}`, undefined, owner);
    expect(del.status, del.body).toBe(200);
    expect(del.json<MeetingWithDeliveries>().meeting).toMatchObject({ cancelled: true, sequence: 2 });
    const cancelled = mailbox.take();
    expect(cancelled.map((m) => m.to)).toEqual([['anna@example.org']]);
    const c = parseIcs(icsOf(cancelled[0]!));
    expect([c.method, c.event.uid, c.event.sequence]).toEqual(['CANCEL', `${created.meeting.id}@plenum.rathaus.example`, 2]);
    expect((await call(server, 'DELETE', `/v1/meetings/${created.meeting.id}`, undefined, owner)).status).toBe(409);
    expect((await call(server, 'PATCH', `/v1/meetings/${created.meeting.id}`, { title: 'x' }, owner)).status).toBe(409);
  });

  it('moves one occurrence of a series: the dashboard and the invitation show it moved, the rest stays', async () => {
    const res = await call(
      server,
      'POST',
      `/v1/rooms/${roomId}/meetings`,
      { ...weekly, title: 'Finanzausschuss', exceptions: ['2026-03-24T18:00'], overrides: [{ occurrence: '2026-03-31T18:00', start: '2026-04-01T17:00', end: '2026-04-01T19:00', title: 'Finanzausschuss (Sondersitzung)' }], invitees: [{ email: 'anna@example.org', language: 'en' }] },
      owner,
    );
    expect(res.status, res.body).toBe(201);
    const { meeting } = res.json<MeetingWithDeliveries>();
    const upcoming = (await call(server, 'GET', `/v1/meetings?from=${encodeURIComponent('2026-03-16T00:00:00Z')}&days=30`, undefined, anna)).json<UpcomingList>();
    expect(upcoming.occurrences.filter((o) => o.meeting_id === meeting.id).map((o) => [o.starts_at, o.title])).toEqual([
      ['2026-03-17T17:00:00.000Z', 'Finanzausschuss'],
      ['2026-04-01T15:00:00.000Z', 'Finanzausschuss (Sondersitzung)'],
      ['2026-04-07T16:00:00.000Z', 'Finanzausschuss'],
    ]);
    const [mail] = mailbox.take();
    expect(mail!.mail.text).toContain('Wednesday, 1 April 2026, 17:00–19:00 (Europe/Berlin) – Finanzausschuss (Sondersitzung)');
    expect(mail!.mail.text).not.toContain('24 March');
    const ics = parseIcs(icsOf(mail!));
    expect(ics.events.map((e) => e.recurrenceId?.toJSDate().toISOString() ?? null)).toEqual([null, '2026-03-31T16:00:00.000Z']);
    expect(ics.occurrences()).toEqual(['2026-03-17T17:00:00.000Z', '2026-03-31T16:00:00.000Z', '2026-04-07T16:00:00.000Z']);
  });

  it('lets invitees read, not change; others do not learn the meeting exists', async () => {
    const { meeting } = (await call(server, 'POST', `/v1/rooms/${roomId}/meetings`, { ...weekly, invitees: [{ email: 'anna@example.org' }, { email: 'x@extern.example' }] }, owner)).json<MeetingWithDeliveries>();
    const asAnna = await call(server, 'GET', `/v1/meetings/${meeting.id}`, undefined, anna);
    expect(asAnna.status).toBe(200);
    expect(asAnna.json<MeetingWithDeliveries['meeting']>()).toMatchObject({ can_manage: false, join_url: `https://plenum.rathaus.example/rooms/${roomId}` });
    // Guest links are for the organizers only.
    expect(asAnna.json<MeetingWithDeliveries['meeting']>().invitees.map((i) => i.invite_url)).toEqual([null, null]);
    expect((await call(server, 'PATCH', `/v1/meetings/${meeting.id}`, { title: 'mine now' }, anna)).status).toBe(403);
    expect((await call(server, 'DELETE', `/v1/meetings/${meeting.id}`, undefined, anna)).status).toBe(403);
    expect((await call(server, 'GET', `/v1/meetings/${meeting.id}`, undefined, stranger)).status).toBe(404);
    expect((await call(server, 'POST', `/v1/rooms/${roomId}/meetings`, weekly, anna)).status).toBe(403);
    expect((await call(server, 'GET', `/v1/meetings/${meeting.id}`)).status).toBe(401);

    // Anna's dashboard: the occurrences in the window, soonest first; the stranger's is empty.
    const upcoming = (await call(server, 'GET', `/v1/meetings?from=${encodeURIComponent('2026-03-20T00:00:00Z')}&days=14`, undefined, anna)).json<UpcomingList>();
    const mine = upcoming.occurrences.filter((o) => o.meeting_id === meeting.id);
    expect(mine.map((o) => [o.starts_at, o.role, o.recurring])).toEqual([
      ['2026-03-24T17:00:00.000Z', 'invitee', true],
      ['2026-03-31T16:00:00.000Z', 'invitee', true],
    ]);
    expect((await call(server, 'GET', `/v1/meetings?from=${encodeURIComponent('2026-03-20T00:00:00Z')}`, undefined, stranger)).json<UpcomingList>().occurrences).toEqual([]);
  });

  it('invites to a committee session with its agenda: public items, non-public ones marked, no non-public motion for guests', async () => {
    const council = (await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Hauptausschuss' }, owner)).id;
    const agenda = {
      items: [
        { title: 'Eröffnung & Feststellung der Beschlussfähigkeit', public: true },
        { title: 'Radweg Lindenstraße', public: true, motion: 'Der Ausschuss empfiehlt den Bau des Radwegs.' },
        { title: 'Grundstücksangelegenheit Flur 7', public: false, motion: 'Verkauf an die Firma Vertraulich KG für 1,2 Mio. €' },
      ],
    };
    expect((await call(server, 'PUT', `/v1/rooms/${council}/agenda`, agenda, owner)).status).toBe(200);
    const res = await call(
      server,
      'POST',
      `/v1/rooms/${council}/meetings`,
      { ...weekly, title: 'Sitzung des Hauptausschusses', invitees: [{ email: 'anna@example.org', language: 'en' }, { email: 'gast@extern.example' }] },
      owner,
    );
    expect(res.status, res.body).toBe(201);
    const { meeting } = res.json<MeetingWithDeliveries>();
    const mails = mailbox.take().sort((a, b) => a.to[0]!.localeCompare(b.to[0]!));
    expect(mails.map((m) => m.to)).toEqual([['anna@example.org'], ['gast@extern.example']]);
    const [toAnna, toGuest] = mails as [Received, Received];
    const secret = 'Verkauf an die Firma Vertraulich KG';

    // Anna (an account, English): every item, the non-public one marked and with its motion.
    const annaIcs = parseIcs(icsOf(toAnna)).event.description;
    for (const body of [toAnna.mail.text!, annaIcs]) {
      expect(body).toContain(
        [
          'Agenda:',
          '1. Eröffnung & Feststellung der Beschlussfähigkeit',
          '2. Radweg Lindenstraße',
          '   Motion: Der Ausschuss empfiehlt den Bau des Radwegs.',
          '3. Grundstücksangelegenheit Flur 7 (non-public)',
          `   Motion: ${secret} für 1,2 Mio. €`,
        ].join('\n'),
      );
    }
    expect(toAnna.mail.html).toContain('<h2 style="font-size:1.1em">Agenda</h2>');
    expect(toAnna.mail.html).toContain('<li>1. Eröffnung &amp; Feststellung der Beschlussfähigkeit</li>');
    expect(toAnna.mail.html).toContain('<li>3. Grundstücksangelegenheit Flur 7 (non-public)<br><span style="font-size:.9em">Motion: Verkauf');

    // The external guest (German): the non-public item only by its title, marked; its motion nowhere.
    const guestIcsText = icsOf(toGuest);
    const guestIcs = parseIcs(guestIcsText).event.description;
    for (const body of [toGuest.mail.text!, guestIcs]) {
      expect(body).toContain(
        [
          'Tagesordnung:',
          '1. Eröffnung & Feststellung der Beschlussfähigkeit',
          '2. Radweg Lindenstraße',
          '   Beschlussvorschlag: Der Ausschuss empfiehlt den Bau des Radwegs.',
          '3. Grundstücksangelegenheit Flur 7 (nicht öffentlich)',
        ].join('\n'),
      );
    }
    expect(toGuest.mail.html).toContain('<li>2. Radweg Lindenstraße<br><span style="font-size:.9em">Beschlussvorschlag: Der Ausschuss empfiehlt den Bau des Radwegs.</span></li>');
    expect(toGuest.mail.html).toContain('<li>3. Grundstücksangelegenheit Flur 7 (nicht öffentlich)</li>');
    for (const raw of [toGuest.mail.text!, toGuest.mail.html as string, guestIcsText, ...toGuest.mail.attachments.map((a) => a.content.toString('utf8'))]) {
      expect(raw).not.toContain('Vertraulich');
    }

    // The agenda also rides along as a PDF in the reader's language, with the same items as the text.
    const pdfText = (r: Received, filename: string) => {
      const pdf = r.mail.attachments.find((a) => a.filename === filename);
      expect(pdf?.contentType).toBe('application/pdf');
      const file = path.join(os.tmpdir(), `agenda-${crypto.randomUUID()}.pdf`);
      fs.writeFileSync(file, pdf!.content);
      try {
        return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
      } finally {
        fs.rmSync(file);
      }
    };
    const annaPdf = pdfText(toAnna, 'Agenda.pdf');
    expect(annaPdf).toContain('Sitzung des Hauptausschusses');
    expect(annaPdf).toContain('3. Grundstücksangelegenheit Flur 7 (non-public)');
    expect(annaPdf).toContain(secret);
    const guestPdf = pdfText(toGuest, 'Tagesordnung.pdf');
    expect(guestPdf).toContain('Tagesordnung');
    expect(guestPdf).toContain('Beschlussvorschlag: Der Ausschuss empfiehlt den Bau des Radwegs.');
    expect(guestPdf).toContain('3. Grundstücksangelegenheit Flur 7 (nicht öffentlich)');
    expect(guestPdf).not.toContain('Vertraulich');

    // The meeting page reads the room's agenda (organizer and invitees); the stranger learns nothing.
    const asAnna = await call(server, 'GET', `/v1/meetings/${meeting.id}`, undefined, anna);
    expect(asAnna.status).toBe(200);
    expect(asAnna.json<MeetingDetails>().agenda.map((i) => [i.title, i.public, i.motion])).toEqual(agenda.items.map((i) => [i.title, i.public, i.motion ?? null]));
    const asStranger = await call(server, 'GET', `/v1/meetings/${meeting.id}`, undefined, stranger);
    expect([asStranger.status, asStranger.type]).toEqual([404, 'application/problem+json; charset=utf-8']);

    // A room without an agenda: no agenda section at all.
    await call(server, 'POST', `/v1/rooms/${roomId}/meetings`, { ...weekly, invitees: [{ email: 'anna@example.org' }] }, owner);
    const [plain] = mailbox.take() as [Received];
    expect(plain.mail.text).not.toContain('Tagesordnung');
    expect(parseIcs(icsOf(plain)).event.description).not.toContain('Tagesordnung');
    expect(plain.mail.attachments.map((a) => a.contentType)).not.toContain('application/pdf');
  });

  it('refuses bad input with 400 problem+json and writes nothing, sends nothing', async () => {
    const room = (await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Leer' }, owner)).id;
    const many = Array.from({ length: 10_000 }, (_, i) => ({ email: `p${i}@extern.example` }));
    const cases: [string, object, string][] = [
      ['end before start', { ...weekly, end: '2026-03-17T17:00' }, 'end'],
      ['unknown time zone', { ...weekly, time_zone: 'Europe/Atlantis' }, 'time_zone'],
      ['never-ending rule', { ...weekly, recurrence: 'FREQ=WEEKLY;BYDAY=TU' }, 'recurrence'],
      ['rule finer than daily', { ...weekly, recurrence: 'FREQ=MINUTELY;COUNT=10' }, 'recurrence'],
      ['10,000 invitees', { ...weekly, invitees: many }, 'invitees'],
      ['no such date', { ...weekly, start: '2026-02-30T18:00' }, 'start'],
      ['invitee without an address', { ...weekly, invitees: [{ email: 'not-an-address' }, { email: 'ok@extern.example' }] }, 'invitees'],
      ['moving an occurrence the series does not have', { ...weekly, overrides: [{ occurrence: '2026-03-18T18:00', start: '2026-03-19T18:00', end: '2026-03-19T20:00' }] }, 'overrides'],
    ];
    for (const [what, body, field] of cases) {
      const res = await call(server, 'POST', `/v1/rooms/${room}/meetings`, body, owner);
      expect(res.status, `${what}: ${res.body.slice(0, 300)}`).toBe(400);
      expect(res.type, what).toContain('application/problem+json');
      expect(JSON.stringify(res.json<{ errors?: { path: string }[] }>().errors ?? []), what).toContain(field);
    }
    expect((await call(server, 'GET', `/v1/rooms/${room}/meetings`, undefined, owner)).json()).toEqual({ meetings: [] });
    expect((await call(server, 'GET', `/v1/rooms/${room}/invites`, undefined, owner)).json()).toEqual({ invites: [] });
    expect(mailbox.take()).toEqual([]);
  });

  it('serves a calendar feed per account: refused without its token and after revocation, never with others’ meetings', async () => {
    const own = (await call(server, 'POST', `/v1/rooms/${roomId}/meetings`, { ...weekly, title: 'Mit Anna', invitees: [{ email: 'anna@example.org' }] }, owner)).json<MeetingWithDeliveries>();
    const strangersRoom = (await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Fremd' }, stranger)).id;
    const other = (await call(server, 'POST', `/v1/rooms/${strangersRoom}/meetings`, { ...weekly, title: 'Geheim' }, stranger)).json<MeetingWithDeliveries>();
    expect((await call(server, 'GET', '/v1/calendar-feed', undefined, anna)).json()).toEqual({ active: false, created_at: null, url: null });
    expect((await call(server, 'GET', `/v1/calendar/${'A'.repeat(43)}.ics`)).status).toBe(404);
    expect((await call(server, 'GET', '/v1/calendar/.ics')).status).toBeGreaterThanOrEqual(400);

    const made = await call(server, 'POST', '/v1/calendar-feed', undefined, anna);
    const url = made.json<{ url: string }>().url;
    expect(url).toMatch(/^https:\/\/plenum\.rathaus\.example\/v1\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);
    expect((await call(server, 'GET', '/v1/calendar-feed', undefined, anna)).json()).toMatchObject({ active: true, url: null });
    const path = new URL(url).pathname;
    const feed = await call(server, 'GET', path);
    expect(feed.status).toBe(200);
    expect(feed.type).toContain('text/calendar');
    const parsed = parseIcs(feed.body);
    expect(parsed.method).toBe('PUBLISH');
    const uids = parsed.events.map((e) => e.uid);
    expect(uids).toContain(`${own.meeting.id}@plenum.rathaus.example`);
    expect(uids).not.toContain(`${other.meeting.id}@plenum.rathaus.example`);
    expect(feed.body).not.toContain('Geheim');

    // A new URL replaces the old one; revoking ends the feed.
    const again = (await call(server, 'POST', '/v1/calendar-feed', undefined, anna)).json<{ url: string }>().url;
    expect((await call(server, 'GET', path)).status).toBe(404);
    expect((await call(server, 'GET', new URL(again).pathname)).status).toBe(200);
    expect((await call(server, 'DELETE', '/v1/calendar-feed', undefined, anna)).status).toBe(204);
    const revoked = await call(server, 'GET', new URL(again).pathname);
    expect(revoked.status).toBe(404);
    expect(revoked.type).toContain('application/problem+json');
  });
});

describe('planned meetings without SMTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ now: () => new Date(NOW) });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('returns each invitation text for copying instead of dropping it', async () => {
    const owner = await server.loginAs('user', 'Clerk');
    const roomId = (await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Rat' }, owner)).id;
    const res = await call(server, 'POST', `/v1/rooms/${roomId}/meetings`, { ...weekly, recurrence: null, invitees: [{ email: 'guest@extern.example', language: 'en' }] }, owner);
    expect(res.status, res.body).toBe(201);
    const [inv] = res.json<MeetingWithDeliveries>().invitations;
    expect(inv).toMatchObject({ email: 'guest@extern.example', status: 'not_sent', method: 'REQUEST', language: 'en' });
    expect(inv!.text).toContain(`Join: ${inv!.join_url}`);
    expect(inv!.join_url).toMatch(/\/invite\/[A-Za-z0-9_-]{22}$/);
    // No dial-in configured: no phone line.
    expect(inv!.text).not.toContain('By phone');
  });

  it('takes the full 500 invitees, each external one with a personal link, and a change to a single meeting', async () => {
    const owner = await server.loginAs('user', 'Clerk');
    const roomId = (await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Großer Rat' }, owner)).id;
    const invitees = Array.from({ length: 500 }, (_, i) => ({ email: `p${i}@extern.example`, name: `Person ${i}` }));
    const res = await call(server, 'POST', `/v1/rooms/${roomId}/meetings`, { ...weekly, exceptions: ['2026-03-24T18:00'], invitees }, owner);
    expect(res.status, res.body.slice(0, 300)).toBe(201);
    const { meeting, invitations } = res.json<MeetingWithDeliveries>();
    expect(invitations).toHaveLength(500);
    expect(new Set(meeting.invitees.map((i) => i.invite_url)).size).toBe(500);
    expect((await call(server, 'GET', `/v1/rooms/${roomId}/invites`, undefined, owner)).json<{ invites: unknown[] }>().invites).toHaveLength(500);
    // Dropping the recurrence drops its exceptions; the guest links stay.
    const single = await call(server, 'PATCH', `/v1/meetings/${meeting.id}`, { recurrence: null }, owner);
    expect(single.status, single.body.slice(0, 300)).toBe(200);
    expect(single.json<MeetingWithDeliveries>().meeting).toMatchObject({ recurrence: null, exceptions: [], sequence: 1 });
  });
});

describe('planned meetings when the mail server refuses', () => {
  const PASSWORD = 'smtp-password-that-must-never-be-logged';
  const lines: string[] = [];
  let server: TestServer;
  let smtp: SMTPServer;

  beforeAll(async () => {
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth: (_auth, _session, callback) => callback(new Error('Invalid username or password')),
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const port = (smtp.server.address() as AddressInfo).port;
    const logStream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    server = await startTestServer({
      now: () => new Date(NOW),
      logStream,
      env: { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port), SMTP_FROM: 'plenum@rathaus.example', SMTP_USER: 'plenum', SMTP_PASSWORD: PASSWORD },
    });
  });
  afterAll(async () => {
    await server?.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it('reports the invitation as failed with its text for copying, and logs neither the password nor the address', async () => {
    const owner = await server.loginAs('user', 'Clerk');
    const roomId = (await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Rat' }, owner)).id;
    const res = await call(server, 'POST', `/v1/rooms/${roomId}/meetings`, { ...weekly, invitees: [{ email: 'refused@extern.example' }] }, owner);
    expect(res.status, res.body).toBe(201);
    const [inv] = res.json<MeetingWithDeliveries>().invitations;
    expect(inv).toMatchObject({ email: 'refused@extern.example', status: 'failed' });
    expect(inv!.text).toContain(`Teilnehmen: ${inv!.join_url}`);
    const log = lines.join('');
    expect(log).toContain('meeting invitation not sent');
    expect(log).not.toContain(PASSWORD);
    expect(log).not.toContain('refused@extern.example');
  });
});
