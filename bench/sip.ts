/**
 * bench/sip (issue #12): N baresip callers in M rooms through the SIP gateway (a child process) and the embedded
 * Janus AudioBridge. Gateway and Janus CPU per caller in the steady state, packet loss and jitter at the callers
 * (baresip's
 * own receiver statistics), dropouts in a continuous tone heard from another caller, and one-way latency of a
 * tone burst through Plenum beside a direct baresip-to-baresip call in the same run. See bench/README.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startTestServer, type TestServer } from '../packages/server/src/testing/server.ts';
import { SignalingClient } from '../packages/server/src/testing/signaling-client.ts';
import { writeWav } from '../packages/server/src/testing/wav.ts';
import { canBind, Ctrl, readWav } from '../packages/sip-gateway/src/baresip-phone.ts';
import { f1, f2, intEnv, pct, pool, repo, sleep, stopProcess, within } from './lib/harness.ts';
import { cpuSeconds, janusBelow } from './lib/proc.ts';

const N = intEnv('N', 20, 2, 100);
const M = intEnv('M', 4, 1, 50);
const SECONDS = intEnv('SECONDS', 30, 3, 600);
const BUDGET_S = intEnv('BUDGET_S', 900, 60, 7200);
/** baresip's receive jitter buffer in frames (`jitter_buffer_delay`, baresip's default 5-10), every phone alike. */
const JITTER_BUFFER = process.env.JITTER_BUFFER ?? '5-10';
if (!/^\d{1,2}-\d{1,2}$/.test(JITTER_BUFFER)) throw new Error('JITTER_BUFFER: min-max in frames, e.g. 5-10');
if (N < 2 * M) throw new Error('N must be at least 2·M: every room needs a burst sender and a receiver');

const RATE = 8000;
const TONE_HZ = 440; // continuous, every caller except the burst senders
const BURST_HZ = 1000; // 200 ms every second, one sender per room and the direct call's caller
const BURST_MS = 200;
const PERIOD_MS = 1000;
const TOKEN = 'bench-sip-telephone-service-token-0123456789';
const JANUS_RTP_PORTS = '47800-48399';
const SIP_RTP_PORTS = '48400-48999';
const started = performance.now();
const budgetLeft = () => BUDGET_S * 1000 - (performance.now() - started);
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

// ---------------------------------------------------------------- ports, WAVs, Goertzel

/** SIP (UDP+TCP p, TCP p+1 for baresip's TLS) and ctrl_tcp (p+2) from 49000 up, below the phones' RTP range. */
let nextPort = 49000;
async function portBlock(): Promise<number> {
  while (nextPort < 49996) {
    const p = nextPort;
    nextPort += 4;
    if ((await canBind(p, 'udp')) && (await canBind(p, 'tcp')) && (await canBind(p + 1, 'tcp')) && (await canBind(p + 2, 'tcp'))) return p;
  }
  throw new Error('no free ports in 49000-49999');
}

function toneWav(file: string, seconds: number, burst: boolean): void {
  const s = new Int16Array(seconds * RATE);
  const hz = burst ? BURST_HZ : TONE_HZ;
  const period = (PERIOD_MS * RATE) / 1000;
  const on = (BURST_MS * RATE) / 1000;
  for (let i = 0; i < s.length; i++) if (!burst || i % period < on) s[i] = Math.round(10_000 * Math.sin((2 * Math.PI * hz * i) / RATE));
  writeWav(file, s, RATE);
}

/** Power at `hz` of samples[from, from+len), Hann-windowed (Goertzel). */
function power(s: Int16Array, from: number, len: number, hz: number): number {
  const w = 2 * Math.cos((2 * Math.PI * hz) / RATE);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < len; i++) {
    const x = (s[from + i] ?? 0) * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (len - 1)));
    const s0 = x + w * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - w * s1 * s2) / (len * len);
}

/**
 * Burst onsets in seconds relative to the END of the recording (negative): 10 ms Goertzel window at BURST_HZ,
 * 1 ms hop; an onset is where the power first exceeds a quarter of the recording's burst level (p99) after at
 * least 300 ms below it. Only the last `lastS` seconds are searched.
 */
