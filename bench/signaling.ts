/**
 * Signaling benchmark: PARTICIPANTS simulated participants (WebSocket clients, no media) spread over ROOMS
 * rooms send room chat messages and raise/lower their hand at a bounded rate for DURATION_S seconds. It
 * prints the time from sending a command to its delivery at every other member of the room (p50/p99), the
 * CPU and RSS of the Plenum server process, and the same load against a bare `ws` fan-out server measured in
 * the same run, at the same time, as the reference (bench/lib/ws-fanout-server.ts): two client sets, two
 * servers, one window, so that whatever else the machine does slows both alike.
 *
 *   node --import tsx bench/signaling.ts      (knobs: PARTICIPANTS=500 ROOMS=50 DURATION_S=60
 *                                              CHAT_EVERY_MS=5000 HAND_EVERY_MS=10000 SKIP_REFERENCE=1)
 *
 * All clients live in this one process, so send and receipt are read from one monotonic clock
 * (performance.now()); the process's own CPU and event-loop delay are printed so that a saturated client
 * side can be told apart from a slow server. Not a test: docs/benchmarks.md records the figures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, SIGNALING_SUBPROTOCOL, TICKET_SUBPROTOCOL_PREFIX } from '../packages/protocol/src/index.ts';
import { launchChromium } from '../packages/server/src/testing/browsers.ts';
import { f1, f2, intEnv, openSocket, pct, pool, repo, sleep, startPlenum, stopProcess, within, type PlenumServer } from './lib/harness.ts';
import { cpuSeconds, rssMiB } from './lib/proc.ts';


// ── options ──────────────────────────────────────────────────────────────────
const participantCount = intEnv('PARTICIPANTS', 500, 2, 5000);
const roomCount = intEnv('ROOMS', 50, 1, 500);
const durationMs = intEnv('DURATION_S', 60, 1, 600) * 1000;
/** Per participant; the server allows 1 chat message/s (burst 10) and 20 commands/s (burst 40). */
const chatEveryMs = intEnv('CHAT_EVERY_MS', 5000, 1000, 600_000);
const handEveryMs = intEnv('HAND_EVERY_MS', 10_000, 200, 600_000);
const skipReference = process.env.SKIP_REFERENCE === '1';
/** Setup (server start, login, rooms, connecting and joining everyone) of one phase must finish within this. */
const SETUP_TIMEOUT_MS = 180_000;
/** After the last send, time for the last deliveries to arrive before counting what is missing. */
const DRAIN_MS = 3000;
/** Sockets opened at once while connecting (handshake + REST ticket). */
const CONNECT_CONCURRENCY = 20;
/** Length of each chat text (the same bytes go to the reference). */
const TEXT_LENGTH = 80;




// ── statistics ───────────────────────────────────────────────────────────────

// ── child processes ──────────────────────────────────────────────────────────



async function startReference(): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/ws-fanout-server.ts'], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await within(
    'reference server start',
    30_000,
    new Promise<number>((resolve, reject) => {
      let out = '';
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      proc.once('exit', (code) => reject(new Error(`the reference server exited with ${code}`)));
    }),
  );
  return { proc, url: `ws://127.0.0.1:${port}` };
}

/** Logs the admin in through the embedded login page (as a person would), creates the rooms and one invite each, and closes the browser. */
async function createRooms(server: PlenumServer, count: number): Promise<{ roomId: string; invite: string }[]> {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${server.url}/auth/login`);
    await page.getByLabel('Username').fill(server.admin.username);
    await page.getByLabel('Password').fill(server.admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.url}/`, { timeout: 20_000 });
    const me = (await (await context.request.get(`${server.url}/v1/me`)).json()) as { csrf_token: string };
    const post = async (p: string, body: unknown) => {
      const res = await context.request.post(`${server.url}${p}`, { headers: { 'x-csrf-token': me.csrf_token }, data: body });
      if (!res.ok()) throw new Error(`${p}: ${res.status()} ${await res.text()}`);
      return res.json() as Promise<Record<string, unknown>>;
    };
    const rooms: { roomId: string; invite: string }[] = [];
    for (let i = 0; i < count; i++) {
      const room = (await post('/v1/rooms', { name: `Benchmark ${i + 1}` })) as { id: string };
      const invite = (await post(`/v1/rooms/${room.id}/invites`, { label: 'benchmark' })) as { code: string };
      rooms.push({ roomId: room.id, invite: invite.code });
    }
    return rooms;
  } finally {
    await browser.close().catch(() => {});
  }
}

