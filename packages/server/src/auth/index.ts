import { AuthConfig, LogoutResponse, Me, Problem, type ErrorCode } from '@plenum/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type Provider from 'oidc-provider';
import type { CustomFetch } from 'openid-client';
import { requireUser, sessionCookieOptions } from '../http/context.ts';
import { PlenumError } from '../http/errors.ts';
import type { Services } from '../services.ts';
import { ensureAdminAccount, prepareLoginTiming } from './accounts.ts';
import { identityFromClaims } from './claims.ts';
import { purgeExpiredOidcPayloads } from './embedded/adapter.ts';
import { registerInteractionRoutes } from './embedded/interactions.ts';
import {
  createEmbeddedProvider,
  EMBEDDED_ADMIN_ROLE,
  EMBEDDED_CLIENT_ID,
  EMBEDDED_ROLES_CLAIM,
  mountEmbeddedProvider,
  OIDC_MOUNT,
} from './embedded/provider.ts';
import { loadEmbeddedProviderSecrets } from './embedded/secrets.ts';
import { withoutQueryLogSerializers } from './log-serializers.ts';
import { LOGIN_LIMITS, LoginThrottle } from './login-throttle.ts';
import { LOGIN_CSS, LOGIN_CSS_PATH, messagePage, pickLanguage, t, type MessageKey } from './pages.ts';
import {
  decodeTransaction,
  encodeTransaction,
  LOGIN_TRANSACTION_TTL_SECONDS,
  LoginRejectedError,
  ProviderUnavailableError,
  RelyingParty,
  transactionCookieName,
} from './relying-party.ts';
import { safeReturnTo } from './return-to.ts';
import { SESSION_COOKIE } from './sessions.ts';

export interface AuthOptions {
  /** Public base URL, known only once the server listens (PORT=0 in tests). */
  publicUrl: () => string;
  /** True when served over TLS: cookies get the Secure flag. */
  secure: () => boolean;
}

/**
 * Users of the embedded provider are recorded under this issuer rather than its URL, so they keep
 * their identity (and rooms) when the operator changes PUBLIC_URL.
 */
export const EMBEDDED_USER_ISSUER = 'urn:plenum:embedded';

const CALLBACK_PATH = '/auth/callback';
const MAINTENANCE_INTERVAL_MS = 60 * 60_000;

