import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { noMedia, type MediaService } from '../media/types.ts';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';
const operator = { authorization: `Bearer ${METRICS_TOKEN}` };

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
    server = await startTestServer({ media, env: { METRICS_TOKEN } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers /health and /ready, and /ready follows the media server (details only with the metrics token)', async () => {
    expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${server.url}/ready`, { headers: operator });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', database: 'pglite', cluster: 'in-process', media: { mode: 'janus', servers: [{ url: 'ws://127.0.0.1:1/janus' }] } });
    mediaReady = false;
    try {
      const notReady = await fetch(`${server.url}/ready`, { headers: operator });
      expect(notReady.status).toBe(503);
      expect(notReady.headers.get('content-type')).toContain('application/problem+json');
      expect((await notReady.json()).detail).toContain('media server');
      // Anonymous: not ready, and nothing about which part.
      const anonymous = await fetch(`${server.url}/ready`);
      expect(anonymous.status).toBe(503);
      const body = await anonymous.text();
      expect(JSON.parse(body)).toMatchObject({ code: 'PLENUM_ERR_NOT_READY' });
      expect(body).not.toContain('media');
    } finally {
      mediaReady = true;
    }
  });

  it('tells an anonymous caller of /ready only that it is ready: no Janus URL, no components', async () => {
    const res = await fetch(`${server.url}/ready`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ status: 'ready' });
    expect(text).not.toContain('ws://');
    expect(res.headers.get('cache-control')).toBe('no-store');
    // A wrong token is refused, not treated as anonymous.
    const wrong = await fetch(`${server.url}/ready`, { headers: { authorization: 'Bearer not-the-token-at-all' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('content-type')).toContain('application/problem+json');
    expect(await wrong.text()).not.toContain('ws://');
  });

  it('refuses /metrics without the metrics token or with a wrong one, and answers with it', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer not-the-token-at-all' }, { authorization: METRICS_TOKEN }, { authorization: `Basic ${METRICS_TOKEN}` }]) {
      const res = await fetch(`${server.url}/metrics`, { headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
      expect(await res.text()).not.toContain('plenum_http_requests_total');
    }
    const ok = await fetch(`${server.url}/metrics`, { headers: operator });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('plenum_http_requests_total');
  });

  it('answers Fastify\'s own errors as problem+json with their status: malformed JSON, bad percent-encoding, over-long parameters, media type', async () => {
    const { cookie, csrf } = await server.loginAs();
    const post = (body: string, type: string) => fetch(`${server.url}/v1/rooms`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf, 'content-type': type }, body });
    const cases: [string, Promise<Response>, number, string][] = [
      ['malformed JSON', post('{"name":', 'application/json'), 400, 'urn:plenum:problem:validation'],
      ['empty JSON body', post('', 'application/json'), 400, 'urn:plenum:problem:validation'],
      ['unsupported media type', post('<room/>', 'application/xml'), 415, 'urn:plenum:problem:unsupported-media-type'],
      ['bad percent-encoding', fetch(`${server.url}/v1/rooms/%zz`, { headers: { cookie } }), 400, 'urn:plenum:problem:validation'],
      ['bad UTF-8 percent-encoding', fetch(`${server.url}/v1/invites/%E0%A4%A/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }), 400, 'urn:plenum:problem:validation'],
      ['over-long parameter', fetch(`${server.url}/v1/rooms/${'a'.repeat(500)}`, { headers: { cookie } }), 414, 'urn:plenum:problem:uri-too-long'],
    ];
    for (const [name, pending, status, type] of cases) {
      const res = await pending;
      expect(res.status, name).toBe(status);
      expect(res.headers.get('content-type'), name).toContain('application/problem+json');
      expect(res.headers.get('cache-control'), name).toBe('no-store');
      const problem = await res.json();
      expect(problem, name).toMatchObject({ type, status });
      expect(problem.code, name).toMatch(/^PLENUM_ERR_/);
    }
  });

  it('answers errors of the HTTP parser as problem+json too (headers too large)', async () => {
    const res = await fetch(`${server.url}/health`, { headers: { 'x-filler': 'x'.repeat(20_000) } });
    expect(res.status).toBe(431);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await res.json()).toMatchObject({ code: 'PLENUM_ERR_HEADERS_TOO_LARGE', status: 431 });
  });

  it('marks /v1/me (CSRF token), invite lists and rosters Cache-Control: no-store; the signing key stays cacheable', async () => {
    const user = await server.loginAs();
    const headers = { cookie: user.cookie };
    const me = await fetch(`${server.url}/v1/me`, { headers });
    expect(me.status).toBe(200);
    expect((await me.json()).csrf_token).toBe(user.csrf);
    expect(me.headers.get('cache-control')).toBe('no-store');
    const room = await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Cache' }, user);
    for (const path of [`/v1/rooms/${room.id}/invites`, `/v1/rooms/${room.id}/roster`, `/v1/rooms/${room.id}`, '/v1/rooms']) {
      const res = await fetch(`${server.url}${path}`, { headers });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('cache-control'), path).toBe('no-store');
    }
    expect((await fetch(`${server.url}/v1/me`)).headers.get('cache-control')).toBe('no-store');
    expect((await fetch(`${server.url}/.well-known/plenum-signing-key`)).headers.get('cache-control')).toBe('public, max-age=300');
  });

  it('exposes Prometheus metrics with route patterns, never raw ids', async () => {
    await fetch(`${server.url}/v1/rooms/${crypto.randomUUID()}`);
    const text = await (await fetch(`${server.url}/metrics`, { headers: operator })).text();
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

describe('with Redis (several nodes), without METRICS_TOKEN', () => {
  it('is ready on Redis; without a metrics token /ready has no details for anyone and /metrics is off', async () => {
    const server = await startTestServer({ env: { REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' } });
    try {
      // No token configured: no details for anyone, and no metrics.
      expect(await (await fetch(`${server.url}/ready`)).json()).toEqual({ status: 'ready' });
      expect((await fetch(`${server.url}/ready`, { headers: operator })).status).toBe(401);
      const metrics = await fetch(`${server.url}/metrics`, { headers: operator });
      expect(metrics.status).toBe(404);
      expect(metrics.headers.get('content-type')).toContain('application/problem+json');
      expect(await metrics.text()).not.toContain('plenum_');
      expect(server.services.cluster.kind).toBe('redis');
    } finally {
      await server.close();
    }
  });
});
