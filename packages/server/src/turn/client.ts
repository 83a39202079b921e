import { createHash, createHmac, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';

/**
 * A minimal TURN client (RFC 8656): one Allocate with long-term credentials over UDP, TCP or TLS, then a
 * Refresh with lifetime 0 that frees the allocation. It serves the operator's diagnostic (does the relay
 * answer and accept the minted credentials on each of its URLs?) and nothing else: no permissions, no data.
 */

const MAGIC = 0x2112a442;
const ALLOCATE = 0x0003;
const REFRESH = 0x0004;
const SUCCESS = 0x0100;
const ATTR = {
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  LIFETIME: 0x000d,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_RELAYED_ADDRESS: 0x0016,
  REQUESTED_TRANSPORT: 0x0019,
  XOR_MAPPED_ADDRESS: 0x0020,
} as const;

export interface TurnTarget {
  /** udp, tcp (turn:) or tls (turns:) */
  transport: 'udp' | 'tcp' | 'tls';
  host: string;
  port: number;
}

/** turn:host[:port][?transport=udp|tcp] / turns:host[:port] → where to connect (RFC 7065 defaults: 3478, 5349). */
export function parseTurnUrl(url: string): TurnTarget {
  const m = /^(turns?):(\[[^\]]+\]|[^:?]+)(?::(\d+))?(?:\?transport=(udp|tcp))?$/.exec(url);
  if (!m) throw new Error(`not a TURN URL: ${url}`);
  const secure = m[1] === 'turns';
  const host = m[2]!.replace(/^\[|\]$/g, '');
  const transport = secure ? 'tls' : ((m[4] as 'udp' | 'tcp' | undefined) ?? 'udp');
  return { transport, host, port: m[3] ? Number(m[3]) : secure ? 5349 : 3478 };
}

interface Message {
  type: number;
  transaction: Buffer;
  attrs: Map<number, Buffer>;
}

function encode(type: number, transaction: Buffer, attrs: [number, Buffer][], key?: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (const [t, v] of attrs) {
    const head = Buffer.alloc(4);
    head.writeUInt16BE(t, 0);
    head.writeUInt16BE(v.length, 2);
    parts.push(head, v, Buffer.alloc((4 - (v.length % 4)) % 4));
  }
  let body = Buffer.concat(parts);
  const header = (length: number) => {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(type, 0);
    h.writeUInt16BE(length, 2);
    h.writeUInt32BE(MAGIC, 4);
    transaction.copy(h, 8);
    return h;
  };
  if (key) {
    // The HMAC covers the message up to MESSAGE-INTEGRITY, with the length already counting it (RFC 8489 14.5).
    const hmac = createHmac('sha1', key).update(Buffer.concat([header(body.length + 24), body])).digest();
    const head = Buffer.alloc(4);
    head.writeUInt16BE(ATTR.MESSAGE_INTEGRITY, 0);
    head.writeUInt16BE(20, 2);
    body = Buffer.concat([body, head, hmac]);
  }
  return Buffer.concat([header(body.length), body]);
}

function decode(buf: Buffer): Message | undefined {
  if (buf.length < 20 || buf.readUInt32BE(4) !== MAGIC) return undefined;
  const length = buf.readUInt16BE(2);
  if (buf.length < 20 + length) return undefined;
  const attrs = new Map<number, Buffer>();
  let at = 20;
  while (at + 4 <= 20 + length) {
    const t = buf.readUInt16BE(at);
    const l = buf.readUInt16BE(at + 2);
    if (!attrs.has(t)) attrs.set(t, buf.subarray(at + 4, at + 4 + l));
    at += 4 + l + ((4 - (l % 4)) % 4);
  }
  return { type: buf.readUInt16BE(0), transaction: buf.subarray(8, 20), attrs };
}

function xorAddress(v: Buffer | undefined): string | undefined {
  if (!v || v.length < 8) return undefined;
  const port = v.readUInt16BE(2) ^ (MAGIC >>> 16);
  if (v[1] === 0x01) {
    const ip = [0, 1, 2, 3].map((i) => v[4 + i]! ^ ((MAGIC >>> (24 - 8 * i)) & 0xff)).join('.');
    return `${ip}:${port}`;
  }
  return `[ipv6]:${port}`;
}

/** One request/answer channel to a TURN server over UDP, TCP or TLS. */
interface Channel {
  request(msg: Buffer, transaction: Buffer): Promise<Message>;
  close(): void;
}