// ── the load ─────────────────────────────────────────────────────────────────
type Kind = 'chat' | 'hand';

/** Send times and deliveries of one phase, all on this process's monotonic clock. */
class Recorder {
  private readonly sentAt = new Map<string, { t: number; kind: Kind; sender: number }>();
  readonly toOthers: Record<Kind, number[]> = { chat: [], hand: [] };
  readonly toSender: Record<Kind, number[]> = { chat: [], hand: [] };
  readonly sent: Record<Kind, number> = { chat: 0, hand: 0 };
  /** Deliveries to others that a send should cause (room size − 1 each). */
  readonly expected: Record<Kind, number> = { chat: 0, hand: 0 };
  readonly errors = new Map<string, number>();
  unknown = 0;

  sending(key: string, kind: Kind, sender: number, others: number): void {
    this.sent[kind]++;
    this.expected[kind] += others;
    this.sentAt.set(key, { t: performance.now(), kind, sender });
  }

  delivered(key: string | undefined, receiver: number, now: number): void {
    const s = key === undefined ? undefined : this.sentAt.get(key);
    if (!s) {
      this.unknown++;
      return;
    }
    (receiver === s.sender ? this.toSender : this.toOthers)[s.kind].push(now - s.t);
  }

  error(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }
}

interface Client {
  index: number;
  room: number;
  socket: WebSocket;
  /** Plenum participant id (after join_success). */
  id?: string;
  seq: number;
  handUp: boolean;
}

/** What differs between Plenum and the reference: how to connect, what to send, how to read a delivery. */
interface Target {
  connect(index: number, room: number): Promise<Client>;
  chat(c: Client, key: string, text: string): string;
  hand(c: Client, key: string): string;
  /** The key of the send this frame delivers, or undefined (with an error counted when it is one). */
  keyOf(frame: { namespace?: string; payload?: Record<string, unknown> }, rec: Recorder): string | undefined | null;
}


function plenumTarget(server: PlenumServer, rooms: { roomId: string; invite: string }[], handKeys: Map<string, string>): Target {
  return {
    async connect(index, room) {
      const { roomId, invite } = rooms[room]!;
      const res = await fetch(`${server.url}/v1/rooms/${roomId}/start-invited`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ invite_code: invite, display_name: `Teilnehmerin ${index + 1}` }),
      });
      const body = (await res.json()) as { ticket?: string; signaling_url?: string };
      if (!res.ok || !body.ticket || !body.signaling_url) throw new Error(`start-invited: ${res.status} ${JSON.stringify(body)}`);
      const socket = await openSocket(body.signaling_url, [SIGNALING_SUBPROTOCOL, TICKET_SUBPROTOCOL_PREFIX + body.ticket]);
      const id = await within(
        'join',
        30_000,
        new Promise<string>((resolve, reject) => {
          const onMessage = (data: WebSocket.RawData) => {
            const frame = JSON.parse(data.toString()) as { namespace: string; payload: { message: string; id?: string; error?: string } };
            if (frame.namespace !== 'control') return;
            if (frame.payload.message === 'join_success') {
              socket.off('message', onMessage);
              resolve(frame.payload.id!);
            } else if (frame.payload.message === 'error') reject(new Error(`join: ${frame.payload.error}`));
          };
          socket.on('message', onMessage);
          socket.once('close', (code) => reject(new Error(`join: socket closed (${code})`)));
          socket.send(JSON.stringify({ namespace: 'control', payload: { action: 'join', protocol_version: PROTOCOL_VERSION } }));
        }),
      );
      return { index, room, socket, id, seq: 0, handUp: false };
    },
    chat: (_c, _key, text) => JSON.stringify({ namespace: 'chat', payload: { action: 'send_message', text, to: { scope: 'room' } } }),
    hand(c, key) {
      // hand_raised / hands_lowered name the participant, not the command: the latest hand command of each
      // participant is the one delivered (one every HAND_EVERY_MS, far apart from the delivery times).
      handKeys.set(c.id!, key);
      return JSON.stringify({ namespace: 'hands', payload: { action: c.handUp ? 'lower_hand' : 'raise_hand' } });
    },
    keyOf(frame, rec) {
      const p = frame.payload ?? {};
      if (frame.namespace === 'chat' && p.message === 'message_sent') {
        const text = (p.entry as { text: string }).text;
        return text.slice(0, text.indexOf(' '));
      }
      if (frame.namespace === 'hands' && p.message === 'hand_raised') return handKeys.get((p.hand as { participant_id: string }).participant_id);
      if (frame.namespace === 'hands' && p.message === 'hands_lowered' && p.reason === 'self') return handKeys.get((p.participant_ids as string[])[0]!);
      if (p.message === 'error') rec.error(`${frame.namespace}/${String(p.error)}`);
      return null;
    },
  };
}