/** Login, logout, the embedded OpenID Provider and the current-user endpoint. */
export async function registerAuth(app: FastifyInstance, services: Services, options: AuthOptions): Promise<void> {
  const { config, logger } = services;
  const db = services.storage.db;
  const embedded = !config.oidc.issuer;
  const redirectUri = () => `${options.publicUrl()}${CALLBACK_PATH}`;

  let rp: RelyingParty;
  if (embedded) {
    const secrets = await loadEmbeddedProviderSecrets(db);
    if (config.admin) await ensureAdminAccount(db, config.admin, logger);
    prepareLoginTiming().catch((err: unknown) => logger.error({ err }, 'could not prepare the login timing guard'));
    // Created on first use: the issuer contains the public URL, which exists only once the server listens.
    let provider: Provider | undefined;
    const embeddedProvider = () =>
      (provider ??= createEmbeddedProvider({
        db,
        secrets,
        publicUrl: options.publicUrl(),
        sessionTtlSeconds: config.sessionTtlHours * 3600,
        logger: logger.child({ component: 'oidc-provider' }),
      }));
    await mountEmbeddedProvider(app, embeddedProvider, options.publicUrl);
    registerInteractionRoutes(app, embeddedProvider, db, new LoginThrottle(LOGIN_LIMITS, () => services.now().getTime()));
    rp = new RelyingParty({
      issuer: () => `${options.publicUrl()}${OIDC_MOUNT}`,
      clientId: EMBEDDED_CLIENT_ID,
      clientSecret: secrets.clientSecret,
      scopes: 'openid profile email',
      redirectUri,
      fetch: injectedFetch(app),
    });
  } else {
    if (config.admin) logger.warn('ADMIN_USERNAME is ignored: with OIDC_ISSUER set, accounts live at the external provider');
    rp = new RelyingParty({
      issuer: () => config.oidc.issuer!,
      clientId: config.oidc.clientId!,
      clientSecret: config.oidc.clientSecret,
      scopes: config.oidc.scopes,
      redirectUri,
    });
  }
  const roleMapping = embedded ? { rolesClaim: EMBEDDED_ROLES_CLAIM, adminRole: EMBEDDED_ADMIN_ROLE } : config.oidc;

  const maintenance = setInterval(() => {
    const now = services.now();
    Promise.all([services.sessions.purgeExpired(), embedded ? purgeExpiredOidcPayloads(db, now) : 0]).catch((err: unknown) =>
      logger.warn({ err }, 'could not purge expired sessions'),
    );
  }, MAINTENANCE_INTERVAL_MS);
  maintenance.unref();
  app.addHook('onClose', async () => clearInterval(maintenance));

  const typed = app.withTypeProvider<ZodTypeProvider>();

  typed.get(
    '/v1/me',
    { schema: { tags: ['session'], summary: 'The logged-in user and the CSRF token', security: [{ session: [] }], response: { 200: Me } } },
    async (request) => {
      const { user, csrfToken } = await requireUser(request, services.sessions);
      return { id: user.id, display_name: user.display_name, email: user.email, role: user.role, csrf_token: csrfToken };
    },
  );

  typed.get(
    '/v1/auth/config',
    { schema: { tags: ['session'], summary: 'How to log in: the login URL and the identity provider', response: { 200: AuthConfig } } },
    async () => ({ login_url: '/auth/login', issuer: rp.issuer(), embedded_issuer: embedded }),
  );

  app.get(
    '/auth/login',
    {
      schema: {
        tags: ['session'],
        summary: 'Starts a login at the identity provider (302); ?return_to=/path says where to land afterwards',
        response: { 502: Problem },
      },
    },
    async (request, reply) => {
      const query = request.query as Record<string, unknown>;
      let started: Awaited<ReturnType<RelyingParty['startLogin']>>;
      try {
        started = await rp.startLogin(safeReturnTo(query.return_to));
      } catch (err) {
        if (!(err instanceof ProviderUnavailableError)) throw err;
        request.log.error({ err: err.cause }, 'the OpenID Provider is not reachable');
        return loginFailed(request, reply, 'PLENUM_ERR_IDP_UNAVAILABLE', 'providerUnavailable');
      }
      const { url, transaction } = started;
      void reply.setCookie(transactionCookieName(transaction.state)!, encodeTransaction(transaction), {
        path: CALLBACK_PATH,
        httpOnly: true,
        sameSite: 'lax',
        secure: options.secure(),
        maxAge: LOGIN_TRANSACTION_TTL_SECONDS,
      });
      return reply.header('Cache-Control', 'no-store').redirect(url.href, 302);
    },
  );

  app.get(
    CALLBACK_PATH,
    {
      schema: { tags: ['session'], summary: 'Where the identity provider sends the browser back; sets the session cookie', response: { 400: Problem, 502: Problem } },
      logSerializers: withoutQueryLogSerializers,
    },
    async (request, reply) => {
      const query = request.query as Record<string, unknown>;
      const cookieName = typeof query.state === 'string' ? transactionCookieName(query.state) : undefined;
      const transaction = cookieName ? decodeTransaction(request.cookies[cookieName]) : undefined;
      // Single use: whatever happens next, this login attempt is spent.
      if (cookieName && request.cookies[cookieName] !== undefined) {
        void reply.clearCookie(cookieName, { path: CALLBACK_PATH, httpOnly: true, sameSite: 'lax', secure: options.secure() });
      }
      if (!transaction || transaction.state !== query.state) {
        request.log.info('login callback without a matching login transaction (state)');
        return loginFailed(request, reply, 'PLENUM_ERR_LOGIN_FAILED', 'loginExpired');
      }
      let result: Awaited<ReturnType<RelyingParty['finishLogin']>>;
      try {
        result = await rp.finishLogin(request.url.split('?')[1] ?? '', transaction);
      } catch (err) {
        if (err instanceof LoginRejectedError) {
          request.log.info({ reason: err.reason, detail: err.message }, 'login refused');
          return loginFailed(request, reply, 'PLENUM_ERR_LOGIN_FAILED', err.reason === 'denied' ? 'loginDenied' : 'loginInvalid');
        }
        if (err instanceof ProviderUnavailableError) {
          request.log.error({ err: err.cause }, 'the OpenID Provider is not reachable');
          return loginFailed(request, reply, 'PLENUM_ERR_IDP_UNAVAILABLE', 'providerUnavailable');
        }
        throw err;
      }
      let identity;
      try {
        identity = identityFromClaims(embedded ? EMBEDDED_USER_ISSUER : result.issuer, result.claims, roleMapping);
      } catch (err) {
        request.log.info({ err }, 'login refused: unusable claims');
        return loginFailed(request, reply, 'PLENUM_ERR_LOGIN_FAILED', 'loginInvalid');
      }
      const user = await services.users.upsertFromLogin(identity, services.now());
      const previous = request.cookies[SESSION_COOKIE];
      if (previous) await services.sessions.destroy(previous);
      const { token, expiresAt } = await services.sessions.create(user.id, result.idToken);
      request.log.info({ userId: user.id, role: user.role }, 'login');
      void reply.setCookie(SESSION_COOKIE, token, sessionCookieOptions(options.secure(), expiresAt));
      return reply.header('Cache-Control', 'no-store').redirect(safeReturnTo(transaction.returnTo), 302);
    },
  );

  typed.post(
    '/auth/logout',
    {
      schema: {
        tags: ['session'],
        summary: "Ends the session; the answer says where to send the browser to end the provider's session too",
        security: [{ session: [], csrf: [] }],
        response: { 200: LogoutResponse },
      },
    },
    async (request, reply) => {
      const session = await requireUser(request, services.sessions);
      await services.sessions.destroy(request.cookies[SESSION_COOKIE]!);
      void reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(options.secure()));
      request.log.info({ userId: session.user.id }, 'logout');
      let redirectUrl: string | undefined;
      try {
        redirectUrl = await rp.endSessionUrl(session.idToken, `${options.publicUrl()}/`);
      } catch (err) {
        // The Plenum session is gone either way; only the provider's single sign-on stays.
        request.log.warn({ err }, 'could not build the provider logout URL');
      }
      return { redirect_url: redirectUrl ?? '/' };
    },
  );

  app.get(LOGIN_CSS_PATH, { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('Cache-Control', 'public, max-age=3600').send(LOGIN_CSS),
  );
}

