import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import pino, { type DestinationStream, type Logger } from 'pino';
import { logSerializers } from './logging.ts';
import { openCluster, type Cluster } from './cluster/index.ts';
import type { Config } from './config.ts';
import { buildApp } from './http/app.ts';
import { createMediaService } from './media/index.ts';
import { noMedia, type MediaService } from './media/types.ts';
import { createTurnService, type TurnService } from './turn/index.ts';
import { SigningKeyring } from './audit/keyring.ts';
import { createServices, publicUrl, type Services } from './services.ts';
import { allMigrations, featureCatalogue } from './features.ts';
import { startRetention, type RetentionJob } from './gdpr/retention.ts';
import { migrateToLatest, openStorage, type Storage } from './storage/database.ts';

export const defaultWebDist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

/** Secrets that must never reach a log line, wherever they appear in a logged object. */
export const logRedactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'req.headers["sec-websocket-protocol"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.password_hash',
  '*.ticket',
  '*.resumption',
  '*.token',
  '*.secret',
  '*.pin',
];

/** The server's logger: JSON lines on standard output (or `destination`, tests), secrets redacted (logging.ts). */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  return pino({ level: config.logLevel, redact: { paths: logRedactPaths, censor: '[redacted]' }, serializers: logSerializers }, destination);
}

export interface Plenum {
  app: FastifyInstance;
  services: Services;
  /** Base URL after listen(). */
  url: string;
  /** Graceful stop: refuse new connections, tell rooms, close media and storage. */
  close(): Promise<void>;
}

export interface PlenumOptions {
  logger?: Logger;
  /** Already opened storage (tests); otherwise opened from the config. */
  storage?: Storage;
  media?: MediaService;
  webDist?: string | null;
  now?: () => Date;
}

/** The composition root: config → storage → media → services → http, then listen. */
export async function startPlenum(config: Config, opts: PlenumOptions = {}): Promise<Plenum> {
  const logger = opts.logger ?? createLogger(config);
  const storage =
    opts.storage ??
    (await openStorage({
      databaseUrl: config.databaseUrl,
      pgliteDir: config.databaseUrl ? undefined : path.join(config.dataDir, 'db'),
      onConnectionLost: (err) => logger.warn({ err: { message: err.message, code: (err as { code?: unknown }).code } }, 'a database connection was lost; it is replaced when needed'),
    }));
  if (!opts.storage) await migrateToLatest(storage.db, allMigrations());
  let media: MediaService | undefined;
  let cluster: Cluster | undefined;
  let turn: TurnService | undefined;
  try {
    cluster = await openCluster({ redisUrl: config.redisUrl });
    media = opts.media ?? (config.media.mode === 'off' ? noMedia() : await createMediaService(config, logger.child({ component: 'media' })));
    turn = await createTurnService(config, logger.child({ component: 'turn' }), opts.now);
    const keyring = await SigningKeyring.load(storage.db);
    const services = createServices(config, logger, storage, media, cluster, keyring, opts.now, turn);
    // A rotation made on another node or by the CLI reaches this one within a minute (votes re-read before signing).
    const keyRefresh = setInterval(() => {
      keyring.refresh().catch((err: unknown) => logger.warn({ err: { message: (err as Error).message } }, 'could not re-read the signing keys'));
    }, 60_000);
    keyRefresh.unref();
    // GDPR retention: over the whole catalogue (a disabled feature's data ages too); a live room's draft is left alone.
    const retention: RetentionJob = startRetention({
      db: storage.db,
      features: featureCatalogue,
      status: services.retention,
      now: services.now,
      ctx: { isLive: async (roomId) => (await cluster!.rooms.owner(roomId)) !== null },
      logger: logger.child({ component: 'retention' }),
    });
    const app = await buildApp(services, { webDist: opts.webDist === null ? undefined : (opts.webDist ?? defaultWebDist) });
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = address && typeof address === 'object' ? address.port : config.port;
    const url = publicUrl(config, port);
    logger.info({ url, database: storage.kind, media: media.mode, cluster: cluster.kind, node: cluster.nodeId }, 'Plenum is listening');
    let closing: Promise<void> | undefined;
    return {
      app,
      services,
      url,
      close() {
        closing ??= (async () => {
          clearInterval(keyRefresh);
          await retention.stop();
          await app.close();
          await media!.close();
          await turn!.close();
          await cluster!.close();
          if (!opts.storage) await storage.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    await media?.close();
    await turn?.close();
    await cluster?.close();
    if (!opts.storage) await storage.close();
    throw err;
  }
}
