import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../services.ts';
import { toProblem } from '../errors.ts';

const Health = z.object({ status: z.literal('ok') });
const Ready = z.object({
  status: z.literal('ready'),
  database: z.enum(['postgres', 'pglite']),
  cluster: z.enum(['in-process', 'redis']),
  media: z.object({ mode: z.enum(['janus', 'off']), servers: z.array(z.object({ url: z.string(), ready: z.boolean() })) }),
});

export const healthRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/health', { schema: { tags: ['operations'], summary: 'Liveness: the process answers', response: { 200: Health } } }, async () => ({
    status: 'ok' as const,
  }));

  r.get('/ready', { schema: { tags: ['operations'], summary: 'Readiness: database and media server reachable' } }, async (request, reply) => {
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
      return reply.status(503).type('application/problem+json').send(toProblem('PLENUM_ERR_NOT_READY', `${what} not ready`));
    }
    return Ready.parse({
      status: 'ready',
      database: services.storage.kind,
      cluster: services.cluster.kind,
      media: { mode: services.media.mode, servers: media.servers },
    });
  });
};
