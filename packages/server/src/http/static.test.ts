import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/server.ts';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A GET with exactly these headers (fetch would add its own Accept-Encoding and decompress). */
function get(base: string, urlPath: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${urlPath}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

const varyOf = (answer: Answer) => String(answer.headers.vary ?? '').toLowerCase();

/** A built web client as the build leaves it: hashed assets with .br/.gz copies beside the large ones. */
function writeDist(dir: string) {
  const script = `export const text = ${JSON.stringify('Plenum '.repeat(2000))};\nconsole.log(text);\n`;
  const html = `<!doctype html><html lang="en"><head><title>Plenum</title><script type="module" src="/assets/index-AbCd1234.js"></script></head><body><div id="root"></div>${'<!-- padding -->'.repeat(80)}</body></html>`;
  fs.mkdirSync(path.join(dir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.html'), html);
  fs.writeFileSync(path.join(dir, 'assets/index-AbCd1234.js'), script);
  fs.writeFileSync(path.join(dir, 'assets/index-AbCd1234.js.br'), zlib.brotliCompressSync(script));
  fs.writeFileSync(path.join(dir, 'assets/index-AbCd1234.js.gz'), zlib.gzipSync(script));
  // Below the threshold: no compressed copies.
  fs.writeFileSync(path.join(dir, 'assets/tiny-Xy_z9876.js'), 'export {};\n');
  fs.writeFileSync(path.join(dir, 'robots.txt'), 'User-agent: *\nDisallow: /\n');
  return { script, html };
}

describe('static delivery of the web client', () => {
  let server: TestServer;
  let dist: string;
  let files: { script: string; html: string };

  beforeAll(async () => {
    dist = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-dist-'));
    files = writeDist(dist);
    server = await startTestServer({ web: dist });
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dist, { recursive: true, force: true });
  });

  it('sends a hashed asset as brotli or gzip by Accept-Encoding, immutable for a year, varying on Accept-Encoding', async () => {
    const br = await get(server.listenUrl, '/assets/index-AbCd1234.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toMatch(/^(application|text)\/javascript/);
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(varyOf(br)).toContain('accept-encoding');
    expect(zlib.brotliDecompressSync(br.body).toString()).toBe(files.script);
    expect(br.body.length).toBeLessThan(files.script.length / 10);

    const gz = await get(server.listenUrl, '/assets/index-AbCd1234.js', { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gz.body).toString()).toBe(files.script);
    expect(gz.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(varyOf(gz)).toContain('accept-encoding');

    // br refused explicitly: gzip.
    const noBr = await get(server.listenUrl, '/assets/index-AbCd1234.js', { 'accept-encoding': 'br;q=0, gzip' });
    expect(noBr.headers['content-encoding']).toBe('gzip');
  });

  it('falls back to the file itself for a client without compression, and for a file that has no compressed copy', async () => {
    const plain = await get(server.listenUrl, '/assets/index-AbCd1234.js');
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(files.script);
    // The uncompressed answer varies too, or a shared cache would hand it to clients that accept brotli.
    expect(varyOf(plain)).toContain('accept-encoding');

    const identity = await get(server.listenUrl, '/assets/index-AbCd1234.js', { 'accept-encoding': 'identity' });
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(identity.body.toString()).toBe(files.script);

    const tiny = await get(server.listenUrl, '/assets/tiny-Xy_z9876.js', { 'accept-encoding': 'br, gzip' });
    expect(tiny.status).toBe(200);
    expect(tiny.headers['content-encoding']).toBeUndefined();
    expect(tiny.body.toString()).toBe('export {};\n');
    expect(tiny.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('revalidates an asset by its ETag: 304 without a body', async () => {
    const first = await get(server.listenUrl, '/assets/index-AbCd1234.js', { 'accept-encoding': 'br' });
    const etag = first.headers.etag;
    expect(etag).toBeTruthy();
    const again = await get(server.listenUrl, '/assets/index-AbCd1234.js', { 'accept-encoding': 'br', 'if-none-match': etag! });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it('serves the app shell for every client-side route: no-cache with an ETag, compressed, 304 on revalidation', async () => {
    for (const route of ['/', '/rooms/4b0c6f0e-8a4e-4d1a-9a51-0d4f3d3f9b7e', '/invite/abc']) {
      const br = await get(server.listenUrl, route, { 'accept-encoding': 'gzip, br' });
      expect(br.status, route).toBe(200);
      expect(br.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(br.headers['cache-control']).toBe('no-cache');
      expect(br.headers['content-encoding']).toBe('br');
      expect(varyOf(br)).toContain('accept-encoding');
      expect(zlib.brotliDecompressSync(br.body).toString()).toBe(files.html);

      const etag = br.headers.etag!;
      expect(etag).toMatch(/^"[\w-]+"$/);
      const revalidated = await get(server.listenUrl, route, { 'accept-encoding': 'gzip, br', 'if-none-match': etag });
      expect(revalidated.status).toBe(304);
      expect(revalidated.body.length).toBe(0);
      expect(revalidated.headers.etag).toBe(etag);
      expect(revalidated.headers['cache-control']).toBe('no-cache');
    }

    const gz = await get(server.listenUrl, '/', { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gz.body).toString()).toBe(files.html);
    const plain = await get(server.listenUrl, '/');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(files.html);
    // Each representation has its own ETag; one does not revalidate another, and a stale one loads the shell anew.
    expect(new Set([gz.headers.etag, plain.headers.etag]).size).toBe(2);
    expect((await get(server.listenUrl, '/', { 'if-none-match': gz.headers.etag! })).status).toBe(200);
    expect((await get(server.listenUrl, '/', { 'if-none-match': '"stale"' })).status).toBe(200);
    expect((await get(server.listenUrl, '/', { 'if-none-match': `"stale", W/${plain.headers.etag!}` })).status).toBe(304);
  });

  it('keeps unhashed files revalidating, answers 404 for a missing asset, and never serves the compressed copies by name', async () => {
    const robots = await get(server.listenUrl, '/robots.txt');
    expect(robots.status).toBe(200);
    expect(robots.headers['cache-control']).toBe('no-cache');

    const missing = await get(server.listenUrl, '/assets/index-OldOld99.js', { 'accept-encoding': 'br' });
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toContain('application/problem+json');

    for (const copy of ['/assets/index-AbCd1234.js.br', '/assets/index-AbCd1234.js.gz']) {
      expect((await get(server.listenUrl, copy)).status, copy).toBe(404);
    }
    // The API is not shadowed by the shell.
    expect((await get(server.listenUrl, '/v1/no-such-route')).status).toBe(404);
  });
});
