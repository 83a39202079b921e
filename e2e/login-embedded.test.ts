import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalAccount } from '../packages/server/src/auth/accounts.ts';
import { launchChromium } from '../packages/server/src/testing/browsers.ts';
import { startTestServer, type TestServer } from '../packages/server/src/testing/server.ts';

/** The default deployment: no OIDC_ISSUER, Plenum's embedded provider with its own login page. */
describe('login with the embedded provider in Chromium', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer();
    await createLocalAccount(server.services.storage.db, { username: 'gemeinderat', displayName: 'Greta Gemeinderat', password: 'sitzung-2026!', isAdmin: false });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Collects CSP violations: the login pages must work with no inline script or style allowed. */
  function watchCsp(page: Page): string[] {
    const violations: string[] = [];
    page.on('console', (msg) => {
      if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text());
    });
    return violations;
  }

  async function withContext(locale: string, run: (context: BrowserContext, page: Page) => Promise<void>) {
    const context = await browser.newContext({ locale });
    try {
      await run(context, await context.newPage());
    } finally {
      await context.close();
    }
  }

  it('refuses a wrong password, logs in with the right one, and logs out', async () => {
    await withContext('en-GB', async (context, page) => {
      const violations = watchCsp(page);
      await page.goto(`${server.url}/auth/login`);
      await expect.poll(() => page.getByRole('heading', { name: 'Sign in to Plenum' }).isVisible()).toBe(true);

      await page.getByLabel('Username').fill('gemeinderat');
      await page.getByLabel('Password').fill('wrong-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toBe('The username or password is wrong.');
      // The username stays filled in; the password does not.
      expect(await page.getByLabel('Username').inputValue()).toBe('gemeinderat');
      expect(await page.getByLabel('Password').inputValue()).toBe('');

      await page.getByLabel('Password').fill('sitzung-2026!');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${server.url}/`, { timeout: 10_000 });

      const cookie = (await context.cookies(server.url)).find((c) => c.name === 'plenum_session');
      expect(cookie?.httpOnly).toBe(true);
      const me = await page.evaluate(async () => {
        const res = await fetch('/v1/me');
        return { status: res.status, body: await res.json() };
      });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ display_name: 'Greta Gemeinderat', role: 'user' });

      const { redirect_url } = await page.evaluate(async (csrf: string) => {
        const res = await fetch('/auth/logout', { method: 'POST', headers: { 'X-CSRF-Token': csrf } });
        return res.json();
      }, me.body.csrf_token);
      await page.goto(redirect_url);
      await page.getByRole('button', { name: 'Yes, sign me out' }).click();
      await page.waitForURL(`${server.url}/`, { timeout: 10_000 });
      expect(await page.evaluate(async () => (await fetch('/v1/me')).status)).toBe(401);

      // Signed out at the provider as well: the login form comes back.
      await page.goto(`${server.url}/auth/login`);
      await expect.poll(() => page.getByLabel('Password').isVisible()).toBe(true);
      expect(violations).toEqual([]);
    });
  });

  it('speaks German to a German browser, also when the user is unknown', async () => {
    await withContext('de-DE', async (_context, page) => {
      const violations = watchCsp(page);
      await page.goto(`${server.url}/auth/login`);
      await page.getByLabel('Benutzername').fill('niemand');
      await page.getByLabel('Passwort').fill('irgendein-passwort');
      await page.getByRole('button', { name: 'Anmelden' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toBe('Benutzername oder Passwort ist falsch.');
      expect(violations).toEqual([]);
    });
  });
});
