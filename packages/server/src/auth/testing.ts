import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Adapter, type AdapterPayload, type InteractionResults } from 'oidc-provider';

/**
 * A separate OpenID Provider on 127.0.0.1 standing in for Keycloak in tests. `pages` mode shows
 * oidc-provider's development login and consent pages (any username works, it becomes `sub`);
 * `scripted` mode answers each authorization with `nextLogin` and no page, for HTTP-level tests.
 */
export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Claims per account id (= sub); accounts not listed get { name: id }. */
  accounts: Map<string, Record<string, unknown>>;
  /** Scripted mode: who logs in next, or an error to answer with. */
  nextLogin: { accountId: string } | { error: string } | undefined;
  /** Registers Plenum (its callback and logout URIs) and starts answering. */
  connect(plenumUrl: string): void;
  close(): Promise<void>;
}

class MapAdapter implements Adapter {
  private static stores = new Map<string, Map<string, { payload: AdapterPayload; expiresAt: number | undefined }>>();
  private readonly store: Map<string, { payload: AdapterPayload; expiresAt: number | undefined }>;

  constructor(
    scope: string,
    private readonly name: string,
  ) {
    const key = `${scope}:${name}`;
    let store = MapAdapter.stores.get(key);
    if (!store) MapAdapter.stores.set(key, (store = new Map()));
    this.store = store;
  }

  static drop(scope: string): void {
    for (const key of [...MapAdapter.stores.keys()]) if (key.startsWith(`${scope}:`)) MapAdapter.stores.delete(key);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number) {
    this.store.set(id, { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
  }
  async find(id: string) {
    const entry = this.store.get(id);
    if (!entry || (entry.expiresAt !== undefined && entry.expiresAt < Date.now())) return undefined;
    return entry.payload;
  }
  async findByUid(uid: string) {
    for (const [id, entry] of this.store) if (entry.payload.uid === uid) return this.find(id);
    return undefined;
  }
  async findByUserCode(userCode: string) {
    for (const [id, entry] of this.store) if (entry.payload.userCode === userCode) return this.find(id);
    return undefined;
  }
  async consume(id: string) {
    const entry = this.store.get(id);
    if (entry) entry.payload = { ...entry.payload, consumed: Math.floor(Date.now() / 1000) };
  }
  async destroy(id: string) {
    this.store.delete(id);
  }
  async revokeByGrantId(grantId: string) {
    for (const [id, entry] of this.store) if (entry.payload.grantId === grantId) this.store.delete(id);
  }
}

export async function startTestIdp(opts: { mode: 'pages' | 'scripted'; publicClient?: boolean }): Promise<TestIdp> {
  let handler: http.RequestListener = (_req, res) => {
    res.statusCode = 503;
    res.end('not connected yet');
  };
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const scope = randomBytes(6).toString('hex');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const clientSecret = opts.publicClient ? '' : randomBytes(24).toString('base64url');

  const idp: TestIdp = {
    issuer,
    clientId: 'plenum-test',
    clientSecret,
    accounts: new Map(),
    nextLogin: undefined,
    connect(plenumUrl) {
      const provider = new Provider(issuer, {
        adapter: (name: string) => new MapAdapter(scope, name),
        clients: [
          {
            client_id: idp.clientId,
            ...(opts.publicClient ? { token_endpoint_auth_method: 'none' } : { client_secret: clientSecret, token_endpoint_auth_method: 'client_secret_post' }),
            redirect_uris: [`${plenumUrl}/auth/callback`],
            post_logout_redirect_uris: [`${plenumUrl}/`],
            response_types: ['code'],
            grant_types: ['authorization_code'],
          },
        ],
        jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'test', use: 'sig', alg: 'RS256' }] } as never,
        cookies: { keys: [randomBytes(32).toString('base64url')] },
        async findAccount(_ctx, sub) {
          return { accountId: sub, claims: () => ({ name: sub, ...idp.accounts.get(sub), sub }) };
        },
        claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'roles', 'realm_access'], email: ['email'] },
        pkce: { required: () => true },
        ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
        features: { devInteractions: { enabled: opts.mode === 'pages' } },
        ...(opts.mode === 'scripted' ? { interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` } } : {}),
      });
      const callback = provider.callback();
      handler = (req, res) => {
        if (opts.mode === 'scripted' && req.url?.startsWith('/interaction/')) {
          scriptedInteraction(provider, idp, req, res).catch((err: unknown) => {
            res.statusCode = 500;
            res.end(String(err));
          });
          return;
        }
        void callback(req, res);
      };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      MapAdapter.drop(scope);
    },
  };
  return idp;
}

async function scriptedInteraction(provider: Provider, idp: TestIdp, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  const next = idp.nextLogin;
  let result: InteractionResults;
  if (!next) {
    result = { error: 'access_denied', error_description: 'no scripted login' };
  } else if ('error' in next) {
    result = { error: next.error };
  } else if (details.prompt.name === 'login') {
    result = { login: { accountId: next.accountId } };
  } else {
    const grant = new provider.Grant({ accountId: details.session!.accountId, clientId: String(details.params.client_id) });
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    result = { consent: { grantId: await grant.save() } };
  }
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
}

/** Cookies as a browser keeps them, enough for redirect chains in tests (host-only, path-scoped, Max-Age/Expires). */
export class CookieJar {
  private readonly cookies = new Map<string, { value: string; host: string; path: string; expires: number | undefined; httpOnly: boolean }>();

  store(url: URL, setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = url.pathname.replace(/\/[^/]*$/, '') || '/';
      let expires: number | undefined;
      let httpOnly = false;
      for (const attr of attrs) {
        const [k = '', v = ''] = attr.trim().split('=');
        const key = k.toLowerCase();
        if (key === 'path') path = v || '/';
        if (key === 'max-age') expires = Date.now() + Number(v) * 1000;
        if (key === 'expires' && expires === undefined) expires = Date.parse(v);
        if (key === 'httponly') httpOnly = true;
      }
      const id = `${url.host} ${path} ${name}`;
      if (expires !== undefined && expires <= Date.now()) this.cookies.delete(id);
      else this.cookies.set(id, { value, host: url.host, path, expires, httpOnly });
    }
  }

  header(url: URL): string {
    const out: string[] = [];
    for (const [id, c] of this.cookies) {
      if (c.expires !== undefined && c.expires <= Date.now()) continue;
      const pathMatches = url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`);
      if (c.host === url.host && pathMatches) out.push(`${id.split(' ')[2]}=${c.value}`);
    }
    return out.join('; ');
  }

