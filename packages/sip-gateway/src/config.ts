// Environment → typed, validated gateway configuration (one place).
import { readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { createSecureContext } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const DEFAULT_PROMPTS_DIR = fileURLToPath(new URL('../../../var/prompts', import.meta.url));

const hostPort = z.string().transform((s, ctx) => {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([^:\s]+)):(\d{1,5})$/.exec(s.trim());
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (!m || !host || isIP(host) === 0 || port > 65535) {
    ctx.addIssue({ code: 'custom', message: `expected ADDRESS:PORT with an IP address, e.g. 127.0.0.1:5060 (got "${s}")` });
    return z.NEVER;
  }
  return { host, port };
});

const cidrList = z.string().transform((s, ctx) => {
  const out: { address: string; prefix: number; family: 'ipv4' | 'ipv6' }[] = [];
  for (const item of s.split(',').map((x) => x.trim()).filter(Boolean)) {
    const [addr = '', pre] = item.split('/');
    const fam = isIP(addr);
    const max = fam === 6 ? 128 : 32;
    const prefix = pre === undefined ? max : Number(pre);
    if (fam === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max || (pre !== undefined && !/^\d+$/.test(pre))) {
      ctx.addIssue({ code: 'custom', message: `"${item}" is not an address or CIDR block (e.g. 10.0.0.0/8)` });
      return z.NEVER;
    }
    out.push({ address: addr, prefix, family: fam === 6 ? 'ipv6' : 'ipv4' });
  }
  if (out.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'needs at least one address or CIDR block' });
    return z.NEVER;
  }
  return out;
});

const portRange = z.string().transform((s, ctx) => {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(s.trim());
  const min = Number(m?.[1]);
  const max = Number(m?.[2]);
  if (!m || min < 1024 || max > 65535 || max - min < 1) {
    ctx.addIssue({ code: 'custom', message: `expected MIN-MAX within 1024-65535, e.g. 40000-40999 (got "${s}")` });
    return z.NEVER;
  }
  return { min, max };
});

const transports = z.string().transform((s, ctx) => {
  const list = [...new Set(s.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean))];
  if (list.length === 0 || list.some((t) => t !== 'udp' && t !== 'tcp' && t !== 'tls')) {
    ctx.addIssue({ code: 'custom', message: `expected a comma list of udp, tcp and tls (got "${s}")` });
    return z.NEVER;
  }
  return list as ('udp' | 'tcp' | 'tls')[];
});

const bool = (def: boolean) => z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes').default(def);

const num = (def: number, min: number, max: number) => z.coerce.number().min(min).max(max).default(def);

