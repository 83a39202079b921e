// `npm run sip-gateway`: the SIP gateway process.
import { ConfigError, loadConfig } from './config.ts';
import { SipGateway } from './gateway.ts';
import { ensurePrompts, PromptLibrary } from './ivr/prompts.ts';
import { jsonLogger } from './log.ts';
import { HttpPlenumLink, type PlenumLink } from './plenum.ts';
import { roomBridgeHooks } from './room-bridge.ts';

const log = jsonLogger();
let cfg;
try {
  cfg = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}
if (!cfg.plenumUrl || !cfg.telephoneServiceToken) {
  console.error('Invalid SIP gateway configuration:\n  PLENUM_URL and TELEPHONE_SERVICE_TOKEN (at least 16 characters) are required');
  process.exit(2);
}
const rendered = await ensurePrompts(cfg.promptsDir);
if (rendered > 0) log.info('rendered IVR prompts', { count: rendered, dir: cfg.promptsDir });
const prompts = await PromptLibrary.load(cfg.promptsDir);
const link: PlenumLink = new HttpPlenumLink(cfg.plenumUrl, cfg.telephoneServiceToken, log);
const gateway = new SipGateway(cfg, { link, prompts, log, hooks: roomBridgeHooks(log) });
await gateway.start();

const shutdown = (): void => {
  void gateway.stop().then(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
