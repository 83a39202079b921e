import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../testing/server.ts';
import { createLocalAccount } from '../accounts.ts';
import { browse, CookieJar } from '../testing.ts';

/**
 * The embedded login throttle and X-Forwarded-For, through the real HTTP server. Requests come from
 * 127.0.0.1, so that address is the "proxy": trusted in one deployment, not in the other.
 */
describe.each<{ trusted: boolean; env: Record<string, string> }>([
  { trusted: false, env: { TRUST_PROXY: 'true', TRUSTED_PROXIES: '192.0.2.1' } },
  { trusted: true, env: { TRUSTED_PROXIES: '127.0.0.1' } },
])('embedded login behind a proxy, peer trusted: $trusted', ({ trusted, env }) => {
  let server: TestServer;
  // A clock that stands still: the throttle's waits cannot run out while the test runs.
  const clock = new Date('2026-12-01T09:00:00Z');

  beforeAll(async () => {
    server = await startTestServer({ env: { ...env, ADMIN_USERNAME: 'Root', ADMIN_PASSWORD: 'root-password-1' }, now: () => clock });
  });
  afterAll(async () => {
    await server?.close();
  });

  async function loginForm(): Promise<{ jar: CookieJar; action: URL }> {
    const jar = new CookieJar();
    const start = await browse(jar, `${server.url}/auth/login`, { stopAt: (u) => u.pathname.startsWith('/oidc/interaction/') });
    expect(start.stoppedAt, JSON.stringify(start.hops)).toBeDefined();
    return { jar, action: new URL(`${start.stoppedAt!.href}/login`) };
  }

  /** One login attempt "from" `forwardedFor`, as a proxy would send it. */
  async function attempt(form: { jar: CookieJar; action: URL }, forwardedFor: string, username: string, password: string): Promise<number> {
    const res = await fetch(form.action, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        cookie: form.jar.header(form.action),
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-for': forwardedFor,
      },
      body: new URLSearchParams({ username, password }).toString(),
    });
    await res.arrayBuffer();
    return res.status;
  }

  if (!trusted) {
    it('ignores X-Forwarded-For from a peer that is not a trusted proxy: changing it does not reset the throttle', async () => {
      const form = await loginForm();
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push(await attempt(form, `198.51.100.${i + 1}`, 'root', `guess-number-${i}`));
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
      expect(await attempt(form, '198.51.100.200', 'root', 'root-password-1')).toBe(429);
    });
  } else {
    it('honours X-Forwarded-For from a trusted proxy: one client blocked, another one not', async () => {
      const form = await loginForm();
      for (let i = 0; i < 5; i++) expect(await attempt(form, '198.51.100.7', 'root', `guess-number-${i}`)).toBe(401);
      expect(await attempt(form, '198.51.100.7', 'root', 'root-password-1')).toBe(429);
      // Only the last hop that the trusted proxy added counts; what the client put in front does not.
      expect(await attempt(form, '203.0.113.1, 198.51.100.7', 'root', 'root-password-1')).toBe(429);
      expect(await attempt(await loginForm(), '198.51.100.8', 'root', 'root-password-1')).toBe(303);
    });

    it('50 failures with made-up names from address A do not stop the admin logging in from address B', async () => {
      const form = await loginForm();
      const statuses = new Set<number>();
      for (let i = 0; i < 50; i++) statuses.add(await attempt(form, '203.0.113.66', `made-up-${i}`, 'wrong-password'));
      expect([...statuses].sort()).toEqual([401, 429]);
      expect(await attempt(form, '203.0.113.66', 'root', 'root-password-1')).toBe(429);
      expect(await attempt(await loginForm(), '192.0.2.44', 'root', 'root-password-1')).toBe(303);
    });

    it('many addresses failing on one account only slow it down: the real admin still gets in from a fresh address', async () => {
      await createLocalAccount(server.services.storage.db, { username: 'clerk', displayName: 'Clerk', password: 'clerk-password-1' });
      const form = await loginForm();
      for (let i = 0; i < 12; i++) expect(await attempt(form, `198.18.0.${i + 1}`, 'Clerk', `guess-number-${i}`)).toBe(401);
      expect(await attempt(await loginForm(), '198.18.1.1', 'clerk', 'clerk-password-1')).toBe(303);
    });
  }
});
