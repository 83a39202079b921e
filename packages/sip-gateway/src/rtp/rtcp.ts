// RTCP (RFC 3550 §6) for the caller's leg, plain RTP only: the gateway's sender reports (SR + SDES CNAME, one
// report block about the caller's stream) and the reading of the caller's reports. SRTCP (RFC 3711 §3.4) is not
// implemented: SRTP calls get an RTCP socket that absorbs what arrives, but no reports are sent on them.

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
export const RTCP_APP = 204;

/** Seconds between 1900 (NTP epoch) and 1970 (Unix epoch). */
const NTP_OFFSET = 2_208_988_800;

/** 64-bit NTP timestamp of a wall-clock time in ms: [seconds, fraction]. */
export function ntpTime(ms: number): [number, number] {
  const secs = Math.floor(ms / 1000);
  const frac = Math.floor(((ms % 1000) / 1000) * 2 ** 32);
  return [(secs + NTP_OFFSET) >>> 0, frac >>> 0];
}

/** Receive statistics of one source (RFC 3550 Appendix A.1, A.3, A.8), for a report block. */
export class ReceiverStats {
  ssrc: number | undefined;
  private baseSeq = 0;
  private maxSeq = 0;
  private cycles = 0;
  private received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private jitter = 0;
  private lastTransit: number | undefined;
  /** Middle 32 bits of the NTP time of the source's last SR, and when it arrived (ms). */
  private lastSr: { ntpMiddle: number; at: number } | undefined;

  /** One RTP packet of the source: `arrivalMs` on the wall clock, `clockRate` of its payload. */
  packet(ssrc: number, seq: number, timestamp: number, arrivalMs: number, clockRate = 8000): void {
    if (this.ssrc !== ssrc) {
      this.ssrc = ssrc;
      this.baseSeq = seq;
      this.maxSeq = seq;
      this.cycles = 0;
      this.received = 0;
      this.expectedPrior = 0;
      this.receivedPrior = 0;
      this.jitter = 0;
      this.lastTransit = undefined;
    }
    const delta = (seq - this.maxSeq) & 0xffff;
    if (delta > 0 && delta < 0x8000) {
      if (seq < this.maxSeq) this.cycles += 0x10000;
      this.maxSeq = seq;
    }
    this.received++;
    const arrival = Math.round((arrivalMs * clockRate) / 1000);
    const transit = (arrival - timestamp) | 0;
    if (this.lastTransit !== undefined) {
      const d = Math.abs((transit - this.lastTransit) | 0);
      this.jitter += (d - this.jitter) / 16;
    }
    this.lastTransit = transit;
  }

  senderReport(ntpSecs: number, ntpFrac: number, atMs: number): void {
    this.lastSr = { ntpMiddle: (((ntpSecs & 0xffff) << 16) | (ntpFrac >>> 16)) >>> 0, at: atMs };
  }

  /** The 24-byte report block, or undefined before the first packet. */
  block(nowMs: number): Buffer | undefined {
    if (this.ssrc === undefined) return undefined;
    const extMax = this.cycles + this.maxSeq;
    const expected = extMax - this.baseSeq + 1;
    const lost = Math.max(-0x800000, Math.min(0x7fffff, expected - this.received));
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.received - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fraction = expectedInterval <= 0 || lostInterval <= 0 ? 0 : Math.min(255, Math.floor((lostInterval << 8) / expectedInterval));
    const b = Buffer.alloc(24);
    b.writeUInt32BE(this.ssrc >>> 0, 0);
    b.writeUInt32BE((((fraction & 0xff) << 24) | (lost & 0xffffff)) >>> 0, 4);
    b.writeUInt32BE(extMax >>> 0, 8);
    b.writeUInt32BE(Math.floor(this.jitter) >>> 0, 12);
    b.writeUInt32BE(this.lastSr?.ntpMiddle ?? 0, 16);
    // Delay since the last SR in units of 1/65536 s.
    b.writeUInt32BE(this.lastSr ? Math.floor(((nowMs - this.lastSr.at) / 1000) * 65536) >>> 0 : 0, 20);
    return b;
  }
}

