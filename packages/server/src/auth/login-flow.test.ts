import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { browse, CookieJar, startTestIdp, type TestIdp } from './testing.ts';

/** Plenum as relying party of an external provider, through the real HTTP server. */
describe('login with an external OpenID Provider', () => {
  let idp: TestIdp;
  let server: TestServer;

  beforeAll(async () => {
    idp = await startTestIdp({ mode: 'scripted' });
    server = await startTestServer({ env: { OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: idp.clientId, OIDC_CLIENT_SECRET: idp.clientSecret } });
    idp.connect(server.url);
  });
  afterAll(async () => {
    await server?.close();
    await idp?.close();
  });
  afterEach(() => {
    idp.nextLogin = undefined;
  });

  const atPlenum = (u: URL) => u.origin === server.url && !u.pathname.startsWith('/auth/');

  /** Runs the whole redirect dance; returns where Plenum sent the browser and the session cookie. */
  async function login(accountId: string, returnTo?: string) {
    idp.nextLogin = { accountId };
    const jar = new CookieJar();
    const query = returnTo === undefined ? '' : `?return_to=${encodeURIComponent(returnTo)}`;
    const result = await browse(jar, `${server.url}/auth/login${query}`, { stopAt: atPlenum });
    const session = jar.get(new URL(server.url), 'plenum_session');
    return { landedAt: result.stoppedAt, hops: result.hops, session, jar, response: result.response };
  }

  async function me(session: string | undefined) {
    const res = await fetch(`${server.url}/v1/me`, { headers: session ? { cookie: `plenum_session=${session}` } : {} });
    return { status: res.status, body: await res.json() };
  }

  it('redirects to the provider with PKCE S256, state and nonce, and keeps the attempt in an HttpOnly cookie', async () => {
    const res = await fetch(`${server.url}/auth/login?return_to=/rooms/1`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const target = new URL(res.headers.get('location')!);
    expect(target.origin).toBe(idp.issuer);
    const p = target.searchParams;
    expect(p.get('response_type')).toBe('code');
    expect(p.get('client_id')).toBe(idp.clientId);
    expect(p.get('redirect_uri')).toBe(`${server.url}/auth/callback`);
    expect(p.get('scope')).toBe('openid profile email');
    expect(p.get('code_challenge_method')).toBe('S256');
    expect(p.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(p.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(p.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`plenum_login_${p.get('state')}=`));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Path=\/auth\/callback/);
    expect(cookie).toMatch(/Max-Age=600/);
    expect(cookie).toMatch(/SameSite=Lax/i);
    // Two logins get two independent attempts.
    const second = await fetch(`${server.url}/auth/login`, { redirect: 'manual' });
    expect(new URL(second.headers.get('location')!).searchParams.get('state')).not.toBe(p.get('state'));
  });

  it('logs in, maps name, e-mail and the admin role from the claims, and lands on return_to', async () => {
    idp.accounts.set('alice', { name: 'Alice Admin', email: 'alice@example.org', roles: ['plenum-admin', 'other'] });
    const { landedAt, session, hops } = await login('alice', '/rooms/abc?x=1#top');
    expect(landedAt?.href, JSON.stringify(hops)).toBe(`${server.url}/rooms/abc?x=1#top`);
    expect(session?.httpOnly).toBe(true);
    const { status, body } = await me(session?.value);
    expect(status).toBe(200);
    expect(body).toMatchObject({ display_name: 'Alice Admin', email: 'alice@example.org', role: 'admin' });
    const user = await server.services.storage.db.selectFrom('users').selectAll().where('id', '=', body.id).executeTakeFirstOrThrow();
    expect(user).toMatchObject({ issuer: idp.issuer, subject: 'alice' });
  });

  it('gives the user role without the admin claim, and updates the role at the next login', async () => {
    idp.accounts.set('bob', { name: 'Bob', roles: 'plenum-user' });
    const first = await login('bob');
    expect((await me(first.session?.value)).body.role).toBe('user');
    idp.accounts.set('bob', { name: 'Bob', roles: 'plenum-admin' });
    const second = await login('bob');
    const after = (await me(second.session?.value)).body;
    expect(after.role).toBe('admin');
    expect(after.id).toBe((await me(first.session?.value)).body.id);
  });

  it.each([
    ['an absolute URL', 'https://evil.example/steal'],
    ['a protocol-relative URL', '//evil.example/steal'],
    ['a backslash trick', '/\\evil.example'],
    ['a javascript: URL', 'javascript:alert(1)'],
  ])('refuses %s as return_to and lands on "/"', async (_what, returnTo) => {
    idp.accounts.set('carol', { name: 'Carol' });
    const { landedAt, hops } = await login('carol', returnTo);
    expect(landedAt?.href, JSON.stringify(hops)).toBe(`${server.url}/`);
  });

  it('refuses a callback with a wrong or missing state, and a replayed one', async () => {
    idp.nextLogin = { accountId: 'dave' };
    const jar = new CookieJar();
    const toCallback = await browse(jar, `${server.url}/auth/login`, { stopAt: (u) => u.pathname === '/auth/callback' });
    const callback = toCallback.stoppedAt!;
    expect(callback.searchParams.get('code')).toBeTruthy();

    const wrong = new URL(callback);
    wrong.searchParams.set('state', 'A'.repeat(43));
    const cookie = jar.header(callback);
    for (const url of [wrong.href, `${server.url}/auth/callback?code=${callback.searchParams.get('code')}`]) {
      const res = await fetch(url, { headers: { cookie, accept: 'application/json' }, redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect((await res.json()).code).toBe('PLENUM_ERR_LOGIN_FAILED');
      expect(res.headers.getSetCookie().some((c) => c.startsWith('plenum_session='))).toBe(false);
    }

    const html = await fetch(wrong.href, { headers: { cookie, accept: 'text/html', 'accept-language': 'de' }, redirect: 'manual' });
    expect(html.status).toBe(400);
    expect(await html.text()).toContain('Die Anmeldung konnte nicht abgeschlossen werden');

    // The genuine callback still works once …
    const ok = await browse(jar, callback.href, { stopAt: atPlenum });
    expect(ok.stoppedAt?.href).toBe(`${server.url}/`);
    // … and never twice: the attempt cookie is spent (and the code is single use at the provider).
    const replay = await fetch(callback.href, { headers: { cookie, accept: 'application/json' }, redirect: 'manual' });
    expect(replay.status).toBe(400);
  });

  it('shows a readable refusal when the user denies consent at the provider', async () => {
    idp.nextLogin = { error: 'access_denied' };
    const jar = new CookieJar();
    const { response, hops } = await browse(jar, `${server.url}/auth/login`);
    expect(hops.at(-1)?.url).toContain(`${server.url}/auth/callback`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('The sign-in was cancelled or refused.');
    expect(jar.get(new URL(server.url), 'plenum_session')).toBeUndefined();
  });

  it('logout needs the CSRF token; with it the session ends and the provider logout URL comes back', async () => {
    idp.accounts.set('erin', { name: 'Erin' });
    const { session } = await login('erin');
    const cookie = `plenum_session=${session!.value}`;
    const { body } = await me(session!.value);

    const forged = await fetch(`${server.url}/auth/logout`, { method: 'POST', headers: { cookie } });
    expect(forged.status).toBe(403);
    expect((await forged.json()).code).toBe('PLENUM_ERR_CSRF');
    expect((await me(session!.value)).status).toBe(200);

    const res = await fetch(`${server.url}/auth/logout`, { method: 'POST', headers: { cookie, 'x-csrf-token': body.csrf_token } });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie().find((c) => c.startsWith('plenum_session='))).toMatch(/Expires=Thu, 01 Jan 1970/);
    const { redirect_url } = await res.json();
    const end = new URL(redirect_url);
    expect(`${end.origin}${end.pathname}`).toBe(`${idp.issuer}/session/end`);
    expect(end.searchParams.get('post_logout_redirect_uri')).toBe(`${server.url}/`);
    expect(end.searchParams.get('id_token_hint')).toMatch(/^ey/);
    expect((await me(session!.value)).status).toBe(401);
  });

  it('describes itself at /v1/auth/config', async () => {
    const res = await fetch(`${server.url}/v1/auth/config`);
    expect(await res.json()).toEqual({ login_url: '/auth/login', issuer: idp.issuer, embedded_issuer: false });
    // No embedded provider when an external one is configured.
    expect((await fetch(`${server.url}/oidc/.well-known/openid-configuration`)).status).toBe(404);
  });
});

describe('role claim mapping with a nested claim path', () => {
  let idp: TestIdp;
  let server: TestServer;
  beforeAll(async () => {
    idp = await startTestIdp({ mode: 'scripted', publicClient: true });
    server = await startTestServer({
      env: { OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: idp.clientId, OIDC_ROLES_CLAIM: 'realm_access.roles', OIDC_ADMIN_ROLE: 'council-admin' },
    });
    idp.connect(server.url);
  });
  afterAll(async () => {
    await server?.close();
    await idp?.close();
  });

  async function roleOf(accountId: string, claims: Record<string, unknown>) {
    idp.accounts.set(accountId, claims);
    idp.nextLogin = { accountId };
    const jar = new CookieJar();
    await browse(jar, `${server.url}/auth/login`, { stopAt: (u) => u.origin === server.url && u.pathname === '/' });
    const session = jar.get(new URL(server.url), 'plenum_session');
    expect(session, 'logged in (public client with PKCE)').toBeDefined();
    const res = await fetch(`${server.url}/v1/me`, { headers: { cookie: `plenum_session=${session!.value}` } });
    return (await res.json()).role;
  }

  it('reads realm_access.roles for the configured admin role', async () => {
    expect(await roleOf('kc-admin', { realm_access: { roles: ['offline_access', 'council-admin'] } })).toBe('admin');
    expect(await roleOf('kc-user', { realm_access: { roles: ['offline_access'] } })).toBe('user');
    // The top-level claim does not count when the configured path is nested.
    expect(await roleOf('kc-top', { roles: ['council-admin'] })).toBe('user');
  });
});

describe('an unreachable provider', () => {
  let server: TestServer;
  beforeAll(async () => {
    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    server = await startTestServer({ env: { OIDC_ISSUER: 'http://127.0.0.1:9', OIDC_CLIENT_ID: 'plenum' } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers the login with 502 and a readable page, not a crash', async () => {
    const json = await fetch(`${server.url}/auth/login`, { redirect: 'manual' });
    expect(json.status).toBe(502);
    expect((await json.json()).code).toBe('PLENUM_ERR_IDP_UNAVAILABLE');
    const html = await fetch(`${server.url}/auth/login`, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(html.status).toBe(502);
    expect(await html.text()).toContain('cannot be reached');
  });
});
