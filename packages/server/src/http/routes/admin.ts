import { AdminAuditPage, AdminAuditQuery, Problem, SigningKeyRotate, SigningKeyRotated, TurnDiagnostic, ADMIN_AUDIT_EXPORT_FORMAT } from '@plenum/protocol';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { readAdminAudit } from '../../audit/admin-log.ts';
import type { ActiveSession } from '../../auth/sessions.ts';
import type { Services } from '../../services.ts';
import { requireUser } from '../context.ts';
import { PlenumError } from '../errors.ts';

const problems = { 400: Problem, 401: Problem, 403: Problem };
const auth = [{ session: [] as string[], csrf: [] as string[] }];

/** A signed-in admin (401 without a session, 403 for everyone else; CSRF token on state-changing methods). */
export async function requireAdmin(request: FastifyRequest, services: Pick<Services, 'sessions'>): Promise<ActiveSession> {
  const session = await requireUser(request, services.sessions);
  if (session.user.role !== 'admin') throw new PlenumError('PLENUM_ERR_FORBIDDEN', 'Only admins may do this');
  return session;
}

/** How an audit entry names a signed-in person. */
export const userActor = (session: ActiveSession) => `user:${session.user.id}`;

/** /v1/admin: key rotation and the audit log. Everything here is admin only; mutations are in the audit log. */
export const adminRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/v1/admin/signing-key/rotate',
    {
      schema: {
        tags: ['admin'],
        summary: 'Retire the current signing key and start signing with a new one; old exports stay verifiable (admin)',
        security: auth,
        body: SigningKeyRotate.optional(),
        response: { 200: SigningKeyRotated, ...problems },
      },
    },
    async (request) => {
      const session = await requireAdmin(request, services);
      const rotated = await services.signingKey.rotate(userActor(session), services.now(), request.body?.reason ?? null);
      request.log.info({ userId: session.user.id, keyId: rotated.current.key_id, previousKeyId: rotated.previous.key_id }, 'signing key rotated');
      return rotated;
    },
  );

  r.get(
    '/v1/admin/audit-log',
    {
      schema: {
        tags: ['admin'],
        summary: 'The append-only, hash-chained log of administrative actions, oldest first, paginated (admin)',
        security: auth,
        querystring: AdminAuditQuery,
        response: { 200: AdminAuditPage, ...problems },
      },
    },
    async (request, reply) => {
      await requireAdmin(request, services);
      const { after, limit } = request.query;
      // One more than asked tells whether there is a next page.
      const rows = await readAdminAudit(services.storage.db, after, limit + 1);
      const entries = rows.slice(0, limit);
      reply.header('Cache-Control', 'no-store');
      return { format: ADMIN_AUDIT_EXPORT_FORMAT, entries, next_after: rows.length > limit ? entries.at(-1)!.seq : null };
    },
  );

  r.get(
    '/v1/admin/diagnostics/turn',
    {
      schema: {
        tags: ['admin'],
        summary: 'Tries an allocation on every TURN URL (UDP, TCP, TLS) with freshly minted credentials (admin)',
        security: auth,
        response: { 200: TurnDiagnostic, ...problems },
      },
    },
    async (request, reply) => {
      await requireAdmin(request, services);
      const checks = await services.turn.diagnose();
      reply.header('Cache-Control', 'no-store');
      return { enabled: services.turn.enabled, checks };
    },
  );
};
