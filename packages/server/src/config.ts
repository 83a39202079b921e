import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const portRange = z
  .string()
  .regex(/^\d+-\d+$/, 'expected FROM-TO, e.g. 20000-20999')
  .transform((v) => {
    const [from, to] = v.split('-').map(Number) as [number, number];
    return { from, to };
  })
  .refine((r) => r.from >= 1024 && r.to <= 65535 && r.from < r.to, 'expected 1024 <= FROM < TO <= 65535');

/** A retention period in whole days; 0 keeps the data without automatic deletion. */
const retentionDays = z
  .string()
  .regex(/^\d{1,5}$/, 'expected a whole number of days (0: keep without automatic deletion)')
  .transform(Number)
  .pipe(z.number().max(36_500, 'at most 36500 days'));

/**
 * Every environment variable Plenum reads, with its default. The README's configuration table
 * is generated from the same descriptions (see `configReference`), so the two cannot drift.
 */
export const envSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1').describe('Address the HTTP server listens on'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080).describe('HTTP port (0 picks a free port)'),
  PUBLIC_URL: z.url().optional().describe('URL people use to reach Plenum (default http://HOST:PORT); https enables Secure cookies'),
  DATA_DIR: z.string().min(1).default('./data').describe('Directory for the embedded database, keys and Janus configuration'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
  METRICS_TOKEN: z
    .string()
    .min(16)
    .regex(/^[\x21-\x7e]+$/, 'expected printable ASCII without spaces')
    .optional()
    .describe('Bearer token (at least 16 characters) for GET /metrics and the details of GET /ready; unset: /metrics is off and /ready says only ready or not ready'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL')
    .optional()
    .describe('PostgreSQL connection URL; unset: embedded PGlite database in DATA_DIR/db'),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'expected a redis:// URL').optional().describe('Redis URL for several nodes; unset: in-process bus (one node)'),
  OIDC_ISSUER: z.url().optional().describe("External OpenID Provider's issuer URL; unset: Plenum's embedded provider with local accounts"),
  OIDC_CLIENT_ID: z.string().optional().describe('Client ID registered at the external provider'),
  OIDC_CLIENT_SECRET: z.string().optional().describe('Client secret (confidential client); unset: public client with PKCE only'),
  OIDC_SCOPES: z.string().default('openid profile email').describe('Scopes requested at login'),
  OIDC_ROLES_CLAIM: z.string().default('roles').describe('ID-token claim (dot path, e.g. realm_access.roles) holding the user\'s roles'),
  OIDC_ADMIN_ROLE: z.string().default('plenum-admin').describe('Value of the roles claim that makes a user a Plenum admin'),
  ADMIN_USERNAME: z.string().min(1).max(64).optional().describe('Embedded provider: create this admin account at start if it does not exist'),
  ADMIN_PASSWORD: z.string().min(10).optional().describe('Password for ADMIN_USERNAME (at least 10 characters)'),
  ADMIN_EMAIL: z.email().optional().describe('E-mail address of the ADMIN_USERNAME account (optional; set when the account is created)'),
  SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12).describe('Lifetime of a login session'),
  TRUST_PROXY: bool
    .default(false)
    .describe('Behind a reverse proxy: trust its X-Forwarded-* headers; the proxy must be on this host (loopback) unless TRUSTED_PROXIES names it'),
  TRUSTED_PROXIES: z
    .string()
    .optional()
    .describe('Comma-separated IPs/CIDRs of reverse proxies whose X-Forwarded-* headers count (e.g. 10.0.0.5,192.168.1.0/24; also loopback); implies TRUST_PROXY'),
  MEDIA: z.enum(['janus', 'off']).default('janus').describe('janus: media through Janus; off: no media server (API only)'),
  JANUS_URL: z
    .string()
    .optional()
    .describe('Comma-separated ws:// URLs of operated Janus instances; unset: Plenum starts a private Janus child process'),
  JANUS_API_SECRET: z.string().optional().describe('API secret of the operated Janus instances'),
  JANUS_BINARY: z.string().default('janus').describe('Janus executable for the embedded media server'),
  JANUS_RTP_PORTS: portRange.default({ from: 20000, to: 20999 }).describe('UDP port range of the embedded Janus'),
  JANUS_ICE_INTERFACE: z.string().optional().describe('Restrict the embedded Janus ICE candidates to this interface (e.g. lo in tests)'),
  TURN_URLS: z
    .string()
    .optional()
    .describe('Comma-separated TURN URLs given to browsers (e.g. turn:turn.example:3478?transport=udp,turn:turn.example:3478?transport=tcp,turns:turn.example:443?transport=tcp); unset with TURN_EMBEDDED: UDP and TCP on TURN_PORT of the public host; unset otherwise: no TURN'),
  TURN_SECRET: z
    .string()
    .min(16)
    .optional()
    .describe('Shared secret of the TURN server (coturn use-auth-secret / static-auth-secret), at least 16 characters; unset with TURN_EMBEDDED: a new one at each start'),
  TURN_CREDENTIAL_TTL: z.coerce.number().int().min(60).max(86_400).default(3600).describe('Lifetime in seconds of the TURN credentials minted per participant (renewed before they expire)'),
  TURN_EMBEDDED: bool.default(false).describe("true: Plenum starts Debian's coturn (turnserver) itself with a generated configuration"),
  TURN_BINARY: z.string().default('turnserver').describe('coturn executable for TURN_EMBEDDED'),
  TURN_LISTEN_IP: z.string().optional().describe('TURN_EMBEDDED: address coturn listens and relays on (default HOST; 0.0.0.0 is not accepted by coturn as a relay address, name one)'),
  TURN_PORT: z.coerce.number().int().min(1).max(65535).default(3478).describe('TURN_EMBEDDED: UDP and TCP port of coturn'),
  TURN_TLS_PORT: z.coerce.number().int().min(1).max(65535).optional().describe('TURN_EMBEDDED: TLS port of coturn (e.g. 443, or 5349); needs TURN_TLS_CERT and TURN_TLS_KEY'),
  TURN_TLS_CERT: z.string().optional().describe('TURN_EMBEDDED: PEM certificate (chain) for TURN over TLS'),
  TURN_TLS_KEY: z.string().optional().describe('TURN_EMBEDDED: PEM private key for TURN over TLS'),
  TURN_RELAY_PORTS: portRange.default({ from: 49152, to: 49999 }).describe('TURN_EMBEDDED: UDP port range of the relayed addresses'),
  TURN_REALM: z.string().regex(/^[\x21-\x7e]+$/, 'expected printable ASCII without spaces').default('plenum').describe('TURN realm'),
  TURN_ALLOWED_PEERS: z
    .string()
    .optional()
    .describe('TURN_EMBEDDED: comma-separated IPs or ranges (a-b) the relay may reach although private (the media servers); the embedded Janus\'s address is allowed by itself'),
  FEATURES_DISABLED: z
    .string()
    .regex(/^[a-z_]+(\s*,\s*[a-z_]+)*$/, 'expected comma-separated feature names, e.g. polls,breakout')
    .optional()
    .describe('Comma-separated features to switch off (e.g. polls,breakout; control cannot be); a feature others require refuses the start'),
  SIGNALING_IDENTITY_RATE: z.coerce
    .number()
    .positive()
    .max(10_000)
    .default(40)
    .describe('Signaling commands per second per identity (an account, an invite link, a phone caller), however many connections it opens (never below the per-connection 20/s)'),
  SIGNALING_IDENTITY_BURST: z.coerce
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(80)
    .describe('Signaling commands an identity may send at once before SIGNALING_IDENTITY_RATE applies (never below the per-connection 40)'),
  RETENTION_ATTENDANCE_DAYS: retentionDays
    .default(365)
    .describe('Days the attendance of an ended meeting is kept, then deleted automatically (default: one year, the period for challenging a decision on procedural grounds; 0: keep)'),
  RETENTION_MINUTES_DRAFT_DAYS: retentionDays
    .default(180)
    .describe('Days a minutes draft without edits is kept, then deleted automatically; sealed minutes are always kept (0: keep)'),
  RETENTION_INVITES_DAYS: retentionDays
    .default(90)
    .describe('Days a revoked or expired invite link is kept after its revocation or expiry, then deleted automatically (0: keep)'),
  RETENTION_RECORDINGS_DAYS: retentionDays
    .default(30)
    .describe('Days a meeting recording (file and metadata) is kept after it ended, then deleted automatically (0: keep)'),
  RETENTION_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(1440).default(60).describe('Minutes between two runs of the retention job (it also runs at start)'),
  TELEPHONE_SERVICE_TOKEN: z
    .string()
    .min(32)
    .regex(/^[\x21-\x7e]+$/, 'expected printable ASCII without spaces')
    .optional()
    .describe('Bearer token (at least 32 characters) the SIP gateway sends to POST /v1/service/telephone/calls; unset: that route is off (telephone dial-in disabled)'),
  TELEPHONE_GATEWAY: z
    .enum(['off', 'embedded'])
    .default('off')
    .describe('embedded: Plenum also runs the SIP gateway (packages/sip-gateway) as a child process, configured by its SIP_* variables and reaching Plenum on loopback; needs TELEPHONE_SERVICE_TOKEN. off: run it yourself with npm run sip-gateway (or not at all)'),
  TELEPHONE_DIAL_IN_NUMBER: z
    .string()
    .regex(/^\+?[0-9][0-9 ()/-]{2,30}$/, 'expected a phone number, e.g. +49 361 123456-0')
    .optional()
    .describe('Phone number callers dial (shown to moderators with the room\'s dial-in ID and PIN, e.g. +49 361 123456-0); unset: no number shown'),
  RECORDINGS_DIR: z.string().min(1).optional().describe('Directory for meeting recordings (MP4); unset: DATA_DIR/recordings'),
  SMTP_HOST: z.string().min(1).optional().describe('Mail server for meeting invitations (SMTP); unset: invitations are not sent but shown to the organizer for copying'),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(587).describe('Port of the mail server (587 submission with STARTTLS, 465 with SMTP_SECURE=true)'),
  SMTP_SECURE: bool.default(false).describe('true: TLS from the first byte (port 465); false: STARTTLS when the server offers it'),
  SMTP_USER: z.string().min(1).optional().describe('User name for the mail server (unset: no authentication)'),
  SMTP_PASSWORD: z.string().min(1).optional().describe('Password for the mail server (never logged)'),
  SMTP_FROM: z.string().min(3).optional().describe('Sender of invitations, e.g. "Plenum <plenum@example.org>"; required with SMTP_HOST'),
  MEETINGS_REMINDER_MINUTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(10_080)
    .default(15)
    .describe('Minutes before a planned meeting that calendar programs remind invitees (a VALARM in invitations and the calendar feed); 0: no reminder'),
  TIME_ZONE: z.string().default('UTC').describe('IANA time zone of server-made texts (minutes blocks, reports) when the reader\'s is not known'),
});