export const EnvSchema = z.object({
  SIP_LISTEN: hostPort.default({ host: '127.0.0.1', port: 5060 }),
  SIP_TRANSPORTS: transports.default(['udp', 'tcp']),
  /** Address put into Contact and SDP c= (default: the listen address, or 127.0.0.1 for a wildcard). */
  /** SIP over TLS (SIPS): enabled by `tls` in SIP_TRANSPORTS or by setting SIP_TLS_LISTEN (default: SIP_LISTEN's address, port 5061). */
  SIP_TLS_LISTEN: hostPort.optional(),
  /** PEM certificate (chain) and private key for TLS; both required when TLS is on. */
  SIP_TLS_CERT: z.string().min(1).optional(),
  SIP_TLS_KEY: z.string().min(1).optional(),
  /** `optional`: plain RTP and SRTP (SDES) offers are both answered; `required`: plain RTP gets 488. */
  SIP_MEDIA_ENCRYPTION: z.enum(['optional', 'required']).default('optional'),
  /** Calls arriving over TLS must offer SRTP (else 488), whatever SIP_MEDIA_ENCRYPTION says. */
  SIP_TLS_REQUIRE_SRTP: bool(true),
  SIP_PUBLIC_ADDRESS: z.string().refine((s) => isIP(s) !== 0, 'must be an IP address').optional(),
  SIP_ALLOWED_SOURCES: cidrList.default([{ address: '127.0.0.0', prefix: 8, family: 'ipv4' }, { address: '::1', prefix: 128, family: 'ipv6' }]),
  SIP_RTP_PORTS: portRange.default({ min: 40000, max: 40999 }),
  SIP_RTP_TIMEOUT_S: num(30, 0.2, 3600),
  SIP_IVR_LANGUAGE: z.enum(['de', 'en']).default('de'),
  SIP_PROMPTS_DIR: z.string().min(1).default(DEFAULT_PROMPTS_DIR),
  /** INVITEs per second and burst per source address (token bucket). */
  SIP_INVITE_RATE: num(5, 0.01, 10000),
  SIP_INVITE_BURST: num(10, 1, 10000),
  /** All requests per second and burst per source address; beyond it requests are dropped silently. */
  SIP_REQUEST_RATE: num(200, 0.01, 100000),
  SIP_REQUEST_BURST: num(400, 1, 100000),
  SIP_MAX_CALLS: num(200, 1, 100000),
  /** A TCP/TLS connection idle this long is closed, unless a call runs on it. */
  SIP_CONNECTION_IDLE_S: num(120, 0.1, 86400),
  /** RFC 3261 T1 in ms (500); tests shorten it. */
  SIP_T1_MS: num(500, 10, 5000),
  /** Ring for this long before answering (180 Ringing first when > 0). */
  SIP_ANSWER_DELAY_MS: num(0, 0, 60000),
  /** Silence after a prompt before the IVR asks again, and how often. */
  SIP_IVR_INPUT_TIMEOUT_S: num(20, 1, 600),
  /**
   * RFC 4028 session timers: the smallest Session-Expires accepted (else 422 with this Min-SE). RFC 4028 §4 says
   * no less than 90 s; smaller values are for tests.
   */
  SIP_SESSION_MIN_SE_S: num(90, 1, 86400),
  /** Mean interval of the gateway's RTCP reports (RFC 3550 §6.2: 5 s; tests shorten it). */
  SIP_RTCP_INTERVAL_S: num(5, 0.1, 60),
  PLENUM_URL: z.url().optional(),
  TELEPHONE_SERVICE_TOKEN: z.string().min(16).optional(),
});

export interface TlsConfig {
  host: string;
  port: number;
  /** PEM contents (read and checked at start). */
  cert: Buffer;
  key: Buffer;
}

