import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.ts';
import { logRedactPaths, startPlenum } from '../../server.ts';
import { openTestStorage } from '../../storage/testing.ts';
import { startTestServer, type TestServer } from '../../testing/server.ts';
import { createLocalAccount } from '../accounts.ts';
import { browse, CookieJar } from '../testing.ts';

/** The embedded OpenID Provider through Plenum's real HTTP server, driven like a browser without JavaScript. */
describe('embedded OpenID Provider (no OIDC_ISSUER)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { ADMIN_USERNAME: 'Root', ADMIN_PASSWORD: 'root-password-1' } });
    await createLocalAccount(server.services.storage.db, { username: 'alice', displayName: 'Alice Example', password: 'alice-password-1', email: 'alice@example.org' });
  });
  afterAll(async () => {
    await server?.close();
  });

  const isInteraction = (u: URL) => u.pathname.startsWith('/oidc/interaction/');

  async function openLoginForm(jar: CookieJar, returnTo = '/') {
    const start = await browse(jar, `${server.url}/auth/login?return_to=${encodeURIComponent(returnTo)}`, { stopAt: isInteraction });
    expect(start.stoppedAt, JSON.stringify(start.hops)).toBeDefined();
    const page = await browse(jar, start.stoppedAt!.href);
    expect(page.response.status).toBe(200);
    return { loginUrl: start.stoppedAt!, html: await page.response.text(), response: page.response };
  }

  it('publishes its configuration and discovery document under /oidc', async () => {
    const config = await (await fetch(`${server.url}/v1/auth/config`)).json();
    expect(config).toEqual({ login_url: '/auth/login', issuer: `${server.url}/oidc`, embedded_issuer: true });
    const discovery = await (await fetch(`${server.url}/oidc/.well-known/openid-configuration`)).json();
    expect(discovery.issuer).toBe(`${server.url}/oidc`);
    expect(discovery.authorization_endpoint).toBe(`${server.url}/oidc/auth`);
    expect(discovery.code_challenge_methods_supported).toEqual(['S256']);
    const jwks = await (await fetch(discovery.jwks_uri)).json();
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256' });
    expect(jwks.keys[0].d).toBeUndefined();
  });

  it('serves a login form with labelled inputs, a linked stylesheet and no inline script or style', async () => {
    const { html, response } = await openLoginForm(new CookieJar());
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(html).toMatch(/<label for="username">Username<\/label>/);
    expect(html).toMatch(/<label for="password">Password<\/label>/);
    expect(html).toContain('<link rel="stylesheet" href="/auth/assets/login.css">');
    expect(html).not.toMatch(/<script|<style|\sstyle=|\son[a-z]+=/i);
    const css = await fetch(`${server.url}/auth/assets/login.css`);
    expect(css.headers.get('content-type')).toContain('text/css');
  });

  it('speaks German when the browser prefers it', async () => {
    const jar = new CookieJar();
    const start = await browse(jar, `${server.url}/auth/login`, { stopAt: isInteraction });
    const res = await fetch(start.stoppedAt!, { headers: { cookie: jar.header(start.stoppedAt!), 'accept-language': 'de-DE,de;q=0.9,en;q=0.5' } });
    const html = await res.text();
    expect(html).toContain('<html lang="de">');
    expect(html).toContain('<label for="password">Passwort</label>');
  });

  it('refuses a wrong password and an unknown user with the same message, then logs in and lands on return_to', async () => {
    const jar = new CookieJar();
    const { loginUrl } = await openLoginForm(jar, '/rooms/42?tab=invites');
    const action = `${loginUrl.href}/login`;
    const wrong = await browse(jar, action, { method: 'POST', form: { username: 'alice', password: 'not-her-password' } });
    expect(wrong.response.status).toBe(401);
    const wrongHtml = await wrong.response.text();
    expect(wrongHtml).toContain('The username or password is wrong.');
    expect(wrongHtml).toContain('value="alice"');
    const unknown = await browse(jar, action, { method: 'POST', form: { username: 'mallory', password: 'whatever-password' } });
    expect(unknown.response.status).toBe(401);
    expect(await unknown.response.text()).toContain('The username or password is wrong.');

    const ok = await browse(jar, action, { method: 'POST', form: { username: 'Alice', password: 'alice-password-1' }, stopAt: (u) => u.pathname.startsWith('/rooms/') });
    expect(ok.stoppedAt?.href, JSON.stringify(ok.hops)).toBe(`${server.url}/rooms/42?tab=invites`);
    const session = jar.get(new URL(server.url), 'plenum_session');
    expect(session?.httpOnly).toBe(true);
    const me = await fetch(`${server.url}/v1/me`, { headers: { cookie: `plenum_session=${session!.value}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ display_name: 'Alice Example', email: 'alice@example.org', role: 'user' });
  });

  it('creates the ADMIN_USERNAME account at start and maps it to the admin role', async () => {
    const jar = new CookieJar();
    const { loginUrl } = await openLoginForm(jar);
    const ok = await browse(jar, `${loginUrl.href}/login`, { method: 'POST', form: { username: 'root', password: 'root-password-1' }, stopAt: (u) => u.pathname === '/' });
    expect(ok.stoppedAt?.pathname, JSON.stringify(ok.hops)).toBe('/');
    const session = jar.get(new URL(server.url), 'plenum_session')!;
    const me = await (await fetch(`${server.url}/v1/me`, { headers: { cookie: `plenum_session=${session.value}` } })).json();
    expect(me).toMatchObject({ display_name: 'Root', role: 'admin' });
  });

  it('cancelling the login form ends at a readable refusal, not a crash', async () => {
    const jar = new CookieJar();
    const { loginUrl } = await openLoginForm(jar);
    const cancelled = await browse(jar, `${loginUrl.href}/abort`, { method: 'POST' });
    expect(cancelled.hops.at(-1)?.url).toContain('/auth/callback');
    expect(cancelled.response.status).toBe(400);
    expect(await cancelled.response.text()).toContain('The sign-in was cancelled or refused.');
  });

  it('stops checking passwords after repeated failures for one username', async () => {
    await createLocalAccount(server.services.storage.db, { username: 'target', displayName: 'Target', password: 'target-password-1' });
    const jar = new CookieJar();
    const { loginUrl } = await openLoginForm(jar);
    const attempt = (password: string) => browse(jar, `${loginUrl.href}/login`, { method: 'POST', form: { username: 'target', password } });
    for (let i = 0; i < 5; i++) expect((await attempt(`guess-number-${i}`)).response.status).toBe(401);
    const blocked = await attempt('target-password-1');
    expect(blocked.response.status).toBe(429);
    expect(Number(blocked.response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await blocked.response.text()).toContain('Too many failed sign-in attempts.');
  });

  it('a stale or foreign interaction page explains itself', async () => {
    const res = await fetch(`${server.url}/oidc/interaction/doesnotexist`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('This sign-in page has expired');
  });

  it('logout ends the Plenum session and, after confirmation, the provider session', async () => {
    const jar = new CookieJar();
    const { loginUrl } = await openLoginForm(jar);
    await browse(jar, `${loginUrl.href}/login`, { method: 'POST', form: { username: 'alice', password: 'alice-password-1' }, stopAt: (u) => u.pathname === '/' });
    const cookie = `plenum_session=${jar.get(new URL(server.url), 'plenum_session')!.value}`;
    const me = await (await fetch(`${server.url}/v1/me`, { headers: { cookie } })).json();

    const out = await fetch(`${server.url}/auth/logout`, { method: 'POST', headers: { cookie, 'x-csrf-token': me.csrf_token } });
    expect(out.status).toBe(200);
    const { redirect_url } = await out.json();
    const endSession = new URL(redirect_url);
    expect(endSession.origin + endSession.pathname).toBe(`${server.url}/oidc/session/end`);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${server.url}/`);
    expect(endSession.searchParams.get('id_token_hint')).toBeTruthy();
    expect((await fetch(`${server.url}/v1/me`, { headers: { cookie } })).status).toBe(401);

    const confirm = await browse(jar, redirect_url);
    expect(confirm.response.status).toBe(200);
    // Served by oidc-provider behind Fastify: Plenum's CSP applies there too.
    expect(confirm.response.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await confirm.response.text();
    expect(html).not.toMatch(/<script|<style/i);
    const action = /<form id="op.logoutForm" method="post" action="([^"]+)">/.exec(html)?.[1];
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
    expect(action && xsrf).toBeTruthy();
    const done = await browse(jar, action!, { method: 'POST', form: { xsrf: xsrf!, logout: 'yes' }, stopAt: (u) => u.href === `${server.url}/` });
    expect(done.stoppedAt?.href, JSON.stringify(done.hops)).toBe(`${server.url}/`);

    // The provider forgot the login too: the next login asks for the password again.
    const again = await browse(jar, `${server.url}/auth/login`, { stopAt: isInteraction });
    expect(again.stoppedAt).toBeDefined();
    const page = await browse(jar, again.stoppedAt!.href);
    expect(await page.response.text()).toContain('<label for="password">');
  });
});

