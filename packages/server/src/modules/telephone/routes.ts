import { Problem, RoomId, TelephoneCallRequest, TelephoneCallResponse, TelephoneDialIn, type DialInLanguage } from '@plenum/protocol';
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
import { maskCaller } from './mask.ts';
import type { DialInRow, TelephoneRepos } from './storage.ts';
import { DialInThrottle } from './throttle.ts';

const Params = z.object({ id: RoomId });
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
export async function telephoneRoutes(app: FastifyInstance, { services, repos }: RouteDeps<TelephoneRepos>): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { dialInNumber, serviceToken } = services.config.telephone;
  const view = (row: DialInRow) => ({ dial_in_number: dialInNumber, dial_in_id: row.dial_in_id, pin: row.pin });

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

  // Dial-in is off without the gateway's token: the route does not exist.
  if (!serviceToken) return;
  const throttle = new DialInThrottle(() => services.now().getTime());
  const signalingUrl = () => {
    const address = app.server.address();
    return `${publicUrl(services.config, address && typeof address === 'object' ? address.port : undefined).replace(/^http/, 'ws')}/signaling`;
  };

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
      try {
        room = found && pinMatches ? await services.rooms.byId(found.room_id) : undefined;
      } catch (err) {
        attempt.settle('aborted');
        throw err;
      }
      attempt.settle(room ? 'success' : 'failure');
      // One answer for an unknown ID and a wrong PIN: nothing tells which one was wrong.
      if (!room) {
        request.log.info('telephone dial-in refused');
        throw new PlenumError('PLENUM_ERR_DIAL_IN_REFUSED');
      }
      const language = DEFAULT_LANGUAGE;
      const displayName = maskCaller(body.caller, language);
      const issued = services.tickets.issue({ roomId: room.id, kind: 'sip', displayName, isRoomOwner: false }, `sip:${body.call_id}`, body.resumption);
      request.log.info({ roomId: room.id, participantId: issued.participantId }, 'telephone caller admitted to signaling');
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
