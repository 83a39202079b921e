import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { toProblem } from './errors.ts';
import { operatorCredential, refuseOperator } from './operator.ts';

/**
 * A registry per app instance, so several servers in one test process don't share counters. `/metrics`
 * answers only with `Authorization: Bearer <METRICS_TOKEN>`; without a configured token it is off (404):
 * a loopback-only rule would open it to everyone behind a reverse proxy on the same host.
 */
export function registerMetrics(app: FastifyInstance, token: string | undefined): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'plenum_' });
  const requests = new Counter({
    name: 'plenum_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'plenum_http_request_duration_seconds',
    help: 'HTTP request duration by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, never the raw URL: ids and invite codes must not become label values.
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!token) {
      return reply
        .status(404)
        .type('application/problem+json')
        .send({ ...toProblem('PLENUM_ERR_NOT_FOUND', 'Metrics are off: set METRICS_TOKEN to enable them'), instance: '/metrics' });
    }
    if (operatorCredential(request, token) !== 'valid') return refuseOperator(request, reply, 'Send Authorization: Bearer <METRICS_TOKEN>');
    return reply.type(registry.contentType).send(await registry.metrics());
  });
  return registry;
}
