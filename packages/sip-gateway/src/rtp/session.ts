// One UDP RTP socket per call: receives the caller's RTP (audio, telephone-events), sends prompts
// as one continuous outbound stream (own SSRC, seq, timestamp), and hosts the relay to the media server.
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import { buildRtp, parseRtp, type RtpPacket } from './packet.ts';
import { DtmfDetector, type Digit } from './dtmf.ts';
import { buildReport, parseRtcp, ReceiverStats, RTCP_SR } from './rtcp.ts';
import type { Codec } from '../sdp.ts';
import type { SrtpContext } from './srtp.ts';

export class PortAllocator {
  private next: number;
  constructor(private readonly range: { min: number; max: number }) {
    this.next = range.min + (range.min % 2);
  }

  /** Binds a socket on the next free even port of the range. */
  async bind(host: string): Promise<dgram.Socket> {
    const evenCount = Math.floor((this.range.max - this.range.min) / 2) + 1;
    for (let i = 0; i < evenCount; i++) {
      const port = this.next;
      this.next += 2;
      if (this.next > this.range.max) this.next = this.range.min + (this.range.min % 2);
      const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
      const ok = await new Promise<boolean>((resolve) => {
        sock.once('error', () => resolve(false));
        sock.bind(port, host, () => resolve(true));
      });
      if (ok) return sock;
      sock.close();
    }
    throw new Error('no free RTP port in SIP_RTP_PORTS');
  }

  /** An even RTP port and the odd RTCP port above it (RFC 3550 §11), both free. */
  async bindPair(host: string): Promise<{ rtp: dgram.Socket; rtcp: dgram.Socket }> {
    const evenCount = Math.floor((this.range.max - this.range.min) / 2) + 1;
    for (let i = 0; i < evenCount; i++) {
      const rtp = await this.bind(host);
      const port = rtp.address().port;
      if (port + 1 <= this.range.max) {
        const rtcp = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
        const ok = await new Promise<boolean>((resolve) => {
          rtcp.once('error', () => resolve(false));
          rtcp.bind(port + 1, host, () => resolve(true));
        });
        if (ok) return { rtp, rtcp };
        rtcp.close();
      }
      rtp.close();
    }
    throw new Error('no free RTP/RTCP port pair in SIP_RTP_PORTS');
  }
}

export interface Endpoint { readonly address: string; readonly port: number }

export interface CallMediaOptions {
  socket: dgram.Socket;
  remote: Endpoint;
  codec: Codec;
  payloadType: number;
  telephoneEventPt: number | undefined;
  timeoutMs: number;
  onDigit: (d: Digit) => void;
  onTimeout: () => void;
  /** SRTP on the caller's leg: `inbound` unprotects the caller's packets, `outbound` protects ours. */
  srtp?: { inbound: SrtpContext; outbound: SrtpContext };
  /** RTCP (RFC 3550): the socket on the RTP port + 1, the caller's RTCP port, and the mean report interval. */
  rtcp?: { socket: dgram.Socket; remotePort: number; intervalMs: number; cname: string };
}

