import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { toProblem } from '../errors.ts';
import { operatorCredential, refuseOperator } from '../operator.ts';

const Health = z.object({ status: z.literal('ok') });
const Ready = z.object({
  status: z.literal('ready'),
  // The details only for the operator's monitoring (METRICS_TOKEN): they name internal addresses.
  database: z.enum(['postgres', 'pglite']).optional(),
  cluster: z.enum(['in-process', 'redis']).optional(),
  media: z.object({ mode: z.enum(['janus', 'off']), servers: z.array(z.object({ url: z.string(), ready: z.boolean() })) }).optional(),
});

export const healthRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/health', { schema: { tags: ['operations'], summary: 'Liveness: the process answers', response: { 200: Health } } }, async () => ({
    status: 'ok' as const,
  }));

  r.get(
    '/ready',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: database and media server reachable',
        description:
          'Anonymous callers learn only ready (200) or not ready (503). With `Authorization: Bearer <METRICS_TOKEN>` the answer names the database, the cluster and the media servers, and what is not ready.',
      },
    },
    async (request, reply) => {
      const credential = operatorCredential(request, services.config.metricsToken);
      if (credential === 'invalid') return refuseOperator(request, reply, 'Send Authorization: Bearer <METRICS_TOKEN>, or no Authorization header');
      const details = credential === 'valid';
      let dbOk = true;
      try {
        await services.storage.ping();
      } catch (err) {
        request.log.warn({ err }, 'database not reachable');
        dbOk = false;
      }
      let clusterOk = true;
      try {
        await services.cluster.rooms.ping();
      } catch (err) {
        request.log.warn({ err }, 'redis not reachable');
        clusterOk = false;
      }
      const media = services.media.status();
      if (!dbOk || !clusterOk || !media.ready) {
        const what = [!dbOk && 'database', !clusterOk && 'redis', !media.ready && 'media server'].filter(Boolean).join(', ');
        return reply.status(503).type('application/problem+json').send(toProblem('PLENUM_ERR_NOT_READY', details ? `${what} not ready` : undefined));
      }
      if (!details) return Ready.parse({ status: 'ready' });
      return Ready.parse({
        status: 'ready',
        database: services.storage.kind,
        cluster: services.cluster.kind,
        media: { mode: services.media.mode, servers: media.servers },
      });
    },
  );
};