export interface SenderInfo {
  readonly ssrc: number;
  readonly nowMs: number;
  /** The RTP timestamp of our stream that corresponds to `nowMs`. */
  readonly rtpTimestamp: number;
  readonly packets: number;
  readonly octets: number;
}

/** A compound RTCP packet: SR (or RR when nothing was sent yet) with at most one report block, then SDES CNAME. */
export function buildReport(sender: SenderInfo, cname: string, block: Buffer | undefined): Buffer {
  const rc = block ? 1 : 0;
  const sent = sender.packets > 0;
  const head = Buffer.alloc(sent ? 28 : 8);
  head[0] = 0x80 | rc;
  head[1] = sent ? RTCP_SR : RTCP_RR;
  head.writeUInt32BE(sender.ssrc >>> 0, 4);
  if (sent) {
    const [secs, frac] = ntpTime(sender.nowMs);
    head.writeUInt32BE(secs, 8);
    head.writeUInt32BE(frac, 12);
    head.writeUInt32BE(sender.rtpTimestamp >>> 0, 16);
    head.writeUInt32BE(sender.packets >>> 0, 20);
    head.writeUInt32BE(sender.octets >>> 0, 24);
  }
  const report = block ? Buffer.concat([head, block]) : head;
  report.writeUInt16BE(report.length / 4 - 1, 2);
  const text = Buffer.from(cname, 'utf8').subarray(0, 255);
  // SSRC, CNAME item (type, length, text), END, padded to 32 bits.
  const chunkLen = Math.ceil((4 + 2 + text.length + 1) / 4) * 4;
  const sdes = Buffer.alloc(4 + chunkLen);
  sdes[0] = 0x81;
  sdes[1] = RTCP_SDES;
  sdes.writeUInt16BE(sdes.length / 4 - 1, 2);
  sdes.writeUInt32BE(sender.ssrc >>> 0, 4);
  sdes[8] = 1;
  sdes[9] = text.length;
  text.copy(sdes, 10);
  return Buffer.concat([report, sdes]);
}

export interface RtcpPacket {
  readonly type: number;
  readonly count: number;
  readonly ssrc: number;
  /** For SR: the NTP timestamp. */
  readonly ntp?: readonly [number, number];
  readonly body: Buffer;
}

/**
 * Splits a compound RTCP packet (RFC 3550 §6.1); undefined when it is not valid RTCP: version 2, packet types
 * 200–204 and lengths that add up to the datagram (the first packet SR or RR, padding only in the last).
 */
export function parseRtcp(buf: Buffer): RtcpPacket[] | undefined {
  const out: RtcpPacket[] = [];
  let off = 0;
  while (off < buf.length) {
    if (buf.length - off < 4) return undefined;
    const b0 = buf[off] ?? 0;
    const type = buf[off + 1] ?? 0;
    const len = (buf.readUInt16BE(off + 2) + 1) * 4;
    if (b0 >> 6 !== 2 || type < RTCP_SR || type > RTCP_APP || off + len > buf.length) return undefined;
    if ((b0 & 0x20) !== 0 && off + len !== buf.length) return undefined;
    if (out.length === 0 && type !== RTCP_SR && type !== RTCP_RR) return undefined;
    const body = buf.subarray(off, off + len);
    const ssrc = len >= 8 ? body.readUInt32BE(4) : 0;
    if (type === RTCP_SR && len < 28) return undefined;
    out.push({ type, count: b0 & 0x1f, ssrc, ...(type === RTCP_SR ? { ntp: [body.readUInt32BE(8), body.readUInt32BE(12)] as const } : {}), body });
    off += len;
  }
  return out.length > 0 ? out : undefined;
}
