import {
  CalendarFeed,
  CalendarFeedToken,
  MeetingCreate,
  MeetingUpdate,
  MeetingWithDeliveries,
  MeetingDetails,
  PlannedMeetingList,
  Problem,
  RoomId,
  UpcomingList,
  UpcomingQuery,
  type InvitationDelivery,
  type MeetingLanguage,
  type MeetingOccurrence,
} from '@plenum/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { ActiveSession } from '../../auth/sessions.ts';
import { requireManagedRoom, requireUser } from '../../http/context.ts';
import { PlenumError } from '../../http/errors.ts';
import { publicUrl } from '../../services.ts';
import type { RouteDeps } from '../../signaling/feature.ts';
import { agendaFeature } from '../agenda/index.ts';
import { telephoneFeature } from '../telephone/index.ts';
import { agendaFor, agendaText, type InvitationAgendaItem } from './agenda.ts';
import { agendaPdf, agendaPdfName } from './agenda-pdf.ts';
import { calendar } from './ics.ts';
import { formatWhen, invitationMail, smtpMailer } from './mail.ts';
import { icsEvent, invitationIcs, joinUrlOf, linksFor, meetingView, occurrencesBetween, schedule, scheduleColumns, scheduleOf, seriesOccurrences, type Links, type Schedule } from './plan.ts';
import type { InviteeRow, MeetingRecord, MeetingsRepos, NewInvitee } from './storage.ts';

const RoomParams = z.object({ id: RoomId });
const MeetingParams = z.object({ plannedId: z.uuid() });
const FeedParams = z.object({ token: CalendarFeedToken });
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };
const auth = [{ session: [] as string[], csrf: [] as string[] }];

/** 500 invitees with long names fit; a list far beyond is still read, so that it gets its 400 from the schema. */
const BODY_LIMIT = 1024 * 1024;
/** Invite links of external guests stay valid this long after the series' last end. */
const INVITE_GRACE_MS = 24 * 3600_000;
/** The feed shows meetings from this long ago. */
const FEED_PAST_MS = 30 * 86_400_000;

type Caller = ActiveSession['user'];

const isManager = (m: MeetingRecord, user: Caller) => user.role === 'admin' || m.room_owner_id === user.id || m.organizer_id === user.id;
const inviteeOf = (invitees: readonly InviteeRow[], user: Caller) =>
  invitees.find((i) => i.user_id === user.id || (user.email !== null && i.email === user.email.toLowerCase()));

/**
 * Planned meetings (issue #16): create, list, read, change and cancel (the room's owner and admins; invitees
 * read), the signed-in user's upcoming occurrences, and the per-user calendar feed. Invitations go out after the
 * change is stored; without SMTP the answer carries their texts for copying.
 */
