// Test support: a gateway on free loopback ports with a scripted PlenumLink, and a raw SIP/RTP client.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { loadConfig, type GatewayConfig } from './config.ts';
import { SipGateway, type GatewayHooks } from './gateway.ts';
import { ensurePrompts, PromptLibrary } from './ivr/prompts.ts';
import type { AuthorizeRequest, AuthorizeResult, PlenumLink } from './plenum.ts';
import { parseMessage, getHeader, type SipMessage, type SipResponse } from './sip/message.ts';
import { parseRtp, type RtpPacket } from './rtp/packet.ts';

let prompts: Promise<PromptLibrary> | undefined;
export function testPrompts(): Promise<PromptLibrary> {
  prompts ??= (async () => {
    const dir = loadConfig({}).promptsDir;
    await ensurePrompts(dir);
    return PromptLibrary.load(dir);
  })();
  return prompts;
}

/** Accepts exactly one meeting ID / PIN pair; records every request. */
export class ScriptedLink implements PlenumLink {
  readonly requests: AuthorizeRequest[] = [];
  private readonly waiters: ((r: AuthorizeRequest) => void)[] = [];
  constructor(private readonly id: string, private readonly pin: string, private readonly lockedIds: string[] = []) {}

  async authorize(req: AuthorizeRequest): Promise<AuthorizeResult> {
    this.requests.push(req);
    for (const w of this.waiters.splice(0)) w(req);
    if (this.lockedIds.includes(req.dialInId)) return { ok: false, reason: 'locked', retryAfterS: 60 };
    if (req.dialInId === this.id && req.pin === this.pin) {
      return { ok: true, session: { ticket: 't', resumption: 'r', signalingUrl: 'ws://127.0.0.1:1/signaling', roomId: 'room-1', participantDisplayName: 'Phone', language: undefined } };
    }
    return { ok: false, reason: 'wrong_credentials' };
  }

  next(): Promise<AuthorizeRequest> {
    return new Promise((r) => this.waiters.push(r));
  }
}

export async function startTestGateway(env: Record<string, string>, link: PlenumLink = new ScriptedLink('1', '1'), hooks?: GatewayHooks): Promise<{ gw: SipGateway; port: number; cfg: GatewayConfig }> {
  const cfg = loadConfig({ SIP_LISTEN: '127.0.0.1:0', SIP_T1_MS: '50', ...env });
  const gw = new SipGateway(cfg, { link, prompts: await testPrompts(), ...(hooks ? { hooks } : {}) });
  const port = await gw.start();
  return { gw, port, cfg };
}

/** Resolves when the gateway has taken the ACK of a call (its IVR runs from then on). Register before the ACK. */
export function confirmed(gw: SipGateway, callId?: string): Promise<string> {
  return new Promise((resolve) => {
    const off = gw.onCallEvent((id, e) => {
      if (e.type === 'confirmed' && (callId === undefined || id === callId)) {
        off();
        resolve(id);
      }
    });
  });
}

export function sdpOffer(port: number, opts: { codecs?: string; direction?: string; address?: string } = {}): string {
  const address = opts.address ?? '127.0.0.1';
  const codecs = opts.codecs ?? '0 8 101';
  return [
    'v=0', `o=test 1 1 IN IP4 ${address}`, 's=-', `c=IN IP4 ${address}`, 't=0 0', `m=audio ${port} RTP/AVP ${codecs}`,
    'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', `a=${opts.direction ?? 'sendrecv'}`, '',
  ].join('\r\n');
}

export interface RequestSpec {
  method: string;
  callId: string;
  cseq?: number;
  fromTag?: string;
  toTag?: string;
  branch?: string;
  localPort: number;
  transport?: 'UDP' | 'TCP' | 'TLS';
  body?: string;
  contentType?: string;
  extra?: string[];
  uri?: string;
}