describe('embedded login on PostgreSQL, with the logs read back', () => {
  it('logs in and out on the real database and never logs the code, the ID token or the password', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const storage = await openTestStorage('postgres');
    const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', MEDIA: 'off', DATA_DIR: '/nonexistent-not-used' });
    const plenum = await startPlenum(config, { storage, webDist: null, logger: pino({ level: 'info', redact: logRedactPaths }, sink) });
    try {
      await createLocalAccount(storage.db, { username: 'pg-user', displayName: 'PG User', password: 'pg-password-12' });
      const jar = new CookieJar();
      const start = await browse(jar, `${plenum.url}/auth/login`, { stopAt: (u) => u.pathname.startsWith('/oidc/interaction/') });
      const done = await browse(jar, `${start.stoppedAt!.href}/login`, {
        method: 'POST',
        form: { username: 'pg-user', password: 'pg-password-12' },
        stopAt: (u) => u.href === `${plenum.url}/`,
      });
      expect(done.stoppedAt, JSON.stringify(done.hops)).toBeDefined();
      const code = done.hops.map((h) => h.location ?? '').find((l) => l.includes('/auth/callback?'))!;
      const authCode = new URL(code).searchParams.get('code')!;
      const cookie = `plenum_session=${jar.get(new URL(plenum.url), 'plenum_session')!.value}`;
      const me = await (await fetch(`${plenum.url}/v1/me`, { headers: { cookie } })).json();
      expect(me.display_name).toBe('PG User');
      const out = await (await fetch(`${plenum.url}/auth/logout`, { method: 'POST', headers: { cookie, 'x-csrf-token': me.csrf_token } })).json();
      await browse(jar, out.redirect_url);
      const idToken = new URL(out.redirect_url).searchParams.get('id_token_hint')!;

      const log = lines.join('');
      expect(log).toContain('/auth/callback');
      expect(log).toContain('/oidc/session/end');
      expect(log).not.toContain(authCode);
      expect(log).not.toContain(idToken.split('.')[1]!.slice(0, 40));
      expect(log).not.toContain('pg-password-12');
      expect(log).not.toContain(cookie.split('=')[1]);

      // The provider's state lives in the database, and a restart (or another node) uses the same keys.
      const kinds = await storage.db.selectFrom('oidc_payloads').select('kind').distinct().execute();
      expect(kinds.map((k) => k.kind)).toEqual(expect.arrayContaining(['Grant', 'AuthorizationCode', 'AccessToken']));
      const jwksOf = async (url: string) => (await (await fetch(`${url}/oidc/jwks`)).json()).keys;
      const before = await jwksOf(plenum.url);
      await plenum.close();
      const restarted = await startPlenum(config, { storage, webDist: null, logger: pino({ level: 'silent' }) });
      try {
        expect(await jwksOf(restarted.url)).toEqual(before);
      } finally {
        await restarted.close();
      }
    } finally {
      await plenum.close();
      await storage.close();
    }
  });
});
