import {
  Invite,
  InviteCode,
  InviteCreate,
  InviteList,
  Problem,
  Room,
  RoomCreate,
  RoomId,
  RoomList,
  RoomUpdate,
  StartInvitedRequest,
  StartRequest,
  StartResponse,
} from '@plenum/protocol';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { hashPassword } from '../../auth/passwords.ts';
import type { ActiveSession } from '../../auth/sessions.ts';
import type { Services } from '../../services.ts';
import type { InviteRow } from '../../storage/schema.ts';
import type { RoomWithOwner } from '../../storage/rooms.ts';
import { guestIdentity, requireUser } from '../context.ts';
import { PlenumError } from '../errors.ts';
import { checkGuardedPassword, passwordTarget } from '../password-guard.ts';
import { checkInvite } from './invites.ts';

const iso = (d: Date | string) => new Date(d).toISOString();

export function roomView(room: RoomWithOwner, session: ActiveSession): Room {
  return {
    id: room.id,
    name: room.name,
    owner_id: room.owner_id,
    owner_name: room.owner_name,
    has_password: room.password_hash !== null,
    waiting_room: room.waiting_room,
    e2e_encryption: room.e2e_encryption,
    created_at: iso(room.created_at),
    updated_at: iso(room.updated_at),
    can_manage: canManage(room, session),
  };
}

export function inviteView(invite: InviteRow, now: Date): Invite {
  const expired = invite.expires_at !== null && new Date(invite.expires_at) <= now;
  return {
    code: invite.code,
    room_id: invite.room_id,
    label: invite.label,
    has_password: invite.password_hash !== null,
    expires_at: invite.expires_at ? iso(invite.expires_at) : null,
    revoked_at: invite.revoked_at ? iso(invite.revoked_at) : null,
    created_at: iso(invite.created_at),
    active: !expired && invite.revoked_at === null,
  };
}

const canManage = (room: RoomWithOwner, session: ActiveSession) => room.owner_id === session.user.id || session.user.role === 'admin';

const Params = z.object({ id: RoomId });
const InviteParams = z.object({ id: RoomId, code: InviteCode });
const ListQuery = z.object({ scope: z.enum(['mine', 'all']).default('mine') }).strict();
const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };
const auth = [{ session: [] as string[], csrf: [] as string[] }];

