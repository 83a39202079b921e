/**
 * What the signaling-level benchmarks (signaling.ts, vote.ts) share: options from the environment, bounded
 * waiting, percentiles, and a real Plenum server process on the embedded default.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { freeLoopbackPort } from './proc.ts';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const intEnv = (name: string, fallback: number, min: number, max: number): number => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${name}: an integer ${min}..${max}`);
  return v;
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Rejects after `ms` so that no phase can hang the run. */
export function within<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms)))]).finally(() =>
    clearTimeout(t),
  );
}

/** Runs `tasks` with at most `limit` in flight. */
export async function pool<T>(count: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

/** Nearest-rank percentile. */
export function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
export const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
export const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');

export async function stopProcess(proc: ChildProcess, graceMs = 20_000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill('SIGTERM');
  if (!(await Promise.race([gone.then(() => true), sleep(graceMs).then(() => false)]))) {
    proc.kill('SIGKILL');
    await gone;
  }
}

export function openSocket(url: string, protocols: string[] | undefined, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocols, { perMessageDeflate: false, ...options });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`${url}: HTTP ${res.statusCode}`)));
  });
}

export interface PlenumServer {
  proc: ChildProcess;
  url: string;
  admin: { username: string; password: string };
  /** METRICS_TOKEN of this server: `Authorization: Bearer <it>` reads /metrics. */
  metricsToken: string;
}

/** Plenum as `npm start` runs it (PGlite, embedded login, no media server), whatever the shell has set. */
export async function startPlenum(dataDir: string, readyWithinMs: number): Promise<PlenumServer> {
  const port = await freeLoopbackPort();
  const admin = { username: 'bench-admin', password: randomBytes(12).toString('base64url') };
  const metricsToken = randomBytes(24).toString('base64url');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    MEDIA: 'off',
    LOG_LEVEL: 'warn',
    ADMIN_USERNAME: admin.username,
    ADMIN_PASSWORD: admin.password,
    METRICS_TOKEN: metricsToken,
  };
  for (const k of ['DATABASE_URL', 'JANUS_URL', 'JANUS_API_SECRET', 'REDIS_URL', 'OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'PUBLIC_URL']) delete env[k];
  const proc = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], { cwd: repo, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyWithinMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`the server exited with ${proc.exitCode}:\n${stderr}`);
    const ok = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok).catch(() => false);
    if (ok) return { proc, url, admin, metricsToken };
    await sleep(100);
  }
  proc.kill('SIGKILL');
  throw new Error(`the server did not become ready in time:\n${stderr}`);
}
