/**
 * Join benchmark: for N participants joining a room at once (one headless Chromium, one browser
 * context per participant, fake camera), the time from sending control/join to the first decoded
 * remote video frame, next to Janus's own EchoTest measured in the same run as the reference (time
 * from starting negotiation to the first decoded echoed frame, same N pages at once); then CPU and
 * memory of the Plenum server process and of its Janus child in the steady state.
 *
 *   node --import tsx bench/join.ts [2,4,8]      (or N=2,4,8; REPS=3 STEADY_MS=10000 VIDEO=640x360@15
 *                                                  JOIN_TIMEOUT_MS=45000 BUDGET_S=1500)
 *
 * Not a test: it prints figures; docs/benchmarks.md records them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../packages/server/src/modules/media/testing/browser-client.ts';
import { startEchoJanus, type EchoJanus } from './lib/echo-janus.ts';
import { BenchPage, POLL_MS, type EchoResult, type PlenumJoinResult, type VideoSpec } from './lib/join-page.ts';
import { allJanusPids, cpuSeconds, descendantsOf, freeLoopbackPort, janusBelow, rssMiB } from './lib/proc.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// ── options ──────────────────────────────────────────────────────────────────
const nList = (process.argv[2] ?? process.env.N ?? '2,4,8').split(',').map((s) => Number(s.trim()));
if (nList.some((n) => !Number.isInteger(n) || n < 2 || n > 16)) throw new Error('N: a comma-separated list of integers 2..16');
const reps = Number(process.env.REPS ?? 3);
const steadyMs = Number(process.env.STEADY_MS ?? 10_000);
const joinTimeoutMs = Number(process.env.JOIN_TIMEOUT_MS ?? 45_000);
/** The whole run stops starting new measurements after this (it still cleans up). */
const budgetMs = Number(process.env.BUDGET_S ?? 1500) * 1000;
const videoMatch = /^(\d+)x(\d+)@(\d+)$/.exec(process.env.VIDEO ?? '640x360@15');
if (!videoMatch) throw new Error('VIDEO: WIDTHxHEIGHT@FPS, e.g. 640x360@15');
const video: VideoSpec = { width: Number(videoMatch[1]), height: Number(videoMatch[2]), frameRate: Number(videoMatch[3]) };
/** UDP ports: Plenum's embedded Janus and the reference Janus (other test files use 42000–45599). */
const PLENUM_RTP = '47000-47399';
const ECHO_RTP = { from: 47400, to: 47799 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const startedAt = Date.now();
const overBudget = () => Date.now() - startedAt > budgetMs;

/** Rejects after `ms` so that no phase can hang the run. */
function within<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms)))]).finally(() =>
    clearTimeout(t),
  );
}

// ── the Plenum server as a child process ─────────────────────────────────────
interface Server {
  proc: ChildProcess;
  url: string;
  janusPid: number;
  admin: { username: string; password: string };
  stderr: () => string;
}

async function startServer(dataDir: string): Promise<Server> {
  const port = await freeLoopbackPort();
  const admin = { username: 'bench-admin', password: randomBytes(12).toString('base64url') };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    MEDIA: 'janus',
    JANUS_ICE_INTERFACE: 'lo',
    JANUS_RTP_PORTS: PLENUM_RTP,
    LOG_LEVEL: 'warn',
    ADMIN_USERNAME: admin.username,
    ADMIN_PASSWORD: admin.password,
  };
  // The embedded default (PGlite, private Janus, embedded login), whatever the shell has set.
  for (const k of ['DATABASE_URL', 'JANUS_URL', 'JANUS_API_SECRET', 'REDIS_URL', 'OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'PUBLIC_URL']) delete env[k];
  const proc = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], { cwd: repo, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`the server exited with ${proc.exitCode}:\n${stderr}`);
    const ok = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok).catch(() => false);
    if (ok) {
      const janusPid = janusBelow(proc.pid!);
      if (!janusPid) throw new Error('the server is ready but no Janus process was found below it');
      return { proc, url, janusPid, admin, stderr: () => stderr };
    }
    await sleep(100);
  }
  proc.kill('SIGKILL');
  throw new Error(`the server did not become ready within 180 s:\n${stderr}`);
}

async function stopProcess(proc: ChildProcess, graceMs = 20_000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill('SIGTERM');
  if (!(await Promise.race([gone.then(() => true), sleep(graceMs).then(() => false)]))) {
    proc.kill('SIGKILL');
    await gone;
  }
}

