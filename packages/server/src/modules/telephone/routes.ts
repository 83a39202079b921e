import {
  InviteCode,
  PERSONAL_PIN_DIGITS,
  Problem,
  RoomId,
  TelephoneCallRequest,
  TelephoneCallResponse,
  TelephoneDialIn,
  TelephonePersonalPins,
  type DialInLanguage,
  type RosterMember,
} from '@plenum/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { retryAfterSeconds } from '../../auth/attempt-throttle.ts';
import { requireManagedRoom } from '../../http/context.ts';
import { PlenumError, toProblem } from '../../http/errors.ts';
import { operatorCredential } from '../../http/operator.ts';
import { publicUrl } from '../../services.ts';
import type { RouteDeps } from '../../signaling/feature.ts';
import type { InviteRow } from '../../storage/schema.ts';
import { agendaFeature } from '../agenda/index.ts';
import { maskCaller } from './mask.ts';
import type { DialInRow, TelephoneRepos } from './storage.ts';
import { DialInThrottle } from './throttle.ts';

const Params = z.object({ id: RoomId });
const InviteParams = z.object({ id: RoomId, code: InviteCode });
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };
const sessionAuth = [{ session: [] as string[], csrf: [] as string[] }];

/** Without a room or server language setting, callers hear German (the deployments are German authorities). */
const DEFAULT_LANGUAGE: DialInLanguage = 'de';

const sameDigits = (a: string, b: string) => {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
};

/**
 * Telephone dial-in: the room's dial-in ID and PIN for its moderators (owner, admin), a new pair for the owner,
 * and the SIP gateway's service call that turns an ID and PIN into a signaling ticket of kind `sip`.
 */
