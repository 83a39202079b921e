// SIP transports: one UDP socket and one TCP listener on the same address and port, and a TLS listener
// (SIPS, usually port 5061; TLS 1.2 or newer). TCP and TLS are framed by Content-Length (RFC 3261 §18.3);
// frames and connections are bounded. Responses and the gateway's BYE go back on the connection the
// request came on (the trunk's, as with TCP).
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import { findHeaderEnd, MAX_MESSAGE_BYTES } from './message.ts';

export interface Flow {
  readonly transport: 'udp' | 'tcp' | 'tls';
  readonly remote: { readonly address: string; readonly port: number };
  send(buf: Buffer): void;
  /** TCP/TLS: close the connection (after a framing error). */
  close(): void;
}

export type Inbound = (buf: Buffer, flow: Flow) => void;

const MAX_TCP_CONNECTIONS = 1024;
const DEFAULT_IDLE_MS = 120_000;
const TLS_HANDSHAKE_MS = 10_000;

/** Cuts a TCP byte stream into SIP messages. */
export class TcpFramer {
  private buf: Buffer = Buffer.alloc(0);

  /** Returns complete frames; `fatal` is set when the stream cannot be framed any further (close it after answering). */
  push(chunk: Buffer): { frames: Buffer[]; fatal?: Buffer; keepalive: boolean } {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const frames: Buffer[] = [];
    let keepalive = false;
    for (let guard = 0; guard < 1000; guard++) {
      let skip = 0;
      while (skip < this.buf.length && (this.buf[skip] === 0x0d || this.buf[skip] === 0x0a)) skip++;
      if (skip > 0) {
        if (skip >= 4) keepalive = true; // RFC 5626 double-CRLF ping
        this.buf = this.buf.subarray(skip);
      }
      if (this.buf.length === 0) break;
      const end = findHeaderEnd(this.buf);
      if (!end) {
        if (this.buf.length > MAX_MESSAGE_BYTES) return { frames, fatal: this.take(this.buf.length), keepalive };
        break;
      }
      if (end[0] > MAX_MESSAGE_BYTES) return { frames, fatal: this.take(end[1]), keepalive };
      const head = this.buf.subarray(0, end[0]).toString('latin1');
      const m = /(?:^|\n)(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*)/i.exec(head);
      const raw = m?.[1]?.trim() ?? '0';
      if (!/^\d{1,9}$/.test(raw)) return { frames, fatal: this.take(end[1]), keepalive };
      const len = Number(raw);
      if (len > MAX_MESSAGE_BYTES) return { frames, fatal: this.take(end[1]), keepalive };
      if (this.buf.length < end[1] + len) break;
      frames.push(this.take(end[1] + len));
    }
    return { frames, keepalive };
  }

  private take(n: number): Buffer {
    const out = Buffer.from(this.buf.subarray(0, n));
    this.buf = this.buf.subarray(n);
    return out;
  }

  get buffered(): number {
    return this.buf.length;
  }
}

export class Transports {
  udp: dgram.Socket | undefined;
  tcp: net.Server | undefined;
  tls: tls.Server | undefined;
  private readonly conns = new Set<net.Socket>();

  /**
   * `idleMs`: a TCP/TLS connection without traffic for this long is closed, unless `inUse(flow)` says a call
   * still runs on it (the gateway's BYE must be able to go back on it; the idle timer then starts again).
   */
  constructor(private readonly onMessage: Inbound, private readonly opts: { idleMs?: number; inUse?: (flow: Flow) => boolean } = {}) {}

  async listen(host: string, port: number, kinds: ('udp' | 'tcp')[]): Promise<number> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const p = await this.tryListen(host, port, kinds).catch((err: NodeJS.ErrnoException) => {
        if (port === 0 && err.code === 'EADDRINUSE') return undefined;
        throw err;
      });
      if (p !== undefined) return p;
    }
    throw new Error('could not bind UDP and TCP to one free port');
  }

  private async tryListen(host: string, port: number, kinds: ('udp' | 'tcp')[]): Promise<number> {
    let bound = port;
    if (kinds.includes('udp')) {
      const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        sock.bind(port, host, () => {
          sock.off('error', reject);
          resolve();
        });
      });
      sock.on('error', () => undefined);
      bound = sock.address().port;
      sock.on('message', (buf, rinfo) => {
        const remote = { address: rinfo.address, port: rinfo.port };
        this.onMessage(buf, { transport: 'udp', remote, send: (b) => sock.send(b, remote.port, remote.address), close: () => undefined });
      });
      this.udp = sock;
    }
    if (kinds.includes('tcp')) {
      const server = net.createServer((s) => this.onConnection(s));
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(bound, host, () => {
            server.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        this.udp?.close();
        this.udp = undefined;
        throw err;
      }
      bound = (server.address() as net.AddressInfo).port;
      this.tcp = server;
    }
    return bound;
  }

  /** The TLS listener; returns the bound port. */
  async listenTls(host: string, port: number, creds: { cert: Buffer; key: Buffer }): Promise<number> {
    const server = tls.createServer({ cert: creds.cert, key: creds.key, minVersion: 'TLSv1.2', handshakeTimeout: TLS_HANDSHAKE_MS }, (s) => this.onConnection(s, 'tls'));
    server.on('tlsClientError', () => undefined); // failed handshakes: the socket is destroyed by node
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', () => undefined);
    this.tls = server;
    return (server.address() as net.AddressInfo).port;
  }

  private onConnection(s: net.Socket, transport: 'tcp' | 'tls' = 'tcp'): void {
    if (this.conns.size >= MAX_TCP_CONNECTIONS) {
      s.destroy();
      return;
    }
    this.conns.add(s);
    s.on('error', () => undefined);
    s.on('close', () => this.conns.delete(s));
    const framer = new TcpFramer();
    const remote = { address: s.remoteAddress ?? '', port: s.remotePort ?? 0 };
    const flow: Flow = {
      transport,
      remote,
      send: (b) => {
        if (!s.destroyed) s.write(b);
      },
      close: () => s.end(),
    };
    const idleMs = this.opts.idleMs ?? DEFAULT_IDLE_MS;
    s.setTimeout(idleMs);
    // `on`, not setTimeout's callback (a `once` listener): with a call on the connection the timer runs again.
    s.on('timeout', () => {
      if (this.opts.inUse?.(flow)) s.setTimeout(idleMs);
      else s.destroy();
    });
    s.on('data', (chunk: Buffer) => {
      const { frames, fatal, keepalive } = framer.push(chunk);
      if (keepalive && !s.destroyed) s.write('\r\n');
      for (const f of frames) this.onMessage(f, flow);
      if (fatal) {
        this.onMessage(fatal, flow);
        s.end();
        s.destroySoon?.();
      }
    });
  }

  /** Sends to an address over the given transport (UDP only for requests the gateway starts; TCP reuses `flow`). */
  sendUdp(buf: Buffer, address: string, port: number): void {
    this.udp?.send(buf, port, address);
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.destroy();
    await Promise.all([
      new Promise<void>((r) => (this.udp ? this.udp.close(() => r()) : r())),
      new Promise<void>((r) => (this.tcp ? this.tcp.close(() => r()) : r())),
      new Promise<void>((r) => (this.tls ? this.tls.close(() => r()) : r())),
    ]);
  }
}
