/**
 * Legal vote benchmark: VOTERS simulated guests (WebSocket clients, no media) and a chair (the admin, room
 * owner) in one room. The chair starts a legal vote with the voters as the eligible list; every voter casts
 * one ballot (all at once, or RATE ballots/s); the chair closes the vote and waits for the signed result;
 * then the PDF report is fetched. It prints ballots accepted per second, ballot → `voted` acknowledgement
 * latency (p50/p99), the time from `stop` to the signed `final_results`, the time to generate the PDF, and the
 * server's CPU and RSS. Reference, in the same run, room and connections: every voter sends one room chat
 * message the same way (the same signaling path and the same fan-out to the whole room, without the
 * database, hash chain and signature), and the ratio of the two.
 *
 *   node --import tsx bench/vote.ts      (knobs: VOTERS=1000 KIND=roll_call|pseudonymous|secret RATE=0
 *                                          CONNECT_CONCURRENCY=10)
 *
 * All clients live in this one process, so send and receipt are read from one monotonic clock
 * (performance.now()). Every phase is bounded in time. Not a test: docs/benchmarks.md records the figures.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';
import { MAX_ELIGIBLE_PARTICIPANTS, PROTOCOL_VERSION, SIGNALING_SUBPROTOCOL, TICKET_SUBPROTOCOL_PREFIX } from '../packages/protocol/src/index.ts';
import { launchChromium } from '../packages/server/src/testing/browsers.ts';
import { f1, f2, intEnv, openSocket, pct, pool, sleep, startPlenum, stopProcess, within, type PlenumServer } from './lib/harness.ts';
import { cpuSeconds, rssMiB } from './lib/proc.ts';

// The 1000 voters here are guests of one shared invite link, which the per-identity signaling limit counts as one
// sender (SIGNALING_IDENTITY_RATE, default 40/s); this measures ballot throughput, not that limit.
process.env.SIGNALING_IDENTITY_RATE ??= '100000';
process.env.SIGNALING_IDENTITY_BURST ??= '100000';


// ── options ──────────────────────────────────────────────────────────────────
const voterCount = intEnv('VOTERS', 1000, 2, MAX_ELIGIBLE_PARTICIPANTS);
/** Ballots (and reference chat messages) per second; 0 sends them all at once. */
const rate = intEnv('RATE', 0, 0, 100_000);
const connectConcurrency = intEnv('CONNECT_CONCURRENCY', 10, 1, 100);
const kind = process.env.KIND ?? 'roll_call';
// live_roll_call sends every ballot so far to everyone after each ballot: O(N²) bytes, not a load to measure at 1000.
if (!['roll_call', 'pseudonymous', 'secret'].includes(kind)) throw new Error('KIND: roll_call, pseudonymous or secret');
/** Setup (server start, login, connecting and joining everyone) must finish within this. */
const SETUP_TIMEOUT_MS = 300_000;
/** Each measured phase (fan-out of `started`, ballots, result, chat) must finish within this. */
const PHASE_TIMEOUT_MS = 300_000;




/** Resolves when `check()` holds (polled every 5 ms), rejects after `ms`. */
async function until(what: string, ms: number, check: () => boolean): Promise<void> {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) throw new Error(`${what}: not reached within ${ms} ms`);
    await sleep(5);
  }
}


// ── the server ───────────────────────────────────────────────────────────────



interface AdminSession {
  cookie: string;
  csrf: string;
}

/** Logs the admin in through the embedded login page (as a person would) and keeps the session cookie; the browser is closed before anything is measured. */
async function adminSession(server: PlenumServer): Promise<AdminSession> {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${server.url}/auth/login`);
    await page.getByLabel('Username').fill(server.admin.username);
    await page.getByLabel('Password').fill(server.admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.url}/`, { timeout: 30_000 });
    const me = (await (await context.request.get(`${server.url}/v1/me`)).json()) as { csrf_token: string };
    const session = (await context.cookies(server.url)).find((c) => c.name === 'plenum_session');
    if (!session) throw new Error('no session cookie after login');
    return { cookie: `plenum_session=${session.value}`, csrf: me.csrf_token };
  } finally {
    await browser.close().catch(() => {});
  }
}

