// `node --import tsx packages/sip-gateway/src/render-prompts.ts [DIR]`: renders the IVR prompts when missing (setup.sh).
import { DEFAULT_PROMPTS_DIR } from './config.ts';
import { ensurePrompts } from './ivr/prompts.ts';

const dir = process.argv[2] ?? process.env.SIP_PROMPTS_DIR ?? DEFAULT_PROMPTS_DIR;
const n = await ensurePrompts(dir);
if (n > 0) console.warn(`[setup] rendered ${n} IVR prompts into ${dir}`);
