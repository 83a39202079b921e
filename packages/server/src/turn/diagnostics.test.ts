// The operator's TURN diagnostic against the embedded coturn: real allocations over UDP and TCP, and a
// TLS URL where nothing listens, reported as failed. Admins only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { freeLoopbackPort } from '../free-port.ts';


describe('GET /v1/admin/diagnostics/turn', () => {
  let server: TestServer;
  let closedPort: number;

  beforeAll(async () => {
    const port = await freeLoopbackPort();
    closedPort = await freeLoopbackPort();
    server = await startTestServer({
      env: {
        TURN_EMBEDDED: 'true',
        TURN_LISTEN_IP: '127.0.0.1',
        TURN_PORT: String(port),
        TURN_SECRET: 'diagnostic-test-secret-0123456789',
        TURN_URLS: [`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`, `turns:127.0.0.1:${closedPort}?transport=tcp`].join(','),
      },
    });
  }, 30_000);
  afterAll(async () => server?.close());

  const get = (who?: { cookie: string }) => fetch(`${server.listenUrl}/v1/admin/diagnostics/turn`, { headers: who ? { cookie: who.cookie } : {} });

  it('reports each TURN URL: UDP and TCP allocate, the TLS port that does not answer fails', async () => {
    const admin = await server.loginAs('admin', 'Ada Admin');
    const res = await get(admin);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { enabled: boolean; checks: { transport: string; ok: boolean; relayed?: string; error?: string }[] };
    expect(body.enabled).toBe(true);
    expect(body.checks.map((c) => [c.transport, c.ok])).toEqual([
      ['udp', true],
      ['tcp', true],
      ['tls', false],
    ]);
    expect(body.checks[0]!.relayed).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(body.checks[2]!.error).toBeTruthy();
  });

  it('refuses everyone but an admin', async () => {
    expect((await get()).status).toBe(401);
    const user = await server.loginAs('user', 'Uwe User');
    const res = await get(user);
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });
});
