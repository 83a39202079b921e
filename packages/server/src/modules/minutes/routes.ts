import { MinutesVersionExport, MinutesVersionList, MinutesVersionQuery, Problem, RoomId, minutesSignedMessage } from '@plenum/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { reportLanguage, reportTimeZone } from '../../reports/language.ts';
import { minutesPdf } from './report.ts';
import type { RouteDeps } from '../../signaling/feature.ts';
import type { MinutesRepos } from './index.ts';
import { versionSummary } from './storage.ts';
import { requireManagedRoom } from '../../http/context.ts';
import { PlenumError } from '../../http/errors.ts';

const Params = z.object({ id: RoomId });
const VersionParams = z.object({ id: RoomId, version: z.coerce.number().int().min(1).max(1_000_000) });
const PdfQuery = MinutesVersionQuery.extend({
  /** IANA time zone for the PDF's times (the browser's own); UTC when absent. */
  tz: z.string().max(64).optional(),
}).strict();
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };
const auth = [{ session: [] as string[] }];

/**
 * Sealed minutes of a room: the list of versions, each version as JSON (everything needed to verify hash
 * chain and signature) and as PDF. Only for the room's owner and admins, like the attendance report: the
 * minutes of a closed session are not public.
 */
export async function minutesRoutes(app: FastifyInstance, { services, repos }: RouteDeps<MinutesRepos>): Promise<void> {
  const minutes = repos.store;
  const r = app.withTypeProvider<ZodTypeProvider>();

  const loadManagedRoom = async (request: FastifyRequest, roomId: string) =>
    (await requireManagedRoom(request, services, roomId, 'read its minutes')).room;

  async function loadVersion(request: FastifyRequest, params: z.infer<typeof VersionParams>) {
    const room = await loadManagedRoom(request, params.id);
    const row = await minutes.version(room.id, params.version);
    if (!row) throw new PlenumError('PLENUM_ERR_NOT_FOUND', 'No such version of the minutes');
    return row;
  }

  r.get(
    '/v1/rooms/:id/minutes/versions',
    { schema: { tags: ['minutes'], summary: "A room's sealed minutes, oldest first (owner or admin)", security: auth, params: Params, response: { 200: MinutesVersionList, ...problems } } },
    async (request) => {
      const room = await loadManagedRoom(request, request.params.id);
      return { versions: (await minutes.listVersions(room.id)).map(versionSummary) };
    },
  );

  r.get(
    '/v1/rooms/:id/minutes/versions/:version.json',
    {
      schema: {
        tags: ['minutes'],
        summary: 'One sealed version with its hash chain link and signature (owner or admin)',
        security: auth,
        params: VersionParams,
        response: { 200: MinutesVersionExport, ...problems },
      },
    },
    async (request, reply) => {
      const row = await loadVersion(request, request.params);
      reply.header('Cache-Control', 'no-store');
      return {
        room_id: row.room_id,
        version: row.version,
        content: row.content,
        prev_hash: row.prev_hash,
        hash: row.hash,
        signature: row.signature,
        signed_message: minutesSignedMessage(row.room_id, row.version, row.hash),
        // The key that sealed this version (current or retired since), not merely today's.
        public_key: (services.signingKey.byId(row.key_fingerprint) ?? services.signingKey.publicKey).public_key,
        key_fingerprint: row.key_fingerprint,
      };
    },
  );

  r.get(
    '/v1/rooms/:id/minutes/versions/:version.pdf',
    {
      schema: {
        tags: ['minutes'],
        summary: 'One sealed version as PDF (owner or admin)',
        security: auth,
        params: VersionParams,
        querystring: PdfQuery,
        response: { 200: z.string().describe('the PDF'), ...problems },
      },
    },
    async (request, reply) => {
      const row = await loadVersion(request, request.params);
      const timeZone = reportTimeZone(request.query.tz, services.config.timeZone);
      if (!timeZone) throw new PlenumError('PLENUM_ERR_VALIDATION', 'tz must be an IANA time zone');
      const lang = reportLanguage(request.query.lang, request.headers['accept-language']);
      const pdf = await minutesPdf({
        content: row.content,
        prevHash: row.prev_hash,
        hash: row.hash,
        signature: row.signature,
        keyFingerprint: row.key_fingerprint,
        lang,
        timeZone,
      });
      const file = `${lang === 'de' ? 'niederschrift' : 'minutes'}-${row.content.sealed_at.slice(0, 10)}-v${row.version}`;
      return reply
        .type('application/pdf')
        .header('Content-Disposition', `attachment; filename="${file}.pdf"`)
        .header('Cache-Control', 'no-store')
        .send(pdf as unknown as string);
    },
  );
}
