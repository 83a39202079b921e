import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../testing/server.ts';
import { createLocalAccount } from '../accounts.ts';
import { browse, CookieJar } from '../testing.ts';

const PUBLIC = 'https://plenum.example';

/** Attributes of one Set-Cookie line, lower-cased names ("secure", "httponly", "samesite"). */
function cookieAttributes(setCookies: string[], name: string): Map<string, string> | undefined {
  const line = setCookies.find((l) => l.startsWith(`${name}=`));
  if (!line) return undefined;
  return new Map(line.split(';').slice(1).map((a) => {
    const [k = '', v = ''] = a.trim().split('=');
    return [k.toLowerCase(), v.toLowerCase()];
  }));
}

/**
 * The documented HTTPS deployment (PUBLIC_URL=https://…, TLS at a reverse proxy) with the embedded
 * provider, at the HTTP level: requests go straight to the listener, as a proxy forwards them — with
 * and without TRUST_PROXY, and with forwarded headers a client made up. The real nginx is e2e/https-proxy.
 */
describe.each([
  { trustProxy: 'false' },
  { trustProxy: 'true' },
])('PUBLIC_URL=https with the embedded provider, TRUST_PROXY=$trustProxy', ({ trustProxy }) => {
  let server: TestServer;
  /** What a reverse proxy does: https://plenum.example/x → http://127.0.0.1:port/x. */
  const via = (url: URL) => {
    expect(url.origin).toBe(PUBLIC);
    return new URL(`${url.pathname}${url.search}`, server.listenUrl);
  };

  beforeAll(async () => {
    server = await startTestServer({ env: { PUBLIC_URL: PUBLIC, TRUST_PROXY: trustProxy } });
    await createLocalAccount(server.services.storage.db, { username: 'alice', displayName: 'Alice Example', password: 'alice-password-1' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('GET /auth/login answers 302 to the https authorization endpoint, with a Secure transaction cookie', async () => {
    const res = await fetch(`${server.listenUrl}/auth/login`, { redirect: 'manual' });
    expect(res.status, await res.clone().text()).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(`${PUBLIC}/oidc/auth`);
    expect(location.searchParams.get('redirect_uri')).toBe(`${PUBLIC}/auth/callback`);
    const tx = res.headers.getSetCookie().find((l) => l.startsWith('plenum_login_'))!;
    const attrs = cookieAttributes([tx], tx.slice(0, tx.indexOf('=')))!;
    expect([attrs.has('secure'), attrs.has('httponly'), attrs.get('samesite')]).toEqual([true, true, 'lax']);
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
  });

  it('publishes https endpoints under PUBLIC_URL, whatever Host and X-Forwarded-* a client sends', async () => {
    for (const headers of [{}, { 'x-forwarded-proto': 'http', 'x-forwarded-host': 'evil.example', 'x-forwarded-for': '203.0.113.9' }] as Record<string, string>[]) {
      const res = await fetch(`${server.listenUrl}/oidc/.well-known/openid-configuration`, { headers });
      const discovery = await res.json();
      expect(discovery.issuer).toBe(`${PUBLIC}/oidc`);
      for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'end_session_endpoint']) {
        expect(discovery[endpoint], endpoint).toMatch(new RegExp(`^${PUBLIC}/oidc/`));
      }
    }
  });

  it('logs in through the provider: every redirect stays on PUBLIC_URL and every cookie is Secure', async () => {
    const jar = new CookieJar();
    const start = await browse(jar, `${PUBLIC}/auth/login?return_to=%2Frooms`, { via, stopAt: (u) => u.pathname.startsWith('/oidc/interaction/') });
    expect(start.stoppedAt, JSON.stringify(start.hops)).toBeDefined();
    const form = await browse(jar, start.stoppedAt!.href, { via });
    expect(form.response.status).toBe(200);
    const done = await browse(jar, `${start.stoppedAt!.href}/login`, {
      method: 'POST',
      form: { username: 'alice', password: 'alice-password-1' },
      via,
      stopAt: (u) => u.pathname === '/rooms',
    });
    expect(done.stoppedAt?.href, JSON.stringify(done.hops)).toBe(`${PUBLIC}/rooms`);
    for (const hop of [...start.hops, ...done.hops]) {
      if (hop.location) expect(new URL(hop.location, PUBLIC).origin, hop.location).toBe(PUBLIC);
    }
    const session = jar.get(new URL(PUBLIC), 'plenum_session');
    expect(session?.httpOnly).toBe(true);
    const me = await fetch(`${server.listenUrl}/v1/me`, { headers: { cookie: `plenum_session=${session!.value}` } });
    expect(await me.json()).toMatchObject({ display_name: 'Alice Example' });

    // The provider's own cookies (interaction, session) are Secure too: it sees https, not the plain hop.
    const again = await fetch(via(new URL(`${PUBLIC}/auth/login`)), { redirect: 'manual' });
    const auth = await fetch(via(new URL(again.headers.get('location')!)), { redirect: 'manual' });
    const setCookies = auth.headers.getSetCookie();
    const interaction = cookieAttributes(setCookies, 'plenum_op_interaction');
    expect(interaction, setCookies.join('\n')).toBeDefined();
    expect([interaction!.has('secure'), interaction!.has('httponly'), interaction!.get('samesite')]).toEqual([true, true, 'lax']);
    expect(auth.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
  });
});
