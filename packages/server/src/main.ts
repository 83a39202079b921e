import { ConfigError, loadConfig } from './config.ts';
import { EmbeddedSipGateway } from './modules/telephone/embedded-gateway.ts';
import { createLogger, startPlenum } from './server.ts';

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}
const logger = createLogger(config);
const plenum = await startPlenum(config, { logger }).catch((err: unknown) => {
  logger.fatal({ err }, 'Plenum could not start');
  process.exit(1);
});

let sipGateway: EmbeddedSipGateway | undefined;
if (config.telephone.gateway === 'embedded' && config.telephone.serviceToken) {
  // The gateway calls this node directly (not through PUBLIC_URL's proxy); a wildcard HOST is reached on loopback.
  const own = new URL(plenum.url);
  if (own.hostname === '0.0.0.0' || own.hostname === '[::]') own.hostname = '127.0.0.1';
  sipGateway = new EmbeddedSipGateway({ plenumUrl: own.origin, serviceToken: config.telephone.serviceToken, env: process.env, logger });
  await sipGateway.start().catch(async (err: unknown) => {
    logger.fatal({ err }, 'the embedded SIP gateway could not start');
    await plenum.close().catch(() => {});
    process.exit(1);
  });
}

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long, exiting');
      process.exit(1);
    }, 15_000);
    force.unref();
    Promise.all([sipGateway?.stop(), plenum.close()]).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  });
}
