import { AttendanceReportQuery, LegalVoteExport, LegalVoteList, Problem, RoomId } from '@plenum/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { reportLanguage, reportTimeZone } from '../../reports/language.ts';
import { exportOf, voteSummary } from './export.ts';
import { votePdf } from './report.ts';
import { agendaFeature } from '../agenda/index.ts';
import type { RouteDeps } from '../../signaling/feature.ts';
import type { LegalVoteRepository } from './storage.ts';
import { requireUser } from '../../http/context.ts';
import { PlenumError } from '../../http/errors.ts';
import { publicUrl } from '../../services.ts';

const RoomParams = z.object({ id: RoomId });
const VoteParams = z.object({ voteId: z.uuid() });
const ReportQuery = AttendanceReportQuery.extend({
  /** IANA time zone for the PDF's times; UTC when absent. */
  tz: z.string().max(64).optional(),
}).strict();
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };
const auth = [{ session: [] as string[] }];

/**
 * Votes of a room, their JSON export (the hash-chained log, for `plenum verify-vote`) and PDF report.
 * Who may read them: the room's owner, admins, and logged-in users who are on the room's roster (the
 * committee members, linked to their account). A vote's record outlives its room; then only admins read it.
 */
export async function legalVoteRoutes(app: FastifyInstance, { services, repos, repositoriesOf }: RouteDeps<{ votes: LegalVoteRepository }>): Promise<void> {
  const votes = repos.votes;
  const committee = repositoriesOf(agendaFeature);
  const r = app.withTypeProvider<ZodTypeProvider>();

  async function requireReader(request: FastifyRequest, roomId: string) {
    const session = await requireUser(request, services.sessions);
    const room = await services.rooms.byId(roomId);
    if (session.user.role === 'admin') return room;
    if (!room) throw new PlenumError('PLENUM_ERR_ROOM_NOT_FOUND');
    if (room.owner_id === session.user.id) return room;
    const roster = await committee.listRoster(roomId);
    if (roster.some((m) => m.user_id === session.user.id)) return room;
    throw new PlenumError('PLENUM_ERR_FORBIDDEN', "Only the room's owner, its roster members and admins may read its votes");
  }

  async function loadVote(request: FastifyRequest, voteId: string) {
    // Log in first: an anonymous caller learns nothing, not even whether the vote exists.
    await requireUser(request, services.sessions);
    const vote = await votes.vote(voteId);
    if (!vote) throw new PlenumError('PLENUM_ERR_NOT_FOUND', 'No such vote');
    const room = await requireReader(request, vote.room_id);
    return { vote, room };
  }

  r.get(
    '/v1/rooms/:id/votes',
    { schema: { tags: ['legal votes'], summary: "A room's legal votes, newest first (owner, roster members, admin)", security: auth, params: RoomParams, response: { 200: LegalVoteList, ...problems } } },
    async (request) => {
      await requireReader(request, request.params.id);
      return { votes: (await votes.listVotes(request.params.id)).map(voteSummary) };
    },
  );

  r.get(
    '/v1/votes/:voteId/export.json',
    {
      schema: {
        tags: ['legal votes'],
        summary: "A vote's complete hash-chained log with the public key, for `plenum verify-vote` (owner, roster members, admin)",
        security: auth,
        params: VoteParams,
        response: { 200: LegalVoteExport, ...problems },
      },
    },
    async (request, reply) => {
      const { vote } = await loadVote(request, request.params.voteId);
      const body = exportOf(vote, await votes.events(vote.id), services.signingKey);
      return reply.header('Content-Disposition', `attachment; filename="vote-${vote.id.slice(0, 8)}.json"`).header('Cache-Control', 'no-store').send(body);
    },
  );

  r.get(
    '/v1/votes/:voteId/report.pdf',
    {
      schema: {
        tags: ['legal votes'],
        summary: 'The vote record as PDF, German or English (owner, roster members, admin)',
        security: auth,
        params: VoteParams,
        querystring: ReportQuery,
        response: { 200: z.string().describe('the report file'), ...problems },
      },
    },
    async (request, reply) => {
      const { vote, room } = await loadVote(request, request.params.voteId);
      const timeZone = reportTimeZone(request.query.tz, services.config.timeZone);
      if (!timeZone) throw new PlenumError('PLENUM_ERR_VALIDATION', 'tz must be an IANA time zone');
      const lang = reportLanguage(request.query.lang, request.headers['accept-language']);
      const agendaItemTitle = vote.agenda_item_id ? ((await committee.listAgenda(vote.room_id)).find((i) => i.id === vote.agenda_item_id)?.title ?? null) : null;
      const address = request.server.server.address();
      const keyUrl = `${publicUrl(services.config, address && typeof address === 'object' ? address.port : undefined)}/.well-known/plenum-signing-key`;
      const pdf = await votePdf({ export: exportOf(vote, await votes.events(vote.id), services.signingKey), roomName: room?.name ?? null, agendaItemTitle, lang, timeZone, keyUrl });
      return reply
        .type('application/pdf')
        .header('Content-Disposition', `attachment; filename="${lang === 'de' ? 'abstimmung' : 'vote'}-${vote.id.slice(0, 8)}.pdf"`)
        .header('Cache-Control', 'no-store')
        .send(pdf as unknown as string);
    },
  );
}