export type Env = z.input<typeof envSchema>;

export interface Config {
  host: string;
  port: number;
  publicUrl: string | undefined;
  dataDir: string;
  logLevel: z.output<typeof envSchema>['LOG_LEVEL'];
  /** Bearer token of the operator's monitoring (`/metrics`, `/ready` details); undefined: metrics off. */
  metricsToken: string | undefined;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  oidc: {
    issuer: string | undefined;
    clientId: string | undefined;
    clientSecret: string | undefined;
    scopes: string;
    rolesClaim: string;
    adminRole: string;
  };
  admin: { username: string; password: string; email?: string } | undefined;
  sessionTtlHours: number;
  /** X-Forwarded-* headers are read (from trusted proxies only). */
  trustProxy: boolean;
  /** Peers whose X-Forwarded-* headers count: IPs, CIDRs or proxy-addr's names (loopback, linklocal, uniquelocal); empty: none. */
  trustedProxies: string[];
  /** Feature namespaces switched off in this deployment. */
  featuresDisabled: string[];
  timeZone: string;
  /** Retention periods in days (0: kept) and how often the retention job runs. */
  retention: { periods: { attendance: number; minutes_drafts: number; invites: number; recordings: number }; intervalMinutes: number };
  /** Where meeting recordings are written (absolute). */
  recordingsDir: string;
  /** Telephone dial-in: the SIP gateway's service token (undefined: dial-in off) and the number shown to moderators. */
  telephone: { serviceToken: string | undefined; dialInNumber: string | null; gateway: 'off' | 'embedded' };
  /** Planned meetings: the reminder calendar programs show before the start (minutes; 0: none). */
  meetings: { reminderMinutes: number };
  /** Meeting invitations by SMTP; undefined: not sent (the API returns the texts for copying). */
  smtp: { host: string; port: number; secure: boolean; user: string | undefined; password: string | undefined; from: string } | undefined;
  /** The signaling rate limit per identity (the per-connection one stays as it is). */
  signaling: { identityRate: number; identityBurst: number };
  media: {
    mode: 'janus' | 'off';
    janusUrls: string[];
    apiSecret: string | undefined;
    binary: string;
    rtpPorts: { from: number; to: number };
    iceInterface: string | undefined;
  };
  turn: TurnConfig;
}

