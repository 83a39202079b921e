import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import negotiate from '@fastify/accept-negotiator';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** A hashed build file (`assets/index-C_2reAR_.js`): its name changes with its content, so it never goes stale. */
const HASHED_ASSET = /^assets\/.+-[\w-]{8,}\.[\w.]+$/;

/** A year, the longest `max-age` caches honour; with `immutable` a browser does not even revalidate. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Kept, but asked for again (ETag → 304) on every use: the shell must name the current release's assets. */
export const REVALIDATE = 'no-cache';

type Encoding = 'br' | 'gzip';
const ENCODINGS: Encoding[] = ['br', 'gzip'];

/** The app shell (index.html) in each encoding, with a strong ETag per representation. */
interface Representation {
  body: Buffer;
  etag: string;
}

/**
 * Serves the built web client: the files of `dist` as the build left them — brotli or gzip copies (written by
 * the build's precompress plugin) to clients that accept them, with `Vary: Accept-Encoding` — hashed assets
 * cached for a year as immutable, everything else `no-cache` with an ETag; and the app shell for every
 * client-side route (`/`, `/rooms/…`, `/invite/…`), which a second visit revalidates (304) instead of loading.
 */
export async function registerWebClient(app: FastifyInstance, webDist: string, apiPrefixes: readonly string[]): Promise<void> {
  await app.register(fastifyStatic, {
    root: webDist,
    prefix: '/',
    wildcard: false,
    index: false,
    preCompressed: true,
    // The compressed copies are chosen by Accept-Encoding, not requested by name; the shell is served below.
    globIgnore: ['**/*.br', '**/*.gz', 'index.html'],
    cacheControl: false,
    setHeaders(reply, filePath) {
      reply.header('Cache-Control', cacheControlFor(path.relative(webDist, filePath)));
    },
  });

  const shell = shellRepresentations(fs.readFileSync(path.join(webDist, 'index.html')));
  const sendShell = (request: FastifyRequest, reply: FastifyReply) => {
    const accepted = request.headers['accept-encoding'];
    const encoding = typeof accepted === 'string' ? negotiate(accepted.toLowerCase().replace(/\*/g, 'gzip'), ENCODINGS) : null;
    const chosen = encoding ? shell[encoding] : shell.identity;
    reply.header('Cache-Control', REVALIDATE).header('Vary', 'Accept-Encoding').header('ETag', chosen.etag);
    if (matchesEtag(request.headers['if-none-match'], chosen.etag)) return reply.code(304).send();
    if (encoding) reply.header('Content-Encoding', encoding);
    return reply.type('text/html; charset=utf-8').send(chosen.body);
  };

  // SPA fallback: client-side routes (/, /invite/…, /rooms/…) all get the app shell.
  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    const url = request.url.split('?')[0] ?? '/';
    if (apiPrefixes.some((p) => url.startsWith(p))) {
      return reply.callNotFound();
    }
    // A file that appeared after the start (a rebuild in place) is served too; its compressed copies only by negotiation.
    const file = path.join(webDist, path.normalize(url));
    if (url !== '/' && !/\.(br|gz)$/.test(url) && file.startsWith(webDist + path.sep) && fs.existsSync(file) && fs.statSync(file).isFile()) {
      return reply.sendFile(path.relative(webDist, file));
    }
    // A chunk that is not there (one of an older release) is a 404, not the shell: the page's import fails
    // cleanly and the app offers a reload, instead of trying to run HTML as a script.
    if (url.startsWith('/assets/')) return reply.callNotFound();
    return sendShell(request, reply);
  });
}

/** `Cache-Control` of one file of the build, by its path inside `dist`. */
export function cacheControlFor(relative: string): string {
  return HASHED_ASSET.test(relative.split(path.sep).join('/')) ? IMMUTABLE : REVALIDATE;
}

function shellRepresentations(html: Buffer): Record<Encoding | 'identity', Representation> {
  const hash = createHash('sha256').update(html).digest('base64url').slice(0, 22);
  return {
    identity: { body: html, etag: `"${hash}"` },
    br: { body: zlib.brotliCompressSync(html, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY } }), etag: `"${hash}-br"` },
    gzip: { body: zlib.gzipSync(html, { level: zlib.constants.Z_BEST_COMPRESSION }), etag: `"${hash}-gz"` },
  };
}

/** If-None-Match against one ETag (weak comparison, as RFC 9110 wants for it; `*` matches any). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const candidate = tag.trim().replace(/^W\//, '');
    return candidate === '*' || candidate === etag;
  });
}