export class CallMedia {
  readonly socket: dgram.Socket;
  remote: Endpoint;
  codec: Codec;
  payloadType: number;
  telephoneEventPt: number | undefined;
  /** The caller's audio packets (not telephone-events). */
  readonly audioListeners = new Set<(p: RtpPacket, raw: Buffer) => void>();
  /** RTP from any address other than the caller's (the media server, for the relay). */
  readonly foreignListeners = new Set<(p: RtpPacket, from: Endpoint) => void>();
  readonly ssrc = randomInt(1, 2 ** 32 - 1);
  private seq = randomInt(0, 0xffff);
  private ts = randomInt(0, 2 ** 31);
  private lastSendAt: number | undefined;
  private lastRtpAt = Date.now();
  private paused = false;
  /** Set while a prompt plays: relayed audio towards the caller waits (is dropped) meanwhile. */
  promptPlaying = false;
  /** The relay's remote endpoint: its packets are never taken for the caller's (both may share an address). */
  relayRemote: Endpoint | undefined;
  private readonly dtmf = new DtmfDetector();
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  packetsIn = 0;
  packetsOut = 0;
  /** Caller packets that failed SRTP authentication or the replay check. */
  srtpDropped = 0;
  /** SRTP of the caller's leg (replaced on a re-key); the relay's leg stays plain RTP. */
  srtp: { inbound: SrtpContext; outbound: SrtpContext } | undefined;
  /** Payload bytes sent on the outbound stream (for the SR). */
  octetsOut = 0;
  /** RTCP: compound packets sent, valid ones taken from the caller, others dropped (never logged). */
  rtcpOut = 0;
  rtcpIn = 0;
  rtcpDropped = 0;
  /** The caller's RTCP port (RTP port + 1 unless `a=rtcp` says otherwise). */
  remoteRtcpPort: number | undefined;
  /** What the gateway receives from the caller, for the report block. */
  readonly received = new ReceiverStats();
  private reportTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: CallMediaOptions) {
    this.socket = opts.socket;
    this.remote = opts.remote;
    this.codec = opts.codec;
    this.payloadType = opts.payloadType;
    this.telephoneEventPt = opts.telephoneEventPt;
    this.srtp = opts.srtp;
    this.socket.on('message', (buf, rinfo) => this.onPacket(buf, { address: rinfo.address, port: rinfo.port }));
    this.socket.on('error', () => undefined);
    this.timer = setInterval(() => this.checkTimeout(), Math.min(1000, Math.max(50, opts.timeoutMs / 4)));
    this.timer.unref();
    const rtcp = opts.rtcp;
    if (rtcp) {
      this.remoteRtcpPort = rtcp.remotePort;
      rtcp.socket.on('message', (buf, rinfo) => this.onRtcp(buf, rinfo.address));
      rtcp.socket.on('error', () => undefined);
      this.scheduleReport();
    }
  }

  /** RTCP from the caller: SRs give the report block its LSR/DLSR; anything else valid is taken, the rest dropped. */
  private onRtcp(buf: Buffer, from: string): void {
    if (this.closed) return;
    if (from !== this.remote.address) {
      this.rtcpDropped++;
      return;
    }
    // SRTCP is not implemented: an SRTP call's RTCP is absorbed unread.
    if (this.srtp) {
      this.rtcpIn++;
      return;
    }
    const packets = parseRtcp(buf);
    if (!packets) {
      this.rtcpDropped++;
      return;
    }
    this.rtcpIn++;
    for (const p of packets) if (p.type === RTCP_SR && p.ntp && p.ssrc === this.received.ssrc) this.received.senderReport(p.ntp[0], p.ntp[1], Date.now());
  }

  /** RFC 3550 §6.2: reports at the mean interval, randomised to 0.5–1.5 times it. Plain RTP only (no SRTCP). */
  private scheduleReport(): void {
    const rtcp = this.opts.rtcp;
    if (!rtcp || this.closed) return;
    this.reportTimer = setTimeout(() => {
      this.sendReport();
      this.scheduleReport();
    }, rtcp.intervalMs * (0.5 + Math.random()));
    this.reportTimer.unref();
  }

  private sendReport(): void {
    const rtcp = this.opts.rtcp;
    if (!rtcp || this.closed || this.srtp || this.remoteRtcpPort === undefined) return;
    if (this.remote.address === '0.0.0.0' || this.remote.address === '::') return;
    const now = Date.now();
    const rtpTimestamp = this.lastSendAt === undefined ? this.ts : (this.ts + Math.round(((now - this.lastSendAt) * 8000) / 1000)) >>> 0;
    const pkt = buildReport({ ssrc: this.ssrc, nowMs: now, rtpTimestamp, packets: this.packetsOut, octets: this.octetsOut }, rtcp.cname, this.received.block(now));
    this.rtcpOut++;
    rtcp.socket.send(pkt, this.remoteRtcpPort, this.remote.address);
  }

  get localPort(): number {
    return this.socket.address().port;
  }

  /** On hold (inactive / sendonly from the caller) the RTP timeout does not run and nothing is sent. */
  setPaused(paused: boolean): void {
    this.paused = paused;
    this.lastRtpAt = Date.now();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  private checkTimeout(): void {
    if (this.closed || this.paused) return;
    if (Date.now() - this.lastRtpAt > this.opts.timeoutMs) {
      this.close();
      this.opts.onTimeout();
    }
  }

  private onPacket(buf: Buffer, from: Endpoint): void {
    if (this.closed) return;
    const fromRelay = this.relayRemote !== undefined && from.address === this.relayRemote.address && from.port === this.relayRemote.port;
    if (fromRelay || from.address !== this.remote.address) {
      const p = parseRtp(buf);
      if (!p) return;
      for (const l of this.foreignListeners) l(p, from);
      return;
    }
    if (this.srtp) {
      const r = this.srtp.inbound.unprotect(buf);
      if (!r.ok) {
        this.srtpDropped++;
        return;
      }
      buf = r.packet;
    }
    const p = parseRtp(buf);
    if (!p) return;
    this.packetsIn++;
    this.lastRtpAt = Date.now();
    this.received.packet(p.ssrc, p.sequence, p.timestamp, this.lastRtpAt);
    if (this.telephoneEventPt !== undefined && p.payloadType === this.telephoneEventPt) {
      const d = this.dtmf.push(p.ssrc, p.timestamp, p.payload);
      if (d) this.opts.onDigit(d);
      return;
    }
    if (p.payloadType !== this.payloadType) return;
    for (const l of this.audioListeners) l(p, buf);
  }

  /**
   * Sends one 20 ms frame on the gateway's outbound stream. `talkspurt` marks the first packet after a
   * pause: the marker bit is set and the timestamp advances by the wall-clock time that passed.
   */
  sendFrame(payload: Buffer, opts: { talkspurt?: boolean; advance?: number } = {}): void {
    if (this.closed || this.paused) return;
    const now = Date.now();
    const samples = payload.length;
    if (this.lastSendAt !== undefined) {
      const wall = Math.round(((now - this.lastSendAt) * 8000) / 1000);
      const gap = opts.advance ?? (opts.talkspurt ? Math.max(samples, wall) : samples);
      this.ts = (this.ts + gap) >>> 0;
    }
    this.seq = (this.seq + 1) & 0xffff;
    this.lastSendAt = now;
    this.packetsOut++;
    this.octetsOut += payload.length;
    const pkt = buildRtp({ payloadType: this.payloadType, sequence: this.seq, timestamp: this.ts, ssrc: this.ssrc, marker: opts.talkspurt ?? false, payload });
    this.socket.send(this.srtp ? this.srtp.outbound.protect(pkt) : pkt, this.remote.port, this.remote.address);
  }

  /** Sends as is (plain RTP: the relay's leg to the media server). */
  sendRaw(buf: Buffer, to: Endpoint): void {
    if (!this.closed) this.socket.send(buf, to.port, to.address);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    if (this.reportTimer) clearTimeout(this.reportTimer);
    this.audioListeners.clear();
    this.foreignListeners.clear();
    for (const sock of [this.socket, this.opts.rtcp?.socket]) {
      try {
        sock?.close();
      } catch {
        // already closed
      }
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
