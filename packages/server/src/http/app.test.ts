import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { noMedia, type MediaService } from '../media/types.ts';

describe('HTTP basics', () => {
  let server: TestServer;
  let mediaReady = true;
  const media: MediaService = {
    ...noMedia(),
    mode: 'janus',
    isReady: () => mediaReady,
    status: () => ({ ready: mediaReady, servers: [{ id: 'test', url: 'ws://127.0.0.1:1/janus', ready: mediaReady, rooms: 0 }] }),
  };

  beforeAll(async () => {
    server = await startTestServer({ media });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers /health and /ready, and /ready follows the media server', async () => {
    expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', database: 'pglite', cluster: 'in-process', media: { mode: 'janus' } });
    mediaReady = false;
    const notReady = await fetch(`${server.url}/ready`);
    expect(notReady.status).toBe(503);
    expect(notReady.headers.get('content-type')).toContain('application/problem+json');
    expect((await notReady.json()).detail).toContain('media server');
    mediaReady = true;
  });

  it('exposes Prometheus metrics with route patterns, never raw ids', async () => {
    await fetch(`${server.url}/v1/rooms/${crypto.randomUUID()}`);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toContain('plenum_http_requests_total');
    expect(text).toContain('route="/v1/rooms/:id"');
    expect(text).toContain('plenum_process_resident_memory_bytes');
    expect(text).not.toMatch(/\/v1\/rooms\/[0-9a-f]{8}-/);
  });

  it('sends security headers and a strict Content-Security-Policy', async () => {
    const res = await fetch(`${server.url}/health`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-powered-by')).toBeNull();
    // HSTS only when PUBLIC_URL is https (auth/embedded/https-public-url.test.ts, e2e/https-proxy.test.ts).
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });

  it('publishes an OpenAPI 3.1 document generated from the zod schemas, and the docs page', async () => {
    const spec = await (await fetch(`${server.url}/docs/json`)).json();
    expect(spec.openapi).toBe('3.1.0');
    for (const path of ['/v1/rooms', '/v1/rooms/{id}', '/v1/rooms/{id}/invites', '/v1/rooms/{id}/invites/{code}', '/v1/rooms/{id}/start', '/v1/rooms/{id}/start-invited', '/v1/invites/{code}/verify', '/v1/me']) {
      expect(Object.keys(spec.paths)).toContain(path);
    }
    const create = spec.paths['/v1/rooms'].post.requestBody.content['application/json'].schema;
    expect(create.$ref).toBe('#/components/schemas/RoomCreateInput');
    expect(Object.keys(spec.components.schemas.RoomCreateInput.properties)).toEqual(expect.arrayContaining(['name', 'password', 'waiting_room', 'e2e_encryption']));
    expect(Object.keys(spec.components.schemas)).toEqual(expect.arrayContaining(['Room', 'Invite', 'StartResponse', 'Problem']));
    const page = await fetch(`${server.url}/docs/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger');
  });

  it('rejects oversized bodies with 413 problem+json', async () => {
    const { cookie, csrf } = await server.loginAs();
    const res = await fetch(`${server.url}/v1/rooms`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(300 * 1024) }),
    });
    expect(res.status).toBe(413);
    expect((await res.json()).type).toBe('urn:plenum:problem:payload-too-large');
  });

  it('never writes session tokens, cookies or passwords to the log', async () => {
    const lines: string[] = [];
    const { default: pino } = await import('pino');
    const { Writable } = await import('node:stream');
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    const { logRedactPaths } = await import('../server.ts');
    const logger = pino({ level: 'trace', redact: { paths: logRedactPaths, censor: '[redacted]' } }, sink);
    logger.info({ req: { headers: { cookie: 'plenum_session=SECRET1', authorization: 'Bearer SECRET2' } }, body: { password: 'SECRET3' }, start: { ticket: 'SECRET4' } }, 'x');
    expect(lines.join('')).not.toMatch(/SECRET/);
  });
});

describe('with Redis (several nodes)', () => {
  it('reports the Redis cluster in /ready', async () => {
    const server = await startTestServer({ env: { REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' } });
    try {
      const ready = await (await fetch(`${server.url}/ready`)).json();
      expect(ready).toMatchObject({ status: 'ready', cluster: 'redis' });
    } finally {
      await server.close();
    }
  });
});
