import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../services.ts';

const PublicKey = z.object({
  algorithm: z.literal('Ed25519'),
  public_key: z.string().describe('SubjectPublicKeyInfo (DER), base64'),
  fingerprint: z.string().describe('SHA256:<hex of SHA-256 over the DER bytes>'),
});

/** The public half of the deployment's signing key, for verifying vote exports and sealed minutes. */
export const signingKeyRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/.well-known/plenum-signing-key',
    { schema: { tags: ['audit'], summary: "The deployment's Ed25519 public key", response: { 200: PublicKey } } },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return services.signingKey.publicKey;
    },
  );
};