export function request(s: RequestSpec): string {
  const body = s.body ?? '';
  return [
    `${s.method} ${s.uri ?? 'sip:1234@127.0.0.1'} SIP/2.0`,
    `Via: SIP/2.0/${s.transport ?? 'UDP'} 127.0.0.1:${s.localPort};branch=${s.branch ?? 'z9hG4bK' + randomBytes(6).toString('hex')};rport`,
    'Max-Forwards: 70',
    `From: <sip:+4930111@127.0.0.1>;tag=${s.fromTag ?? 'ft-' + s.callId}`,
    `To: <sip:1234@127.0.0.1>${s.toTag ? `;tag=${s.toTag}` : ''}`,
    `Call-ID: ${s.callId}`,
    `CSeq: ${s.cseq ?? 1} ${s.method === 'ACK' || s.method === 'CANCEL' ? (s.method) : s.method}`,
    `Contact: <sip:caller@127.0.0.1:${s.localPort}>`,
    ...(s.extra ?? []),
    ...(body ? [`Content-Type: ${s.contentType ?? 'application/sdp'}`] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

type Waiter = { pred: (m: SipMessage) => boolean; resolve: (m: SipMessage) => void };

/** A raw SIP client over UDP: every message it receives is kept; waits are event-driven. */
export class UdpProbe {
  readonly sock: dgram.Socket;
  readonly received: SipMessage[] = [];
  private waiters: Waiter[] = [];
  constructor(private readonly gwPort: number, host = '127.0.0.1') {
    this.sock = dgram.createSocket('udp4');
    this.sock.on('message', (b) => {
      let m: SipMessage;
      try {
        m = parseMessage(b);
      } catch {
        return;
      }
      this.received.push(m);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(m)) return true;
        w.resolve(m);
        return false;
      });
    });
    this.host = host;
  }
  private readonly host: string;

  async open(): Promise<this> {
    await new Promise<void>((r) => this.sock.bind(0, this.host, () => r()));
    return this;
  }

  get port(): number {
    return this.sock.address().port;
  }

  send(text: string | Buffer): void {
    this.sock.send(typeof text === 'string' ? Buffer.from(text, 'latin1') : text, this.gwPort, '127.0.0.1');
  }

  /** Sends and resolves once the datagram was handed to the kernel. */
  sendDone(text: string | Buffer): Promise<void> {
    return new Promise((r) => this.sock.send(typeof text === 'string' ? Buffer.from(text, 'latin1') : text, this.gwPort, '127.0.0.1', () => r()));
  }

  /** Resolves with the first (already received or future) message that matches. */
  waitFor(pred: (m: SipMessage) => boolean, fromIndex = 0): Promise<SipMessage> {
    const have = this.received.slice(fromIndex).find(pred);
    if (have) return Promise.resolve(have);
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  responseTo(callId: string, status?: number, method?: string): Promise<SipResponse> {
    return this.waitFor((m) => m.kind === 'response' && getHeader(m, 'call-id') === callId && (status === undefined || m.status === status) && (method === undefined || (getHeader(m, 'cseq') ?? '').endsWith(method))) as Promise<SipResponse>;
  }

  close(): void {
    this.sock.close();
  }
}

/** A TCP connection that frames what it receives (responses only need Content-Length). */
export class TcpProbe {
  readonly sock: net.Socket;
  readonly received: SipMessage[] = [];
  private buf = '';
  readonly closed: Promise<void>;
  private waiters: Waiter[] = [];

  constructor(portOrSocket: number | net.Socket) {
    this.sock = typeof portOrSocket === 'number' ? net.connect(portOrSocket, '127.0.0.1') : portOrSocket;
    this.sock.on('error', () => undefined);
    this.closed = new Promise((r) => this.sock.on('close', () => r()));
    this.sock.on('data', (d: Buffer) => {
      this.buf += d.toString('latin1');
      for (;;) {
        this.buf = this.buf.replace(/^[\r\n]+/, '');
        const end = this.buf.indexOf('\r\n\r\n');
        if (end < 0) break;
        const len = Number(/content-length:\s*(\d+)/i.exec(this.buf.slice(0, end))?.[1] ?? 0);
        if (this.buf.length < end + 4 + len) break;
        const frame = this.buf.slice(0, end + 4 + len);
        this.buf = this.buf.slice(end + 4 + len);
        try {
          const m = parseMessage(Buffer.from(frame, 'latin1'));
          this.received.push(m);
          this.waiters = this.waiters.filter((w) => (w.pred(m) ? (w.resolve(m), false) : true));
        } catch {
          // ignore
        }
      }
    });
  }

  ready(): Promise<this> {
    return new Promise((r) => this.sock.once('connect', () => r(this)));
  }

  get port(): number {
    return this.sock.localPort ?? 0;
  }

  send(text: string | Buffer): void {
    this.sock.write(typeof text === 'string' ? Buffer.from(text, 'latin1') : text);
  }

  /** The matching message, or undefined when the connection closes first. */
  waitFor(pred: (m: SipMessage) => boolean): Promise<SipMessage | undefined> {
    const have = this.received.find(pred);
    if (have) return Promise.resolve(have);
    return Promise.race([new Promise<SipMessage>((resolve) => this.waiters.push({ pred, resolve })), this.closed.then(() => this.received.find(pred))]);
  }
}

/** An RTP endpoint that counts what it receives and can send G.711 frames and RFC 4733 events. */
export class RtpPeer {
  readonly sock = dgram.createSocket('udp4');
  readonly packets: RtpPacket[] = [];
  /** The datagrams as received (e.g. SRTP, to unprotect), index for index with `packets`. */
  readonly raw: Buffer[] = [];
  private waiters: { n: number; resolve: () => void }[] = [];
  constructor() {
    this.sock.on('message', (b) => {
      const p = parseRtp(b);
      if (!p) return;
      this.packets.push(p);
      this.raw.push(b);
      this.waiters = this.waiters.filter((w) => (this.packets.length >= w.n ? (w.resolve(), false) : true));
    });
  }

  async open(): Promise<this> {
    await new Promise<void>((r) => this.sock.bind(0, '127.0.0.1', () => r()));
    return this;
  }

  get port(): number {
    return this.sock.address().port;
  }

  /** Resolves once at least `n` packets have arrived in total. */
  waitForCount(n: number): Promise<void> {
    if (this.packets.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  send(buf: Buffer, port: number): void {
    this.sock.send(buf, port, '127.0.0.1');
  }

  close(): void {
    this.sock.close();
  }
}

/** A self-signed ECDSA P-256 certificate for 127.0.0.1 (openssl), in a new temporary directory. */
export async function selfSignedCert(): Promise<{ dir: string; cert: string; key: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'plenum-sip-tls-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
  ]);
  return { dir, cert, key, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A TLS connection (the test's certificate is self-signed: not verified) that frames what it receives. */
export class TlsProbe extends TcpProbe {
  constructor(port: number) {
    super(tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, minVersion: 'TLSv1.2' }));
  }

  override ready(): Promise<this> {
    return new Promise((r) => (this.sock as tls.TLSSocket).once('secureConnect', () => r(this)));
  }
}
