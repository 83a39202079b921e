import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import Provider, { type Account, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';
import type { Db } from '../../storage/database.ts';
import { findLocalAccount } from '../accounts.ts';
import { withoutQueryLogSerializers } from '../log-serializers.ts';
import { logoutPage, messagePage, pickLanguage, t } from '../pages.ts';
import { KyselyOidcAdapter } from './adapter.ts';
import type { EmbeddedProviderSecrets } from './secrets.ts';

/** Where the embedded provider lives inside Plenum's origin; its issuer is `${publicUrl}${OIDC_MOUNT}`. */
export const OIDC_MOUNT = '/oidc';
export const EMBEDDED_CLIENT_ID = 'plenum-web';
/** Claim and value the embedded provider uses for admins; the relying party maps them like any provider's. */
export const EMBEDDED_ROLES_CLAIM = 'roles';
export const EMBEDDED_ADMIN_ROLE = 'plenum-admin';

export interface EmbeddedProviderOptions {
  db: Db;
  secrets: EmbeddedProviderSecrets;
  /** Plenum's public base URL (no trailing slash). */
  publicUrl: string;
  /** Lifetime of the provider's own login session and grants; matches Plenum's session lifetime. */
  sessionTtlSeconds: number;
  logger: Logger;
}

function langOf(ctx: KoaContextWithOIDC): ReturnType<typeof pickLanguage> {
  const uiLocales = ctx.oidc?.params?.ui_locales;
  return pickLanguage(ctx.get('accept-language'), typeof uiLocales === 'string' ? uiLocales : undefined);
}

/** The embedded OpenID Provider (oidc-provider) with local accounts, for deployments without Keycloak & co. */
export function createEmbeddedProvider(opts: EmbeddedProviderOptions): Provider {
  const { db, secrets, publicUrl, logger } = opts;
  const issuer = `${publicUrl}${OIDC_MOUNT}`;
  const configuration: Configuration = {
    adapter: (name: string) => new KyselyOidcAdapter(db, name),
    clients: [
      {
        client_id: EMBEDDED_CLIENT_ID,
        client_secret: secrets.clientSecret,
        client_name: 'Plenum',
        redirect_uris: [`${publicUrl}/auth/callback`],
        post_logout_redirect_uris: [`${publicUrl}/`],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: secrets.jwks as Configuration['jwks'],
    cookies: {
      keys: secrets.cookieKeys,
      names: { session: 'plenum_op_session', interaction: 'plenum_op_interaction', resume: 'plenum_op_resume' },
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    async findAccount(_ctx, sub): Promise<Account | undefined> {
      const account = await findLocalAccount(db, sub);
      if (!account) return undefined;
      return {
        accountId: account.id,
        claims: () => ({
          sub: account.id,
          name: account.display_name,
          preferred_username: account.username,
          ...(account.email ? { email: account.email } : {}),
          [EMBEDDED_ROLES_CLAIM]: account.is_admin ? [EMBEDDED_ADMIN_ROLE] : [],
        }),
      };
    },
    claims: { openid: ['sub'], profile: ['name', 'preferred_username', EMBEDDED_ROLES_CLAIM], email: ['email'] },
    // Our only client reads the ID token; having every granted claim in it saves a userinfo round trip.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    responseTypes: ['code'],
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.type = 'html';
          ctx.body = logoutPage(langOf(ctx), form);
        },
        async postLogoutSuccessSource(ctx) {
          const lang = langOf(ctx);
          ctx.type = 'html';
          ctx.body = messagePage(lang, {
            title: 'logoutTitle',
            heading: 'loggedOutHeading',
            text: t(lang, 'loggedOutText'),
            link: { href: '/', label: 'backToStart' },
          });
        },
      },
    },
    interactions: { url: (_ctx, interaction) => `${OIDC_MOUNT}/interaction/${interaction.uid}` },
    async renderError(ctx, out, error) {
      // Expected protocol errors (bad parameters, expired interaction) are shown, not logged as failures.
      if (!('expose' in error && error.expose)) logger.warn({ err: error }, 'embedded OpenID Provider error');
      const lang = langOf(ctx);
      ctx.type = 'html';
      ctx.body = messagePage(lang, {
        title: 'errorTitle',
        heading: 'errorHeading',
        text: out.error_description ?? out.error,
        link: { href: '/auth/login', label: 'tryAgain' },
      });
    },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: 600,
      Interaction: 3600,
      Session: opts.sessionTtlSeconds,
      Grant: opts.sessionTtlSeconds,
      ClientCredentials: 600,
      DeviceCode: 600,
      BackchannelAuthenticationRequest: 600,
      RefreshToken: opts.sessionTtlSeconds,
    },
  };
  const provider = new Provider(issuer, configuration);
  // oidc-provider builds its endpoint URLs (discovery, the redirect back from the login form) and the
  // Secure flag of its cookies from the request's protocol and host. It reads them from X-Forwarded-*,
  // but only ever ones Plenum wrote itself: every request that reaches it passed presentAsPublic().
  provider.proxy = true;
  provider.on('server_error', (_ctx: unknown, err: unknown) => logger.error({ err }, 'embedded OpenID Provider failed'));
  return provider;
}