export async function telephoneRoutes(app: FastifyInstance, { services, repos, repositoriesOf }: RouteDeps<TelephoneRepos>): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { dialInNumber, serviceToken } = services.config.telephone;
  const committee = repositoriesOf(agendaFeature);
  const view = (row: DialInRow) => ({ dial_in_number: dialInNumber, dial_in_id: row.dial_in_id, pin: row.pin });
  const active = (invite: Pick<InviteRow, 'revoked_at' | 'expires_at'>, now: Date) => !invite.revoked_at && (!invite.expires_at || new Date(invite.expires_at) > now);

  /**
   * The room's personal invites — those a roster member holds, still active — each with its PIN (made now for
   * those without one), in roster order.
   */
  async function personalPins(roomId: string) {
    const now = services.now();
    const [roster, invites] = await Promise.all([committee.listRoster(roomId), services.invites.listByRoom(roomId)]);
    const byCode = new Map(invites.filter((i) => active(i, now)).map((i) => [i.code, i]));
    const held = roster.filter((m): m is RosterMember & { invite_code: string } => m.invite_code !== null && byCode.has(m.invite_code));
    const pins = await repos.personalPins(roomId, held.map((m) => m.invite_code), now);
    return held.flatMap((m) => {
      const pin = pins.get(m.invite_code);
      return pin === undefined ? [] : [{ invite_code: m.invite_code, member_id: m.id, display_name: m.display_name, label: byCode.get(m.invite_code)?.label ?? null, pin }];
    });
  }

  r.get(
    '/v1/rooms/:id/telephone',
    {
      schema: {
        tags: ['telephone'],
        summary: "The room's phone dial-in: number, dial-in ID and PIN (owner or admin)",
        security: sessionAuth,
        params: Params,
        response: { 200: TelephoneDialIn, ...problems },
      },
    },
    async (request, reply) => {
      const { room } = await requireManagedRoom(request, services, request.params.id, 'see its dial-in PIN');
      const row = await repos.forRoom(room.id, services.now());
      return reply.header('Cache-Control', 'no-store').send(view(row));
    },
  );

  r.post(
    '/v1/rooms/:id/telephone/regenerate',
    {
      schema: {
        tags: ['telephone'],
        summary: 'A new dial-in ID and PIN for the room; the old ones stop working (owner or admin)',
        security: sessionAuth,
        params: Params,
        response: { 200: TelephoneDialIn, ...problems },
      },
    },
    async (request, reply) => {
      const { room, session } = await requireManagedRoom(request, services, request.params.id, 'give it a new dial-in PIN');
      const row = await repos.regenerate(room.id, services.now());
      request.log.info({ roomId: room.id, userId: session.user.id }, 'telephone dial-in ID and PIN regenerated');
      return reply.header('Cache-Control', 'no-store').send(view(row));
    },
  );

  r.get(
    '/v1/rooms/:id/telephone/personal-pins',
    {
      schema: {
        tags: ['telephone'],
        summary: 'Personal phone PINs: one per roster member\u2019s personal invite, made on first look (owner or admin)',
        description:
          'A caller who types a personal PIN (8 digits) after the dial-in ID joins as that roster member: counted for quorum, eligible in votes. Only invites a roster entry holds get one, and only while the invite is neither revoked nor expired.',
        security: sessionAuth,
        params: Params,
        response: { 200: TelephonePersonalPins, ...problems },
      },
    },
    async (request, reply) => {
      const { room } = await requireManagedRoom(request, services, request.params.id, 'see its personal phone PINs');
      return reply.header('Cache-Control', 'no-store').send(await personalPins(room.id));
    },
  );

  r.post(
    '/v1/rooms/:id/telephone/personal-pins/regenerate',
    {
      schema: {
        tags: ['telephone'],
        summary: 'New personal phone PINs for all personal invites of the room; the old ones stop working (owner or admin)',
        security: sessionAuth,
        params: Params,
        response: { 200: TelephonePersonalPins, ...problems },
      },
    },
    async (request, reply) => {
      const { room, session } = await requireManagedRoom(request, services, request.params.id, 'give it new personal phone PINs');
      await repos.dropPersonalPins(room.id);
      request.log.info({ roomId: room.id, userId: session.user.id }, 'telephone personal PINs regenerated');
      return reply.header('Cache-Control', 'no-store').send(await personalPins(room.id));
    },
  );

  r.post(
    '/v1/rooms/:id/telephone/personal-pins/:code/regenerate',
    {
      schema: {
        tags: ['telephone'],
        summary: 'A new personal phone PIN for one personal invite; its old one stops working (owner or admin)',
        security: sessionAuth,
        params: InviteParams,
        response: { 200: TelephonePersonalPins, ...problems },
      },
    },
    async (request, reply) => {
      const { room, session } = await requireManagedRoom(request, services, request.params.id, 'give an invite a new phone PIN');
      const before = await personalPins(room.id);
      if (!before.some((p) => p.invite_code === request.params.code)) {
        throw new PlenumError('PLENUM_ERR_INVITE_NOT_FOUND', 'No active invite with this code that a roster member holds in this room');
      }
      await repos.dropPersonalPins(room.id, request.params.code);
      request.log.info({ roomId: room.id, userId: session.user.id }, 'telephone personal PIN regenerated');
      return reply.header('Cache-Control', 'no-store').send(await personalPins(room.id));
    },
  );

  // Dial-in is off without the gateway's token: the route does not exist.
  if (!serviceToken) return;
  const throttle = new DialInThrottle(() => services.now().getTime());
  const signalingUrl = () => {
    const address = app.server.address();
    return `${publicUrl(services.config, address && typeof address === 'object' ? address.port : undefined).replace(/^http/, 'ws')}/signaling`;
  };

  /**
   * The personal invite whose PIN this is: every PIN of the room is compared (constant time, no early end), then
   * the match counts only while its invite is active and a roster member holds it.
   */
  async function personalMatch(roomId: string, pin: string): Promise<{ inviteCode: string; displayName: string } | undefined> {
    const [candidates, roster] = await Promise.all([repos.personalPinsForCall(roomId), committee.listRoster(roomId)]);
    let hit: (typeof candidates)[number] | undefined;
    for (const c of candidates) if (sameDigits(c.pin, pin) && !hit) hit = c;
    if (!hit || !active(hit, services.now())) return undefined;
    const member = roster.find((m) => m.invite_code === hit.invite_code);
    return member ? { inviteCode: hit.invite_code, displayName: member.display_name } : undefined;
  }

  /** Before the body is even parsed: the gateway's bearer token, compared in constant time. */
  const requireGateway = async (request: FastifyRequest, reply: FastifyReply) => {
    if (operatorCredential(request, serviceToken) === 'valid') return;
    return reply
      .status(401)
      .header('WWW-Authenticate', 'Bearer realm="plenum-telephone"')
      .type('application/problem+json')
      .send({ ...toProblem('PLENUM_ERR_UNAUTHENTICATED', 'The SIP gateway\u2019s service token is missing or wrong'), instance: request.url.split('?')[0] });
  };

  r.post(
    '/v1/service/telephone/calls',
    {
      onRequest: requireGateway,
      schema: {
        tags: ['telephone'],
        summary: 'SIP gateway: a signaling ticket (kind sip) for a caller with a dial-in ID and PIN',
        security: [{ telephoneService: [] as string[] }],
        body: TelephoneCallRequest,
        response: { 200: TelephoneCallResponse, 400: Problem, 401: Problem, 403: Problem, 429: Problem },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const found = await repos.byDialInId(body.dial_in_id);
      const attempt = throttle.begin(found?.room_id ?? null, body.source);
      if (attempt.retryAfterMs > 0) {
        const seconds = retryAfterSeconds(attempt.retryAfterMs);
        request.log.warn({ retryAfterMs: attempt.retryAfterMs }, 'telephone dial-in throttled after repeated wrong IDs or PINs');
        void reply.header('Retry-After', String(seconds));
        throw new PlenumError('PLENUM_ERR_RATE_LIMITED', `Too many wrong dial-in IDs or PINs; try again in ${seconds} s`);
      }
      // The PIN is compared even for an unknown ID, so both refusals take the same path.
      const pinMatches = sameDigits(found?.pin ?? '', body.pin);
      let room;
      let personal: { inviteCode: string; displayName: string } | undefined;
      try {
        // A personal PIN (another length than the room's, so never both): compared with every one of the room's.
        if (found && !pinMatches && body.pin.length === PERSONAL_PIN_DIGITS) personal = await personalMatch(found.room_id, body.pin);
        room = found && (pinMatches || personal) ? await services.rooms.byId(found.room_id) : undefined;
      } catch (err) {
        attempt.settle('aborted');
        throw err;
      }
      attempt.settle(room ? 'success' : 'failure');
      // One answer for an unknown ID, a wrong PIN and the PIN of a revoked, expired or no longer personal invite: nothing tells which one was wrong.
      if (!room) {
        request.log.info('telephone dial-in refused');
        throw new PlenumError('PLENUM_ERR_DIAL_IN_REFUSED');
      }
      const language = DEFAULT_LANGUAGE;
      const displayName = personal?.displayName ?? maskCaller(body.caller, language);
      // With a personal PIN the caller is the invite's roster member: its invite code carries the seat (quorum,
      // votes) as the link does in a browser, and all of that member's calls are one identity.
      const issued = personal
        ? services.tickets.issue({ roomId: room.id, kind: 'sip', displayName, isRoomOwner: false, inviteCode: personal.inviteCode }, `invite:${personal.inviteCode}`, body.resumption)
        : services.tickets.issue({ roomId: room.id, kind: 'sip', displayName, isRoomOwner: false }, `sip:${body.call_id}`, body.resumption);
      request.log.info({ roomId: room.id, participantId: issued.participantId, personal: !!personal }, 'telephone caller admitted to signaling');
      return {
        ticket: issued.ticket,
        resumption: issued.resumption,
        signaling_url: signalingUrl(),
        room_id: room.id,
        participant_display_name: displayName,
        language,
      };
    },
  );
}
