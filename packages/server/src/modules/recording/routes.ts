import { Problem, RecordingList, RoomId } from '@plenum/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { z } from 'zod';
import { appendAdminAudit } from '../../audit/admin-log.ts';
import { requireManagedRoom, requireUser } from '../../http/context.ts';
import { PlenumError } from '../../http/errors.ts';
import type { RouteDeps } from '../../signaling/feature.ts';
import { recordingInfo, type RecordingRepos } from './storage.ts';

const RoomParams = z.object({ id: RoomId });
const RecordingParams = z.object({ recordingId: z.uuid() });
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };
const sessionAuth = [{ session: [] as string[], csrf: [] as string[] }];

/**
 * Recordings: listed, downloaded and deleted by the room's owner and admins only. Every access — also a list — is
 * appended to the hash-chained admin audit log (`recording.listed`, `recording.downloaded`, `recording.deleted`)
 * before the answer goes out, so there is no access without its entry.
 */
export async function recordingRoutes(app: FastifyInstance, { services, repos }: RouteDeps<RecordingRepos>): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = services.storage.db;
  const audit = (actor: string, action: string, target: string, details: Record<string, unknown>) =>
    db.transaction().execute((trx) => appendAdminAudit(trx, { actor: `user:${actor}`, action, target, details, at: services.now() }));

  /** The recording and its room, for its owner or an admin; 404 for a recording that does not exist (after login). */
  async function loadRecording(request: FastifyRequest, recordingId: string, what: string) {
    await requireUser(request, services.sessions);
    const recording = await repos.byId(recordingId);
    if (!recording) throw new PlenumError('PLENUM_ERR_NOT_FOUND', 'No such recording');
    const { session } = await requireManagedRoom(request, services, recording.room_id, what);
    return { recording, session };
  }

  r.get(
    '/v1/rooms/:id/recordings',
    {
      schema: {
        tags: ['recording'],
        summary: "The room's recordings, newest first (owner or admin)",
        security: sessionAuth,
        params: RoomParams,
        response: { 200: RecordingList, ...problems },
      },
    },
    async (request, reply) => {
      const { room, session } = await requireManagedRoom(request, services, request.params.id, 'see its recordings');
      const rows = await repos.forRoom(room.id);
      await audit(session.user.id, 'recording.listed', room.id, { count: rows.length });
      return reply.header('Cache-Control', 'no-store').send({ recordings: rows.map(recordingInfo) });
    },
  );

  r.get(
    '/v1/recordings/:recordingId/file',
    {
      schema: {
        tags: ['recording'],
        summary: 'Download a recording (MP4; owner or admin of its room)',
        security: sessionAuth,
        params: RecordingParams,
        response: { 200: z.string().describe('the MP4 file'), ...problems },
      },
    },
    async (request, reply) => {
      const { recording, session } = await loadRecording(request, request.params.recordingId, 'download its recordings');
      if (recording.status === 'recording') throw new PlenumError('PLENUM_ERR_CONFLICT', 'The recording is still running');
      const size = await stat(recording.file_path).then(
        (s) => s.size,
        () => -1,
      );
      if (size < 0) throw new PlenumError('PLENUM_ERR_NOT_FOUND', 'The recording file is gone');
      await audit(session.user.id, 'recording.downloaded', recording.id, { room_id: recording.room_id, sha256: recording.sha256 });
      return reply
        .type('video/mp4')
        .header('Content-Length', String(size))
        .header('Content-Disposition', `attachment; filename="recording-${recording.id.slice(0, 8)}.mp4"`)
        .header('Cache-Control', 'no-store')
        .send(createReadStream(recording.file_path) as unknown as string);
    },
  );

  r.delete(
    '/v1/recordings/:recordingId',
    {
      schema: {
        tags: ['recording'],
        summary: 'Delete a recording: its file and metadata (owner or admin of its room)',
        security: sessionAuth,
        params: RecordingParams,
        response: { 204: z.null().describe('deleted'), ...problems },
      },
    },
    async (request, reply) => {
      const { recording, session } = await loadRecording(request, request.params.recordingId, 'delete its recordings');
      if (recording.status === 'recording') throw new PlenumError('PLENUM_ERR_CONFLICT', 'Stop the recording first');
      // Row and audit entry in one transaction; the file goes once the row is gone.
      const file = await db.transaction().execute(async (trx) => {
        const path = await repos.delete(trx, recording.id);
        await appendAdminAudit(trx, { actor: `user:${session.user.id}`, action: 'recording.deleted', target: recording.id, details: { room_id: recording.room_id, sha256: recording.sha256 }, at: services.now() });
        return path;
      });
      if (file) await rm(file, { force: true });
      return reply.status(204).send(null);
    },
  );
}