function onsetsFromEnd(s: Int16Array, lastS: number): number[] {
  const win = 80;
  const hop = 8;
  const from = Math.max(0, s.length - lastS * RATE);
  const p: number[] = [];
  for (let at = from; at + win <= s.length; at += hop) p.push(power(s, at, win, BURST_HZ));
  const thr = 0.25 * pct([...p].sort((a, b) => a - b), 99);
  if (!(thr > 0)) return [];
  const out: number[] = [];
  let below = 0;
  for (let k = 0; k < p.length; k++) {
    if (p[k]! < thr) below++;
    else {
      if (below >= 300) out.push((from + k * hop + win - s.length) / RATE);
      below = 0;
    }
  }
  return out;
}

/** Latency samples: each receiver onset minus the latest sender onset before it (both from the ends of the dumps). */
function latencies(sender: number[], receiver: number[]): number[] {
  const out: number[] = [];
  for (const r of receiver) {
    const d = sender.map((s) => r - s).filter((x) => x > -0.1 && x < 0.9);
    if (d.length) out.push(Math.min(...d));
  }
  return out;
}

/** 20 ms frames of the last `seconds` (minus 200 ms at the end) whose TONE_HZ power is 10 dB below the median. */
function dropouts(s: Int16Array, seconds: number): { frames: number; dropped: number } {
  const frame = 160;
  const end = s.length - 0.2 * RATE;
  const from = Math.max(0, end - seconds * RATE);
  const p: number[] = [];
  for (let at = from; at + frame <= end; at += frame) p.push(power(s, at, frame, TONE_HZ));
  const median = pct([...p].sort((a, b) => a - b), 50);
  return { frames: p.length, dropped: p.filter((x) => x < median / 10).length };
}

// ---------------------------------------------------------------- baresip phones

interface Phone {
  name: string;
  dir: string;
  sip: number;
  proc: ChildProcess;
  ctrl: Ctrl;
  out: () => string;
  /** Everything ctrl_tcp sent (responses too; Ctrl keeps only the events). */
  raw: () => string;
  established?: number;
  closed?: number;
}

const phones: Phone[] = [];

async function startPhone(name: string, wav: string, tmp: string): Promise<Phone> {
  const dir = fs.mkdtempSync(path.join(tmp, `${name}-`));
  const sip = await portBlock();
  fs.writeFileSync(
    path.join(dir, 'config'),
    [
      `sip_listen 127.0.0.1:${sip}`, 'sip_trans_def udp', 'net_interface 127.0.0.1', 'rtp_ports 50000-59998', `jitter_buffer_delay ${JITTER_BUFFER}`, 'module_path /usr/lib/baresip/modules',
      'module g711.so', 'module aufile.so', 'module sndfile.so', 'module account.so', 'module menu.so', 'module ctrl_tcp.so',
      `ctrl_tcp_listen 127.0.0.1:${sip + 2}`, `audio_source aufile,${wav}`, `snd_path ${dir}`, '',
    ].join('\n'),
  );
  fs.writeFileSync(path.join(dir, 'accounts'), `<sip:${name}@127.0.0.1:${sip}>;regint=0;answermode=auto\n`);
  const proc = spawn('setpriv', ['--pdeathsig', 'KILL', '--', 'baresip', '-f', dir], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  proc.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  let raw = '';
  const phone: Phone = { name, dir, sip, proc, ctrl: undefined as unknown as Ctrl, out: () => out, raw: () => raw };
  phones.push(phone);
  await within(`${name} ready`, 15_000, new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (out.includes('baresip is ready')) {
        clearInterval(t);
        resolve();
      } else if (proc.exitCode !== null) {
        clearInterval(t);
        reject(new Error(`${name}: baresip exited (${proc.exitCode}): ${out}`));
      }
    }, 20);
  }));
  const sock = net.connect(sip + 2, '127.0.0.1');
  await within(`${name} ctrl_tcp`, 5000, new Promise<void>((r, reject) => {
    sock.once('connect', () => r());
    sock.once('error', reject);
  }));
  phone.ctrl = new Ctrl(sock);
  sock.on('data', (d: Buffer) => (raw = (raw + d.toString('utf8')).slice(-200_000)));
  (phone as { sock?: net.Socket }).sock = sock;
  return phone;
}