/** TURN for clients behind restrictive firewalls (coturn, use-auth-secret); `urls` empty: no TURN. */
export interface TurnConfig {
  urls: string[];
  /** Undefined with `embedded`: generated at each start. */
  secret: string | undefined;
  credentialTtlSeconds: number;
  realm: string;
  embedded:
    | {
        binary: string;
        listenIp: string;
        port: number;
        tls: { port: number; cert: string; key: string } | undefined;
        relayPorts: { from: number; to: number };
        allowedPeers: string[];
      }
    | undefined;
}

/** turn:host[:port][?transport=udp|tcp] or turns:host[:port][?transport=tcp] (RFC 7065). */
const TURN_URL = /^turns?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?(\?transport=(udp|tcp))?$/;

function turnConfig(e: z.output<typeof envSchema>, problems: string[]): TurnConfig {
  const listed = (e.TURN_URLS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const u of listed) {
    if (!TURN_URL.test(u)) problems.push(`TURN_URLS: "${u}" is not a turn: or turns: URL (e.g. turn:turn.example:3478?transport=udp)`);
    else if (u.startsWith('turns:') && u.endsWith('transport=udp')) problems.push(`TURN_URLS: "${u}": turns: runs over TCP`);
  }
  if (listed.length && !e.TURN_EMBEDDED && !e.TURN_SECRET) problems.push('TURN_SECRET: required when TURN_URLS names an operated TURN server');
  const tlsParts = [e.TURN_TLS_PORT, e.TURN_TLS_CERT, e.TURN_TLS_KEY].filter((v) => v !== undefined).length;
  if (tlsParts && tlsParts < 3) problems.push('TURN_TLS_PORT, TURN_TLS_CERT and TURN_TLS_KEY: set all three or none');
  if (!e.TURN_EMBEDDED) return { urls: listed, secret: e.TURN_SECRET, credentialTtlSeconds: e.TURN_CREDENTIAL_TTL, realm: e.TURN_REALM, embedded: undefined };
  const listenIp = e.TURN_LISTEN_IP ?? e.HOST;
  if (!isIP(listenIp) || listenIp === '0.0.0.0' || listenIp === '::') problems.push(`TURN_LISTEN_IP: "${listenIp}" must be one IP address of this host (set TURN_LISTEN_IP when HOST is not one)`);
  const allowedPeers = (e.TURN_ALLOWED_PEERS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const p of allowedPeers) if (!p.split('-').every((a) => isIP(a))) problems.push(`TURN_ALLOWED_PEERS: "${p}" is not an IP address or range a-b`);
  let host = listenIp.includes(':') ? `[${listenIp}]` : listenIp;
  if (e.PUBLIC_URL) host = new URL(e.PUBLIC_URL).hostname;
  const urls = listed.length
    ? listed
    : [
        `turn:${host}:${e.TURN_PORT}?transport=udp`,
        `turn:${host}:${e.TURN_PORT}?transport=tcp`,
        ...(e.TURN_TLS_PORT ? [`turns:${host}:${e.TURN_TLS_PORT}?transport=tcp`] : []),
      ];
  return {
    urls,
    secret: e.TURN_SECRET,
    credentialTtlSeconds: e.TURN_CREDENTIAL_TTL,
    realm: e.TURN_REALM,
    embedded: {
      binary: e.TURN_BINARY,
      listenIp,
      port: e.TURN_PORT,
      tls: e.TURN_TLS_PORT && e.TURN_TLS_CERT && e.TURN_TLS_KEY ? { port: e.TURN_TLS_PORT, cert: e.TURN_TLS_CERT, key: e.TURN_TLS_KEY } : undefined,
      relayPorts: e.TURN_RELAY_PORTS,
      allowedPeers,
    },
  };
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset, as operators often write `FOO=` in env files.
  const relevant = Object.fromEntries(
    Object.keys(envSchema.shape)
      .map((k) => [k, env[k]] as const)
      .filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = envSchema.safeParse(relevant);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (e.OIDC_ISSUER && !e.OIDC_CLIENT_ID) problems.push('OIDC_CLIENT_ID: required when OIDC_ISSUER is set');
  if (!e.OIDC_ISSUER && (e.OIDC_CLIENT_ID || e.OIDC_CLIENT_SECRET)) problems.push('OIDC_ISSUER: required when OIDC_CLIENT_ID is set');
  if (!!e.ADMIN_USERNAME !== !!e.ADMIN_PASSWORD) problems.push('ADMIN_USERNAME and ADMIN_PASSWORD: set both or neither');
  if (e.ADMIN_EMAIL && !e.ADMIN_USERNAME) problems.push('ADMIN_EMAIL: only with ADMIN_USERNAME and ADMIN_PASSWORD');
  const janusUrls = (e.JANUS_URL ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const u of janusUrls) if (!/^wss?:\/\/[^\s]+$/.test(u)) problems.push(`JANUS_URL: "${u}" is not a ws:// URL`);
  try {
    new Intl.DateTimeFormat('en', { timeZone: e.TIME_ZONE });
  } catch {
    problems.push(`TIME_ZONE: "${e.TIME_ZONE}" is not an IANA time zone`);
  }
  const trustedProxies = (e.TRUSTED_PROXIES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const p of trustedProxies) if (!isProxyAddress(p)) problems.push(`TRUSTED_PROXIES: "${p}" is not an IP address or CIDR range`);
  if (trustedProxies.length && relevant.TRUST_PROXY !== undefined && !e.TRUST_PROXY) {
    problems.push('TRUST_PROXY: false contradicts TRUSTED_PROXIES (leave TRUST_PROXY unset or set it to true)');
  }
  if (e.TELEPHONE_GATEWAY === 'embedded' && !e.TELEPHONE_SERVICE_TOKEN) problems.push('TELEPHONE_SERVICE_TOKEN: required when TELEPHONE_GATEWAY is embedded');
  if (e.SMTP_HOST && !e.SMTP_FROM) problems.push('SMTP_FROM: required when SMTP_HOST is set');
  if (!e.SMTP_HOST && (e.SMTP_USER || e.SMTP_PASSWORD || e.SMTP_FROM)) problems.push('SMTP_HOST: required when SMTP_USER, SMTP_PASSWORD or SMTP_FROM is set');
  if (!!e.SMTP_USER !== !!e.SMTP_PASSWORD) problems.push('SMTP_USER and SMTP_PASSWORD: set both or neither');
  const turn = turnConfig(e, problems);
  if (problems.length) throw new ConfigError(problems);
  const trustProxy = e.TRUST_PROXY || trustedProxies.length > 0;
  return {
    host: e.HOST,
    port: e.PORT,
    publicUrl: e.PUBLIC_URL?.replace(/\/$/, ''),
    dataDir: path.resolve(e.DATA_DIR),
    logLevel: e.LOG_LEVEL,
    metricsToken: e.METRICS_TOKEN,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    oidc: {
      issuer: e.OIDC_ISSUER,
      clientId: e.OIDC_CLIENT_ID,
      clientSecret: e.OIDC_CLIENT_SECRET,
      scopes: e.OIDC_SCOPES,
      rolesClaim: e.OIDC_ROLES_CLAIM,
      adminRole: e.OIDC_ADMIN_ROLE,
    },
    admin: e.ADMIN_USERNAME && e.ADMIN_PASSWORD ? { username: e.ADMIN_USERNAME, password: e.ADMIN_PASSWORD, ...(e.ADMIN_EMAIL ? { email: e.ADMIN_EMAIL } : {}) } : undefined,
    sessionTtlHours: e.SESSION_TTL_HOURS,
    trustProxy,
    // TRUST_PROXY=true alone trusts only a proxy on this host: X-Forwarded-For from anyone else could be forged.
    trustedProxies: trustedProxies.length ? trustedProxies : trustProxy ? ['loopback'] : [],
    featuresDisabled: (e.FEATURES_DISABLED ?? '').split(',').map((f) => f.trim()).filter(Boolean),
    timeZone: e.TIME_ZONE,
    retention: { periods: { attendance: e.RETENTION_ATTENDANCE_DAYS, minutes_drafts: e.RETENTION_MINUTES_DRAFT_DAYS, invites: e.RETENTION_INVITES_DAYS, recordings: e.RETENTION_RECORDINGS_DAYS }, intervalMinutes: e.RETENTION_INTERVAL_MINUTES },
    recordingsDir: path.resolve(e.RECORDINGS_DIR ?? path.join(e.DATA_DIR, 'recordings')),
    telephone: { serviceToken: e.TELEPHONE_SERVICE_TOKEN, dialInNumber: e.TELEPHONE_DIAL_IN_NUMBER?.trim() ?? null, gateway: e.TELEPHONE_GATEWAY },
    meetings: { reminderMinutes: e.MEETINGS_REMINDER_MINUTES },
    smtp: e.SMTP_HOST && e.SMTP_FROM ? { host: e.SMTP_HOST, port: e.SMTP_PORT, secure: e.SMTP_SECURE, user: e.SMTP_USER, password: e.SMTP_PASSWORD, from: e.SMTP_FROM } : undefined,
    signaling: { identityRate: e.SIGNALING_IDENTITY_RATE, identityBurst: e.SIGNALING_IDENTITY_BURST },
    media: {
      mode: e.MEDIA,
      janusUrls,
      apiSecret: e.JANUS_API_SECRET,
      binary: e.JANUS_BINARY,
      rtpPorts: e.JANUS_RTP_PORTS,
      iceInterface: e.JANUS_ICE_INTERFACE,
    },
    turn,
  };
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An IP address, a CIDR range (address/prefix) or one of proxy-addr's names. */
function isProxyAddress(value: string): boolean {
  if (PROXY_NAMES.has(value)) return true;
  const [address = '', prefix, ...rest] = value.split('/');
  const family = isIP(address);
  if (!family || rest.length) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Rows for the README's configuration table. */
export function configReference(): { name: string; default: string; meaning: string }[] {
  return Object.entries(envSchema.shape).map(([name, schema]) => {
    const def = (schema as { def?: { defaultValue?: unknown } }).def?.defaultValue;
    const shown = def === undefined ? '' : typeof def === 'object' ? `${(def as { from: number }).from}-${(def as { to: number }).to}` : String(def);
    return { name, default: shown, meaning: schema.description ?? '' };
  });
}