export const roomRoutes: FastifyPluginAsync<{ services: Services; publicUrl: () => string }> = async (app, { services, publicUrl }) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { rooms, invites, sessions, tickets } = services;

  async function loadRoom(id: string): Promise<RoomWithOwner> {
    const room = await rooms.byId(id);
    if (!room) throw new PlenumError('PLENUM_ERR_ROOM_NOT_FOUND');
    return room;
  }
  async function loadManagedRoom(id: string, session: ActiveSession): Promise<RoomWithOwner> {
    const room = await loadRoom(id);
    if (!canManage(room, session)) throw new PlenumError('PLENUM_ERR_FORBIDDEN', 'Only the owner or an admin may change this room');
    return room;
  }

  r.get(
    '/v1/rooms',
    { schema: { tags: ['rooms'], summary: 'My rooms (admins: scope=all for every room)', security: auth, querystring: ListQuery, response: { 200: RoomList, ...problems } } },
    async (request) => {
      const session = await requireUser(request, sessions);
      if (request.query.scope === 'all' && session.user.role !== 'admin') throw new PlenumError('PLENUM_ERR_FORBIDDEN', 'Only admins may list every room');
      const list = request.query.scope === 'all' ? await rooms.listAll() : await rooms.listByOwner(session.user.id);
      return { rooms: list.map((room) => roomView(room, session)) };
    },
  );

  r.post(
    '/v1/rooms',
    { schema: { tags: ['rooms'], summary: 'Create a room', security: auth, body: RoomCreate, response: { 201: Room, ...problems } } },
    async (request, reply) => {
      const session = await requireUser(request, sessions);
      const body = request.body;
      const room = await rooms.create(
        {
          id: crypto.randomUUID(),
          owner_id: session.user.id,
          name: body.name,
          password_hash: body.password ? await hashPassword(body.password) : null,
          waiting_room: body.waiting_room,
          e2e_encryption: body.e2e_encryption,
        },
        services.now(),
      );
      request.log.info({ roomId: room.id, userId: session.user.id }, 'room created');
      return reply.status(201).send(roomView(room, session));
    },
  );

  r.get(
    '/v1/rooms/:id',
    { schema: { tags: ['rooms'], summary: 'One room (any logged-in user may look it up to join it)', security: auth, params: Params, response: { 200: Room, ...problems } } },
    async (request) => {
      const session = await requireUser(request, sessions);
      return roomView(await loadRoom(request.params.id), session);
    },
  );

  r.patch(
    '/v1/rooms/:id',
    { schema: { tags: ['rooms'], summary: 'Change a room (owner or admin)', security: auth, params: Params, body: RoomUpdate, response: { 200: Room, ...problems } } },
    async (request) => {
      const session = await requireUser(request, sessions);
      await loadManagedRoom(request.params.id, session);
      const { password, ...rest } = request.body;
      const changes = {
        ...rest,
        ...(password === undefined ? {} : { password_hash: password === null ? null : await hashPassword(password) }),
      };
      const room = await rooms.update(request.params.id, changes, services.now());
      if (!room) throw new PlenumError('PLENUM_ERR_ROOM_NOT_FOUND');
      return roomView(room, session);
    },
  );

  r.delete(
    '/v1/rooms/:id',
    { schema: { tags: ['rooms'], summary: 'Delete a room and its invites (owner or admin)', security: auth, params: Params, response: { 204: z.null(), ...problems } } },
    async (request, reply) => {
      const session = await requireUser(request, sessions);
      const room = await loadManagedRoom(request.params.id, session);
      // Deleting a room takes its invites, committee and records out of reach: in the admin audit log, whoever does it.
      await rooms.delete(request.params.id, {
        actor: `user:${session.user.id}`,
        action: 'room.deleted',
        target: room.id,
        details: { name: room.name, owner_id: room.owner_id, by_role: room.owner_id === session.user.id ? 'owner' : session.user.role },
        at: services.now(),
      });
      // A deleted room must not live on: end the meeting for whoever is in it.
      await request.server.signaling?.closeRoom(request.params.id, 'room deleted');
      request.log.info({ roomId: request.params.id, userId: session.user.id }, 'room deleted');
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/v1/rooms/:id/invites',
    { schema: { tags: ['invites'], summary: "A room's invites (owner or admin)", security: auth, params: Params, response: { 200: InviteList, ...problems } } },
    async (request) => {
      const session = await requireUser(request, sessions);
      await loadManagedRoom(request.params.id, session);
      const now = services.now();
      return { invites: (await invites.listByRoom(request.params.id)).map((i) => inviteView(i, now)) };
    },
  );

  r.post(
    '/v1/rooms/:id/invites',
    { schema: { tags: ['invites'], summary: 'Create a guest invite link (owner or admin)', security: auth, params: Params, body: InviteCreate, response: { 201: Invite, ...problems } } },
    async (request, reply) => {
      const session = await requireUser(request, sessions);
      await loadManagedRoom(request.params.id, session);
      const now = services.now();
      const expiresAt = request.body.expires_at ? new Date(request.body.expires_at) : null;
      if (expiresAt && expiresAt <= now) throw new PlenumError('PLENUM_ERR_VALIDATION', 'expires_at must be in the future');
      const invite = await invites.create({
        code: randomBytes(16).toString('base64url'),
        room_id: request.params.id,
        label: request.body.label ?? null,
        password_hash: request.body.password ? await hashPassword(request.body.password) : null,
        expires_at: expiresAt,
        created_by: session.user.id,
        created_at: now,
      });
      return reply.status(201).send(inviteView(invite, now));
    },
  );

  r.delete(
    '/v1/rooms/:id/invites/:code',
    { schema: { tags: ['invites'], summary: 'Revoke an invite (owner or admin)', security: auth, params: InviteParams, response: { 204: z.null(), ...problems } } },
    async (request, reply) => {
      const session = await requireUser(request, sessions);
      await loadManagedRoom(request.params.id, session);
      const revoked = await invites.revoke(request.params.id, request.params.code, services.now());
      if (!revoked) throw new PlenumError('PLENUM_ERR_INVITE_NOT_FOUND', 'No active invite with this code in this room');
      return reply.status(204).send(null);
    },
  );

  const signalingUrl = () => `${publicUrl().replace(/^http/, 'ws')}/signaling`;

  r.post(
    '/v1/rooms/:id/start',
    { schema: { tags: ['signaling'], summary: 'Get a signaling ticket to join a room as a logged-in user', security: auth, params: Params, body: StartRequest, response: { 200: StartResponse, ...problems, 429: Problem } } },
    async (request, reply) => {
      const session = await requireUser(request, sessions);
      const room = await loadRoom(request.params.id);
      const owner = canManage(room, session);
      if (room.password_hash && !owner) {
        await checkGuardedPassword(services.passwordThrottle, request, reply, passwordTarget(null, room.id), room.password_hash, request.body.password);
      }
      const issued = tickets.issue(
        { roomId: room.id, kind: 'user', displayName: session.user.display_name, userId: session.user.id, role: session.user.role, isRoomOwner: owner },
        `user:${session.user.id}`,
        request.body.resumption,
      );
      return { ticket: issued.ticket, resumption: issued.resumption, signaling_url: signalingUrl(), expires_in: issued.expiresIn };
    },
  );

  r.post(
    '/v1/rooms/:id/start-invited',
    { schema: { tags: ['signaling'], summary: 'Get a signaling ticket to join a room as a guest with an invite', params: Params, body: StartInvitedRequest, response: { 200: StartResponse, ...problems, 410: Problem, 429: Problem } } },
    async (request, reply) => {
      const room = await loadRoom(request.params.id);
      const invite = await checkInvite(services, request.body.invite_code, room.id);
      const passwordHash = invite.password_hash ?? room.password_hash;
      if (passwordHash) {
        await checkGuardedPassword(services.passwordThrottle, request, reply, passwordTarget(invite, room.id), passwordHash, request.body.password);
      }
      const guestId = guestIdentity(request, reply, publicUrl().startsWith('https://'));
      const issued = tickets.issue(
        { roomId: room.id, kind: 'guest', displayName: request.body.display_name, isRoomOwner: false, inviteCode: invite.code, guestId },
        `guest:${guestId}`,
        request.body.resumption,
      );
      return { ticket: issued.ticket, resumption: issued.resumption, signaling_url: signalingUrl(), expires_in: issued.expiresIn };
    },
  );
};