  get(url: URL, name: string): { value: string; httpOnly: boolean } | undefined {
    for (const [id, c] of this.cookies) if (c.host === url.host && id.endsWith(` ${name}`)) return { value: c.value, httpOnly: c.httpOnly };
    return undefined;
  }
}

export interface Hop {
  url: string;
  status: number;
  location: string | undefined;
}

/**
 * Requests `url` and follows redirects (at most 20) like a browser, keeping cookies in `jar`.
 * Stops early at the first URL for which `stopAt` is true (without requesting it). `via` says where
 * to send the request for a URL (a stand-in for a reverse proxy); cookies and redirects stay with the URL.
 */
export async function browse(
  jar: CookieJar,
  url: string,
  init: { method?: string; form?: Record<string, string>; stopAt?: (url: URL) => boolean; via?: (url: URL) => URL } = {},
): Promise<{ response: Response; hops: Hop[]; stoppedAt?: URL }> {
  let current = new URL(url);
  let method = init.method ?? 'GET';
  let body: string | undefined = init.form ? new URLSearchParams(init.form).toString() : undefined;
  const hops: Hop[] = [];
  for (let i = 0; i < 20; i++) {
    const headers: Record<string, string> = { accept: 'text/html', 'accept-language': 'en' };
    const cookie = jar.header(current);
    if (cookie) headers.cookie = cookie;
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(init.via ? init.via(current) : current, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    jar.store(current, response.headers.getSetCookie());
    const location = response.headers.get('location') ?? undefined;
    hops.push({ url: current.href, status: response.status, location });
    if (response.status < 300 || response.status >= 400 || !location) return { response, hops };
    await response.arrayBuffer();
    const next = new URL(location, current);
    if (init.stopAt?.(next)) return { response, hops, stoppedAt: next };
    current = next;
    if (response.status !== 307 && response.status !== 308) {
      method = 'GET';
      body = undefined;
    }
  }
  throw new Error(`too many redirects from ${url}`);
}
