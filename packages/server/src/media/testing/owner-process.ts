/**
 * A process that owns an embedded Janus and does nothing else: tests kill it with SIGKILL and
 * check that its Janus goes too. Usage: node --import tsx owner-process.ts <DATA_DIR> <RTP-PORTS>
 */
import pino from 'pino';
import { loadConfig } from '../../config.ts';
import { createMediaService } from '../index.ts';

const [dataDir, rtpPorts] = process.argv.slice(2);
const media = await createMediaService(loadConfig({ DATA_DIR: dataDir, JANUS_RTP_PORTS: rtpPorts }), pino({ level: 'silent' }));
process.stdout.write(`janus-pid ${media.embeddedPid()}\n`);
// Stay alive until killed.
setInterval(() => {}, 60_000);
