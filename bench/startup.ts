/**
 * Startup benchmark: how long the embedded default (PGlite + private Janus) takes from `node …
 * main.ts` to a 200 on GET /ready, and how much memory it holds when idle, next to a bare Node
 * HTTP server measured in the same run as the reference.
 *
 *   node --import tsx bench/startup.ts          (RUNS=5 IDLE_MS=5000 by default)
 *
 * Not a test: it prints figures; docs/benchmarks.md records them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.RUNS ?? 5);
const idleMs = Number(process.env.IDLE_MS ?? 5000);
const startTimeoutMs = 120_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** One GET with a fresh connection; resolves with the status or 0 when nothing answers. */
function status(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => {
      req.destroy();
      resolve(0);
    });
  });
}

/** Spawns `cmd` and measures the time until `url` answers 200 (polled every 5 ms). */
async function timeToFirst200(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  url: string,
  onStdoutLine?: (line: string, sinceSpawnMs: number) => void,
): Promise<{ ms: number; proc: ChildProcess }> {
  const t0 = performance.now();
  const proc = spawn(cmd, args, { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let partial = '';
  proc.stdout!.on('data', (d: Buffer) => {
    const at = performance.now() - t0;
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) onStdoutLine?.(line, at);
  });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${cmd} exited with ${proc.exitCode}:\n${stderr}`);
    if ((await status(url)) === 200) return { ms: performance.now() - t0, proc };
    await sleep(5);
  }
  proc.kill('SIGKILL');
  throw new Error(`${url} did not answer 200 within ${startTimeoutMs} ms:\n${stderr}`);
}

/** Resident memory in MiB from /proc/<pid>/status (VmRSS). */
function rssMiB(pid: number | undefined): number {
  if (!pid) return NaN;
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** The Janus child of a Plenum process (direct child whose command is janus). */
function janusChildOf(pid: number): number | undefined {
  for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
    const children = fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    for (const c of children) {
      try {
        if (fs.readFileSync(`/proc/${c}/comm`, 'utf8').trim() === 'janus') return c;
      } catch {
        // gone
      }
    }
  }
  return undefined;
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill('SIGTERM');
  const inTime = await Promise.race([gone.then(() => true), sleep(20_000).then(() => false)]);
  if (!inTime) {
    proc.kill('SIGKILL');
    await gone;
  }
}

interface Sample {
  startMs: number;
  nodeRss: number;
  janusRss: number;
  /** From Plenum's log: Janus spawn → API answers, as Janus's own figure. */
  janusStartMs?: number;
  /** From Plenum's log: when "embedded Janus is ready" and "Plenum is listening" reached us, since spawn. */
  janusReadyAtMs?: number;
  listeningAtMs?: number;
}

async function plenum(dataDir: string, run: number): Promise<Sample> {
  const port = await freePort();
  // info: the phase markers below come from Plenum's own log lines.
  const env: NodeJS.ProcessEnv = { ...process.env, HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'info' };
  // The embedded default: no external database, Janus or Redis even if the shell has them set.
  for (const k of ['DATABASE_URL', 'JANUS_URL', 'JANUS_API_SECRET', 'REDIS_URL', 'MEDIA', 'OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET']) delete env[k];
  env.JANUS_RTP_PORTS = `${45000 + run * 100}-${45099 + run * 100}`;
  const phases: Pick<Sample, 'janusStartMs' | 'janusReadyAtMs' | 'listeningAtMs'> = {};
  const { ms, proc } = await timeToFirst200(
    process.execPath,
    ['--import', 'tsx', 'packages/server/src/main.ts'],
    env,
    `http://127.0.0.1:${port}/ready`,
    (line, at) => {
      if (line.includes('"embedded Janus is ready"')) {
        phases.janusReadyAtMs = at;
        phases.janusStartMs = (JSON.parse(line) as { startMs?: number }).startMs;
      } else if (line.includes('"Plenum is listening"')) phases.listeningAtMs = at;
    },
  );
  await sleep(idleMs);
  const sample = { startMs: ms, nodeRss: rssMiB(proc.pid), janusRss: rssMiB(janusChildOf(proc.pid!)), ...phases };
  await stop(proc);
  return sample;
}