async function api<T>(server: PlenumServer, admin: AdminSession, method: string, p: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.url}${p}`, {
    method,
    headers: { 'content-type': 'application/json', cookie: admin.cookie, 'x-csrf-token': admin.csrf },
    body: JSON.stringify(body ?? {}),
  });
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

// ── clients ──────────────────────────────────────────────────────────────────
interface Client {
  index: number;
  socket: WebSocket;
  id: string;
  /** Frames of the legal_vote `started` message received. */
  started: number;
  votedAt: number | null;
  sentAt: number | null;
  chatKey: string;
  chatSentAt: number | null;
  chatEchoAt: number | null;
  updated: number;
  /** `cast` of the last `updated` received. */
  lastCast: number;
  chatDeliveries: number;
  finalAt: number | null;
  errors: string[];
}


async function join(ticket: { ticket: string; signaling_url: string }, index: number): Promise<Client> {
  const socket = await openSocket(ticket.signaling_url, [SIGNALING_SUBPROTOCOL, TICKET_SUBPROTOCOL_PREFIX + ticket.ticket], { maxPayload: 256 * 1024 * 1024 });
  const id = await within(
    'join',
    60_000,
    new Promise<string>((resolve, reject) => {
      const onMessage = (data: WebSocket.RawData) => {
        const text = data.toString();
        if (!text.startsWith('{"namespace":"control"')) return;
        const frame = JSON.parse(text) as { payload: { message: string; id?: string; error?: string } };
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
  const client: Client = {
    index,
    socket,
    id,
    started: 0,
    votedAt: null,
    sentAt: null,
    chatKey: `k${index}-${randomBytes(4).toString('hex')}`,
    chatSentAt: null,
    chatEchoAt: null,
    updated: 0,
    lastCast: 0,
    chatDeliveries: 0,
    finalAt: null,
    errors: [],
  };
  // Frames are classified by cheap string tests: ~2 million arrive, most of them `joined` and `updated`.
  socket.on('message', (data) => {
    const now = performance.now();
    const text = data.toString();
    if (text.startsWith('{"namespace":"legal_vote"')) {
      if (text.includes('"message":"updated"')) {
        // Progress is coalesced by the server (at most one `updated` per 250 ms): remember how far it got.
        client.updated++;
        client.lastCast = Number(/"cast":(\d+)/.exec(text)?.[1] ?? 0);
      }
      else if (text.includes('"message":"voted"')) client.votedAt = now;
      else if (text.includes('"message":"started"')) client.started++;
      else if (text.includes('"message":"final_results"')) client.finalAt = now;
      else if (text.includes('"message":"error"')) client.errors.push(`legal_vote/${(JSON.parse(text) as { payload: { error: string } }).payload.error}`);
    } else if (text.startsWith('{"namespace":"chat"')) {
      if (text.includes('"message":"message_sent"')) {
        client.chatDeliveries++;
        if (text.includes(client.chatKey)) client.chatEchoAt = now;
      } else if (text.includes('"message":"error"')) client.errors.push(`chat/${(JSON.parse(text) as { payload: { error: string } }).payload.error}`);
    } else if (text.includes('"message":"error"')) client.errors.push(`other/${text.slice(0, 120)}`);
  });
  return client;
}

/** Sends one command per client: all at once (RATE=0) or spread at RATE per second. */
async function sendAll(clients: Client[], send: (c: Client) => void): Promise<void> {
  if (rate === 0) {
    for (const c of clients) send(c);
    return;
  }
  const t0 = performance.now();
  for (const [i, c] of clients.entries()) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    send(c);
  }
}

interface Window {
  seconds: number;
  serverCpuSeconds: number;
  serverRssPeak: number;
}

/** Runs `body` while sampling the server's CPU time and RSS. */
async function measured<T>(pid: number, body: () => Promise<T>): Promise<[T, Window]> {
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  let peak = rssMiB(pid);
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, rssMiB(pid));
      await sleep(200);
    }
  })();
  try {
    const out = await body();
    return [out, { seconds: (performance.now() - t0) / 1000, serverCpuSeconds: cpuSeconds(pid) - cpu0, serverRssPeak: Math.max(peak, rssMiB(pid)) }];
  } finally {
    sampling = false;
    await sampler;
  }
}

function latencyLine(label: string, xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `| ${label} | ${s.length} | ${f1(pct(s, 50))} | ${f1(pct(s, 90))} | ${f1(pct(s, 99))} | ${f1(s[s.length - 1] ?? NaN)} |`;
}

async function main(): Promise<void> {
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const loadStart = load();
  console.log(
    `legal vote benchmark: ${voterCount} voters + chair in one room, kind ${kind}, ${rate === 0 ? 'all ballots at once' : `${rate} ballots/s`}; ` +
      `${os.cpus().length} CPUs, Node ${process.version}; ${new Date().toISOString()}; load average ${loadStart}`,
  );
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-bench-vote-'));
  let server: PlenumServer | undefined;
  const sockets: WebSocket[] = [];
  const onSignal = (signal: NodeJS.Signals) => {
    server?.proc.kill('SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  try {
    server = await within('server start', SETUP_TIMEOUT_MS, startPlenum(path.join(tmp, 'data'), SETUP_TIMEOUT_MS));
    const pid = server.proc.pid!;
    const admin = await within('admin login', SETUP_TIMEOUT_MS, adminSession(server));
    const room = await api<{ id: string }>(server, admin, 'POST', '/v1/rooms', { name: 'Benchmark council' });
    const invite = await api<{ code: string }>(server, admin, 'POST', `/v1/rooms/${room.id}/invites`, { label: 'benchmark' });
    const rssIdle = rssMiB(pid);

    // The chair first, then the voters, CONNECT_CONCURRENCY at a time (each join is announced to everyone present).
    const chairTicket = await api<{ ticket: string; signaling_url: string }>(server, admin, 'POST', `/v1/rooms/${room.id}/start`, {});
    const chair = await join(chairTicket, -1);
    sockets.push(chair.socket);
    let chairStarted: string | null = null;
    chair.socket.on('message', (data) => {
      const text = data.toString();
      if (chairStarted === null && text.startsWith('{"namespace":"legal_vote"') && text.includes('"message":"started"')) chairStarted = (JSON.parse(text) as { payload: { vote: { id: string } } }).payload.vote.id;
    });
    const t0 = performance.now();
    const [voters, connectWindow] = await measured(pid, () =>
      within(
        'connecting voters',
        SETUP_TIMEOUT_MS,
        pool(voterCount, connectConcurrency, async (i) => {
          const res = await fetch(`${server!.url}/v1/rooms/${room.id}/start-invited`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ invite_code: invite.code, display_name: `Ratsmitglied ${i + 1}` }),
          });
          const body = (await res.json()) as { ticket?: string; signaling_url?: string };
          if (!res.ok || !body.ticket || !body.signaling_url) throw new Error(`start-invited: ${res.status} ${JSON.stringify(body)}`);
          const c = await join({ ticket: body.ticket, signaling_url: body.signaling_url }, i);
          sockets.push(c.socket);
          return c;
        }),
      ),
    );
    console.log(`connected and joined ${voterCount} voters in ${f1((performance.now() - t0) / 1000)} s (server CPU ${f1(connectWindow.serverCpuSeconds)} s, RSS ${f1(connectWindow.serverRssPeak)} MiB)`);
    await sleep(2000); // let the last joins' announcements settle
    loop.enable();

    // ── reference: one room chat message per voter, same path, same fan-out ──
    const [, chatWindow] = await measured(pid, () =>
      within('chat reference', PHASE_TIMEOUT_MS, (async () => {
        await sendAll(voters, (c) => {
          c.chatSentAt = performance.now();
          c.socket.send(JSON.stringify({ namespace: 'chat', payload: { action: 'send_message', text: `${c.chatKey} Wortmeldung zu Punkt 3`, to: { scope: 'room' } } }));
        });
        await until('chat echoes', PHASE_TIMEOUT_MS, () => voters.every((c) => c.chatEchoAt !== null || c.errors.length > 0));
        await until('chat deliveries', PHASE_TIMEOUT_MS, () => voters.every((c) => c.chatDeliveries >= voterCount || c.errors.length > 0));
      })()),
    );
    const chatFirst = Math.min(...voters.map((c) => c.chatSentAt!));
    const chatLastEcho = Math.max(...voters.map((c) => c.chatEchoAt ?? NaN));
    const chatLatency = voters.filter((c) => c.chatEchoAt !== null).map((c) => c.chatEchoAt! - c.chatSentAt!);
    await sleep(1000);

    // ── the vote ──
    const startSent = performance.now();
    chair.socket.send(
      JSON.stringify({
        namespace: 'legal_vote',
        payload: { action: 'start', title: 'Haushaltssatzung 2027', kind, options: { type: 'yes_no', abstain: true }, auto_close: false, eligible_participant_ids: voters.map((c) => c.id) },
      }),
    );
    await within('started', PHASE_TIMEOUT_MS, until('started at the chair', PHASE_TIMEOUT_MS, () => chairStarted !== null || chair.errors.length > 0));
    if (chair.errors.length) throw new Error(`start refused: ${chair.errors.join(', ')}`);
    const voteId = chairStarted!;
    await until('started at every voter', PHASE_TIMEOUT_MS, () => voters.every((c) => c.started > 0));
    const startedEverywhere = performance.now() - startSent;

    const choices = ['yes', 'no', 'abstain'];
    const [, ballotWindow] = await measured(pid, () =>
      within('ballots', PHASE_TIMEOUT_MS, (async () => {
        await sendAll(voters, (c) => {
          c.sentAt = performance.now();
          c.socket.send(JSON.stringify({ namespace: 'legal_vote', payload: { action: 'vote', vote_id: voteId, choices: [choices[c.index % 3]] } }));
        });
        await until('ballot acknowledgements', PHASE_TIMEOUT_MS, () => voters.every((c) => c.votedAt !== null || c.errors.length > 0));
        await until('progress delivered', PHASE_TIMEOUT_MS, () => voters.every((c) => c.lastCast >= voterCount || c.errors.length > 0));
      })()),
    );
    const ballotFirst = Math.min(...voters.map((c) => c.sentAt!));
    const ballotLastAck = Math.max(...voters.map((c) => c.votedAt ?? NaN));
    const ackLatency = voters.filter((c) => c.votedAt !== null).map((c) => c.votedAt! - c.sentAt!);
    await sleep(1000);

    // ── close: stop → signed final result ──
    let stopSent = 0;
    const [, closeWindow] = await measured(pid, () =>
      within('final result', PHASE_TIMEOUT_MS, (async () => {
        stopSent = performance.now();
        chair.socket.send(JSON.stringify({ namespace: 'legal_vote', payload: { action: 'stop', vote_id: voteId } }));
        await until('final result at the chair', PHASE_TIMEOUT_MS, () => chair.finalAt !== null || chair.errors.length > 0);
        await until('final result everywhere', PHASE_TIMEOUT_MS, () => voters.every((c) => c.finalAt !== null));
      })()),
    );
    const finalAtChair = chair.finalAt! - stopSent;
    const finalEverywhere = voters.map((c) => c.finalAt! - stopSent);
    loop.disable();

    // ── reports ──
    const timed = async (p: string) => {
      const t = performance.now();
      const res = await fetch(`${server!.url}${p}`, { headers: { cookie: admin.cookie }, signal: AbortSignal.timeout(PHASE_TIMEOUT_MS) });
      const bytes = (await res.arrayBuffer()).byteLength;
      if (!res.ok) throw new Error(`${p}: ${res.status}`);
      return { ms: performance.now() - t, bytes };
    };
    const [[exportRun, pdfRun, pdfRun2], reportWindow] = await measured(pid, async () => [
      await timed(`/v1/votes/${voteId}/export.json`),
      await timed(`/v1/votes/${voteId}/report.pdf?lang=de`),
      await timed(`/v1/votes/${voteId}/report.pdf?lang=en`),
    ]);
    const rssEnd = rssMiB(pid);

    // ── report ──
    const errors = new Map<string, number>();
    for (const c of [chair, ...voters]) for (const e of c.errors) errors.set(e, (errors.get(e) ?? 0) + 1);
    const acked = voters.filter((c) => c.votedAt !== null).length;
    const ballotSeconds = (ballotLastAck - ballotFirst) / 1000;
    const chatSeconds = (chatLastEcho - chatFirst) / 1000;
    const ballotsPerS = acked / ballotSeconds;
    const chatPerS = chatLatency.length / chatSeconds;
    const ack = [...ackLatency].sort((a, b) => a - b);
    const chat = [...chatLatency].sort((a, b) => a - b);
    console.log(`\nload average at the start ${loadStart}, at the end ${load()}; errors: ${errors.size ? [...errors].map(([k, v]) => `${k}×${v}`).join(', ') : 'none'}`);
    console.log(`\n| | ballots (legal_vote/vote) | reference: room chat message | ratio |`);
    console.log('|---|---|---|---|');
    console.log(`| commands acknowledged | ${acked} of ${voterCount} | ${chatLatency.length} of ${voterCount} | |`);
    console.log(`| accepted per second (first send → last ack) | ${f1(ballotsPerS)} | ${f1(chatPerS)} | ${ballotsPerS >= chatPerS ? `${f2(ballotsPerS / chatPerS)}× faster` : `${f2(chatPerS / ballotsPerS)}× slower`} |`);
    console.log(`| ack latency p50 (ms) | ${f1(pct(ack, 50))} | ${f1(pct(chat, 50))} | ${f2(pct(ack, 50) / pct(chat, 50))}× |`);
    console.log(`| ack latency p99 (ms) | ${f1(pct(ack, 99))} | ${f1(pct(chat, 99))} | ${f2(pct(ack, 99) / pct(chat, 99))}× |`);
    console.log(`| server CPU over the phase (s) | ${f2(ballotWindow.serverCpuSeconds)} | ${f2(chatWindow.serverCpuSeconds)} | ${f2(ballotWindow.serverCpuSeconds / chatWindow.serverCpuSeconds)}× |`);
    console.log(`| server CPU per command incl. fan-out to ${voterCount + 1} (ms) | ${f2((ballotWindow.serverCpuSeconds * 1000) / voterCount)} | ${f2((chatWindow.serverCpuSeconds * 1000) / voterCount)} | |`);
    console.log(`| fan-out frames delivered (updated / message_sent) | ${voters.reduce((n, c) => n + c.updated, 0)} | ${voters.reduce((n, c) => n + c.chatDeliveries, 0)} | |`);
    console.log(`| phase wall time incl. all deliveries (s) | ${f1(ballotWindow.seconds)} | ${f1(chatWindow.seconds)} | |`);
    console.log('\n| ack latency (ms) | samples | p50 | p90 | p99 | max |');
    console.log('|---|---|---|---|---|---|');
    console.log(latencyLine('ballot → voted', ackLatency));
    console.log(latencyLine('chat message → own echo', chatLatency));
    console.log(
      `\nstart → started at all ${voterCount} voters: ${f1(startedEverywhere)} ms (each gets the eligible list of ${voterCount})` +
        `\nstop → signed final_results at the chair: ${f1(finalAtChair)} ms; at every voter p50 ${f1(pct([...finalEverywhere].sort((a, b) => a - b), 50))} / max ${f1(Math.max(...finalEverywhere))} ms; server CPU ${f2(closeWindow.serverCpuSeconds)} s` +
        `\nexport.json: ${f1(exportRun.ms)} ms (${f1(exportRun.bytes / 1024)} KiB); report.pdf: ${f1(pdfRun.ms)} ms de (${f1(pdfRun.bytes / 1024)} KiB), ${f1(pdfRun2.ms)} ms en; server CPU for the three ${f2(reportWindow.serverCpuSeconds)} s` +
        `\nserver RSS: ${f1(rssIdle)} MiB idle before connecting, peak ${f1(Math.max(connectWindow.serverRssPeak, chatWindow.serverRssPeak, ballotWindow.serverRssPeak, closeWindow.serverRssPeak, reportWindow.serverRssPeak))} MiB, ${f1(rssEnd)} MiB at the end` +
        `\nbench process (all ${voterCount + 1} clients): event-loop delay p99 ${f1(loop.percentile(99) / 1e6)} ms, max ${f1(loop.max / 1e6)} ms, RSS ${f1(process.memoryUsage().rss / 2 ** 20)} MiB`,
    );
    if (acked < voterCount || errors.size) process.exitCode = 1;
  } finally {
    await Promise.all(
      sockets.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.readyState === s.CLOSED) return resolve();
            const t = setTimeout(() => {
              s.terminate();
              resolve();
            }, 5000);
            s.once('close', () => {
              clearTimeout(t);
              resolve();
            });
            s.close(1000);
          }),
      ),
    );
    if (server) await stopProcess(server.proc);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