export interface GatewayConfig {
  listen: { host: string; port: number };
  /** UDP and TCP on `listen` (may be empty when only TLS runs). */
  transports: ('udp' | 'tcp')[];
  tls: TlsConfig | undefined;
  mediaEncryption: 'optional' | 'required';
  tlsRequireSrtp: boolean;
  publicAddress: string;
  allowedSources: BlockList;
  allowedSourcesText: string;
  rtpPorts: { min: number; max: number };
  rtpTimeoutMs: number;
  ivrLanguage: 'de' | 'en';
  promptsDir: string;
  inviteRate: number;
  inviteBurst: number;
  requestRate: number;
  requestBurst: number;
  maxCalls: number;
  connectionIdleMs: number;
  t1Ms: number;
  answerDelayMs: number;
  ivrInputTimeoutMs: number;
  /** RFC 4028 Min-SE in seconds. */
  sessionMinSeS: number;
  /** Mean RTCP report interval in ms. */
  rtcpIntervalMs: number;
  plenumUrl?: string;
  telephoneServiceToken?: string;
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(EnvSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') picked[key] = v;
  }
  const r = EnvSchema.safeParse(picked);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid SIP gateway configuration:\n${lines.join('\n')}`);
  }
  const c = r.data;
  const tls = tlsConfig(c);
  const allowed = new BlockList();
  for (const b of c.SIP_ALLOWED_SOURCES) allowed.addSubnet(b.address, b.prefix, b.family);
  const wildcard = c.SIP_LISTEN.host === '0.0.0.0' || c.SIP_LISTEN.host === '::';
  return {
    listen: c.SIP_LISTEN,
    transports: c.SIP_TRANSPORTS.filter((t): t is 'udp' | 'tcp' => t !== 'tls'),
    tls,
    mediaEncryption: c.SIP_MEDIA_ENCRYPTION,
    tlsRequireSrtp: c.SIP_TLS_REQUIRE_SRTP,
    publicAddress: c.SIP_PUBLIC_ADDRESS ?? (wildcard ? '127.0.0.1' : c.SIP_LISTEN.host),
    allowedSources: allowed,
    allowedSourcesText: c.SIP_ALLOWED_SOURCES.map((b) => `${b.address}/${b.prefix}`).join(','),
    rtpPorts: c.SIP_RTP_PORTS,
    rtpTimeoutMs: Math.round(c.SIP_RTP_TIMEOUT_S * 1000),
    ivrLanguage: c.SIP_IVR_LANGUAGE,
    promptsDir: c.SIP_PROMPTS_DIR,
    inviteRate: c.SIP_INVITE_RATE,
    inviteBurst: c.SIP_INVITE_BURST,
    requestRate: c.SIP_REQUEST_RATE,
    requestBurst: c.SIP_REQUEST_BURST,
    maxCalls: c.SIP_MAX_CALLS,
    connectionIdleMs: Math.round(c.SIP_CONNECTION_IDLE_S * 1000),
    t1Ms: c.SIP_T1_MS,
    answerDelayMs: c.SIP_ANSWER_DELAY_MS,
    ivrInputTimeoutMs: Math.round(c.SIP_IVR_INPUT_TIMEOUT_S * 1000),
    sessionMinSeS: Math.ceil(c.SIP_SESSION_MIN_SE_S),
    rtcpIntervalMs: Math.round(c.SIP_RTCP_INTERVAL_S * 1000),
    ...(c.PLENUM_URL !== undefined ? { plenumUrl: c.PLENUM_URL.replace(/\/+$/, '') } : {}),
    ...(c.TELEPHONE_SERVICE_TOKEN !== undefined ? { telephoneServiceToken: c.TELEPHONE_SERVICE_TOKEN } : {}),
  };
}

/** TLS settings: the PEM files are read and tried as a TLS context here, so a bad file stops the start, named. */
function tlsConfig(c: z.infer<typeof EnvSchema>): TlsConfig | undefined {
  if (!c.SIP_TRANSPORTS.includes('tls') && c.SIP_TLS_LISTEN === undefined) return undefined;
  const problems: string[] = [];
  const read = (name: 'SIP_TLS_CERT' | 'SIP_TLS_KEY', what: string): Buffer | undefined => {
    const file = c[name];
    if (file === undefined) {
      problems.push(`  ${name}: required when SIP over TLS is on (a PEM ${what} file)`);
      return undefined;
    }
    try {
      const buf = readFileSync(file);
      if (!buf.toString('latin1').includes('-----BEGIN ')) {
        problems.push(`  ${name}: "${file}" is not a PEM file`);
        return undefined;
      }
      return buf;
    } catch (err) {
      problems.push(`  ${name}: cannot read "${file}" (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      return undefined;
    }
  };
  const cert = read('SIP_TLS_CERT', 'certificate');
  const key = read('SIP_TLS_KEY', 'private key');
  if (cert && key) {
    try {
      createSecureContext({ cert, key, minVersion: 'TLSv1.2' });
    } catch (err) {
      problems.push(`  SIP_TLS_CERT, SIP_TLS_KEY: not a usable certificate and key (${(err as Error).message})`);
    }
  }
  if (problems.length > 0 || !cert || !key) throw new ConfigError(`Invalid SIP gateway configuration:\n${problems.join('\n')}`);
  const listen = c.SIP_TLS_LISTEN ?? { host: c.SIP_LISTEN.host, port: 5061 };
  return { host: listen.host, port: listen.port, cert, key };
}

export function isAllowedSource(cfg: GatewayConfig, address: string): boolean {
  const fam = isIP(address);
  if (fam === 0) return false;
  const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  return cfg.allowedSources.check(plain, isIP(plain) === 6 ? 'ipv6' : 'ipv4');
}

/** Token bucket per key (source address). */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly rate: number, private readonly burst: number, private readonly now: () => number = Date.now) {}

  /** Takes a token; returns 0 when allowed, else the seconds until one is available. */
  take(key: string): number {
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: t };
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.rate);
    b.at = t;
    this.buckets.set(key, b);
    if (this.buckets.size > 10000) this.buckets.delete(this.buckets.keys().next().value as string);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.rate));
  }
}
