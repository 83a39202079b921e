import { Agenda, AgendaReplace, blankToNull, CommitteeSettings, CommitteeSettingsUpdate, Problem, Roster, RosterReplace, RoomId } from '@plenum/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireUser } from '../../http/context.ts';
import { PlenumError } from '../../http/errors.ts';
import type { RouteDeps } from '../../signaling/feature.ts';
import type { CommitteeRepos, RosterEntry } from './storage.ts';

const Params = z.object({ id: RoomId });
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };
const readAuth = [{ session: [] as string[] }];
const writeAuth = [{ session: [] as string[], csrf: [] as string[] }];

/**
 * A room's committee: roster (members, deputies, voting rights), agenda and quorum rule. Read and written by
 * the room's owner and admins; the live meeting shows participants what concerns them (`agenda` feature).
 */
export async function committeeRoutes(app: FastifyInstance, { services, repos: committee }: RouteDeps<CommitteeRepos>): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  async function loadManagedRoom(request: FastifyRequest, roomId: string) {
    const session = await requireUser(request, services.sessions);
    const room = await services.rooms.byId(roomId);
    if (!room) throw new PlenumError('PLENUM_ERR_ROOM_NOT_FOUND');
    if (room.owner_id !== session.user.id && session.user.role !== 'admin') {
      throw new PlenumError('PLENUM_ERR_FORBIDDEN', "Only the room's owner or an admin may manage its committee");
    }
    return room;
  }

  const invalid = (path: string, message: string): never => {
    throw new PlenumError('PLENUM_ERR_VALIDATION', message, [{ path, message }]);
  };

  r.get(
    '/v1/rooms/:id/roster',
    { schema: { tags: ['committee'], summary: "The room's roster (owner or admin)", security: readAuth, params: Params, response: { 200: Roster, ...problems } } },
    async (request) => {
      const room = await loadManagedRoom(request, request.params.id);
      return { members: await committee.listRosterView(room.id) };
    },
  );

  r.put(
    '/v1/rooms/:id/roster',
    {
      schema: {
        tags: ['committee'],
        summary: 'Replace the roster (owner or admin)',
        description:
          'The whole list in its order. Members that keep their id stay the same members; a deputy names the member it substitutes for by id (choose the uuid of a new member yourself). An invite must belong to this room; an account is named by id or e-mail.',
        security: writeAuth,
        params: Params,
        body: RosterReplace,
        response: { 200: Roster, ...problems },
      },
    },
    async (request) => {
      const room = await loadManagedRoom(request, request.params.id);
      const input = request.body.members;
      const entries: RosterEntry[] = [];
      const seenIds = new Set<string>();
      const seenUsers = new Set<string>();
      const seenInvites = new Set<string>();
      for (const [i, m] of input.entries()) {
        const id = m.id ?? crypto.randomUUID();
        if (seenIds.has(id)) invalid(`members.${i}.id`, 'the same id is given twice');
        seenIds.add(id);
        let userId = m.user_id ?? null;
        if (m.user_email) {
          const found = await committee.usersByEmail(m.user_email);
          if (found.length === 0) invalid(`members.${i}.user_email`, 'no account has this e-mail address');
          if (found.length > 1) invalid(`members.${i}.user_email`, 'several accounts have this e-mail address; link by id');
          userId = found[0]!.id;
        } else if (userId && !(await services.users.byId(userId))) {
          invalid(`members.${i}.user_id`, 'no such account');
        }
        if (userId) {
          if (seenUsers.has(userId)) invalid(`members.${i}.user_id`, 'this account is on the roster twice');
          seenUsers.add(userId);
        }
        const inviteCode = m.invite_code ?? null;
        if (inviteCode) {
          const invite = await services.invites.byCode(inviteCode);
          if (!invite || invite.room_id !== room.id) invalid(`members.${i}.invite_code`, 'no invite of this room has this code');
          if (seenInvites.has(inviteCode)) invalid(`members.${i}.invite_code`, 'this invite is on the roster twice');
          seenInvites.add(inviteCode);
        }
        entries.push({
          id,
          display_name: m.display_name,
          user_id: userId,
          invite_code: inviteCode,
          role: m.role,
          voting: m.voting ?? true,
          substitutes_for: m.substitutes_for ?? null,
        });
      }
      for (const [i, e] of entries.entries()) {
        if (!e.substitutes_for) continue;
        const target = entries.find((t) => t.id === e.substitutes_for);
        if (!target || target.role !== 'member') invalid(`members.${i}.substitutes_for`, 'a deputy substitutes for a member of this roster');
      }
      const foreign = await committee.foreignMemberIds(room.id, [...seenIds]);
      if (foreign.length > 0) invalid(`members.${entries.findIndex((e) => e.id === foreign[0])}.id`, 'this id belongs to another room');
      await committee.replaceRoster(room.id, entries);
      return { members: await committee.listRosterView(room.id) };
    },
  );

  r.get(
    '/v1/rooms/:id/agenda',
    { schema: { tags: ['committee'], summary: "The room's agenda (owner or admin)", security: readAuth, params: Params, response: { 200: Agenda, ...problems } } },
    async (request) => {
      const room = await loadManagedRoom(request, request.params.id);
      return { items: await committee.listAgenda(room.id) };
    },
  );

  r.put(
    '/v1/rooms/:id/agenda',
    {
      schema: {
        tags: ['committee'],
        summary: 'Replace the agenda (owner or admin)',
        description: 'The whole list in its order; items that keep their id stay the same items.',
        security: writeAuth,
        params: Params,
        body: AgendaReplace,
        response: { 200: Agenda, ...problems },
      },
    },
    async (request) => {
      const room = await loadManagedRoom(request, request.params.id);
      const seen = new Set<string>();
      const items = request.body.items.map((item, i) => {
        const id = item.id ?? crypto.randomUUID();
        if (seen.has(id)) invalid(`items.${i}.id`, 'the same id is given twice');
        seen.add(id);
        return { id, title: item.title, description: blankToNull(item.description), public: item.public ?? true, motion: blankToNull(item.motion) };
      });
      const foreign = await committee.foreignAgendaIds(room.id, [...seen]);
      if (foreign.length > 0) invalid(`items.${items.findIndex((i) => i.id === foreign[0])}.id`, 'this id belongs to another room');
      await committee.replaceAgenda(room.id, items);
      return { items: await committee.listAgenda(room.id) };
    },
  );

  r.get(
    '/v1/rooms/:id/committee-settings',
    {
      schema: { tags: ['committee'], summary: "The room's quorum rule (owner or admin)", security: readAuth, params: Params, response: { 200: CommitteeSettings, ...problems } },
    },
    async (request) => {
      const room = await loadManagedRoom(request, request.params.id);
      return { quorum: await committee.settings(room.id) };
    },
  );

  r.put(
    '/v1/rooms/:id/committee-settings',
    {
      schema: {
        tags: ['committee'],
        summary: 'Set the quorum rule (owner or admin)',
        security: writeAuth,
        params: Params,
        body: CommitteeSettingsUpdate,
        response: { 200: CommitteeSettings, ...problems },
      },
    },
    async (request) => {
      const room = await loadManagedRoom(request, request.params.id);
      const { rule, count } = request.body.quorum;
      return { quorum: await committee.saveSettings(room.id, { rule, count: count ?? null }) };
    },
  );
}
