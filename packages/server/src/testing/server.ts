import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import type { DestinationStream } from 'pino';
import { loadConfig } from '../config.ts';
import { createLogger, startPlenum, type Plenum, type PlenumOptions } from '../server.ts';
import { openTestStorage, type Backend } from '../storage/testing.ts';

export interface TestServer extends Plenum {
  /** Where the server listens (http://HOST:port); `url` is PUBLIC_URL, which a test may point at a proxy. */
  listenUrl: string;
  /** Log in as a fresh user without going through OIDC (the login flow has its own tests). */
  loginAs(role?: 'admin' | 'user', name?: string): Promise<{ userId: string; cookie: string; csrf: string; token: string }>;
  /** A JSON request to the REST API, as `user` when given (cookie + CSRF token); throws on a non-2xx answer. */
  api<T>(method: string, urlPath: string, body: unknown, user?: { cookie: string; csrf: string }): Promise<T>;
}

/**
 * A real Plenum on 127.0.0.1 with a random port and an isolated database (PGlite in memory by default,
 * or a fresh PostgreSQL schema). Media is off unless the test asks for it.
 */
export async function startTestServer(
  opts: {
    backend?: Backend;
    env?: Record<string, string>;
    /** Serve the built web client (`true`: packages/web/dist; a path: that directory). */
    web?: boolean | string;
    /** Receives the server's log lines (the real logger, redaction included) at LOG_LEVEL, `info` by default. */
    logStream?: DestinationStream;
  } & Pick<PlenumOptions, 'media' | 'now'> = {},
): Promise<TestServer> {
  const storage = await openTestStorage(opts.backend ?? 'pglite');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-test-'));
  const logLevel = process.env.TEST_LOG_LEVEL ?? (opts.logStream ? 'info' : 'silent');
  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: logLevel, MEDIA: 'off', ...opts.env });
  const plenum = await startPlenum(config, {
    logger: createLogger(config, opts.logStream),
    storage,
    webDist: typeof opts.web === 'string' ? opts.web : opts.web ? undefined : null,
    ...(opts.media ? { media: opts.media } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  const address = plenum.app.server.address() as AddressInfo;
  const listenUrl = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  let counter = 0;
  return {
    ...plenum,
    listenUrl,
    async close() {
      await plenum.close();
      await storage.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
    async api<T>(method: string, urlPath: string, body: unknown, user?: { cookie: string; csrf: string }): Promise<T> {
      const res = await fetch(`${listenUrl}${urlPath}`, {
        method,
        headers: { 'content-type': 'application/json', ...(user ? { cookie: user.cookie, 'x-csrf-token': user.csrf } : {}) },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${method} ${urlPath}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    async loginAs(role = 'user', name) {
      counter++;
      const user = await plenum.services.users.upsertFromLogin({
        issuer: 'urn:plenum:test',
        subject: `${role}-${counter}-${crypto.randomUUID()}`,
        displayName: name ?? `${role === 'admin' ? 'Admin' : 'User'} ${counter}`,
        email: null,
        role,
      });
      const { token } = await plenum.services.sessions.create(user.id, null);
      const session = (await plenum.services.sessions.resolve(token))!;
      return { userId: user.id, cookie: `plenum_session=${token}`, csrf: session.csrfToken, token };
    },
  };
}
