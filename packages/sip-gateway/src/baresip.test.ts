// End to end with a real phone: baresip dials the gateway, sends the meeting ID and PIN as RFC 4733
// events (ctrl_tcp `sndcode`), and records what it hears (sndfile module); wrong PINs three times → BYE.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmed, ScriptedLink, startTestGateway } from './testing.ts';

const run = promisify(execFile);
const link = new ScriptedLink('4711', '0815');
let env: Awaited<ReturnType<typeof startTestGateway>>;
let dir: string;
let phone: ChildProcess;
let ctrl: Ctrl;

/** ctrl_tcp: JSON in netstrings; events collected, waits are event-driven. */
class Ctrl {
  private buf = '';
  readonly events: { type: string; param?: string }[] = [];
  private waiters: { type: string; from: number; resolve: (e: { type: string; param?: string }) => void }[] = [];
  constructor(private readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf += d.toString('utf8');
      for (;;) {
        const colon = this.buf.indexOf(':');
        if (colon < 0) break;
        const len = Number(this.buf.slice(0, colon));
        if (this.buf.length < colon + 1 + len + 1) break;
        const json = JSON.parse(this.buf.slice(colon + 1, colon + 1 + len)) as { event?: boolean; type?: string; param?: string };
        this.buf = this.buf.slice(colon + 2 + len);
        if (json.event && json.type) {
          this.events.push({ type: json.type, ...(json.param !== undefined ? { param: json.param } : {}) });
          const idx = this.events.length - 1;
          this.waiters = this.waiters.filter((w) => (w.type === json.type && idx >= w.from ? (w.resolve(this.events[idx] as { type: string }), false) : true));
        }
      }
    });
  }

  send(command: string, params?: string): void {
    const j = JSON.stringify({ command, ...(params !== undefined ? { params } : {}), token: command });
    this.sock.write(`${Buffer.byteLength(j)}:${j},`);
  }

  /** The next event of that type after index `from`. */
  waitEvent(type: string, from: number): Promise<{ type: string; param?: string }> {
    const have = this.events.slice(from).find((e) => e.type === type);
    if (have) return Promise.resolve(have);
    return new Promise((resolve) => this.waiters.push({ type, from, resolve }));
  }
}

async function canBind(port: number, kind: 'udp' | 'tcp'): Promise<boolean> {
  if (kind === 'udp') {
    const s = dgram.createSocket('udp4');
    const ok = await new Promise<boolean>((r) => {
      s.once('error', () => r(false));
      s.bind(port, '127.0.0.1', () => r(true));
    });
    await new Promise<void>((r) => (ok ? s.close(() => r()) : r()));
    return ok;
  }
  const srv = net.createServer();
  const ok = await new Promise<boolean>((r) => {
    srv.once('error', () => r(false));
    srv.listen(port, '127.0.0.1', () => r(true));
  });
  await new Promise<void>((r) => (ok ? srv.close(() => r()) : r()));
  return ok;
}

/** A port p with UDP p, TCP p and TCP p+1 (baresip's TLS) free, and a TCP port for ctrl_tcp. */
async function phonePorts(): Promise<{ sip: number; ctrl: number }> {
  for (let p = 42000 + (process.pid % 500) * 4; p < 60000; p += 4) {
    if ((await canBind(p, 'udp')) && (await canBind(p, 'tcp')) && (await canBind(p + 1, 'tcp')) && (await canBind(p + 2, 'tcp'))) return { sip: p, ctrl: p + 2 };
  }
  throw new Error('no free ports for baresip');
}

async function rmsOf(file: string): Promise<{ rms: number; seconds: number }> {
  const { stderr } = await run('sox', [file, '-n', 'stat']);
  return { rms: Number(/RMS\s+amplitude:\s+([\d.]+)/.exec(stderr)?.[1]), seconds: Number(/Length \(seconds\):\s+([\d.]+)/.exec(stderr)?.[1]) };
}

