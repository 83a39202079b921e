import { SigningKeyDocument } from '@plenum/protocol';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../../services.ts';

/**
 * The public halves of the deployment's signing keys, for verifying vote exports and sealed minutes: the current
 * key at the top level (what verifiers before key rotation read) and every key with its validity in `keys`.
 */
export const signingKeyRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/.well-known/plenum-signing-key',
    { schema: { tags: ['audit'], summary: "The deployment's Ed25519 public keys, current and previous, with validity periods", response: { 200: SigningKeyDocument } } },
    async (_request, reply) => {
      await services.signingKey.refresh();
      reply.header('cache-control', 'public, max-age=300');
      return { ...services.signingKey.publicKey, keys: services.signingKey.keys() };
    },
  );
};