async function stopPhone(p: Phone): Promise<void> {
  (p as { sock?: net.Socket }).sock?.destroy();
  await stopProcess(p.proc, 3000);
}

function dump(p: Phone, kind: 'dec' | 'enc'): string | undefined {
  return fs.readdirSync(p.dir).filter((f) => f.startsWith('dump-') && f.endsWith(`-${kind}.wav`)).sort().map((f) => path.join(p.dir, f)).at(-1);
}

/**
 * baresip's own receiver statistics of the running call (ctrl_tcp `audio_debug`, the RTCP session's member
 * lines, computed locally from the received RTP, so they need no RTCP from the far end — the gateway sends
 * none): packets lost since the call began (RTP sequence gaps) and the interarrival jitter (RFC 3550).
 */
async function rxStats(p: Phone): Promise<{ lost: number; received: number; jitterMs: number } | undefined> {
  const before = p.raw().length;
  p.ctrl.send('audio_debug');
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && !p.raw().slice(before).includes('"token":"audio_debug"')) await sleep(50);
  const members = [...p.raw().slice(before).matchAll(/member 0x[0-9a-f]+: lost=(-?\d+) Jitter=([\d.]+)ms[^"]*?rcvd=(\d+)/g)];
  if (!members.length) return undefined;
  return {
    lost: members.reduce((a, m) => a + Math.max(0, Number(m[1])), 0),
    received: members.reduce((a, m) => a + Number(m[3]), 0),
    jitterMs: Math.max(...members.map((m) => Number(m[2]))),
  };
}

// ---------------------------------------------------------------- run

let server: TestServer | undefined;
let gateway: ChildProcess | undefined;
const chairs: SignalingClient[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-bench-sip-'));

async function cleanup(): Promise<void> {
  for (const c of chairs) c.close();
  await Promise.all(phones.map((p) => stopPhone(p).catch(() => {})));
  if (gateway) await stopProcess(gateway, 5000).catch(() => {});
  if (server) await within('server close', 30_000, server.close()).catch((e: unknown) => console.error(String(e)));
  fs.rmSync(tmp, { recursive: true, force: true });
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.error(`${sig}: cleaning up`);
    void within('cleanup', 40_000, cleanup()).finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  console.log(`bench/sip: N=${N} callers in M=${M} rooms, steady state ${SECONDS} s, budget ${BUDGET_S} s, baresip jitter buffer ${JITTER_BUFFER} frames; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`);
  console.log(`load average at start: ${load()}`);
  const wavSeconds = SECONDS + Math.min(600, 120 + N * 2);
  const toneFile = path.join(tmp, 'tone.wav');
  const burstFile = path.join(tmp, 'burst.wav');
  toneWav(toneFile, wavSeconds, false);
  toneWav(burstFile, wavSeconds, true);

  server = await within('Plenum start', 120_000, startTestServer({ env: { MEDIA: 'janus', JANUS_ICE_INTERFACE: 'lo', JANUS_RTP_PORTS, TELEPHONE_SERVICE_TOKEN: TOKEN } }));
  const janus = janusBelow(process.pid);
  if (!janus) throw new Error('no Janus below this process');

  // The gateway as `npm run sip-gateway` does (node + tsx), its own process for its CPU figure.
  const gwPort = await portBlock();
  const gwEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? os.tmpdir(), PLENUM_URL: server.listenUrl, TELEPHONE_SERVICE_TOKEN: TOKEN,
    SIP_LISTEN: `127.0.0.1:${gwPort}`, SIP_TRANSPORTS: 'udp', SIP_RTP_PORTS, SIP_IVR_LANGUAGE: 'en', SIP_INVITE_RATE: '100', SIP_INVITE_BURST: '200', SIP_MAX_CALLS: '200',
  };
  const gw = spawn('setpriv', ['--pdeathsig', 'KILL', '--', process.execPath, '--import', 'tsx', 'packages/sip-gateway/src/main.ts'], { cwd: repo, env: gwEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  gateway = gw;
  let gwOut = '';
  for (const s of [gw.stdout!, gw.stderr!]) s.on('data', (d: Buffer) => (gwOut = (gwOut + d.toString()).slice(-8000)));
  await within('gateway listening', 120_000, new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (gwOut.includes('sip gateway listening')) {
        clearInterval(t);
        resolve();
      } else if (gw.exitCode !== null) {
        clearInterval(t);
        reject(new Error(`the gateway exited (${gw.exitCode}):\n${gwOut}`));
      }
    }, 50);
  }));
  console.log(`Plenum ${server.listenUrl} (in this process), Janus pid ${janus} (RTP ${JANUS_RTP_PORTS}), gateway pid ${gw.pid} sip:127.0.0.1:${gwPort} (RTP ${SIP_RTP_PORTS})`);

  // Rooms, each with a chair on signaling (no media) so that callers join a running meeting.
  const owner = await server.loginAs('user', 'Bench Chair');
  const rooms: { id: string; dial: { dial_in_id: string; pin: string }; chair: SignalingClient }[] = [];
  for (let r = 0; r < M; r++) {
    const room = await server.api<{ id: string }>('POST', '/v1/rooms', { name: `bench-sip-${r}`, waiting_room: false }, owner);
    const dial = await server.api<{ dial_in_id: string; pin: string }>('GET', `/v1/rooms/${room.id}/telephone`, undefined, owner);
    const start = await server.api<{ ticket: string; signaling_url: string }>('POST', `/v1/rooms/${room.id}/start`, {}, owner);
    const chair = await SignalingClient.open(start.signaling_url, start.ticket);
    chairs.push(chair);
    chair.join();
    await within('chair join', 10_000, chair.next('control', 'join_success'));
    rooms.push({ id: room.id, dial, chair });
  }

  // Idle baseline: gateway and Janus with rooms but no call, to tell their fixed cost from the per-call one.
  const idleS = 3;
  const gwI = cpuSeconds(gw.pid!);
  const jI = cpuSeconds(janus);
  await sleep(idleS * 1000);
  const gwIdlePct = (100 * (cpuSeconds(gw.pid!) - gwI)) / idleS;
  const janusIdlePct = (100 * (cpuSeconds(janus) - jI)) / idleS;

  // Callers: caller i sits in room i mod M; callers 0..M-1 send the bursts, the others the continuous tone.
  const callers = await pool(N, 8, (i) => startPhone(`caller${i}`, i < M ? burstFile : toneFile, tmp));
  const [directA, directB] = await Promise.all([startPhone('directa', burstFile, tmp), startPhone('directb', toneFile, tmp)]);
  console.log(`${N + 2} baresip processes ready (${f1((performance.now() - started) / 1000)} s)`);

  await pool(N, 10, async (i) => {
    const p = callers[i]!;
    const room = rooms[i % M]!;
    const from = p.ctrl.events.length;
    p.ctrl.send('dial', `sip:plenum@127.0.0.1:${gwPort}`);
    await within(`${p.name} established`, 30_000, p.ctrl.waitEvent('CALL_ESTABLISHED', from));
    p.established = performance.now();
    await sleep(300);
    for (const k of `${room.dial.dial_in_id}#${room.dial.pin}#`) {
      p.ctrl.send('sndcode', k);
      await sleep(250);
    }
  });
  const perRoom = (r: number) => callers.filter((_, i) => i % M === r).length;
  await within('every caller in its room', Math.min(120_000, budgetLeft()), (async () => {
    for (;;) {
      if (rooms.every((room, r) => room.chair.all('control', 'joined').length >= perRoom(r))) return;
      await sleep(200);
    }
  })());
  console.log(`${N} callers in their rooms (${f1((performance.now() - started) / 1000)} s)`);

  // The reference: a direct call between two baresip, the same burst file.
  const fromA = directA.ctrl.events.length;
  directA.ctrl.send('dial', `sip:directb@127.0.0.1:${directB.sip}`);
  await within('direct call established', 15_000, directA.ctrl.waitEvent('CALL_ESTABLISHED', fromA));
  await sleep(3000); // join prompts and the direct call's start are over

  if (budgetLeft() < SECONDS * 1000 + 30_000) throw new Error('the time budget is used up before the steady state');
  const gw0 = cpuSeconds(gw.pid!);
  const j0 = cpuSeconds(janus);
  const phonePids = phones.map((p) => p.proc.pid!);
  const ph0 = phonePids.reduce((a, p) => a + cpuSeconds(p), 0);
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(SECONDS * 1000);
  const wall = (performance.now() - t0) / 1000;
  const gwCpu = cpuSeconds(gw.pid!) - gw0;
  const janusCpu = cpuSeconds(janus) - j0;
  const phoneCpu = phonePids.reduce((a, p) => a + cpuSeconds(p), 0) - ph0;
  const self1 = process.cpuUsage(self0);
  const selfCpu = (self1.user + self1.system) / 1e6;
  const callerStats = await Promise.all(callers.map(rxStats));
  if (process.env.DEBUG_AUDIO) console.log(callers[N - 1]!.raw().slice(-3000).replace(/\\n/g, '\n'));
  const directStats = await Promise.all([directA, directB].map(rxStats));
  const callSeconds = (performance.now() - callers[0]!.established!) / 1000;
  if (callSeconds > wavSeconds - 1) console.warn(`warning: the calls (${f1(callSeconds)} s) outlasted the ${wavSeconds} s WAVs: the end is silence`);

  // Every phone hangs up in the same tick: the end of each recording is (nearly) the same instant.
  const closing = phones.map((p) => {
    const from = p.ctrl.events.length;
    p.ctrl.send('hangup');
    return within(`${p.name} closed`, 15_000, p.ctrl.waitEvent('CALL_CLOSED', from)).then(() => (p.closed = performance.now()));
  });
  await Promise.all(closing);
  const closedAt = phones.map((p) => p.closed!);
  const closeSpreadMs = Math.max(...closedAt) - Math.min(...closedAt);
  await sleep(500); // sndfile closes its files

  // ---------------------------------------------------------------- analysis
  const lastS = Math.min(SECONDS, 10);
  const load1 = async (p: Phone, kind: 'dec' | 'enc') => {
    const f = dump(p, kind);
    if (!f) throw new Error(`${p.name}: no ${kind} recording`);
    return (await readWav(f)).samples;
  };
  const plenumLat: number[] = [];
  const perReceiver: number[] = [];
  for (let r = 0; r < M; r++) {
    const sent = onsetsFromEnd(await load1(callers[r]!, 'enc'), lastS + 1);
    for (let i = r + M; i < N; i += M) {
      const l = latencies(sent, onsetsFromEnd(await load1(callers[i]!, 'dec'), lastS));
      plenumLat.push(...l);
      if (l.length) perReceiver.push(pct([...l].sort((a, b) => a - b), 50));
    }
  }
  const directLat = latencies(onsetsFromEnd(await load1(directA, 'enc'), lastS + 1), onsetsFromEnd(await load1(directB, 'dec'), lastS));

  // Dropouts: callers who hear at least one continuous-tone caller (every caller of a room with 3 or more, and
  // the burst senders), and the direct call's caller (hears directb's tone).
  let frames = 0;
  let dropped = 0;
  let checked = 0;
  for (let i = 0; i < N; i++) {
    const others = callers.filter((_, j) => j !== i && j % M === i % M && j >= M).length;
    if (others === 0) continue;
    const d = dropouts(await load1(callers[i]!, 'dec'), SECONDS);
    frames += d.frames;
    dropped += d.dropped;
    checked++;
  }
  const dDirect = dropouts(await load1(directA, 'dec'), SECONDS);

  const stats = callerStats.filter((x) => x !== undefined);
  const dStats = directStats.filter((x) => x !== undefined);
  const lost = (s: { lost: number }[]) => s.reduce((a, x) => a + x.lost, 0);
  const received = (s: { received: number }[]) => s.reduce((a, x) => a + x.received, 0);
  const jit = (s: { jitterMs: number }[]) => s.map((x) => x.jitterMs).sort((a, b) => a - b);

  const ms = (x: number) => f1(x * 1000);
  const sortedP = [...plenumLat].sort((a, b) => a - b);
  const sortedD = [...directLat].sort((a, b) => a - b);
  const p50P = pct(sortedP, 50);
  const p50D = pct(sortedD, 50);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const gwPct = (100 * gwCpu) / wall / N;
  const janusPct = (100 * janusCpu) / wall / N;
  const rows: [string, string][] = [
    ['steady state', `${f1(wall)} s, ${N} callers in ${M} rooms (+ 1 direct call)`],
    ['gateway CPU', `${f2(gwCpu)} s = ${f1((100 * gwCpu) / wall)} % of a core; ${f2(gwPct)} % per caller`],
    ['Janus CPU', `${f2(janusCpu)} s = ${f1((100 * janusCpu) / wall)} % of a core; ${f2(janusPct)} % per caller`],
    ['callers per core (gateway + Janus)', f1(100 / (gwPct + janusPct))],
    ['idle before the calls (3 s): gateway, Janus', `${f1(gwIdlePct)} %, ${f1(janusIdlePct)} % of a core (included above)`],
    ['(this process: Plenum + bench; baresip all)', `${f1((100 * selfCpu) / wall)} %; ${f1((100 * phoneCpu) / wall)} % of a core`],
    ['RTP lost at the callers (whole calls)', `${lost(stats)} of ${received(stats) + lost(stats)} packets at ${stats.length}/${N} callers (${f2((100 * lost(stats)) / Math.max(1, received(stats) + lost(stats)))} %; calls up to ${f1(callSeconds)} s); direct ${lost(dStats)} of ${received(dStats) + lost(dStats)}`],
    ['RTP jitter at the callers (ms) p50/max', `${f1(pct(jit(stats), 50))} / ${f1(pct(jit(stats), 100))}; direct ${f1(pct(jit(dStats), 100))}`],
    ['dropouts (20 ms frames of the tone −10 dB)', `${dropped} of ${frames} frames at ${checked} callers; direct ${dDirect.dropped} of ${dDirect.frames}`],
    ['latency through Plenum (ms) p50/p95/max/mean', `${ms(p50P)} / ${ms(pct(sortedP, 95))} / ${ms(pct(sortedP, 100))} / ${ms(mean(sortedP))} (${sortedP.length} bursts, ${perReceiver.length} receivers)`],
    ['latency direct call (ms) p50/p95/max/mean', `${ms(p50D)} / ${ms(pct(sortedD, 95))} / ${ms(pct(sortedD, 100))} / ${ms(mean(sortedD))} (${sortedD.length} bursts)`],
    ['Plenum − direct (p50, ms); ratio', `${ms(p50P - p50D)}; ${f2(p50P / p50D)}×  (goal: within 60 ms; ±20 ms per call, see README)`],
    ['hang-up spread (CALL_CLOSED, ms)', f1(closeSpreadMs)],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  console.log('');
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
  console.log('');
  console.log(`load average at end: ${load()}`);
}

try {
  await main();
} catch (err) {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exitCode = 1;
} finally {
  await within('cleanup', 60_000, cleanup()).catch((e: unknown) => console.error(String(e)));
  const left = phones.filter((p) => p.proc.exitCode === null && p.proc.signalCode === null).length;
  console.log(`cleanup: ${left} baresip left, gateway ${gateway && gateway.exitCode === null && gateway.signalCode === null ? 'left' : 'gone'}, temp dir removed`);
  process.exit();
}
