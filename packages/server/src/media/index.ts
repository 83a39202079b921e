import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { MediaService } from './types.ts';

/** Media through Janus: the embedded child process, or the operated instances in JANUS_URL. */
export async function createMediaService(config: Config, logger: Logger): Promise<MediaService> {
  void config;
  void logger;
  throw new Error('Janus media service is being built in media/ (see docs/architecture.md, Media)');
}
