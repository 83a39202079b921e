import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import type Provider from 'oidc-provider';
import { errors as oidcErrors, type InteractionResults } from 'oidc-provider';
import { z } from 'zod';
import type { Db } from '../../storage/database.ts';
import { verifyLocalLogin } from '../accounts.ts';
import { retryAfterSeconds } from '../attempt-throttle.ts';
import { LoginThrottle } from '../login-throttle.ts';
import { loginPage, messagePage, pickLanguage, t, type Lang } from '../pages.ts';
import { EMBEDDED_CLIENT_ID, OIDC_MOUNT } from './provider.ts';

const Uid = z.object({ uid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });
const LoginForm = z.object({ username: z.string().max(200).default(''), password: z.string().max(1024).default('') });

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

/**
 * The embedded provider's interaction pages (login, automatic consent), served by Plenum under
 * /oidc/interaction/:uid. The interaction is bound to the browser by oidc-provider's signed,
 * SameSite cookie, so a cross-site form post finds no interaction and changes nothing.
 */
export function registerInteractionRoutes(app: FastifyInstance, provider: () => Provider, db: Db, throttle = new LoginThrottle()): void {
  const base = `${OIDC_MOUNT}/interaction/:uid`;

  app.get(base, { schema: { hide: true } }, async (request, reply) => {
    const found = await interactionFor(provider(), request, reply);
    if (!found) return;
    const { interaction, lang, uid } = found;
    if (interaction.prompt.name === 'login') {
      return sendHtml(reply, 200, loginPage({ lang, action: `${OIDC_MOUNT}/interaction/${uid}/login`, abortAction: `${OIDC_MOUNT}/interaction/${uid}/abort` }));
    }
    if (interaction.prompt.name === 'consent') {
      return finish(provider(), request, reply, await autoConsent(provider(), interaction));
    }
    return finish(provider(), request, reply, { error: 'access_denied', error_description: `unsupported prompt ${interaction.prompt.name}` });
  });

  app.post(`${base}/login`, { schema: { hide: true } }, async (request, reply) => {
    const found = await interactionFor(provider(), request, reply);
    if (!found) return;
    const { interaction, lang, uid } = found;
    if (interaction.prompt.name !== 'login') return reply.redirect(`${OIDC_MOUNT}/interaction/${uid}`, 303);
    const form = LoginForm.safeParse(request.body ?? {});
    const username = form.success ? form.data.username.trim() : '';
    const password = form.success ? form.data.password : '';
    const page = (error: 'wrongCredentials' | 'missingCredentials' | 'tooManyAttempts') =>
      loginPage({ lang, action: `${OIDC_MOUNT}/interaction/${uid}/login`, abortAction: `${OIDC_MOUNT}/interaction/${uid}/abort`, username, error });
    if (!username || !password) return sendHtml(reply, 400, page('missingCredentials'));
    // request.ip: the peer, or the client named by X-Forwarded-For when the peer is a trusted proxy (TRUSTED_PROXIES).
    const attempt = throttle.begin(request.ip, username);
    if (attempt.retryAfterMs > 0) {
      request.log.warn({ interaction: uid, retryAfterMs: attempt.retryAfterMs }, 'embedded provider: login throttled after repeated failures');
      reply.header('Retry-After', String(retryAfterSeconds(attempt.retryAfterMs)));
      return sendHtml(reply, 429, page('tooManyAttempts'));
    }
    let account: Awaited<ReturnType<typeof verifyLocalLogin>>;
    try {
      // Many failures on this name from elsewhere slow the answer down a little, but never refuse it.
      const delayMs = throttle.delayMs(username);
      if (delayMs > 0) await sleep(delayMs);
      account = await verifyLocalLogin(db, username, password);
    } catch (err) {
      attempt.settle('aborted');
      throw err;
    }
    attempt.settle(account ? 'success' : 'failure');
    if (!account) {
      request.log.info({ interaction: uid }, 'embedded provider: login refused');
      // One message for unknown users and wrong passwords: the page must not reveal who has an account.
      return sendHtml(reply, 401, page('wrongCredentials'));
    }
    return finish(provider(), request, reply, { login: { accountId: account.id } });
  });

  app.post(`${base}/abort`, { schema: { hide: true } }, async (request, reply) => {
    const found = await interactionFor(provider(), request, reply);
    if (!found) return;
    return finish(provider(), request, reply, { error: 'access_denied', error_description: 'The user cancelled the sign-in' });
  });
}

/** The pending interaction of this browser for the uid in the path, or an explanatory page (and undefined). */
async function interactionFor(
  provider: Provider,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<{ interaction: Interaction; lang: Lang; uid: string } | undefined> {
  const acceptLanguage = request.headers['accept-language'];
  const params = Uid.safeParse(request.params);
  let interaction: Interaction | undefined;
  try {
    interaction = params.success ? await provider.interactionDetails(request.raw, reply.raw) : undefined;
  } catch (err) {
    if (!(err instanceof oidcErrors.SessionNotFound)) throw err;
  }
  if (!interaction || !params.success || interaction.uid !== params.data.uid) {
    const lang = pickLanguage(acceptLanguage);
    sendHtml(reply, 400, messagePage(lang, { title: 'errorTitle', heading: 'errorHeading', text: t(lang, 'interactionExpired'), link: { href: '/auth/login', label: 'tryAgain' } }));
    return undefined;
  }
  const uiLocales = interaction.params.ui_locales;
  return { interaction, lang: pickLanguage(acceptLanguage, typeof uiLocales === 'string' ? uiLocales : undefined), uid: interaction.uid };
}

/**
 * Consent is granted without asking: the embedded provider has exactly one client, Plenum's own web
 * app, run by the same operator who holds the accounts. Asking people to let Plenum see their Plenum
 * profile would be a meaningless click (and external providers still show their own consent).
 */
async function autoConsent(provider: Provider, interaction: Interaction): Promise<InteractionResults> {
  const { prompt, params, session, grantId } = interaction;
  if (params.client_id !== EMBEDDED_CLIENT_ID || !session) {
    return { error: 'access_denied', error_description: 'consent is only granted automatically to Plenum itself' };
  }
  const grant = (grantId ? await provider.Grant.find(grantId) : undefined) ?? new provider.Grant({ accountId: session.accountId, clientId: EMBEDDED_CLIENT_ID });
  const details = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
  const savedGrantId = await grant.save();
  return { consent: grantId === savedGrantId ? {} : { grantId: savedGrantId } };
}

async function finish(provider: Provider, request: FastifyRequest, reply: FastifyReply, result: InteractionResults): Promise<FastifyReply> {
  const returnTo = await provider.interactionResult(request.raw, reply.raw, result, { mergeWithLastSubmission: true });
  return reply.header('Cache-Control', 'no-store').redirect(returnTo, 303);
}

function sendHtml(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.status(status).header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(html);
}
