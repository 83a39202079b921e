import { Agenda, AgendaReplace, blankToNull, CommitteeSettings, CommitteeSettingsUpdate, Problem, Roster, RosterReplace, RoomId } from '@plenum/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireManagedRoom } from '../../http/context.ts';
import { PlenumError } from '../../http/errors.ts';
import type { RouteDeps } from '../../signaling/feature.ts';
import type { CommitteeRepos, RosterEntry } from './storage.ts';

const Params = z.object({ id: RoomId });
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };
const readAuth = [{ session: [] as string[] }];
const writeAuth = [{ session: [] as string[], csrf: [] as string[] }];

/**
 * A room's committee: roster (members, deputies, voting rights), agenda and quorum rule. Read and written by
 * the room's owner and admins; the live meeting shows participants what concerns them (`agenda` feature), and
 * every write reaches a running meeting on this node at once (`refreshLiveRoom` → the feature's `refresh`).
 */
export async function committeeRoutes(app: FastifyInstance, { services, repos: committee, refreshLiveRoom }: RouteDeps<CommitteeRepos>): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  const managedRoom = (request: FastifyRequest, roomId: string) => requireManagedRoom(request, services, roomId, 'manage its committee');
  const loadManagedRoom = async (request: FastifyRequest, roomId: string) => (await managedRoom(request, roomId)).room;

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
          "The whole list in its order. Members that keep their id stay the same members; a deputy names the member it substitutes for by id (choose the uuid of a new member yourself). An invite must belong to this room. An account is linked by e-mail address: the member is whoever signs in with it, now or later; whether an address has an account is never answered, and the answer holds only what the editor wrote. By id, only the caller's own account can be linked (or a link kept).",
        security: writeAuth,
        params: Params,
        body: RosterReplace,
        response: { 200: Roster, ...problems },
      },
    },
    async (request) => {
      const { room, session } = await managedRoom(request, request.params.id);
      const input = request.body.members;
      const stored = await committee.rosterRows(room.id);
      const entries: RosterEntry[] = [];
      const seenIds = new Set<string>();
      const seenUsers = new Set<string>();
      const seenEmails = new Set<string>();
      const seenInvites = new Set<string>();
      // Accounts are linked by e-mail without ever telling the editor whether an address has an account: an
      // unknown address is accepted like a known one (the member is recognised once they sign in with it),
      // and the answer holds only what the editor wrote. An address with one account resolves now (kept on
      // later edits), else on every read of the roster (storage `listRoster`).
      const emails = input.map((m) => m.user_email).filter((e): e is string => !!e);
      const accounts = await committee.accountsByEmail(emails);
      for (const [i, m] of input.entries()) {
        const id = m.id ?? crypto.randomUUID();
        if (seenIds.has(id)) invalid(`members.${i}.id`, 'the same id is given twice');
        seenIds.add(id);
        const before = stored.get(id);
        let userId: string | null = null;
        let userEmail: string | null = null;
        if (m.user_email) {
          userEmail = m.user_email;
          const key = userEmail.toLowerCase();
          if (seenEmails.has(key)) invalid(`members.${i}.user_email`, 'this e-mail address is on the roster twice');
          seenEmails.add(key);
        } else if (m.user_id) {
          // By id only the caller's own account, or the link this entry already has: naming another id gets
          // the same answer whether an account has it or not.
          const keeps = before !== undefined && before.user_email === null && before.user_id === m.user_id;
          if (m.user_id !== session.user.id && !keeps) invalid(`members.${i}.user_id`, "link another person's account by their e-mail address");
          userId = m.user_id;
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
          user_email: userEmail,
          invite_code: inviteCode,
          role: m.role,
          voting: m.voting ?? true,
          substitutes_for: m.substitutes_for ?? null,
        });
      }
      // E-mail links: keep the account an unchanged address resolved to, else resolve to its one account
      // unless that account is already on the roster (by id, or by an earlier address).
      for (const e of entries) {
        if (!e.user_email) continue;
        const before = stored.get(e.id);
        const kept = before?.user_email?.toLowerCase() === e.user_email.toLowerCase() ? before.user_id : null;
        const found = kept ?? accounts.get(e.user_email.toLowerCase()) ?? null;
        if (found && !seenUsers.has(found)) {
          e.user_id = found;
          seenUsers.add(found);
        }
      }
      for (const [i, e] of entries.entries()) {
        if (!e.substitutes_for) continue;
        const target = entries.find((t) => t.id === e.substitutes_for);
        if (!target || target.role !== 'member') invalid(`members.${i}.substitutes_for`, 'a deputy substitutes for a member of this roster');
      }
      const foreign = await committee.foreignMemberIds(room.id, [...seenIds]);
      if (foreign.length > 0) invalid(`members.${entries.findIndex((e) => e.id === foreign[0])}.id`, 'this id belongs to another room');
      await committee.replaceRoster(room.id, entries);
      // A running meeting reads the new roster now (badge, vote eligibility and quorum, minutes).
      await refreshLiveRoom(room.id);
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
      await refreshLiveRoom(room.id);
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
      const saved = await committee.saveSettings(room.id, { rule, count: count ?? null });
      await refreshLiveRoom(room.id);
      return { quorum: saved };
    },
  );
}