async function openChannel(target: TurnTarget, timeoutMs: number, servername?: string, ca?: string): Promise<Channel> {
  const waiting = new Map<string, (m: Message) => void>();
  const deliver = (m: Message | undefined) => {
    if (!m) return;
    const key = m.transaction.toString('hex');
    waiting.get(key)?.(m);
    waiting.delete(key);
  };
  const withTimeout = (send: () => void, transaction: Buffer, retransmit: boolean) =>
    new Promise<Message>((resolve, reject) => {
      const key = transaction.toString('hex');
      let resend: NodeJS.Timeout | undefined;
      const timer: NodeJS.Timeout = setTimeout(() => {
        waiting.delete(key);
        clearInterval(resend);
        reject(new Error(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      waiting.set(key, (m) => {
        clearTimeout(timer);
        clearInterval(resend);
        resolve(m);
      });
      send();
      if (retransmit) resend = setInterval(send, 500);
    });

  if (target.transport === 'udp') {
    const socket = dgram.createSocket(net.isIPv6(target.host) ? 'udp6' : 'udp4');
    socket.on('message', (data) => deliver(decode(data)));
    let failure: Error | undefined;
    socket.on('error', (err) => (failure = err));
    return {
      request: (msg, transaction) =>
        failure ? Promise.reject(failure) : withTimeout(() => socket.send(msg, target.port, target.host), transaction, true),
      close: () => socket.close(),
    };
  }
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const s =
      target.transport === 'tls'
        ? tls.connect({ host: target.host, port: target.port, servername: servername ?? (net.isIP(target.host) ? undefined : target.host), ...(ca ? { ca } : {}) }, () => resolve(s))
        : net.connect({ host: target.host, port: target.port }, () => resolve(s));
    s.setTimeout(timeoutMs, () => s.destroy(new Error(`no connection within ${timeoutMs} ms`)));
    s.once('error', reject);
  });
  socket.setTimeout(0);
  let pending = Buffer.alloc(0);
  socket.on('data', (data: Buffer) => {
    pending = Buffer.concat([pending, data]);
    while (pending.length >= 20) {
      const total = 20 + pending.readUInt16BE(2);
      if (pending.length < total) break;
      deliver(decode(pending.subarray(0, total)));
      pending = pending.subarray(total);
    }
  });
  socket.on('error', () => {});
  return { request: (msg, transaction) => withTimeout(() => socket.write(msg), transaction, false), close: () => socket.destroy() };
}

function errorCode(m: Message): { code: number; reason: string } | undefined {
  const v = m.attrs.get(ATTR.ERROR_CODE);
  if (!v || v.length < 4) return undefined;
  return { code: (v[2]! & 0x07) * 100 + v[3]!, reason: v.subarray(4).toString('utf8') };
}

export interface AllocationResult {
  /** The relayed transport address the server allocated (ip:port). */
  relayed: string;
  /** This client's address as the server saw it. */
  mapped: string | undefined;
}

export class TurnError extends Error {
  constructor(
    message: string,
    public readonly code?: number,
  ) {
    super(message);
    this.name = 'TurnError';
  }
}

/** Allocates a UDP relay with long-term credentials and frees it again. Throws TurnError on a refusal. */
export async function allocate(url: string, username: string, password: string, opts: { timeoutMs?: number; servername?: string; /** Trusted CA certificates (PEM) for turns:, instead of the system's. */ ca?: string } = {}): Promise<AllocationResult> {
  const target = parseTurnUrl(url);
  const timeoutMs = opts.timeoutMs ?? 3000;
  const channel = await openChannel(target, timeoutMs, opts.servername, opts.ca);
  try {
    const udp = Buffer.from([17, 0, 0, 0]);
    let tx = randomBytes(12);
    const first = await channel.request(encode(ALLOCATE, tx, [[ATTR.REQUESTED_TRANSPORT, udp]]), tx);
    if (first.type === (ALLOCATE | SUCCESS)) throw new TurnError('the server allocated without credentials (not use-auth-secret)');
    const challenge = errorCode(first);
    const realm = first.attrs.get(ATTR.REALM);
    const nonce = first.attrs.get(ATTR.NONCE);
    if (challenge?.code !== 401 || !realm || !nonce) throw new TurnError(`unexpected answer ${challenge ? `${challenge.code} ${challenge.reason}` : first.type.toString(16)}`, challenge?.code);
    const key = createHash('md5').update(`${username}:${realm.toString('utf8')}:${password}`, 'utf8').digest();
    const auth: [number, Buffer][] = [
      [ATTR.USERNAME, Buffer.from(username, 'utf8')],
      [ATTR.REALM, realm],
      [ATTR.NONCE, nonce],
    ];
    tx = randomBytes(12);
    const answer = await channel.request(encode(ALLOCATE, tx, [[ATTR.REQUESTED_TRANSPORT, udp], ...auth], key), tx);
    if (answer.type !== (ALLOCATE | SUCCESS)) {
      const e = errorCode(answer);
      throw new TurnError(e ? `refused: ${e.code} ${e.reason}` : `unexpected answer ${answer.type.toString(16)}`, e?.code);
    }
    const relayed = xorAddress(answer.attrs.get(ATTR.XOR_RELAYED_ADDRESS));
    if (!relayed) throw new TurnError('the answer carries no relayed address');
    // Free the allocation at once (lifetime 0); a lost answer only means it expires by itself.
    tx = randomBytes(12);
    const zero = Buffer.alloc(4);
    await channel.request(encode(REFRESH, tx, [[ATTR.LIFETIME, zero], ...auth], key), tx).catch(() => undefined);
    return { relayed, mapped: xorAddress(answer.attrs.get(ATTR.XOR_MAPPED_ADDRESS)) };
  } finally {
    channel.close();
  }
}