/**
 * Presents a request to oidc-provider as having come through PUBLIC_URL, whatever it came through:
 * a TLS proxy (with or without TRUST_PROXY), a direct connection, or the relying party's in-process
 * inject() — which has no protocol of its own, so an https PUBLIC_URL got http:// endpoints in the
 * discovery document and the login failed. The issuer, the client's redirect URIs and Plenum's own
 * cookies are already bound to PUBLIC_URL; this binds the provider's endpoints and cookies to it too.
 * Whatever X-Forwarded-* the client sent is overwritten: it cannot point the provider elsewhere. The
 * client address is the one Fastify determined (which honours TRUST_PROXY).
 */
export function presentAsPublic(raw: IncomingMessage, publicUrl: URL, clientIp: string): void {
  raw.headers['x-forwarded-proto'] = publicUrl.protocol.slice(0, -1);
  raw.headers['x-forwarded-host'] = publicUrl.host;
  raw.headers['x-forwarded-for'] = clientIp;
}

/** The routes through which requests reach oidc-provider: the mount and the interaction pages. */
function reachesProvider(routeUrl: string | undefined): boolean {
  return routeUrl !== undefined && (routeUrl === OIDC_MOUNT || routeUrl.startsWith(`${OIDC_MOUNT}/`));
}

/**
 * Mounts the provider at OIDC_MOUNT inside Plenum's Fastify app. oidc-provider is a Koa app that reads
 * its own request bodies, so this scope parses none, and the handler hands the raw request over with
 * `originalUrl` kept and `url` relative to the mount: that is how oidc-provider derives its mount path.
 */
export async function mountEmbeddedProvider(app: FastifyInstance, provider: () => Provider, publicUrl: () => string): Promise<void> {
  // On the root instance, keyed on the matched route (not the raw path, which may be percent-encoded):
  // covers the mount below and the interaction routes, which hand the raw request to the provider too.
  app.addHook('onRequest', async (request) => {
    if (reachesProvider(request.routeOptions.url)) presentAsPublic(request.raw, new URL(publicUrl()), request.ip);
  });
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    const handler = async (request: { raw: IncomingMessage }, reply: { hijack(): void; raw: ServerResponse }) => {
      const callback = provider().callback();
      reply.hijack();
      const raw = request.raw as IncomingMessage & { originalUrl?: string };
      const url = raw.url ?? OIDC_MOUNT;
      raw.originalUrl = url;
      const relative = url.slice(OIDC_MOUNT.length);
      raw.url = relative.startsWith('/') ? relative : `/${relative}`;
      await callback(raw, reply.raw);
    };
    for (const url of [OIDC_MOUNT, `${OIDC_MOUNT}/*`]) {
      scope.route({ method: ['GET', 'POST', 'OPTIONS'], url, schema: { hide: true }, logSerializers: withoutQueryLogSerializers, handler });
    }
  });
}
