import { PROTOCOL_VERSION, SIGNALING_SUBPROTOCOL, TICKET_SUBPROTOCOL_PREFIX } from '@plenum/protocol';
import { type Browser, type Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalAccount } from '../packages/server/src/auth/accounts.ts';
import { buildWebIfStale, launchChromium } from '../packages/server/src/testing/browsers.ts';
import { startTestServer, type TestServer } from '../packages/server/src/testing/server.ts';
import { freePort, httpsGet, startTlsProxy, type TlsProxy } from './support/tls-proxy.ts';

const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * The documented HTTPS deployment: Plenum with PUBLIC_URL=https://… and TRUST_PROXY=true behind nginx
 * terminating TLS, configured with the README's example, and the embedded provider. Chromium logs in
 * with a local account through the proxy and lands logged in.
 */
describe('Plenum behind nginx with TLS (README deployment), embedded provider, in Chromium', () => {
  let proxy: TlsProxy;
  let server: TestServer;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    buildWebIfStale();
    const port = await freePort();
    base = `https://localhost:${port}`;
    server = await startTestServer({ web: true, env: { PUBLIC_URL: base, TRUST_PROXY: 'true' } });
    await createLocalAccount(server.services.storage.db, { username: 'gemeinderat', displayName: 'Greta Gemeinderat', password: 'sitzung-2026!', isAdmin: false });
    proxy = await startTlsProxy({ port, upstream: server.listenUrl });
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await server?.close();
  });

  it('logs in with a local account: Secure, HttpOnly, SameSite cookies, HSTS, and signaling over wss', async () => {
    // The certificate is self-made: trusted for this context only.
    const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'en-GB' });
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (msg) => {
        if (/Content Security Policy|Mixed Content|insecure/i.test(msg.text())) problems.push(msg.text());
      });
      let callback: Response | undefined;
      page.on('response', (res) => {
        if (new URL(res.url()).pathname === '/auth/callback') callback = res;
      });

      const start = await page.goto(`${base}/`);
      expect((await start!.allHeaders())['strict-transport-security']).toBe(HSTS);
      await page.getByRole('link', { name: 'Log in' }).click();
      await expect.poll(() => page.getByRole('heading', { name: 'Sign in to Plenum' }).isVisible(), { timeout: 10_000 }).toBe(true);
      expect(new URL(page.url()).origin).toBe(base);
      await page.getByLabel('Username').fill('gemeinderat');
      await page.getByLabel('Password').fill('sitzung-2026!');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${base}/`, { timeout: 10_000 });
      await page.getByRole('heading', { level: 1, name: 'My rooms' }).waitFor({ timeout: 10_000 });
      await page.getByText('Greta Gemeinderat').waitFor();

      // The session cookie as the browser keeps it, and as the server sent it.
      const cookies = await context.cookies(base);
      const session = cookies.find((c) => c.name === 'plenum_session');
      expect(session).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax' });
      // The embedded provider's cookies too: it saw https, not the proxy's plain hop.
      const providerCookies = cookies.filter((c) => c.name.startsWith('plenum_op_'));
      expect(providerCookies.length).toBeGreaterThan(0);
      for (const c of providerCookies) expect(c, c.name).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax' });
      expect(callback, 'the /auth/callback response').toBeDefined();
      const callbackHeaders = await callback!.allHeaders();
      const setSession = (callbackHeaders['set-cookie'] ?? '').split('\n').find((l) => l.startsWith('plenum_session='));
      expect(setSession).toBeDefined();
      expect(setSession).toMatch(/;\s*Secure(;|$)/i);
      expect(setSession).toMatch(/;\s*HttpOnly(;|$)/i);
      expect(setSession).toMatch(/;\s*SameSite=Lax(;|$)/i);
      expect(callbackHeaders['strict-transport-security']).toBe(HSTS);

      // The WebSocket upgrade goes through the proxy too: join a room over wss://.
      const joined = await page.evaluate(
        async ({ version, subprotocol, ticketPrefix }) => {
          const me = await (await fetch('/v1/me')).json();
          const headers = { 'content-type': 'application/json', 'x-csrf-token': me.csrf_token };
          const room = await (await fetch('/v1/rooms', { method: 'POST', headers, body: JSON.stringify({ name: 'Finance committee' }) })).json();
          const start = await (await fetch(`/v1/rooms/${room.id}/start`, { method: 'POST', headers, body: '{}' })).json();
          const message = await new Promise<string>((resolve, reject) => {
            const ws = new WebSocket(start.signaling_url, [subprotocol, `${ticketPrefix}${start.ticket}`]);
            const timer = setTimeout(() => reject(new Error('no join_success within 10 s')), 10_000);
            ws.onopen = () => ws.send(JSON.stringify({ namespace: 'control', payload: { action: 'join', protocol_version: version } }));
            ws.onmessage = (event) => {
              const msg = JSON.parse(String(event.data));
              if (msg.namespace === 'control' && ['join_success', 'error'].includes(msg.payload.message)) {
                clearTimeout(timer);
                ws.close();
                resolve(msg.payload.message);
              }
            };
            ws.onerror = () => reject(new Error(`WebSocket to ${start.signaling_url} failed`));
          });
          return { url: start.signaling_url as string, message };
        },
        { version: PROTOCOL_VERSION, subprotocol: SIGNALING_SUBPROTOCOL, ticketPrefix: TICKET_SUBPROTOCOL_PREFIX },
      );
      expect(joined).toEqual({ url: `${base.replace(/^https/, 'wss')}/signaling`, message: 'join_success' });
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('the embedded provider publishes https endpoints, whatever forwarded headers a client adds', async () => {
    const res = await httpsGet(`${base}/oidc/.well-known/openid-configuration`, proxy.ca, {
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-for': '203.0.113.9',
    });
    expect(res.status).toBe(200);
    expect(res.headers['strict-transport-security']).toBe(HSTS);
    const discovery = JSON.parse(res.body);
    expect(discovery.issuer).toBe(`${base}/oidc`);
    for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'end_session_endpoint']) {
      expect(discovery[endpoint], endpoint).toMatch(new RegExp(`^${base}/oidc/`));
    }
  });
});