export async function meetingsRoutes(app: FastifyInstance, { services, repos, repositoriesOf }: RouteDeps<MeetingsRepos>): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const mailer = smtpMailer(services.config.smtp);
  if (mailer) app.addHook('onClose', () => mailer.close());
  const base = () => {
    const address = app.server.address();
    return publicUrl(services.config, address && typeof address === 'object' ? address.port : undefined);
  };
  const links = (): Links => linksFor(base());
  const host = () => new URL(base()).hostname;
  const dialInNumber = services.config.telephone.dialInNumber;
  const { reminderMinutes } = services.config.meetings;
  const dialInOf = async (roomId: string) => {
    if (!dialInNumber) return null;
    const row = await repositoriesOf(telephoneFeature).forRoom(roomId, services.now());
    return { number: dialInNumber, id: row.dial_in_id, pin: row.pin };
  };
  /** The room's agenda (committee preparation, `agenda` feature); empty for a room without one. */
  const agendaOf = (roomId: string) => repositoriesOf(agendaFeature).listAgenda(roomId);
  const senderAddress = () => {
    const from = services.config.smtp?.from;
    const inBrackets = from?.match(/<([^>]+)>/)?.[1];
    return inBrackets ?? (from && from.includes('@') ? from.trim() : `plenum@${host()}`);
  };

  /** Writes the invitations of one change and sends them (or returns them for copying). */
  async function deliver(
    m: MeetingRecord,
    s: Schedule,
    invitees: readonly InviteeRow[],
    recipients: readonly { invitee: InviteeRow; method: 'REQUEST' | 'CANCEL' }[],
  ): Promise<InvitationDelivery[]> {
    if (!recipients.length) return [];
    const l = links();
    const dialIn = await dialInOf(m.room_id);
    const stamp = services.now();
    const organizerEmail = m.organizer_email ?? senderAddress();
    const items = await agendaOf(m.room_id);
    // One PDF per language and kind of reader (account or guest), not one per invitee.
    const pdfs = new Map<string, Promise<Buffer>>();
    const pdfOf = (agenda: InvitationAgendaItem[], language: MeetingLanguage, guest: boolean) => {
      const key = `${language}:${guest}`;
      let pdf = pdfs.get(key);
      if (!pdf) {
        pdf = agendaPdf({ title: m.title, when: formatWhen(s.start, s.end, s.timeZone, language), roomName: m.room_name, organizerName: m.organizer_name, items: agenda }, language);
        pdfs.set(key, pdf);
      }
      return pdf;
    };
    const mails = recipients.map(({ invitee, method }) => {
      const joinUrl = joinUrlOf(l, m.room_id, invitee);
      const language: MeetingLanguage = invitee.language;
      // A committee session's invitation carries its agenda; a cancellation needs none.
      const agenda = method === 'CANCEL' ? [] : agendaFor(items, { guest: invitee.user_id === null });
      const event = icsEvent(m, s, method === 'CANCEL' ? [invitee] : invitees, {
        host: host(),
        joinUrl,
        organizerEmail,
        dialIn,
        language,
        stamp,
        cancelled: method === 'CANCEL',
        reminderMinutes,
        agenda: agendaText(agenda, language),
      });
      const ics = invitationIcs(method, event);
      const body = invitationMail(
        {
          title: m.title,
          description: m.description,
          roomName: m.room_name,
          organizerName: m.organizer_name,
          start: s.start,
          end: s.end,
          timeZone: s.timeZone,
          rule: s.rule,
          occurrences: seriesOccurrences(s),
          joinUrl,
          waitingRoom: m.waiting_room,
          passwordRequired: m.password_required,
          dialIn,
          method,
          updated: m.sequence > 0,
          agenda,
        },
        language,
        invitee.invite_code !== null,
      );
      const pdf = mailer && agenda.length ? pdfOf(agenda, language, invitee.user_id === null) : null;
      return { invitee, method, joinUrl, language, ics, pdf, ...body };
    });
    return Promise.all(
      mails.map(async (mail): Promise<InvitationDelivery> => {
        const delivery = { email: mail.invitee.email, language: mail.language, method: mail.method, join_url: mail.joinUrl, subject: mail.subject };
        if (!mailer) return { ...delivery, status: 'not_sent', text: mail.text };
        try {
          const attachments = mail.pdf ? [{ filename: agendaPdfName(mail.language), content: await mail.pdf, contentType: 'application/pdf' }] : [];
          await mailer.send({ to: mail.invitee.email, subject: mail.subject, text: mail.text, html: mail.html, ics: mail.ics, method: mail.method, attachments });
          return { ...delivery, status: 'sent', text: null };
        } catch (err) {
          // The address stays out of the log; the organizer sees which one failed in the answer.
          services.logger.warn({ meetingId: m.id, err: { message: (err as Error).message, code: (err as { code?: unknown }).code } }, 'meeting invitation not sent');
          return { ...delivery, status: 'failed', text: mail.text };
        }
      }),
    );
  }

  /** Resolves invitees to accounts by e-mail; external guests get a personal invite link (made in `trx`). */
  async function inviteeRows(
    trx: Parameters<Parameters<MeetingsRepos['transaction']>[0]>[0],
    roomId: string,
    input: readonly { email: string; name?: string | undefined; language?: MeetingLanguage | undefined }[],
    s: Schedule,
    title: string,
    createdBy: string,
  ): Promise<NewInvitee[]> {
    const unique = new Map<string, (typeof input)[number]>();
    for (const i of input) if (!unique.has(i.email.toLowerCase())) unique.set(i.email.toLowerCase(), i);
    const accounts = await repos.accountsByEmail([...unique.keys()], trx);
    const now = services.now();
    const out: NewInvitee[] = [];
    const invites = [];
    for (const [email, i] of unique) {
      const account = accounts.get(email);
      let invite_code: string | null = null;
      if (!account) {
        invite_code = randomBytes(16).toString('base64url');
        invites.push({
          code: invite_code,
          room_id: roomId,
          label: `${title} – ${i.name ?? email}`.slice(0, 120),
          password_hash: null,
          expires_at: new Date(s.seriesEndsAt.getTime() + INVITE_GRACE_MS),
          revoked_at: null,
          created_by: createdBy,
          created_at: now,
        });
      }
      out.push({ email, display_name: i.name ?? account?.display_name ?? null, language: i.language ?? 'de', user_id: account?.id ?? null, invite_code });
    }
    if (invites.length) await trx.insertInto('invites').values(invites).execute();
    return out;
  }

  const revokeInvites = async (trx: Parameters<Parameters<MeetingsRepos['transaction']>[0]>[0], codes: readonly (string | null)[]) => {
    const list = codes.filter((c): c is string => c !== null);
    if (list.length) await trx.updateTable('invites').set({ revoked_at: services.now() }).where('code', 'in', list).where('revoked_at', 'is', null).execute();
  };

  async function loadForUser(id: string, user: Caller) {
    const m = await repos.byId(id);
    const invitees = m ? await repos.invitees(m.id) : [];
    // Someone neither managing nor invited learns nothing, not even that the meeting exists.
    if (!m || (!isManager(m, user) && !inviteeOf(invitees, user))) throw new PlenumError('PLENUM_ERR_NOT_FOUND', 'No such planned meeting');
    return { m, invitees };
  }

  r.post(
    '/v1/rooms/:id/meetings',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['meetings'],
        summary: 'Plan a meeting in the room and invite people (owner or admin)',
        security: auth,
        params: RoomParams,
        body: MeetingCreate,
        response: { 201: MeetingWithDeliveries, ...problems },
      },
    },
    async (request, reply) => {
      const { room, session } = await requireManagedRoom(request, services, request.params.id, 'plan meetings in it');
      const body = request.body;
      const s = schedule({ start: body.start, end: body.end, time_zone: body.time_zone, recurrence: body.recurrence ?? null, exceptions: body.exceptions ?? [], overrides: body.overrides ?? [] });
      const id = crypto.randomUUID();
      const now = services.now();
      await repos.transaction(async (trx) => {
        const invitees = await inviteeRows(trx, room.id, body.invitees ?? [], s, body.title, session.user.id);
        await repos.insert(
          trx,
          {
            id,
            room_id: room.id,
            organizer_id: session.user.id,
            title: body.title,
            description: body.description ?? '',
            ...scheduleColumns(s),
            waiting_room: body.waiting_room ?? false,
            password_required: body.password_required ?? false,
          },
          invitees,
          now,
        );
      });
      const m = (await repos.byId(id))!;
      const invitees = await repos.invitees(id);
      request.log.info({ meetingId: id, roomId: room.id, invitees: invitees.length }, 'meeting planned');
      const invitations = await deliver(m, s, invitees, invitees.map((invitee) => ({ invitee, method: 'REQUEST' as const })));
      return reply.status(201).send({ meeting: meetingView(m, invitees, links(), { canManage: true }), invitations });
    },
  );

  r.get(
    '/v1/rooms/:id/meetings',
    { schema: { tags: ['meetings'], summary: "The room's planned meetings (owner or admin)", security: auth, params: RoomParams, response: { 200: PlannedMeetingList, ...problems } } },
    async (request) => {
      await requireManagedRoom(request, services, request.params.id, 'see its planned meetings');
      const l = links();
      const list = await repos.listByRoom(request.params.id);
      return { meetings: await Promise.all(list.map(async (m) => meetingView(m, await repos.invitees(m.id), l, { canManage: true }))) };
    },
  );

  r.get(
    '/v1/meetings',
    {
      schema: {
        tags: ['meetings'],
        summary: "The signed-in user's upcoming meeting occurrences, own and invited, soonest first",
        security: auth,
        querystring: UpcomingQuery,
        response: { 200: UpcomingList, ...problems },
      },
    },
    async (request) => {
      const session = await requireUser(request, services.sessions);
      const from = request.query.from ? new Date(request.query.from) : services.now();
      const to = new Date(from.getTime() + request.query.days * 86_400_000);
      const l = links();
      const occurrences: MeetingOccurrence[] = [];
      for (const m of await repos.forUser(session.user, from, to)) {
        const s = scheduleOf(m);
        const role = isManager(m, session.user) ? ('organizer' as const) : ('invitee' as const);
        for (const o of occurrencesBetween(s, from, to)) {
          occurrences.push({
            meeting_id: m.id,
            room_id: m.room_id,
            room_name: m.room_name,
            title: o.title ?? m.title,
            starts_at: o.startsAt.toISOString(),
            ends_at: o.endsAt.toISOString(),
            time_zone: m.time_zone,
            recurring: s.rule !== null,
            role,
            // Signed in, one joins as oneself: the room, even when invited by address before having an account.
            join_url: l.roomUrl(m.room_id),
          });
        }
      }
      occurrences.sort((a, b) => a.starts_at.localeCompare(b.starts_at) || a.title.localeCompare(b.title));
      return { occurrences };
    },
  );

  r.get(
    '/v1/meetings/:plannedId',
    {
      schema: {
        tags: ['meetings'],
        summary: "A planned meeting with its room's agenda (its organizer, the room owner, admins, invitees)",
        security: auth,
        params: MeetingParams,
        response: { 200: MeetingDetails, ...problems },
      },
    },
    async (request) => {
      const session = await requireUser(request, services.sessions);
      const { m, invitees } = await loadForUser(request.params.plannedId, session.user);
      const canManage = isManager(m, session.user);
      return { ...meetingView(m, invitees, links(), { canManage }), agenda: await agendaOf(m.room_id) };
    },
  );

  async function loadManaged(request: FastifyRequest, id: string) {
    const session = await requireUser(request, services.sessions);
    const m = await repos.byId(id);
    if (!m) throw new PlenumError('PLENUM_ERR_NOT_FOUND', 'No such planned meeting');
    if (!isManager(m, session.user)) throw new PlenumError('PLENUM_ERR_FORBIDDEN', "Only the meeting's organizer, the room's owner or an admin may change it");
    return { m, session };
  }

  r.patch(
    '/v1/meetings/:plannedId',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        tags: ['meetings'],
        summary: 'Change a planned meeting; invitees get the update (SEQUENCE+1), removed ones a cancellation (organizer, owner or admin)',
        security: auth,
        params: MeetingParams,
        body: MeetingUpdate,
        response: { 200: MeetingWithDeliveries, 409: Problem, ...problems },
      },
    },
    async (request) => {
      const { m: before, session } = await loadManaged(request, request.params.plannedId);
      if (before.cancelled_at) throw new PlenumError('PLENUM_ERR_CONFLICT', 'The meeting has been cancelled');
      const body = request.body;
      const s = schedule({
        start: body.start ?? before.start_local,
        end: body.end ?? before.end_local,
        time_zone: body.time_zone ?? before.time_zone,
        recurrence: body.recurrence === undefined ? before.rrule : body.recurrence,
        // Without a recurrence there is nothing to leave out.
        exceptions: body.exceptions ?? (body.recurrence === null ? [] : before.exceptions),
        // A new start, rule or exceptions make other occurrences: earlier changes of single ones go unless given again.
        overrides: body.overrides ?? (body.start !== undefined || body.recurrence !== undefined || body.exceptions !== undefined ? [] : before.overrides),
      });
      const previous = await repos.invitees(before.id);
      let removed: InviteeRow[] = [];
      await repos.transaction(async (trx) => {
        let change: { add: NewInvitee[]; remove: string[] } | undefined;
        if (body.invitees) {
          const wanted = new Set(body.invitees.map((i) => i.email.toLowerCase()));
          removed = previous.filter((p) => !wanted.has(p.email));
          const known = new Set(previous.map((p) => p.email));
          const add = await inviteeRows(trx, before.room_id, body.invitees.filter((i) => !known.has(i.email.toLowerCase())), s, body.title ?? before.title, session.user.id);
          change = { add, remove: removed.map((p) => p.email) };
          await revokeInvites(trx, removed.map((p) => p.invite_code));
          // Language and name of those who stay may change too.
          for (const i of body.invitees) {
            const p = previous.find((x) => x.email === i.email.toLowerCase());
            if (p && (i.language !== undefined || i.name !== undefined)) {
              await trx
                .updateTable('planned_meeting_invitees')
                .set({ ...(i.language ? { language: i.language } : {}), ...(i.name ? { display_name: i.name } : {}) })
                .where('meeting_id', '=', before.id)
                .where('email', '=', p.email)
                .execute();
            }
          }
        }
        await repos.update(
          trx,
          before.id,
          {
            ...(body.title !== undefined ? { title: body.title } : {}),
            ...(body.description !== undefined ? { description: body.description } : {}),
            ...(body.waiting_room !== undefined ? { waiting_room: body.waiting_room } : {}),
            ...(body.password_required !== undefined ? { password_required: body.password_required } : {}),
            ...scheduleColumns(s),
          },
          change,
          services.now(),
        );
        // The guests' links last as long as the series now does.
        const codes = previous.filter((p) => !removed.includes(p)).map((p) => p.invite_code).filter((c): c is string => c !== null);
        if (codes.length) await trx.updateTable('invites').set({ expires_at: new Date(s.seriesEndsAt.getTime() + INVITE_GRACE_MS) }).where('code', 'in', codes).where('revoked_at', 'is', null).execute();
      });
      const m = (await repos.byId(before.id))!;
      const invitees = await repos.invitees(m.id);
      request.log.info({ meetingId: m.id, sequence: m.sequence }, 'planned meeting changed');
      const invitations = await deliver(m, s, invitees, [
        ...invitees.map((invitee) => ({ invitee, method: 'REQUEST' as const })),
        ...removed.map((invitee) => ({ invitee, method: 'CANCEL' as const })),
      ]);
      return { meeting: meetingView(m, invitees, links(), { canManage: true }), invitations };
    },
  );

  r.delete(
    '/v1/meetings/:plannedId',
    {
      schema: {
        tags: ['meetings'],
        summary: 'Cancel a planned meeting: invitees get METHOD:CANCEL, guest links stop working (organizer, owner or admin)',
        security: auth,
        params: MeetingParams,
        response: { 200: MeetingWithDeliveries, 409: Problem, ...problems },
      },
    },
    async (request) => {
      const { m: before } = await loadManaged(request, request.params.plannedId);
      const invitees = await repos.invitees(before.id);
      const done = await repos.transaction(async (trx) => {
        const cancelled = await repos.cancel(trx, before.id, services.now());
        if (cancelled) await revokeInvites(trx, invitees.map((i) => i.invite_code));
        return cancelled;
      });
      if (!done) throw new PlenumError('PLENUM_ERR_CONFLICT', 'The meeting has already been cancelled');
      const m = (await repos.byId(before.id))!;
      request.log.info({ meetingId: m.id, sequence: m.sequence }, 'planned meeting cancelled');
      const invitations = await deliver(m, scheduleOf(m), invitees, invitees.map((invitee) => ({ invitee, method: 'CANCEL' as const })));
      return { meeting: meetingView(m, invitees, links(), { canManage: true }), invitations };
    },
  );

  // ── the calendar feed ──

  const feedView = (row: { created_at: Date } | undefined, url: string | null) => ({ active: row !== undefined, created_at: row ? new Date(row.created_at).toISOString() : null, url });

  r.get(
    '/v1/calendar-feed',
    { schema: { tags: ['meetings'], summary: "Whether the signed-in user's calendar feed is on (the URL is shown only when made)", security: auth, response: { 200: CalendarFeed, ...problems } } },
    async (request) => {
      const session = await requireUser(request, services.sessions);
      return feedView(await repos.feedOf(session.user.id), null);
    },
  );

  r.post(
    '/v1/calendar-feed',
    {
      schema: {
        tags: ['meetings'],
        summary: 'A new secret calendar feed URL for the signed-in user; an earlier one stops working',
        security: auth,
        response: { 200: CalendarFeed, ...problems },
      },
    },
    async (request, reply) => {
      const session = await requireUser(request, services.sessions);
      const token = randomBytes(32).toString('base64url');
      await repos.setFeed(session.user.id, token, services.now());
      request.log.info({ userId: session.user.id }, 'calendar feed token made');
      return reply.header('Cache-Control', 'no-store').send(feedView(await repos.feedOf(session.user.id), `${base()}/v1/calendar/${token}.ics`));
    },
  );

  r.delete(
    '/v1/calendar-feed',
    { schema: { tags: ['meetings'], summary: "Revoke the signed-in user's calendar feed URL", security: auth, response: { 204: z.null(), ...problems } } },
    async (request, reply) => {
      const session = await requireUser(request, services.sessions);
      await repos.revokeFeed(session.user.id);
      request.log.info({ userId: session.user.id }, 'calendar feed token revoked');
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/v1/calendar/:token.ics',
    {
      schema: {
        tags: ['meetings'],
        summary: "A user's meetings as iCalendar (METHOD:PUBLISH) for calendar programs; the secret token is the credential",
        params: FeedParams,
        response: { 200: z.string(), 400: Problem, 404: Problem },
      },
    },
    async (request, reply) => {
      // Calendar programs have no session: only the token decides whose feed this is.
      const user = await repos.userByFeedToken(request.params.token);
      if (!user) throw new PlenumError('PLENUM_ERR_NOT_FOUND', 'Unknown or revoked calendar feed');
      const now = services.now();
      const l = links();
      const dialIns = new Map<string, Awaited<ReturnType<typeof dialInOf>>>();
      const agendas = new Map<string, Awaited<ReturnType<typeof agendaOf>>>();
      const events = [];
      for (const m of await repos.forFeed(user, new Date(now.getTime() - FEED_PAST_MS))) {
        if (!dialIns.has(m.room_id)) dialIns.set(m.room_id, await dialInOf(m.room_id));
        const invitees = await repos.invitees(m.id);
        const me = invitees.find((i) => i.user_id === user.id || (user.email !== null && i.email === user.email.toLowerCase()));
        const language = me?.language ?? 'de';
        // The feed is an account's: the agenda as an account reads it (motions of non-public items included).
        if (!agendas.has(m.room_id)) agendas.set(m.room_id, await agendaOf(m.room_id));
        events.push(
          icsEvent(m, scheduleOf(m), [], {
            host: host(),
            // The feed is an account's: it joins as itself, in the room.
            joinUrl: l.roomUrl(m.room_id),
            organizerEmail: m.organizer_email ?? senderAddress(),
            dialIn: dialIns.get(m.room_id) ?? null,
            language,
            stamp: now,
            reminderMinutes,
            agenda: agendaText(agendaFor(agendas.get(m.room_id) ?? [], { guest: false }), language),
          }),
        );
      }
      return reply
        .header('Cache-Control', 'no-store')
        .header('Referrer-Policy', 'no-referrer')
        .type('text/calendar; charset=utf-8')
        .send(calendar('PUBLISH', events, `Plenum – ${user.display_name}`));
    },
  );
}
