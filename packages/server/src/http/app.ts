import fs from 'node:fs';
import path from 'node:path';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { registerAuth } from '../auth/index.ts';
import { publicUrl, type Services } from '../services.ts';
import { createMediaModule } from '../modules/media/index.ts';
import { createChatModule } from '../modules/chat/index.ts';
import { handsModule } from '../modules/hands/index.ts';
import { createSpeakerQueueModule } from '../modules/speaker_queue/index.ts';
import { createAttendanceModule } from '../modules/attendance/index.ts';
import { AttendanceRepository } from '../storage/attendance.ts';
import { attendanceRoutes } from './routes/attendance.ts';
import { createAgendaModule } from '../modules/agenda/index.ts';
import { CommitteeRepository } from '../storage/committee.ts';
import { committeeRoutes } from './routes/committee.ts';
import { moderationModule } from '../modules/moderation/index.ts';
import { timerModule } from '../modules/timer/index.ts';
import { pollsModule } from '../modules/polls/index.ts';
import { createBreakoutModule } from '../modules/breakout/index.ts';
import { createMinutesModule } from '../modules/minutes/index.ts';
import { MinutesRepository } from '../storage/minutes.ts';
import { minutesRoutes } from './routes/minutes.ts';
import { createLegalVoteModule } from '../modules/legal_vote/index.ts';
import { LegalVoteRepository } from '../storage/legal_votes.ts';
import { legalVoteRoutes } from './routes/legal_votes.ts';
import { registerSignaling } from '../signaling/index.ts';
import { registerErrorHandling } from './errors.ts';
import { registerMetrics } from './metrics.ts';
import { healthRoutes } from './routes/health.ts';
import { signingKeyRoutes } from './routes/signing-key.ts';
import { inviteRoutes } from './routes/invites.ts';
import { roomRoutes } from './routes/rooms.ts';

export interface AppOptions {
  /** Directory of the built web app; served with an SPA fallback when present. */
  webDist?: string | undefined;
}

/** Paths that must be answered by the API, never by the SPA fallback. */
const API_PREFIXES = ['/v1/', '/auth/', '/oidc', '/docs', '/metrics', '/health', '/ready', '/signaling', '/.well-known/'];

export async function buildApp(services: Services, options: AppOptions = {}): Promise<FastifyInstance> {
  const { config } = services;
  const app = Fastify({
    loggerInstance: services.logger as FastifyBaseLogger,
    trustProxy: config.trustProxy,
    bodyLimit: 256 * 1024,
    // Our own ids are UUIDs; this keeps request ids unguessable and log-correlatable.
    genReqId: () => crypto.randomUUID(),
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);

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
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Plenum API', version: '1', description: 'Rooms, invites and sessions of Plenum. Errors are application/problem+json.' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'plenum_session' },
          csrf: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token' },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  registerMetrics(app);
  await app.register(healthRoutes, { services });
  await app.register(signingKeyRoutes, { services });
  await registerAuth(app, services, { publicUrl: base, secure });
  await app.register(roomRoutes, { services, publicUrl: base });
  const attendance = new AttendanceRepository(services.storage.db);
  await app.register(attendanceRoutes, { services, attendance });
  const committee = new CommitteeRepository(services.storage.db);
  await app.register(committeeRoutes, { services, committee });
  const legalVotes = new LegalVoteRepository(services.storage.db);
  await app.register(legalVoteRoutes, { services, votes: legalVotes, committee });
  const minutesRepo = new MinutesRepository(services.storage.db);
  await app.register(minutesRoutes, { services, minutes: minutesRepo });
  const minutes = createMinutesModule({
    store: minutesRepo,
    signingKey: services.signingKey,
    sources: {
      listAgenda: (roomId) => committee.listAgenda(roomId),
      listRoster: (roomId) => committee.listRoster(roomId),
      settings: (roomId) => committee.settings(roomId),
      async attendance(roomId) {
        const meeting = (await attendance.listMeetings(roomId))[0];
        if (!meeting) return [];
        return (await attendance.entries(meeting.id)).map((e) => ({ displayName: e.display_name, joinedAt: new Date(e.joined_at), leftAt: e.left_at ? new Date(e.left_at) : null }));
      },
    },
  });
  // Unsaved minutes are written before storage closes (the debounce timers die with the rooms).
  app.addHook('onClose', () => minutes.flush());
  await registerSignaling(app, services, { modules: [createMediaModule(services.media), createChatModule(), handsModule, moderationModule, timerModule, pollsModule, createBreakoutModule(), createSpeakerQueueModule(), createAttendanceModule(attendance), createAgendaModule(committee), minutes, createLegalVoteModule({ repo: legalVotes, committee, signingKey: services.signingKey })] });
  await app.register(inviteRoutes, { services });

  if (options.webDist && fs.existsSync(path.join(options.webDist, 'index.html'))) {
    await app.register(fastifyStatic, { root: options.webDist, prefix: '/', wildcard: false, index: false });
    const indexHtml = fs.readFileSync(path.join(options.webDist, 'index.html'));
    // SPA fallback: client-side routes (/, /invite/…, /rooms/…) all get the app shell.
    app.get('/*', { schema: { hide: true } }, async (request, reply) => {
      const url = request.url.split('?')[0] ?? '/';
      if (API_PREFIXES.some((p) => url.startsWith(p))) {
        return reply.callNotFound();
      }
      const file = path.join(options.webDist!, path.normalize(url));
      if (url !== '/' && file.startsWith(options.webDist!) && fs.existsSync(file) && fs.statSync(file).isFile()) {
        return reply.sendFile(path.relative(options.webDist!, file));
      }
      return reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-cache').send(indexHtml);
    });
  }
  return app;
}

function boundPort(app: FastifyInstance): number | undefined {
  const addr = app.server.address();
  return addr && typeof addr === 'object' ? addr.port : undefined;
}
