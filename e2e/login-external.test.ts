import { type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIdp, type TestIdp } from '../packages/server/src/auth/testing.ts';
import { launchChromium } from '../packages/server/src/testing/browsers.ts';
import { startTestServer, type TestServer } from '../packages/server/src/testing/server.ts';

/**
 * Login through an external OpenID Provider in real Chromium. A separate oidc-provider on
 * 127.0.0.1 stands in for Keycloak, with its own login and consent pages and a Keycloak-style
 * nested roles claim (realm_access.roles).
 */
describe('login with an external provider (Keycloak stand-in) in Chromium', () => {
  let idp: TestIdp;
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    idp = await startTestIdp({ mode: 'pages' });
    idp.accounts.set('clerk', { name: 'Clara Clerk', email: 'clara@town.example', realm_access: { roles: ['offline_access', 'plenum-admin'] } });
    server = await startTestServer({
      env: { OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: idp.clientId, OIDC_CLIENT_SECRET: idp.clientSecret, OIDC_ROLES_CLAIM: 'realm_access.roles' },
    });
    idp.connect(server.url);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await idp?.close();
  });

  it('logs in through the provider (login, consent), holds an HttpOnly session, and logs out', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/auth/login?return_to=${encodeURIComponent('/rooms/council')}`);

      // The provider's own pages, on its own origin.
      expect(new URL(page.url()).origin).toBe(idp.issuer);
      await page.getByPlaceholder('Enter any login').fill('clerk');
      await page.getByPlaceholder('and password').fill('anything');
      await page.getByRole('button', { name: 'Sign-in' }).click();
      await expect.poll(() => page.getByRole('heading', { name: 'Authorize' }).isVisible(), { timeout: 10_000 }).toBe(true);
      await expect.poll(() => page.getByText('scopes:').isVisible()).toBe(true);
      await page.getByRole('button', { name: 'Continue' }).click();

      await page.waitForURL(`${server.url}/rooms/council`, { timeout: 10_000 });
      const cookie = (await context.cookies(server.url)).find((c) => c.name === 'plenum_session');
      expect(cookie?.httpOnly).toBe(true);
      expect(cookie?.sameSite).toBe('Lax');
      expect(await page.evaluate(() => document.cookie)).not.toContain('plenum_session');

      const me = await page.evaluate(async () => {
        const res = await fetch('/v1/me');
        return { status: res.status, body: await res.json() };
      });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ display_name: 'Clara Clerk', email: 'clara@town.example', role: 'admin' });

      const { redirect_url } = await page.evaluate(async (csrf: string) => {
        const res = await fetch('/auth/logout', { method: 'POST', headers: { 'X-CSRF-Token': csrf } });
        return res.json();
      }, me.body.csrf_token);
      expect(new URL(redirect_url).origin).toBe(idp.issuer);
      await page.goto(redirect_url);
      await page.getByRole('button', { name: 'Yes, sign me out' }).click();
      await page.waitForURL(`${server.url}/`, { timeout: 10_000 });

      const after = await page.evaluate(async () => (await fetch('/v1/me')).status);
      expect(after).toBe(401);
      expect((await context.cookies(server.url)).find((c) => c.name === 'plenum_session')).toBeUndefined();

      // The provider session ended too: logging in again asks for credentials.
      await page.goto(`${server.url}/auth/login`);
      await expect.poll(() => page.getByPlaceholder('Enter any login').isVisible()).toBe(true);
    } finally {
      await context.close();
    }
  });
});