function referenceTarget(url: string): Target {
  return {
    async connect(index, room) {
      return { index, room, socket: await openSocket(`${url}/room/r${room}`, undefined), seq: 0, handUp: false };
    },
    chat: (_c, key, text) => JSON.stringify({ key, text }),
    hand: (c, key) => JSON.stringify({ key, hand: c.handUp ? 'lower' : 'raise' }),
    keyOf: (frame) => (frame.payload as { key?: string } | undefined)?.key,
  };
}

interface PhaseResult {
  rec: Recorder;
  seconds: number;
  serverCpu: number;
  serverRssBefore: number;
  serverRssPeak: number;
  serverRssEnd: number;
  benchCpu: number;
  benchRss: number;
  loopDelayP99: number;
  loopDelayMax: number;
  connectSeconds: number;
  closedEarly: number;
  /** Event-loop delay of the server process over the window (ms; Plenum only). */
  serverLoop: { p99: number; max: number };
}

/** Resolves for everyone once `n` callers have arrived: both phases start their windows together. */
function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((r) => (release = r));
  return () => {
    if (++arrived === n) release();
    return all;
  };
}

/** The server's own event-loop delay (prom-client's default metric; reading /metrics resets its histogram). */
async function serverLoopDelay(metrics: { url: string; token: string } | undefined): Promise<{ p99: number; max: number }> {
  if (!metrics) return { p99: NaN, max: NaN };
  const text = await fetch(metrics.url, { headers: { authorization: `Bearer ${metrics.token}` }, signal: AbortSignal.timeout(5000) }).then((r) => r.text());
  const read = (name: string) => Number(new RegExp(`^${name} ([\\d.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN) * 1000;
  return { p99: read('plenum_nodejs_eventloop_lag_p99_seconds'), max: read('plenum_nodejs_eventloop_lag_max_seconds') };
}

async function runPhase(name: string, target: Target, serverPid: number, startTogether: () => Promise<void>, metrics?: { url: string; token: string }): Promise<PhaseResult> {
  const rec = new Recorder();
  const serverRssBefore = rssMiB(serverPid);
  const t0 = performance.now();
  const clients: Client[] = [];
  let closedEarly = 0;
  let measuring = false;
  try {
    // Participant i sits in room i mod ROOMS, so rooms fill evenly.
    await within(
      `${name}: connecting`,
      SETUP_TIMEOUT_MS,
      pool(participantCount, CONNECT_CONCURRENCY, async (i) => {
        const c = await target.connect(i, i % roomCount);
        clients.push(c);
        return c;
      }),
    );
    const connectSeconds = (performance.now() - t0) / 1000;
    for (const c of clients) {
      c.socket.on('message', (data) => {
        const now = performance.now();
        const key = target.keyOf(JSON.parse(data.toString()) as { namespace?: string; payload?: Record<string, unknown> }, rec);
        if (key !== null) rec.delivered(key, c.index, now);
      });
      c.socket.on('close', () => {
        if (measuring) closedEarly++;
      });
    }
    const roomSize = new Array<number>(roomCount).fill(0);
    for (const c of clients) roomSize[c.room]!++;
    await sleep(1000); // let the joins' own broadcasts settle
    await within(`${name}: waiting for the other phase`, SETUP_TIMEOUT_MS, startTogether());

    const text = (key: string) => `${key} ${'x'.repeat(Math.max(0, TEXT_LENGTH - key.length - 1))}`;
    const timers: NodeJS.Timeout[] = [];
    const every = (period: number, f: () => void) => {
      // A random phase per participant spreads the sends evenly over time.
      timers.push(
        setTimeout(() => {
          f();
          timers.push(setInterval(f, period));
        }, Math.random() * period),
      );
    };
    for (const c of clients) {
      const others = roomSize[c.room]! - 1;
      every(chatEveryMs, () => {
        if (c.socket.readyState !== c.socket.OPEN) return;
        const key = `c${c.index}.${c.seq++}`;
        const frame = target.chat(c, key, text(key));
        rec.sending(key, 'chat', c.index, others);
        c.socket.send(frame);
      });
      every(handEveryMs, () => {
        if (c.socket.readyState !== c.socket.OPEN) return;
        const key = `h${c.index}.${c.seq++}`;
        const frame = target.hand(c, key);
        c.handUp = !c.handUp;
        rec.sending(key, 'hand', c.index, others);
        c.socket.send(frame);
      });
    }

    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    measuring = true;
    await serverLoopDelay(metrics);
    const cpu0 = cpuSeconds(serverPid);
    const bench0 = process.cpuUsage();
    const w0 = performance.now();
    let serverRssPeak = rssMiB(serverPid);
    const end = w0 + durationMs;
    while (performance.now() < end) {
      await sleep(Math.min(1000, end - performance.now()));
      serverRssPeak = Math.max(serverRssPeak, rssMiB(serverPid));
    }
    for (const t of timers) clearTimeout(t); // clears intervals too
    const seconds = (performance.now() - w0) / 1000;
    const serverCpu = ((cpuSeconds(serverPid) - cpu0) / seconds) * 100;
    const b = process.cpuUsage(bench0);
    const benchCpu = ((b.user + b.system) / 1e6 / seconds) * 100;
    const serverLoop = await serverLoopDelay(metrics);
    loop.disable();
    await sleep(DRAIN_MS);
    measuring = false;
    return {
      rec,
      seconds,
      serverCpu,
      serverRssBefore,
      serverRssPeak,
      serverRssEnd: rssMiB(serverPid),
      benchCpu,
      benchRss: process.memoryUsage().rss / 2 ** 20,
      loopDelayP99: loop.percentile(99) / 1e6,
      loopDelayMax: loop.max / 1e6,
      connectSeconds,
      closedEarly,
      serverLoop,
    };
  } finally {
    measuring = false;
    await Promise.all(
      clients.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.socket.readyState === c.socket.CLOSED) return resolve();
            const t = setTimeout(() => {
              c.socket.terminate();
              resolve();
            }, 5000);
            c.socket.once('close', () => {
              clearTimeout(t);
              resolve();
            });
            c.socket.close(1000);
          }),
      ),
    );
  }
}

// ── report ───────────────────────────────────────────────────────────────────
function latencyRow(label: string, xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `| ${label} | ${s.length} | ${f2(pct(s, 50))} | ${f2(pct(s, 90))} | ${f2(pct(s, 99))} | ${f2(pct(s, 99.9))} | ${f2(s[s.length - 1] ?? NaN)} |`;
}

function report(name: string, r: PhaseResult): void {
  const { rec } = r;
  const got = (k: Kind) => rec.toOthers[k].length;
  console.log(`\n### ${name}\n`);
  console.log(
    `connected and joined ${participantCount} clients in ${f1(r.connectSeconds)} s; window ${f1(r.seconds)} s; sent ${rec.sent.chat} chat messages + ${rec.sent.hand} hand toggles ` +
      `= ${f1((rec.sent.chat + rec.sent.hand) / r.seconds)} commands/s; deliveries to other members ${got('chat') + got('hand')} of ${rec.expected.chat + rec.expected.hand} expected ` +
      `(${f1((got('chat') + got('hand')) / r.seconds)}/s); unknown frames ${rec.unknown}; sockets closed during the window ${r.closedEarly}` +
      (rec.errors.size ? `; errors: ${[...rec.errors].map(([k, v]) => `${k}×${v}`).join(', ')}` : '; no errors'),
  );
  console.log('\n| send → delivery (ms) | samples | p50 | p90 | p99 | p99.9 | max |');
  console.log('|---|---|---|---|---|---|---|');
  console.log(latencyRow('to every other member, all', [...rec.toOthers.chat, ...rec.toOthers.hand]));
  console.log(latencyRow('… chat', rec.toOthers.chat));
  console.log(latencyRow('… hands', rec.toOthers.hand));
  console.log(latencyRow('back to the sender', [...rec.toSender.chat, ...rec.toSender.hand]));
  console.log(
    `\nserver: CPU ${f1(r.serverCpu)} % of one core (mean over the window), RSS ${f1(r.serverRssBefore)} MiB before connecting, peak ${f1(r.serverRssPeak)} MiB, ` +
      `${f1(r.serverRssEnd)} MiB after the window` +
      (Number.isFinite(r.serverLoop.p99) ? `, event-loop delay p99 ${f1(r.serverLoop.p99)} ms, max ${f1(r.serverLoop.max)} ms` : '') +
      `; bench process (the clients of both loads): CPU ${f1(r.benchCpu)} %, RSS ${f1(r.benchRss)} MiB, ` +
      `event-loop delay p99 ${f1(r.loopDelayP99)} ms, max ${f1(r.loopDelayMax)} ms`,
  );
}

async function main(): Promise<void> {
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const loadStart = load();
  console.log(
    `signaling benchmark: ${participantCount} participants in ${roomCount} rooms, ${durationMs / 1000} s; each participant sends a room chat message every ` +
      `${chatEveryMs / 1000} s and toggles its hand every ${handEveryMs / 1000} s (random phase); ${os.cpus().length} CPUs, Node ${process.version}; ` +
      `${new Date().toISOString()}; load average ${loadStart}`,
  );
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-bench-signaling-'));
  let server: PlenumServer | undefined;
  let reference: { proc: ChildProcess; url: string } | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    server?.proc.kill('SIGKILL');
    reference?.proc.kill('SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const results: [string, PhaseResult][] = [];
  try {
    server = await within('server start', SETUP_TIMEOUT_MS, startPlenum(path.join(tmp, 'data'), SETUP_TIMEOUT_MS));
    const rooms = await within('rooms', SETUP_TIMEOUT_MS, createRooms(server, roomCount));
    // Both loads run at the same time (separate clients, separate servers), so that whatever else the machine
    // is doing slows both alike; their windows start together.
    if (!skipReference) reference = await startReference();
    const together = barrier(skipReference ? 1 : 2);
    const handKeys = new Map<string, string>();
    const phases: [string, Promise<PhaseResult>][] = [
      ['Plenum signaling', runPhase('Plenum', plenumTarget(server, rooms, handKeys), server.proc.pid!, together, { url: `${server.url}/metrics`, token: server.metricsToken })],
    ];
    if (reference) phases.push(['reference: bare ws fan-out', runPhase('reference', referenceTarget(reference.url), reference.proc.pid!, together)]);
    const settled = await Promise.allSettled(phases.map(([, p]) => p));
    for (const [i, s] of settled.entries()) {
      if (s.status === 'rejected') throw s.reason;
      results.push([phases[i]![0], s.value]);
    }
  } finally {
    if (reference) await stopProcess(reference.proc);
    if (server) await stopProcess(server.proc);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`\ncleanup: sockets closed, servers stopped (SIGTERM); load average at the start ${loadStart}, at the end ${load()}`);
  for (const [name, r] of results) report(name, r);
  const ref = results.find(([n]) => n.startsWith('reference'))?.[1];
  const plenum = results.find(([n]) => n.startsWith('Plenum'))?.[1];
  if (ref && plenum) {
    const q = (r: PhaseResult, p: number) => pct([...r.rec.toOthers.chat, ...r.rec.toOthers.hand].sort((a, b) => a - b), p);
    console.log(
      `\n### ratio Plenum / reference\n\np50 ${f1(q(plenum, 50) / q(ref, 50))}×, p99 ${f1(q(plenum, 99) / q(ref, 99))}×, server CPU ${f1(plenum.serverCpu / ref.serverCpu)}×, ` +
        `server RSS (peak) ${f1(plenum.serverRssPeak / ref.serverRssPeak)}×`,
    );
  }
  if (plenum) {
    const all = [...plenum.rec.toOthers.chat, ...plenum.rec.toOthers.hand].sort((a, b) => a - b);
    const p99 = pct(all, 99);
    const missing = plenum.rec.expected.chat + plenum.rec.expected.hand - all.length;
    console.log(`\ntarget p99 < 20 ms: ${p99 < 20 ? 'met' : 'NOT met'} (p99 ${f2(p99)} ms); missing deliveries: ${missing}`);
    if (p99 >= 20 || missing > 0 || plenum.rec.errors.size) process.exitCode = 1;
  }
}

await main();
