import {
  AdminAuditPage,
  AdminAuditQuery,
  AdminUserParams,
  AdminUserSearch,
  AdminUserSearchQuery,
  UserDeleted,
  PersonalDataExport,
  RetentionReport,
  Problem,
  SigningKeyRotate,
  SigningKeyRotated,
  TurnDiagnostic,
  UserPseudonymised,
  ADMIN_AUDIT_EXPORT_FORMAT,
} from '@plenum/protocol';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { appendAdminAudit, readAdminAudit } from '../../audit/admin-log.ts';
import type { ActiveSession } from '../../auth/sessions.ts';
import { featureCatalogue } from '../../features.ts';
import { deletePersonalData, exportPersonalData, LastAdminError, personalDataUnits, pseudonymisePersonalData } from '../../gdpr/personal-data.ts';
import { retentionRules } from '../../gdpr/retention.ts';
import type { Services } from '../../services.ts';
import { requireUser } from '../context.ts';
import { PlenumError } from '../errors.ts';

const problems = { 400: Problem, 401: Problem, 403: Problem };
const userProblems = { ...problems, 404: Problem };
const deleteProblems = { ...userProblems, 409: Problem };
const noSuchUser = () => new PlenumError('PLENUM_ERR_NOT_FOUND', 'No account with this id');
const auth = [{ session: [] as string[], csrf: [] as string[] }];

/** A signed-in admin (401 without a session, 403 for everyone else; CSRF token on state-changing methods). */
export async function requireAdmin(request: FastifyRequest, services: Pick<Services, 'sessions'>): Promise<ActiveSession> {
  const session = await requireUser(request, services.sessions);
  if (session.user.role !== 'admin') throw new PlenumError('PLENUM_ERR_FORBIDDEN', 'Only admins may do this');
  return session;
}

/** How an audit entry names a signed-in person. */
export const userActor = (session: ActiveSession) => `user:${session.user.id}`;

/** /v1/admin: key rotation, the audit log, GDPR export and pseudonymisation. Everything here is admin only; mutations are in the audit log. */
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
    '/v1/admin/retention',
    {
      schema: {
        tags: ['admin'],
        summary: 'What is deleted after how long, what is kept and why, and the last run of the retention job on this node (admin)',
        security: auth,
        response: { 200: RetentionReport, ...problems },
      },
    },
    async (request, reply) => {
      await requireAdmin(request, services);
      const status = services.retention;
      const rules = [...retentionRules(featureCatalogue)].map(([name, r]) => ({
        name,
        unit: r.unit,
        period: r.period,
        days: status.periods[r.period],
        tables: [...r.tables],
        description: r.description,
      }));
      const kept = personalDataUnits(featureCatalogue).flatMap(({ name, unit }) =>
        Object.entries(unit.retention.kept ?? {}).map(([table, reason]) => ({ unit: name, table, reason })),
      );
      reply.header('Cache-Control', 'no-store');
      return { periods: { ...status.periods }, interval_minutes: status.intervalMinutes, rules, kept, last_run: status.last ?? null, last_error: status.lastError ?? null };
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

  // GDPR (Art. 15, 17): every unit's data about one account. The whole catalogue, not only the enabled features:
  // a switched-off feature's tables still hold what it stored.
  r.get(
    '/v1/admin/users/:id/personal-data',
    {
      schema: {
        tags: ['admin'],
        summary: 'Everything stored about one account, per unit and table, and what pseudonymisation keeps (admin)',
        security: auth,
        params: AdminUserParams,
        response: { 200: PersonalDataExport, ...userProblems },
      },
    },
    async (request, reply) => {
      const session = await requireAdmin(request, services);
      const exported = await exportPersonalData(services.storage.db, featureCatalogue, request.params.id);
      if (!exported) throw noSuchUser();
      // Who read whose data is accountable; the audit entry and the log line name ids only (the export is personal data).
      await services.storage.db
        .transaction()
        .execute((trx) => appendAdminAudit(trx, { actor: userActor(session), action: 'user.personal_data_exported', target: request.params.id, details: {}, at: services.now() }));
      request.log.info({ userId: session.user.id, subjectId: request.params.id }, 'personal data exported');
      reply.header('Cache-Control', 'no-store');
      return exported;
    },
  );

  r.post(
    '/v1/admin/users/:id/pseudonymise',
    {
      schema: {
        tags: ['admin'],
        summary: 'Replace name, e-mail and login with a pseudonym everywhere, disable the account, end its sessions; signed records stay (admin)',
        security: auth,
        params: AdminUserParams,
        response: { 200: UserPseudonymised, ...userProblems },
      },
    },
    async (request) => {
      const session = await requireAdmin(request, services);
      const result = await pseudonymisePersonalData(services.storage.db, featureCatalogue, request.params.id, userActor(session), services.now());
      if (!result) throw noSuchUser();
      request.log.info({ userId: session.user.id, subjectId: request.params.id, changed: result.changed }, 'account pseudonymised');
      return { user_id: request.params.id, ...result };
    },
  );

  // Finding the person a request is about: by part of the name or e-mail address, a few at a time (never a listing of everyone).
  r.get(
    '/v1/admin/users',
    {
      schema: {
        tags: ['admin'],
        summary: 'Find accounts by part of the display name or e-mail address, at most `limit` (admin)',
        security: auth,
        querystring: AdminUserSearchQuery,
        response: { 200: AdminUserSearch, ...problems },
      },
    },
    async (request, reply) => {
      await requireAdmin(request, services);
      const { q, limit } = request.query;
      // Optional in the schema only so that a caller who is no admin learns nothing but the refusal.
      if (q === undefined) throw new PlenumError('PLENUM_ERR_VALIDATION', 'Give q: part of a name or e-mail address');
      const pattern = `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const rows = await services.storage.db
        .selectFrom('users')
        .select(['id', 'display_name', 'email', 'role', 'created_at'])
        .where((eb) => eb.or([eb(eb.fn('lower', ['display_name']), 'like', pattern), eb(eb.fn('lower', ['email']), 'like', pattern)]))
        .orderBy('display_name')
        .orderBy('id')
        .limit(limit + 1)
        .execute();
      reply.header('Cache-Control', 'no-store');
      return {
        users: rows.slice(0, limit).map((u) => ({ ...u, created_at: new Date(u.created_at).toISOString() })),
        truncated: rows.length > limit,
      };
    },
  );

  // GDPR (Art. 17): erasure, the alternative to pseudonymisation.
  r.delete(
    '/v1/admin/users/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Delete an account, its rooms and its personal data in every unit; signed records stay verifiable, kept rows carry a pseudonym (admin)',
        security: auth,
        params: AdminUserParams,
        response: { 200: UserDeleted, ...deleteProblems },
      },
    },
    async (request) => {
      const session = await requireAdmin(request, services);
      let result;
      try {
        result = await deletePersonalData(services.storage.db, featureCatalogue, request.params.id, userActor(session), services.now());
      } catch (e) {
        if (e instanceof LastAdminError) throw new PlenumError('PLENUM_ERR_CONFLICT', 'The last admin account cannot be deleted');
        throw e;
      }
      if (!result) throw noSuchUser();
      // A deleted room must not live on: end the meeting for whoever is in it.
      for (const room of result.rooms) await request.server.signaling?.closeRoom(room, 'room deleted');
      request.log.info({ userId: session.user.id, subjectId: request.params.id, deleted: result.deleted, rooms: result.rooms.length }, 'account deleted');
      return { user_id: request.params.id, ...result };
    },
  );
};