/** A failed login: a readable page for browsers, problem+json for API clients. */
function loginFailed(request: FastifyRequest, reply: FastifyReply, code: ErrorCode, message: MessageKey): FastifyReply {
  if (!(request.headers.accept ?? '').includes('text/html')) throw new PlenumError(code, t('en', message));
  const lang = pickLanguage(request.headers['accept-language']);
  const status = code === 'PLENUM_ERR_IDP_UNAVAILABLE' ? 502 : 400;
  return reply
    .status(status)
    .header('Cache-Control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(messagePage(lang, { title: 'loginFailedTitle', heading: 'loginFailedHeading', text: t(lang, message), link: { href: '/auth/login', label: 'tryAgain' } }));
}

/**
 * The relying party reaches the embedded provider through Fastify's inject(): no network hop, and it
 * works whatever sits in front of PUBLIC_URL (TLS proxy, split DNS). An injected request has no
 * protocol of its own; the provider sees it, like every request, as coming through PUBLIC_URL
 * (presentAsPublic in embedded/provider.ts), so an https PUBLIC_URL gets https endpoints.
 */
function injectedFetch(app: FastifyInstance): CustomFetch {
  return async (url, init) => {
    const target = new URL(url);
    const body = init.body;
    const payload =
      body === undefined || body === null
        ? undefined
        : typeof body === 'string'
          ? body
          : body instanceof URLSearchParams
            ? body.toString()
            : body instanceof ArrayBuffer || body instanceof Uint8Array
              ? Buffer.from(body as Uint8Array)
              : undefined;
    if (payload === undefined && body !== undefined && body !== null) throw new TypeError('streamed request bodies are not supported');
    const res = await app.inject({
      method: init.method as 'GET' | 'POST',
      url: `${target.pathname}${target.search}`,
      headers: { ...init.headers, host: target.host },
      ...(payload !== undefined ? { payload } : {}),
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) headers.append(name, String(v));
    }
    const noBody = [101, 204, 205, 304].includes(res.statusCode);
    return new Response(noBody ? null : new Uint8Array(res.rawPayload), { status: res.statusCode, headers });
  };
}