async function reference(): Promise<Sample> {
  const port = await freePort();
  const code = `require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`;
  const { ms, proc } = await timeToFirst200(process.execPath, ['-e', code], { PATH: process.env.PATH }, `http://127.0.0.1:${port}/`);
  await sleep(idleMs);
  const sample = { startMs: ms, nodeRss: rssMiB(proc.pid), janusRss: 0 };
  await stop(proc);
  return sample;
}

function stats(xs: number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s.at(-1)! };
}

const fmt = (x: number, digits = 0) => x.toFixed(digits);

async function main(): Promise<void> {
  const cold: Sample[] = [];
  const warm: Sample[] = [];
  const ref: Sample[] = [];
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  console.log(`startup benchmark: ${runs} runs, ${idleMs} ms idle before reading RSS; ${os.cpus().length} CPUs, Node ${process.version}, load average ${load()}`);
  for (let i = 0; i < runs; i++) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-bench-'));
    try {
      ref.push(await reference());
      cold.push(await plenum(dataDir, i));
      warm.push(await plenum(dataDir, i));
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
    const c = cold.at(-1)!;
    const w = warm.at(-1)!;
    const r = ref.at(-1)!;
    console.log(
      `run ${i + 1}: cold ${fmt(c.startMs)} ms (node ${fmt(c.nodeRss, 1)} MiB, janus ${fmt(c.janusRss, 1)} MiB) · ` +
        `warm ${fmt(w.startMs)} ms (node ${fmt(w.nodeRss, 1)} MiB, janus ${fmt(w.janusRss, 1)} MiB) · reference ${fmt(r.startMs)} ms, ${fmt(r.nodeRss, 1)} MiB`,
    );
  }
  const rows: [string, number[], string][] = [
    ['cold start to /ready 200', cold.map((s) => s.startMs), 'ms'],
    ['warm start to /ready 200', warm.map((s) => s.startMs), 'ms'],
    ['reference start to first 200', ref.map((s) => s.startMs), 'ms'],
    ['cold: embedded Janus spawn → API answers', cold.map((s) => s.janusStartMs ?? NaN), 'ms'],
    ['cold: spawn → "embedded Janus is ready" logged', cold.map((s) => s.janusReadyAtMs ?? NaN), 'ms'],
    ['cold: spawn → "Plenum is listening" logged', cold.map((s) => s.listeningAtMs ?? NaN), 'ms'],
    ['warm: embedded Janus spawn → API answers', warm.map((s) => s.janusStartMs ?? NaN), 'ms'],
    ['warm: spawn → "embedded Janus is ready" logged', warm.map((s) => s.janusReadyAtMs ?? NaN), 'ms'],
    ['warm: spawn → "Plenum is listening" logged', warm.map((s) => s.listeningAtMs ?? NaN), 'ms'],
    ['idle RSS Plenum node (cold)', cold.map((s) => s.nodeRss), 'MiB'],
    ['idle RSS Plenum node (warm)', warm.map((s) => s.nodeRss), 'MiB'],
    ['idle RSS embedded Janus', cold.map((s) => s.janusRss), 'MiB'],
    ['idle RSS Plenum node + Janus (cold)', cold.map((s) => s.nodeRss + s.janusRss), 'MiB'],
    ['idle RSS reference', ref.map((s) => s.nodeRss), 'MiB'],
  ];
  console.log('\n| measure | median | min | max |\n|---|---|---|---|');
  for (const [name, xs, unit] of rows) {
    const s = stats(xs);
    const d = unit === 'MiB' ? 1 : 0;
    console.log(`| ${name} | ${fmt(s.median, d)} ${unit} | ${fmt(s.min, d)} | ${fmt(s.max, d)} |`);
  }
  const m = (xs: Sample[], f: (s: Sample) => number) => stats(xs.map(f)).median;
  const refStart = m(ref, (s) => s.startMs);
  const refRss = m(ref, (s) => s.nodeRss);
  console.log(`\nload average at the end: ${load()}`);
  console.log('ratios Plenum / reference (medians):');
  console.log(`  cold start ${fmt(m(cold, (s) => s.startMs) / refStart, 1)}×, warm start ${fmt(m(warm, (s) => s.startMs) / refStart, 1)}×`);
  console.log(
    `  idle RSS node ${fmt(m(cold, (s) => s.nodeRss) / refRss, 1)}×, node + Janus ${fmt(m(cold, (s) => s.nodeRss + s.janusRss) / refRss, 1)}×`,
  );
}

await main();