beforeAll(async () => {
  env = await startTestGateway({ SIP_RTP_PORTS: '41600-41699' }, link);
  dir = await mkdtemp(path.join(tmpdir(), 'plenum-baresip-'));
  const ports = await phonePorts();
  await run('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', path.join(dir, 'tone.wav'), 'synth', '60', 'sine', '440', 'vol', '0.3']);
  await writeFile(path.join(dir, 'config'), [
    `sip_listen 127.0.0.1:${ports.sip}`, 'sip_trans_def udp', 'net_interface 127.0.0.1', 'module_path /usr/lib/baresip/modules',
    'module g711.so', 'module aufile.so', 'module sndfile.so', 'module account.so', 'module menu.so', 'module ctrl_tcp.so',
    `ctrl_tcp_listen 127.0.0.1:${ports.ctrl}`, `audio_source aufile,${path.join(dir, 'tone.wav')}`, `snd_path ${dir}`, '',
  ].join('\n'));
  await writeFile(path.join(dir, 'accounts'), `<sip:phone@127.0.0.1:${ports.sip}>;regint=0;answermode=auto\n`);
  phone = spawn('baresip', ['-f', dir], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    phone.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('baresip is ready')) resolve();
    });
    phone.on('exit', (c) => reject(new Error(`baresip exited (${c}): ${out}`)));
  });
  const sock = net.connect(ports.ctrl, '127.0.0.1');
  await new Promise<void>((r) => sock.once('connect', () => r()));
  ctrl = new Ctrl(sock);
});

afterAll(async () => {
  phone?.kill('SIGTERM');
  await env?.gw.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Presses keys one after the other, each once the gateway has seen the previous one. */
async function press(keys: string): Promise<void> {
  for (const k of keys) {
    const seen = new Promise<void>((resolve) => {
      const off = env.gw.onCallEvent((_id, e) => {
        if (e.type === 'digit' && e.digit === k) {
          off();
          resolve();
        }
      });
    });
    ctrl.send('sndcode', k);
    await seen;
  }
}

async function decodedDumps(): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.startsWith('dump-') && f.endsWith('-dec.wav')).sort();
}

describe('baresip calls the IVR', () => {
  it('enters the meeting ID and PIN by RFC 4733; authorize gets the digits; the caller hears the prompts', async () => {
    const from = ctrl.events.length;
    const acked = confirmed(env.gw);
    ctrl.send('dial', `sip:1234@127.0.0.1:${env.port}`);
    await ctrl.waitEvent('CALL_ESTABLISHED', from);
    await acked;
    const auth = link.next();
    await press('4711#');
    await press('0815#');
    const req = await auth;
    expect(req).toMatchObject({ dialInId: '4711', pin: '0815', caller: 'phone' });
    expect(req.source).toMatch(/^127\.0\.0\.1:\d+$/);
    const before = ctrl.events.length;
    ctrl.send('hangup');
    await ctrl.waitEvent('CALL_CLOSED', before);
    expect(env.gw.ended.at(-1)?.reason).toBe('caller_bye');
    // What the phone heard (sndfile writes the decoded audio when the call closes).
    const dumps = await decodedDumps();
    expect(dumps.length).toBeGreaterThanOrEqual(1);
    const heard = await rmsOf(path.join(dir, dumps.at(-1) ?? ''));
    console.log(`baresip heard ${heard.seconds} s of IVR audio, RMS ${heard.rms}`);
    expect(heard.rms).toBeGreaterThan(0.01);
  });

  it('three wrong PINs: goodbye, then the gateway hangs up', async () => {
    const from = ctrl.events.length;
    const firstAuth = link.requests.length;
    const acked = confirmed(env.gw);
    ctrl.send('dial', `sip:1234@127.0.0.1:${env.port}`);
    await ctrl.waitEvent('CALL_ESTABLISHED', from);
    await acked;
    for (let attempt = 0; attempt < 3; attempt++) {
      const auth = link.next();
      await press('4711#');
      await press('9999#');
      expect((await auth).pin).toBe('9999');
    }
    const closed = await ctrl.waitEvent('CALL_CLOSED', from);
    expect(closed.param ?? '').not.toMatch(/reset by user/i);
    expect(link.requests.length - firstAuth).toBe(3);
    expect(env.gw.ended.at(-1)?.reason).toBe('ivr_failed');
    // The phone heard the prompts of three rounds and the goodbye: more than in the first call.
    const dumps = await decodedDumps();
    const heard = await rmsOf(path.join(dir, dumps.at(-1) ?? ''));
    console.log(`baresip heard ${heard.seconds} s before the gateway hung up, RMS ${heard.rms}`);
    expect(heard.rms).toBeGreaterThan(0.01);
  });
});
