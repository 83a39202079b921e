// Test support: Debian's baresip as a scripted phone (ctrl_tcp for dialling and RFC 4733 keys, aufile as the
// microphone, sndfile recording what it hears). Used by the gateway's own tests and the telephone e2e.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { SipGateway } from './gateway.ts';

const run = promisify(execFile);

/** ctrl_tcp: JSON in netstrings; events collected, waits are event-driven. */
export class Ctrl {
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

/** Whether a loopback UDP or TCP port is free now. */
export async function canBind(port: number, kind: 'udp' | 'tcp'): Promise<boolean> {
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

export async function rmsOf(file: string): Promise<{ rms: number; seconds: number }> {
  const { stderr } = await run('sox', [file, '-n', 'stat']);
  return { rms: Number(/RMS\s+amplitude:\s+([\d.]+)/.exec(stderr)?.[1]), seconds: Number(/Length \(seconds\):\s+([\d.]+)/.exec(stderr)?.[1]) };
}

/** A 16-bit PCM WAV (as sndfile writes it) → rate and samples. */
export async function readWav(file: string): Promise<{ rate: number; samples: Int16Array }> {
  const buf = await readFile(file);
  let at = 12;
  let rate = 0;
  while (at + 8 <= buf.length) {
    const id = buf.toString('ascii', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    if (id === 'fmt ') rate = buf.readUInt32LE(at + 12);
    if (id === 'data') {
      const data = buf.subarray(at + 8, Math.min(buf.length, at + 8 + size));
      const samples = new Int16Array(Math.floor(data.length / 2));
      for (let i = 0; i < samples.length; i++) samples[i] = data.readInt16LE(i * 2);
      return { rate, samples };
    }
    at += 8 + size + (size % 2);
  }
  throw new Error(`${file}: no data chunk`);
}

export interface BaresipPhone {
  readonly dir: string;
  readonly ctrl: Ctrl;
  /** Decoded recordings of what the phone heard, one per ended call, oldest first. */
  heard(): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * Starts baresip as `<sip:user@127.0.0.1:port>` whose microphone plays a sine of `toneHz` (8 kHz WAV made
 * with sox). Waits for "baresip is ready" and the ctrl_tcp connection.
 * `tls`: the account uses `;transport=tls`, with `caFile` (PEM) trusted as `sip_cafile`.
 * `mediaenc`: baresip's media encryption for the account (`srtp-mand`: RTP/SAVP with SDES, nothing else;
 * `srtp`: RTP/AVP with a=crypto, best effort); loads `srtp.so`.
 */
export async function startBaresip(opts: { user?: string; toneHz?: number; tls?: { caFile: string }; mediaenc?: 'srtp' | 'srtp-mand' | 'srtp-mandf' } = {}): Promise<BaresipPhone> {
  const dir = await mkdtemp(path.join(tmpdir(), 'plenum-baresip-'));
  const ports = await phonePorts();
  await run('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', path.join(dir, 'tone.wav'), 'synth', '120', 'sine', String(opts.toneHz ?? 440), 'vol', '0.3']);
  await writeFile(path.join(dir, 'config'), [
    `sip_listen 127.0.0.1:${ports.sip}`, 'sip_trans_def udp', 'net_interface 127.0.0.1', 'module_path /usr/lib/baresip/modules',
    ...(opts.tls ? [`sip_cafile ${opts.tls.caFile}`] : []), ...(opts.mediaenc ? ['module srtp.so'] : []),
    'module g711.so', 'module aufile.so', 'module sndfile.so', 'module account.so', 'module menu.so', 'module ctrl_tcp.so',
    `ctrl_tcp_listen 127.0.0.1:${ports.ctrl}`, `audio_source aufile,${path.join(dir, 'tone.wav')}`, `snd_path ${dir}`, '',
  ].join('\n'));
  const params = ['regint=0', 'answermode=auto', ...(opts.mediaenc ? [`mediaenc=${opts.mediaenc}`] : [])];
  await writeFile(path.join(dir, 'accounts'), `<sip:${opts.user ?? 'phone'}@127.0.0.1:${ports.sip}${opts.tls ? ';transport=tls' : ''}>;${params.join(';')}\n`);
  const phone: ChildProcess = spawn('baresip', ['-f', dir], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
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
  return {
    dir,
    ctrl: new Ctrl(sock),
    heard: async () => (await readdir(dir)).filter((f) => f.startsWith('dump-') && f.endsWith('-dec.wav')).sort().map((f) => path.join(dir, f)),
    async stop() {
      sock.destroy();
      if (phone.exitCode === null) {
        const exited = new Promise<void>((r) => phone.once('exit', () => r()));
        phone.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Presses keys on the phone (RFC 4733) one after the other, each once the gateway has seen the previous one. */
export async function press(gw: SipGateway, ctrl: Ctrl, keys: string): Promise<void> {
  for (const k of keys) {
    const seen = new Promise<void>((resolve) => {
      const off = gw.onCallEvent((_id, e) => {
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
