import { AttendanceReportQuery, MeetingId, MeetingList, Problem, RoomId } from '@plenum/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { reportLanguage, reportTimeZone } from '../../reports/language.ts';
import { requireManagedRoom } from '../../http/context.ts';
import { PlenumError } from '../../http/errors.ts';
import type { RouteDeps } from '../../signaling/feature.ts';
import { attendanceCsv, attendancePdf, type ReportInput } from './report.ts';
import type { AttendanceRepos } from './storage.ts';

const Params = z.object({ id: RoomId });
const ReportParams = z.object({ id: RoomId, meetingId: MeetingId });
const ReportQuery = AttendanceReportQuery.extend({
  /** IANA time zone for the PDF's times (the browser's own); UTC when absent. */
  tz: z.string().max(64).optional(),
}).strict();
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };
const auth = [{ session: [] as string[] }];
const iso = (d: Date | string) => new Date(d).toISOString();

/**
 * Attendance reports of a room's meetings: who was there and when. Personal data, so only for the room's
 * owner and admins (the same rule as changing the room).
 */
export async function attendanceRoutes(app: FastifyInstance, { services, repos: attendance }: RouteDeps<AttendanceRepos>): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  const loadManagedRoom = async (request: FastifyRequest, roomId: string) =>
    (await requireManagedRoom(request, services, roomId, 'read its attendance')).room;

  async function reportInput(request: FastifyRequest, params: z.infer<typeof ReportParams>, query: z.infer<typeof ReportQuery>): Promise<ReportInput & { file: string }> {
    const room = await loadManagedRoom(request, params.id);
    const meeting = await attendance.meeting(room.id, params.meetingId);
    if (!meeting) throw new PlenumError('PLENUM_ERR_NOT_FOUND', 'No such meeting in this room');
    const timeZone = reportTimeZone(query.tz, services.config.timeZone);
    if (!timeZone) throw new PlenumError('PLENUM_ERR_VALIDATION', 'tz must be an IANA time zone');
    const entries = await attendance.entries(meeting.id);
    const startedAt = new Date(meeting.started_at);
    const lang = reportLanguage(query.lang, request.headers['accept-language']);
    return {
      roomName: room.name,
      startedAt,
      endedAt: meeting.ended_at ? new Date(meeting.ended_at) : null,
      entries: entries.map((e) => ({ displayName: e.display_name, kind: e.kind, joinedAt: new Date(e.joined_at), leftAt: e.left_at ? new Date(e.left_at) : null })),
      lang,
      timeZone,
      // ASCII only: the room's name stays out of the header.
      file: `${lang === 'de' ? 'anwesenheit' : 'attendance'}-${startedAt.toISOString().slice(0, 10)}-${meeting.id.slice(0, 8)}`,
    };
  }

  r.get(
    '/v1/rooms/:id/attendance',
    { schema: { tags: ['attendance'], summary: "A room's meetings, newest first (owner or admin)", security: auth, params: Params, response: { 200: MeetingList, ...problems } } },
    async (request) => {
      const room = await loadManagedRoom(request, request.params.id);
      const meetings = await attendance.listMeetings(room.id);
      return {
        meetings: meetings.map((m) => ({
          id: m.id,
          room_id: m.room_id,
          started_at: iso(m.started_at),
          ended_at: m.ended_at ? iso(m.ended_at) : null,
          participant_count: m.participant_count,
        })),
      };
    },
  );

  const download = { 200: z.string().describe('the report file'), ...problems };

  r.get(
    '/v1/rooms/:id/attendance/:meetingId.csv',
    {
      schema: { tags: ['attendance'], summary: 'Attendance of one meeting as CSV (owner or admin)', security: auth, params: ReportParams, querystring: ReportQuery, response: download },
    },
    async (request, reply) => {
      const input = await reportInput(request, request.params, request.query);
      return reply
        .type('text/csv; charset=utf-8')
        .header('Content-Disposition', `attachment; filename="${input.file}.csv"`)
        .header('Cache-Control', 'no-store')
        .serializer((payload: string) => payload)
        .send(attendanceCsv(input));
    },
  );

  r.get(
    '/v1/rooms/:id/attendance/:meetingId.pdf',
    {
      schema: { tags: ['attendance'], summary: 'Attendance of one meeting as PDF (owner or admin)', security: auth, params: ReportParams, querystring: ReportQuery, response: download },
    },
    async (request, reply) => {
      const input = await reportInput(request, request.params, request.query);
      const pdf = await attendancePdf(input);
      // Fastify sends a Buffer as it is (no serializer); the string schema only documents the 200 for OpenAPI.
      return reply
        .type('application/pdf')
        .header('Content-Disposition', `attachment; filename="${input.file}.pdf"`)
        .header('Cache-Control', 'no-store')
        .send(pdf as unknown as string);
    },
  );
}
