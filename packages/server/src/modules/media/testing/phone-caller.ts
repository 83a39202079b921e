import dgram from 'node:dgram';
import { PROTOCOL_VERSION, SIGNALING_SUBPROTOCOL, TICKET_SUBPROTOCOL_PREFIX } from '@plenum/protocol';
import WebSocket from 'ws';

/**
 * A phone caller for tests, in the place of the SIP gateway: it joins over signaling as a participant of kind
 * `sip`, attaches its audio, streams a tone as 20 ms PCMU RTP packets from a UDP socket on loopback and
 * keeps what the media server sends back (decoded to linear samples at 8 kHz).
 */

// ── G.711 µ-law (ITU-T G.711, the classic segment encoder) ──

export function linearToUlaw(sample: number): number {
  const BIAS = 0x84;
  const CLIP = 32635;
  let s = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  if (s > CLIP) s = CLIP;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; exponent--, mask >>= 1);
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

export function ulawToLinear(u: number): number {
  const v = ~u & 0xff;
  const sign = v & 0x80;
  const exponent = (v >> 4) & 0x07;
  const mantissa = v & 0x0f;
  const s = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  return sign ? -s : s;
}

/** Power of one frequency in a Hann-windowed block (Goertzel). */
export function powerAt(samples: ArrayLike<number>, rate: number, freq: number): number {
  const n = samples.length;
  const k = (2 * Math.cos((2 * Math.PI * freq) / rate));
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
    const s0 = samples[i]! * w + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / (n * n);
}

/** The strongest frequency between `from` and `to` (5 Hz steps), and the power there. */
export function dominant(samples: ArrayLike<number>, rate: number, from = 100, to = 3500): { freq: number; power: number } {
  let best = { freq: 0, power: -1 };
  for (let f = from; f <= to; f += 5) {
    const p = powerAt(samples, rate, f);
    if (p > best.power) best = { freq: f, power: p };
  }
  return best;
}

interface Envelope {
  namespace: string;
  payload: { message: string; [field: string]: unknown };
}

export class TestCaller {
  readonly received: Envelope[] = [];
  /** Decoded samples of the PCMU packets received, in arrival order. */
  readonly audio: number[] = [];
  packetsIn = 0;
  id = '';
  private timer: NodeJS.Timeout | undefined;
  private seq = Math.floor(Math.random() * 65535);
  private ts = Math.floor(Math.random() * 2 ** 31);
  private phase = 0;
  private readonly ssrc = Math.floor(Math.random() * 2 ** 31);

  private constructor(
    private readonly ws: WebSocket,
    readonly socket: dgram.Socket,
  ) {
    ws.on('message', (raw) => this.received.push(JSON.parse(raw.toString()) as Envelope));
    socket.on('message', (msg) => {
      if (msg.length <= 12 || (msg[1]! & 0x7f) !== 0) return;
      this.packetsIn++;
      const cc = msg[0]! & 0x0f;
      const ext = (msg[0]! & 0x10) !== 0;
      let offset = 12 + cc * 4;
      if (ext) offset += 4 + msg.readUInt16BE(offset + 2) * 4;
      for (let i = offset; i < msg.length; i++) this.audio.push(ulawToLinear(msg[i]!));
    });
  }

  static async connect(wsUrl: string, ticket: string): Promise<TestCaller> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    const ws = new WebSocket(wsUrl, [SIGNALING_SUBPROTOCOL, `${TICKET_SUBPROTOCOL_PREFIX}${ticket}`]);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const caller = new TestCaller(ws, socket);
    caller.send('control', { action: 'join', protocol_version: PROTOCOL_VERSION });
    const joined = await caller.waitFor((m) => m.namespace === 'control' && m.payload.message === 'join_success');
    caller.id = String(joined.payload.id);
    return caller;
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(namespace: string, payload: Record<string, unknown>): void {
    this.ws.send(JSON.stringify({ namespace, payload }));
  }

  async waitFor(pred: (m: Envelope) => boolean, timeoutMs = 20_000): Promise<Envelope> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.received.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`timed out waiting for a signaling message; received: ${JSON.stringify(this.received.map((m) => m.payload))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** attach_phone_audio with this socket's address; resolves with the media server's RTP address. */
  async attach(): Promise<{ ip: string; port: number; payloadType: number }> {
    this.send('media', { action: 'attach_phone_audio', codec: 'pcmu', rtp: { ip: '127.0.0.1', port: this.port } });
    const m = await this.waitFor((e) => e.namespace === 'media' && (e.payload.message === 'phone_audio_attached' || e.payload.message === 'error'));
    if (m.payload.message === 'error') throw new Error(`attach_phone_audio refused: ${JSON.stringify(m.payload)}`);
    const rtp = m.payload.rtp as { ip: string; port: number };
    return { ip: rtp.ip, port: rtp.port, payloadType: m.payload.payload_type as number };
  }

  /** Sends a sine of `freq` Hz as PCMU, 20 ms per packet, until `stop()`. */
  startTone(freq: number, to: { ip: string; port: number }, amplitude = 8000): void {
    this.stop();
    this.timer = setInterval(() => {
      const head = 12;
      const packet = Buffer.alloc(head + 160);
      packet[0] = 0x80;
      packet[1] = 0;
      packet.writeUInt16BE(this.seq & 0xffff, 2);
      packet.writeUInt32BE(this.ts >>> 0, 4);
      packet.writeUInt32BE(this.ssrc, 8);
      for (let i = 0; i < 160; i++) {
        packet[head + i] = linearToUlaw(amplitude * Math.sin(this.phase));
        this.phase += (2 * Math.PI * freq) / 8000;
      }
      this.phase %= 2 * Math.PI;
      this.seq++;
      this.ts = (this.ts + 160) >>> 0;
      this.socket.send(packet, to.port, to.ip);
    }, 20);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The last `n` samples received (fewer if not yet there). */
  lastSamples(n: number): number[] {
    return this.audio.slice(-n);
  }

  private closed = false;

  /**
   * Hangs up as the gateway does: `control/leave`, then signaling and the RTP socket close (twice is once).
   * A connection that only drops keeps the participant for the resume window.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stop();
    if (this.ws.readyState === WebSocket.OPEN) this.send('control', { action: 'leave' });
    this.ws.close();
    this.socket.close();
  }
}
