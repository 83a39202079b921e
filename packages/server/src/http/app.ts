import fs from 'node:fs';
import path from 'node:path';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { registerAuth } from '../auth/index.ts';
import { logSerializers } from '../logging.ts';
import { publicUrl, type Services } from '../services.ts';
import { featureCatalogue } from '../features.ts';
import { composeFeatures, instantiateFeatures, routeDeps, type FeatureInstance } from '../signaling/compose.ts';
import { registerSignaling } from '../signaling/index.ts';
import { clientErrorHandler, frameworkErrors, registerErrorHandling } from './errors.ts';
import { registerMetrics } from './metrics.ts';
import { healthRoutes } from './routes/health.ts';
import { signingKeyRoutes } from './routes/signing-key.ts';
import { adminRoutes } from './routes/admin.ts';
import { inviteRoutes } from './routes/invites.ts';
import { roomRoutes } from './routes/rooms.ts';
import { registerWebClient } from './static.ts';

/** One registered route: its method and URL pattern (`/v1/rooms/:id`). */
export interface RouteEntry {
  method: string;
  url: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered on this app, in registration order. */
    routeTable: readonly RouteEntry[];
  }
}

export interface AppOptions {
  /** Directory of the built web app; served with an SPA fallback when present. */
  webDist?: string | undefined;
  /** The features, set up (tests); otherwise the composition list with FEATURES_DISABLED applied. */
  features?: readonly FeatureInstance[];
}

/** Paths that must be answered by the API, never by the SPA fallback. */
const API_PREFIXES = ['/v1/', '/auth/', '/oidc', '/docs', '/metrics', '/health', '/ready', '/signaling', '/.well-known/'];

export async function buildApp(services: Services, options: AppOptions = {}): Promise<FastifyInstance> {
  const { config } = services;
  const app = Fastify({
    // Request URLs carry invite codes and one-time credentials; the serializers redact them whichever logger was given.
    loggerInstance: services.logger.child({}, { serializers: logSerializers }) as FastifyBaseLogger,
    // Only the listed proxies' X-Forwarded-For counts for request.ip (throttles, logs); an empty list trusts nobody.
    trustProxy: config.trustedProxies.length ? config.trustedProxies : false,
    bodyLimit: 256 * 1024,
    // Our own ids are UUIDs; this keeps request ids unguessable and log-correlatable.
    genReqId: () => crypto.randomUUID(),
    // Every error answer is problem+json, also those Fastify and Node give before a route runs.
    frameworkErrors,
    clientErrorHandler,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  // The route table, as registered (HEAD twins aside): permissions.rest.test.ts holds every entry to the policy.
  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routeTable.push({ method, url: route.url });
  });

  const base = () => publicUrl(config, boundPort(app));
  const secure = () => base().startsWith('https://');

  await app.register(cookie);
  await app.register(formbody);
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        mediaSrc: ["'self'", 'blob:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'", 'ws:', 'wss:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: secure() ? [] : null,
      },
    },
    // Cross-origin isolation is not needed and would break the OIDC redirect flow of some providers.
    crossOriginEmbedderPolicy: false,
    strictTransportSecurity: secure() ? { maxAge: 31536000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'no-referrer' },
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('Permissions-Policy', 'camera=(self), microphone=(self), display-capture=(self), geolocation=()');
    // API answers carry personal data and credentials (the CSRF token in /v1/me, invite codes, rosters): no
    // cache may keep them. Only what sets its own Cache-Control is cacheable (static files, the signing key).
    if (!reply.hasHeader('cache-control')) reply.header('Cache-Control', 'no-store');
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Plenum API', version: '1', description: 'Rooms, invites and sessions of Plenum. Errors are application/problem+json.' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'plenum_session' },
          csrf: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token' },
          telephoneService: { type: 'http', scheme: 'bearer', description: 'TELEPHONE_SERVICE_TOKEN (the SIP gateway)' },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  registerMetrics(app, config.metricsToken);
  await app.register(healthRoutes, { services });
  await app.register(signingKeyRoutes, { services });
  await registerAuth(app, services, { publicUrl: base, secure });
  await app.register(roomRoutes, { services, publicUrl: base });
  await app.register(adminRoutes, { services });
  // The composition list, minus what this deployment switched off; a broken `requires` stops the start here.
  const features = options.features ?? instantiateFeatures(composeFeatures(featureCatalogue, { disabled: config.featuresDisabled }), {
    db: services.storage.db,
    services: { logger: services.logger, media: services.media, signingKey: services.signingKey, timeZone: config.timeZone, turn: services.turn, telephone: { dialInNumber: config.telephone.dialInNumber },
      // Read when a recording starts (a test may swap the recorder of a running server).
      get recorder() {
        return services.recorder;
      },
    },
  });
  for (const feature of features) {
    const routes = feature.descriptor.routes;
    if (routes) await app.register(async (scope) => routes(scope, routeDeps(feature, features, services, () => app.signaling)));
  }
  await registerSignaling(app, services, {
    features,
    timings: { identityCommandsPerSecond: config.signaling.identityRate, identityCommandBurst: config.signaling.identityBurst },
  });
  await app.register(inviteRoutes, { services });

  if (options.webDist && fs.existsSync(path.join(options.webDist, 'index.html'))) {
    await registerWebClient(app, path.resolve(options.webDist), API_PREFIXES);
  }
  return app;
}

function boundPort(app: FastifyInstance): number | undefined {
  const addr = app.server.address();
  return addr && typeof addr === 'object' ? addr.port : undefined;
}
