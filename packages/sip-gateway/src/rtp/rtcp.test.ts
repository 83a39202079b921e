// RTCP units: compound report building and parsing, report block statistics (RFC 3550 Appendix A).
import { describe, expect, it } from 'vitest';
import { buildReport, ntpTime, parseRtcp, ReceiverStats, RTCP_RR, RTCP_SDES, RTCP_SR } from './rtcp.ts';

describe('RTCP', () => {
  it('builds SR + SDES (RR before anything was sent) that parse back', () => {
    const sr = parseRtcp(buildReport({ ssrc: 7, nowMs: 1_700_000_000_250, rtpTimestamp: 1234, packets: 10, octets: 1600 }, 'plenum@192.0.2.1', undefined));
    expect(sr?.map((p) => p.type)).toEqual([RTCP_SR, RTCP_SDES]);
    expect(sr?.[0]?.ntp).toEqual(ntpTime(1_700_000_000_250));
    expect(sr?.[0]?.body.length).toBe(28);
    expect([sr?.[0]?.body.readUInt32BE(16), sr?.[0]?.body.readUInt32BE(20), sr?.[0]?.body.readUInt32BE(24)]).toEqual([1234, 10, 1600]);
    expect(ntpTime(1_700_000_000_250)).toEqual([1_700_000_000 + 2_208_988_800, 2 ** 30]);
    const rr = parseRtcp(buildReport({ ssrc: 7, nowMs: 0, rtpTimestamp: 0, packets: 0, octets: 0 }, 'x', Buffer.alloc(24)));
    expect(rr?.map((p) => [p.type, p.count, p.body.length])).toEqual([[RTCP_RR, 1, 32], [RTCP_SDES, 1, 12]]);
  });

  it('refuses what is not RTCP', () => {
    expect(parseRtcp(Buffer.from('hello world!'))).toBeUndefined();
    expect(parseRtcp(Buffer.from([0x80, 202, 0, 1, 0, 0, 0, 1]))).toBeUndefined(); // SDES first
    expect(parseRtcp(Buffer.from([0x80, 200, 0, 1, 0, 0, 0, 1]))).toBeUndefined(); // SR too short
    expect(parseRtcp(Buffer.from([0x80, 201, 0, 9, 0, 0, 0, 1]))).toBeUndefined(); // length beyond the datagram
    expect(parseRtcp(Buffer.from([0x40, 201, 0, 1, 0, 0, 0, 1]))).toBeUndefined(); // version 1
    expect(parseRtcp(Buffer.from([0x80, 201, 0, 1, 0, 0, 0, 1]))?.[0]?.ssrc).toBe(1);
  });

  it('report block: loss, extended sequence across the wrap, jitter, LSR and DLSR', () => {
    const s = new ReceiverStats();
    expect(s.block(0)).toBeUndefined();
    // 65534, 65535, 1 (0 lost), 2; arrivals 20 ms apart but packet 1 10 ms late → jitter grows.
    const arrivals = [0, 20, 50, 60];
    [65534, 65535, 1, 2].forEach((seq, i) => s.packet(9, seq, i * 160 + (seq < 3 ? 160 : 0), 1000 + (arrivals[i] ?? 0)));
    s.senderReport(0x0001_2345, 0x6789_0000, 2000);
    const b = s.block(2500) as Buffer;
    expect(b.readUInt32BE(0)).toBe(9);
    expect(b.readUInt32BE(4) & 0xffffff).toBe(1);
    expect(b[4]).toBe(Math.floor((1 << 8) / 5));
    expect(b.readUInt32BE(8)).toBe(0x10000 + 2);
    expect(b.readUInt32BE(12)).toBeGreaterThan(0);
    expect(b.readUInt32BE(16)).toBe(0x2345_6789);
    expect(b.readUInt32BE(20)).toBe(32768);
  });
});
