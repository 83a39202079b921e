import { InviteCode, InviteVerifyRequest, InviteVerifyResponse, Problem } from '@plenum/protocol';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../services.ts';
import type { InviteRow } from '../../storage/schema.ts';
import { PlenumError } from '../errors.ts';
import { checkGuardedPassword, passwordTarget } from '../password-guard.ts';

/** An invite that may be used now, or the typed reason why not. `roomId` guards against using one room's code for another. */
export async function checkInvite(services: Services, code: string, roomId?: string): Promise<InviteRow> {
  const invite = await services.invites.byCode(code);
  if (!invite || (roomId && invite.room_id !== roomId)) throw new PlenumError('PLENUM_ERR_INVITE_NOT_FOUND');
  if (invite.revoked_at) throw new PlenumError('PLENUM_ERR_INVITE_REVOKED');
  if (invite.expires_at && new Date(invite.expires_at) <= services.now()) throw new PlenumError('PLENUM_ERR_INVITE_EXPIRED');
  return invite;
}

export const inviteRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/v1/invites/:code/verify',
    {
      schema: {
        tags: ['invites'],
        summary: 'Check an invite link (guest landing page); with a password, also checks the password',
        params: z.object({ code: InviteCode }),
        body: InviteVerifyRequest,
        response: { 200: InviteVerifyResponse, 400: Problem, 401: Problem, 404: Problem, 410: Problem, 429: Problem },
      },
    },
    async (request, reply) => {
      const invite = await checkInvite(services, request.params.code);
      const room = await services.rooms.byId(invite.room_id);
      if (!room) throw new PlenumError('PLENUM_ERR_INVITE_NOT_FOUND');
      const passwordHash = invite.password_hash ?? room.password_hash;
      if (passwordHash && request.body.password !== undefined) {
        await checkGuardedPassword(services.passwordThrottle, request, reply, passwordTarget(invite, room.id), passwordHash, request.body.password);
      }
      return {
        room_id: room.id,
        room_name: room.name,
        password_required: passwordHash !== null,
        expires_at: invite.expires_at ? new Date(invite.expires_at).toISOString() : null,
      };
    },
  );
};