/** Logs the admin in through the embedded login page, as a person would, and returns a room factory. */
async function adminSession(browser: Browser, server: Server): Promise<{ newRoom(): Promise<{ roomId: string; invite: string }>; close(): Promise<void> }> {
  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto(`${server.url}/auth/login`);
  await page.getByLabel('Username').fill(server.admin.username);
  await page.getByLabel('Password').fill(server.admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${server.url}/`, { timeout: 20_000 });
  return {
    // The context's request client carries the session cookie, as the page's fetch would.
    async newRoom() {
      const me = (await (await context.request.get(`${server.url}/v1/me`)).json()) as { csrf_token: string };
      const post = async (p: string, body: unknown) => {
        const res = await context.request.post(`${server.url}${p}`, { headers: { 'x-csrf-token': me.csrf_token }, data: body });
        if (!res.ok()) throw new Error(`${p}: ${res.status()} ${await res.text()}`);
        return res.json() as Promise<Record<string, unknown>>;
      };
      const room = (await post('/v1/rooms', { name: 'Benchmark' })) as { id: string };
      const invite = (await post(`/v1/rooms/${room.id}/invites`, { label: 'benchmark' })) as { code: string };
      return { roomId: room.id, invite: invite.code };
    },
    close: () => context.close(),
  };
}

async function guestTicket(server: Server, roomId: string, invite: string, name: string): Promise<string> {
  const res = await fetch(`${server.url}/v1/rooms/${roomId}/start-invited`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ invite_code: invite, display_name: name }),
  });
  const body = (await res.json()) as { ticket?: string };
  if (!res.ok || !body.ticket) throw new Error(`start-invited: ${res.status} ${JSON.stringify(body)}`);
  return body.ticket;
}

// ── steady-state sampling ────────────────────────────────────────────────────
interface Steady {
  /** CPU in % of one core, averaged over the window. */
  cpu: Record<string, number>;
  rss: Record<string, number>;
  /** Decoded video frames per second per received stream (median over pages). */
  fpsPerStream: number;
  streams: number;
}

async function sampleSteady(procs: Record<string, () => number[]>, pages: BenchPage[]): Promise<Steady> {
  const cpuOf = (pids: number[]) => pids.reduce((s, p) => s + (cpuSeconds(p) || 0), 0);
  const pidsAtStart = Object.fromEntries(Object.entries(procs).map(([k, f]) => [k, f()]));
  const cpu0 = Object.fromEntries(Object.entries(pidsAtStart).map(([k, pids]) => [k, cpuOf(pids)]));
  const dec0 = await Promise.all(pages.map((p) => p.decoded()));
  const t0 = performance.now();
  await sleep(steadyMs);
  const dec1 = await Promise.all(pages.map((p) => p.decoded()));
  const seconds = (performance.now() - t0) / 1000;
  const cpu: Record<string, number> = {};
  const rss: Record<string, number> = {};
  for (const [k, pids] of Object.entries(pidsAtStart)) {
    cpu[k] = ((cpuOf(pids) - cpu0[k]!) / seconds) * 100;
    rss[k] = pids.reduce((s, p) => s + (rssMiB(p) || 0), 0);
  }
  const fps = dec1.map((d, i) => (d.streams ? (d.frames - dec0[i]!.frames) / d.streams / seconds : 0));
  return { cpu, rss, fpsPerStream: median(fps), streams: dec1.reduce((s, d) => s + d.streams, 0) };
}

// ── statistics ───────────────────────────────────────────────────────────────
function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
/** Nearest-rank percentile. */
function pct(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}
const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const nums = (xs: (number | null)[]) => xs.filter((x): x is number => typeof x === 'number');

// ── one measurement each ─────────────────────────────────────────────────────
interface PlenumRun {
  results: PlenumJoinResult[];
  steady: Steady | null;
  /** CPU seconds spent from the joins to everyone decoding everyone. */
  joinCpu: { server: number; janus: number };
  /** RSS just before the joins (pages open, sockets connected). */
  rssBefore: { server: number; janus: number };
}
interface EchoRun {
  results: EchoResult[];
  steady: Steady | null;
}

async function echoRun(browser: Browser, server: Server, echo: EchoJanus, n: number, procs: Record<string, () => number[]>): Promise<EchoRun> {
  const opened = await Promise.allSettled(Array.from({ length: n }, () => BenchPage.open(browser, server.url, video)));
  const pages = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  try {
    const failed = opened.find((o) => o.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    // Like the Plenum pages' signaling socket, Janus's socket is open before the clock starts.
    await Promise.all(pages.map((p) => p.janusConnect(echo.url, echo.apiSecret)));
    const results = await within('echo', joinTimeoutMs + 15_000, Promise.all(pages.map((p) => p.echo(joinTimeoutMs))));
    const steady = results.every((r) => r.firstFrame !== null) && steadyMs > 0 ? await sampleSteady(procs, pages) : null;
    return { results, steady };
  } finally {
    await Promise.all(pages.map((p) => p.close().catch(() => {})));
  }
}

async function plenumRun(
  browser: Browser,
  server: Server,
  newRoom: () => Promise<{ roomId: string; invite: string }>,
  n: number,
  procs: Record<string, () => number[]>,
): Promise<PlenumRun> {
  const { roomId, invite } = await newRoom();
  const opened = await Promise.allSettled(Array.from({ length: n }, () => BenchPage.open(browser, server.url, video)));
  const pages = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  try {
    const failed = opened.find((o) => o.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const wsUrl = `${server.url.replace(/^http/, 'ws')}/signaling`;
    for (const [i, p] of pages.entries()) await p.connect(wsUrl, await guestTicket(server, roomId, invite, `Teilnehmer ${i + 1}`));
    const [serverPid, janusPid] = [server.proc.pid!, server.janusPid];
    const rssBefore = { server: rssMiB(serverPid), janus: rssMiB(janusPid) };
    const cpu0 = { server: cpuSeconds(serverPid), janus: cpuSeconds(janusPid) };
    // Everyone joins at once, like a meeting that starts on time.
    const results = await within('join', joinTimeoutMs + 15_000, Promise.all(pages.map((p) => p.join(n - 1, joinTimeoutMs))));
    const joinCpu = { server: cpuSeconds(serverPid) - cpu0.server, janus: cpuSeconds(janusPid) - cpu0.janus };
    const steady = results.every((r) => r.allFrames !== null) && steadyMs > 0 ? await sampleSteady(procs, pages) : null;
    return { results, steady, joinCpu, rssBefore };
  } finally {
    await Promise.all(pages.map((p) => p.close().catch(() => {})));
    // Let the server notice the closed sockets and tear the Janus room down before the next run.
    await sleep(1500);
  }
}

// ── main ─────────────────────────────────────────────────────────────────────
async function main(): Promise<void> {
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const loadStart = load();
  console.log(
    `join benchmark: N=${nList.join(',')}, ${reps} repetitions, video ${video.width}x${video.height}@${video.frameRate} (fake camera, VP8; Plenum simulcast l/m/h), ` +
      `getStats polled every ${POLL_MS} ms, steady state ${steadyMs} ms; ${os.cpus().length} CPUs, Node ${process.version}; load average ${loadStart}`,
  );
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-bench-join-'));
  let server: Server | undefined;
  let echo: EchoJanus | undefined;
  let browser: Browser | undefined;
  const ourJanus: number[] = [];
  const plenum = new Map<number, PlenumRun[]>();
  const echoes = new Map<number, EchoRun[]>();
  const failures: string[] = [];
  let idle: Steady | undefined;
  try {
    const started = await Promise.allSettled([
      startServer(path.join(tmp, 'data')),
      startEchoJanus({ dir: path.join(tmp, 'echo-janus'), rtpPorts: ECHO_RTP, iceInterface: 'lo' }),
      launchChromium(),
    ] as const);
    // Whatever did start is cleaned up below even if something else did not.
    if (started[0].status === 'fulfilled') server = started[0].value;
    if (started[1].status === 'fulfilled') echo = started[1].value;
    if (started[2].status === 'fulfilled') browser = started[2].value;
    const notStarted = started.find((x) => x.status === 'rejected');
    if (notStarted || !server || !echo || !browser) throw (notStarted as PromiseRejectedResult | undefined)?.reason ?? new Error('start failed');
    // Janus processes die with us (pdeathsig); the server child would not: kill it if we are interrupted.
    const serverProc = server.proc;
    const onSignal = (signal: NodeJS.Signals) => {
      serverProc.kill('SIGKILL');
      fs.rmSync(tmp, { recursive: true, force: true });
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    process.once('exit', () => serverProc.kill('SIGKILL'));
    ourJanus.push(server.janusPid, echo.pid);
    const srv = server;
    const ech = echo;
    const serverTree = () => new Set([srv.proc.pid!, ...descendantsOf(srv.proc.pid!)]);
    const procs: Record<string, () => number[]> = {
      server: () => [srv.proc.pid!],
      janus: () => [srv.janusPid],
      echoJanus: () => [ech.pid],
      // Chromium: everything below this process that is neither the server's tree nor the reference Janus.
      chromium: () => {
        const exclude = serverTree();
        return descendantsOf(process.pid).filter((p) => !exclude.has(p) && p !== ech.pid);
      },
    };
    const admin = await adminSession(browser, server);
    // Idle baseline (after login, before any meeting): what the steady-state figures are compared with.
    idle = await sampleSteady(procs, []);
    console.log(
      `idle: server ${f1(idle.cpu.server!)} % CPU, ${f1(idle.rss.server!)} MiB; Janus ${f1(idle.cpu.janus!)} %, ${f1(idle.rss.janus!)} MiB; ` +
        `reference Janus ${f1(idle.cpu.echoJanus!)} %, ${f1(idle.rss.echoJanus!)} MiB; Chromium ${f1(idle.cpu.chromium!)} %`,
    );

    for (const n of nList) {
      plenum.set(n, []);
      echoes.set(n, []);
      for (let r = 0; r < reps; r++) {
        if (overBudget()) {
          failures.push(`N=${n} rep ${r + 1}: skipped (time budget of ${budgetMs / 1000} s used up)`);
          continue;
        }
        try {
          const e = await echoRun(browser, server, echo, n, procs);
          echoes.get(n)!.push(e);
          const p = await plenumRun(browser, server, admin.newRoom, n, procs);
          plenum.get(n)!.push(p);
          const pf = nums(p.results.map((x) => x.firstFrame));
          const ef = nums(e.results.map((x) => x.firstFrame));
          const missing = p.results.filter((x) => x.allFrames === null).length;
          console.log(
            `N=${n} rep ${r + 1}: Plenum first frame median ${f0(median(pf))} ms (max ${f0(Math.max(...pf))}), ` +
              `all ${n - 1} remotes median ${f0(median(nums(p.results.map((x) => x.allFrames))))} ms${missing ? `, ${missing} incomplete` : ''}; ` +
              `echo median ${f0(median(ef))} ms; steady: server ${f1(p.steady?.cpu.server ?? NaN)} %, Janus ${f1(p.steady?.cpu.janus ?? NaN)} %, ` +
              `Chromium ${f1(p.steady?.cpu.chromium ?? NaN)} %, ${f1(p.steady?.fpsPerStream ?? NaN)} fps/stream; load ${load()}`,
          );
          for (const x of p.results) for (const err of x.errors) failures.push(`N=${n} rep ${r + 1}: page error ${err}`);
          if (missing) failures.push(`N=${n} rep ${r + 1}: ${missing} of ${n} participants did not decode all remotes within ${joinTimeoutMs} ms`);
        } catch (err) {
          failures.push(`N=${n} rep ${r + 1}: ${err instanceof Error ? err.message : String(err)}`);
          console.log(`N=${n} rep ${r + 1}: FAILED ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
    await admin.close();
  } finally {
    await browser?.close().catch(() => {});
    await echo?.stop().catch(() => {});
    if (server) await stopProcess(server.proc);
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  // ── report ──
  const left = allJanusPids().filter((p) => ourJanus.includes(p));
  console.log(`\ncleanup: browser closed, server stopped; Janus processes of this run left: ${left.length ? left.join(', ') : 'none'}`);
  console.log(`load average at the start ${loadStart}, at the end ${load()}`);
  console.log('\n### time to the first decoded remote video frame (ms, per participant, all repetitions)\n');
  console.log('| N | samples | Plenum first remote: median | p95 | Plenum all remotes: median | p95 | echo: median | p95 | ratio Plenum/echo (median) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const n of nList) {
    const p = (plenum.get(n) ?? []).flatMap((r) => r.results);
    const e = (echoes.get(n) ?? []).flatMap((r) => r.results);
    const first = nums(p.map((x) => x.firstFrame));
    const all = nums(p.map((x) => x.allFrames));
    const ef = nums(e.map((x) => x.firstFrame));
    console.log(
      `| ${n} | ${first.length}/${p.length} · ${ef.length}/${e.length} | ${f0(median(first))} | ${f0(pct(first, 95))} | ${f0(median(all))} | ${f0(pct(all, 95))} | ` +
        `${f0(median(ef))} | ${f0(pct(ef, 95))} | ${f1(median(first) / median(ef))}× |`,
    );
  }
  console.log('\n### phases of the Plenum join (ms since control/join was sent, medians)\n');
  console.log('| N | join_success | publish offer ready | publish_answer | first subscribe_offer | first remote frame | echo: offer ready | echo: answer from Janus |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const n of nList) {
    const p = (plenum.get(n) ?? []).flatMap((r) => r.results);
    const e = (echoes.get(n) ?? []).flatMap((r) => r.results);
    const m = (f: (x: PlenumJoinResult) => number | null) => f0(median(nums(p.map(f))));
    console.log(
      `| ${n} | ${m((x) => x.joinSuccess)} | ${m((x) => x.offerReady)} | ${m((x) => x.publishAnswer)} | ${m((x) => x.firstOffer)} | ${m((x) => x.firstFrame)} | ` +
        `${f0(median(e.map((x) => x.offerReady)))} | ${f0(median(e.map((x) => x.answered)))} |`,
    );
  }
  console.log('\n### CPU spent while joining (from the joins until everyone decodes everyone; CPU-ms, medians over repetitions)\n');
  console.log('| N | server | per participant | Janus | per participant |');
  console.log('|---|---|---|---|---|');
  for (const n of nList) {
    const runs = plenum.get(n) ?? [];
    if (!runs.length) continue;
    const s = median(runs.map((r) => r.joinCpu.server * 1000));
    const j = median(runs.map((r) => r.joinCpu.janus * 1000));
    console.log(`| ${n} | ${f0(s)} | ${f0(s / n)} | ${f0(j)} | ${f0(j / n)} |`);
  }
  console.log(`\n### steady state (${steadyMs / 1000} s after every participant decodes every remote; medians over repetitions)\n`);
  console.log('CPU in % of one core (utime+stime from /proc), RSS (VmRSS) in MiB; Δ = steady state minus just before the joins of the same run.\n');
  console.log('| N | server CPU | per participant | Janus CPU | per participant | server RSS | Δ | Janus RSS | Δ per participant | Chromium CPU (all pages) | fps per received stream | echo: Janus CPU | echo: Chromium CPU | echo: fps per stream |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  if (idle) {
    console.log(`| idle | ${f1(idle.cpu.server!)} | | ${f1(idle.cpu.janus!)} | | ${f1(idle.rss.server!)} | | ${f1(idle.rss.janus!)} | | ${f1(idle.cpu.chromium!)} | | ${f1(idle.cpu.echoJanus!)} | | |`);
  }
  for (const n of nList) {
    const runs = (plenum.get(n) ?? []).filter((r) => r.steady);
    const es = (echoes.get(n) ?? []).flatMap((r) => (r.steady ? [r.steady] : []));
    if (!runs.length) continue;
    const m = (f: (s: Steady) => number) => median(runs.map((r) => f(r.steady!)));
    const dServer = median(runs.map((r) => r.steady!.rss.server! - r.rssBefore.server));
    const dJanus = median(runs.map((r) => r.steady!.rss.janus! - r.rssBefore.janus));
    const sign = (x: number) => `${x >= 0 ? '+' : ''}${f1(x)}`;
    console.log(
      `| ${n} | ${f1(m((s) => s.cpu.server!))} | ${f1(m((s) => s.cpu.server!) / n)} | ${f1(m((s) => s.cpu.janus!))} | ${f1(m((s) => s.cpu.janus!) / n)} | ` +
        `${f1(m((s) => s.rss.server!))} | ${sign(dServer)} | ${f1(m((s) => s.rss.janus!))} | ${sign(dJanus / n)} | ` +
        `${f1(m((s) => s.cpu.chromium!))} | ${f1(m((s) => s.fpsPerStream))} | ${f1(median(es.map((s) => s.cpu.echoJanus!)))} | ` +
        `${f1(median(es.map((s) => s.cpu.chromium!)))} | ${f1(median(es.map((s) => s.fpsPerStream)))} |`,
    );
  }
  if (failures.length) {
    console.log('\n### problems\n');
    for (const f of failures.slice(0, 50)) console.log(`- ${f}`);
    process.exitCode = 1;
  }
}

await main();
