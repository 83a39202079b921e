// The gateway's SIP behaviour over UDP/TCP with a raw client: transactions, dialogs, IVR over SIP INFO,
// 2xx retransmission and ACK timeout, RTP timeout, in-meeting events and the RTP relay.
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as sdpTransform from 'sdp-transform';
import type { MeetingCall } from './gateway.ts';
import type { PlenumSession } from './plenum.ts';
import { buildTelephoneEvent, digitToEvent, type Digit } from './rtp/dtmf.ts';
import { buildRtp } from './rtp/packet.ts';
import { buildReport, ntpTime, parseRtcp, RTCP_SDES, RTCP_SR } from './rtp/rtcp.ts';
import { getHeader, tagOf, type SipRequest, type SipResponse } from './sip/message.ts';
import { confirmed, request, RtpPeer, ScriptedLink, sdpOffer, startTestGateway, TcpProbe, testPrompts, UdpProbe } from './testing.ts';

const link = new ScriptedLink('4711', '0815');
let authorized: { call: MeetingCall; session: PlenumSession } | undefined;
const authorizedWaiters: (() => void)[] = [];
let env: Awaited<ReturnType<typeof startTestGateway>>;

beforeAll(async () => {
  env = await startTestGateway({ SIP_RTP_PORTS: '41000-41099', SIP_RTP_TIMEOUT_S: '5' }, link, {
    onAuthorized(call, session) {
      authorized = { call, session };
      authorizedWaiters.splice(0).forEach((w) => w());
    },
  });
});
afterAll(async () => {
  await env.gw.stop();
});

async function establish(probe: UdpProbe, rtp: RtpPeer, callId: string, codecs = '0 8 101'): Promise<{ toTag: string; answer: SipResponse; gwRtpPort: number }> {
  probe.send(request({ method: 'INVITE', callId, localPort: probe.port, body: sdpOffer(rtp.port, { codecs }) }));
  const answer = await probe.responseTo(callId, 200, 'INVITE');
  const toTag = tagOf(getHeader(answer, 'to')) ?? '';
  const acked = confirmed(env.gw, callId);
  probe.send(request({ method: 'ACK', callId, localPort: probe.port, toTag }));
  await acked; // RTP goes to another socket: make sure the ACK was taken before any DTMF
  const sdp = sdpTransform.parse(answer.body.toString());
  return { toTag, answer, gwRtpPort: sdp.media[0]?.port ?? 0 };
}

describe('SIP UAS', () => {
  it('answers OPTIONS over UDP and TCP with Allow and Accept', async () => {
    const probe = await new UdpProbe(env.port).open();
    probe.send(request({ method: 'OPTIONS', callId: 'opt-1', localPort: probe.port }));
    const res = await probe.responseTo('opt-1');
    expect(res.status).toBe(200);
    expect(getHeader(res, 'allow')).toContain('INVITE');
    expect(getHeader(res, 'accept')).toContain('application/sdp');
    expect(getHeader(res, 'supported')).toContain('timer');
    // A retransmitted OPTIONS (same branch) gets the cached response: the same To-tag.
    const again = request({ method: 'OPTIONS', callId: 'opt-3', localPort: probe.port, branch: 'z9hG4bK-opt-3' });
    probe.send(again);
    const first = await probe.responseTo('opt-3');
    const from = probe.received.length;
    probe.send(again);
    const second = await probe.waitFor((m) => getHeader(m, 'call-id') === 'opt-3', from);
    expect(tagOf(getHeader(second, 'to'))).toBe(tagOf(getHeader(first, 'to')));
    probe.close();
    const tcp = await new TcpProbe(env.port).ready();
    tcp.send(request({ method: 'OPTIONS', callId: 'opt-2', localPort: tcp.port, transport: 'TCP' }));
    const r2 = await tcp.waitFor((m) => getHeader(m, 'call-id') === 'opt-2');
    expect(r2?.kind === 'response' && r2.status).toBe(200);
    tcp.sock.destroy();
  });

  it('runs a call: 100/200 with a G.711 + telephone-event answer, prompts as paced RTP, DTMF by INFO, BYE', async () => {
    const probe = await new UdpProbe(env.port).open();
    const rtp = await new RtpPeer().open();
    const callId = 'call-info-1';
    const { toTag, answer, gwRtpPort } = await establish(probe, rtp, callId, '8 0 101');
    expect(probe.received.some((m) => m.kind === 'response' && m.status === 100)).toBe(true);
    const sdp = sdpTransform.parse(answer.body.toString());
    expect(sdp.media[0]?.payloads).toBe('8 101');
    expect(getHeader(answer, 'contact')).toMatch(/^<sip:plenum@127\.0\.0\.1:\d+>$/);
    // The welcome prompt: 20 ms packets, marker on the first, continuous seq and timestamp, PCMA.
    await rtp.waitForCount(10);
    const ps = rtp.packets.slice(0, 10);
    expect(ps[0]?.marker).toBe(true);
    expect(ps.every((p) => p.payloadType === 8 && p.payload.length === 160 && p.ssrc === ps[0]?.ssrc)).toBe(true);
    for (let i = 1; i < ps.length; i++) {
      expect(((ps[i]?.sequence ?? 0) - (ps[i - 1]?.sequence ?? 0)) & 0xffff).toBe(1);
      expect(((ps[i]?.timestamp ?? 0) - (ps[i - 1]?.timestamp ?? 0)) >>> 0).toBe(160);
    }
    // Keep the call alive from the caller's side, then enter 4711# 0815# by INFO (both body types).
    rtp.send(buildRtp({ payloadType: 8, sequence: 1, timestamp: 0, ssrc: 1, payload: Buffer.alloc(160, 0xd5) }), gwRtpPort);
    let cseq = 2;
    for (const [i, d] of [...'4711#0815#'].entries()) {
      const body = i % 2 === 0 ? `Signal=${d}\r\nDuration=160\r\n` : d;
      const id = `${callId}`;
      probe.send(request({ method: 'INFO', callId: id, cseq: cseq++, localPort: probe.port, toTag, body, contentType: i % 2 === 0 ? 'application/dtmf-relay' : 'application/dtmf' }));
      const r = await probe.waitFor((m) => m.kind === 'response' && getHeader(m, 'cseq') === `${cseq - 1} INFO`);
      expect(r.kind === 'response' && r.status).toBe(200);
    }
    const req = link.requests.at(-1);
    expect(req).toMatchObject({ dialInId: '4711', pin: '0815', caller: '+4930111', callId });
    if (!authorized) await new Promise<void>((r) => authorizedWaiters.push(r));
    expect(authorized?.session.roomId).toBe('room-1');
    probe.send(request({ method: 'BYE', callId, cseq: cseq++, localPort: probe.port, toTag }));
    const bye = await probe.waitFor((m) => m.kind === 'response' && getHeader(m, 'cseq') === `${cseq - 1} BYE`);
    expect(bye.kind === 'response' && bye.status).toBe(200);
    expect(env.gw.ended.find((e) => e.callId === callId)?.reason).toBe('caller_bye');
    // A BYE again is a retransmission: the same 200 from the transaction cache.
    probe.send(request({ method: 'BYE', callId, cseq: cseq + 5, localPort: probe.port, toTag }));
    const stale = await probe.waitFor((m) => m.kind === 'response' && getHeader(m, 'cseq') === `${cseq + 5} BYE`);
    expect(stale.kind === 'response' && stale.status).toBe(481);
    probe.close();
    rtp.close();
  });

  it('three wrong PINs over INFO: the whole goodbye prompt is played, then the gateway sends BYE', async () => {
    const probe = await new UdpProbe(env.port).open();
    const rtp = await new RtpPeer().open();
    const callId = 'wrong-3';
    const { toTag, gwRtpPort } = await establish(probe, rtp, callId);
    rtp.send(buildRtp({ payloadType: 0, sequence: 1, timestamp: 0, ssrc: 3, payload: Buffer.alloc(160, 0xff) }), gwRtpPort);
    let cseq = 1;
    let atThird = 0;
    for (let attempt = 0; attempt < 3; attempt++) {
      const auth = link.next();
      for (const d of '4711#1111#') {
        probe.send(request({ method: 'INFO', callId, cseq: ++cseq, localPort: probe.port, toTag, body: d, contentType: 'application/dtmf' }));
        await probe.waitFor((m) => m.kind === 'response' && getHeader(m, 'cseq') === `${cseq} INFO`);
      }
      expect((await auth).pin).toBe('1111');
      atThird = rtp.packets.length;
    }
    const bye = (await probe.waitFor((m) => m.kind === 'request' && m.method === 'BYE' && getHeader(m, 'call-id') === callId)) as SipRequest;
    const goodbyeFrames = (await testPrompts()).frameList('de', 'goodbye', 'pcmu').length;
    expect(rtp.packets.length - atThird).toBeGreaterThanOrEqual(goodbyeFrames);
    expect(env.gw.ended.find((e) => e.callId === callId)?.reason).toBe('ivr_failed');
    expect(tagOf(getHeader(bye, 'from'))).toBe(toTag);
    probe.close();
    rtp.close();
  });

  for (const first of ['info', 'rfc4733'] as const) {
    it(`a key sent both by SIP INFO and by RFC 4733 counts once; "11" still counts twice (first copy by ${first})`, async () => {
      const probe = await new UdpProbe(env.port).open();
      const rtp = await new RtpPeer().open();
      const callId = `both-dtmf-${first}`;
      const { toTag, gwRtpPort } = await establish(probe, rtp, callId);
      const digits: string[] = [];
      const off = env.gw.onCallEvent((id, e) => {
        if (id === callId && e.type === 'digit') digits.push(e.digit);
      });
      let cseq = 1;
      let ts = 50_000;
      let seq = 1;
      const byInfo = async (d: string): Promise<void> => {
        probe.send(request({ method: 'INFO', callId, cseq: ++cseq, localPort: probe.port, toTag, body: `Signal=${d}\r\nDuration=160\r\n`, contentType: 'application/dtmf-relay' }));
        const c = cseq;
        const r = await probe.waitFor((m) => m.kind === 'response' && getHeader(m, 'cseq') === `${c} INFO`);
        expect(r.kind === 'response' && r.status).toBe(200);
      };
      const byRtp = (d: string): void => {
        // A phone's event: start, update, three end packets, all with the event's timestamp.
        for (let i = 0; i < 5; i++) rtp.send(buildRtp({ payloadType: 101, sequence: seq++, timestamp: ts, ssrc: 7, marker: i === 0, payload: buildTelephoneEvent({ event: digitToEvent(d as Digit), end: i >= 2, volume: 10, duration: 400 + i * 160 }) }), gwRtpPort);
        ts += 2400;
      };
      rtp.send(buildRtp({ payloadType: 0, sequence: seq++, timestamp: ts, ssrc: 7, payload: Buffer.alloc(160, 0xff) }), gwRtpPort);
      const ignoredBefore = env.gw.stats.dtmfOtherMethod;
      const auth = link.next();
      for (const [i, d] of [...'4711#0815#'].entries()) {
        const count = digits.length;
        // The first key's first copy decides the call's method; later keys alternate which copy comes first.
        const infoFirst = i === 0 ? first === 'info' : i % 2 === 1;
        if (infoFirst) {
          await byInfo(d);
          byRtp(d);
        } else {
          byRtp(d);
          // The RFC 4733 copy was taken (counted or dropped) before the INFO copy is sent.
          await vi.waitFor(() => expect(digits.length + env.gw.stats.dtmfOtherMethod - ignoredBefore).toBe(2 * i + 1));
          await byInfo(d);
        }
        // Both copies were taken: one counted, one dropped.
        await vi.waitFor(() => {
          expect(env.gw.stats.dtmfOtherMethod - ignoredBefore).toBe(i + 1);
          expect(digits.length).toBe(count + 1);
        });
      }
      expect(digits.join('')).toBe('4711#0815#');
      expect(await auth).toMatchObject({ dialInId: '4711', pin: '0815', callId });
      off();
      probe.send(request({ method: 'BYE', callId, cseq: ++cseq, localPort: probe.port, toTag }));
      await probe.responseTo(callId, 200, 'BYE');
      probe.close();
      rtp.close();
    });
  }

  it('a re-offer without telephone-event makes SIP INFO the call\'s DTMF method again', async () => {
    const probe = await new UdpProbe(env.port).open();
    const rtp = await new RtpPeer().open();
    const callId = 'dtmf-reoffer';
    const { toTag, gwRtpPort } = await establish(probe, rtp, callId);
    const digits: string[] = [];
    const off = env.gw.onCallEvent((id, e) => {
      if (id === callId && e.type === 'digit') digits.push(e.digit);
    });
    for (let i = 0; i < 3; i++) rtp.send(buildRtp({ payloadType: 101, sequence: i + 1, timestamp: 900, ssrc: 8, payload: buildTelephoneEvent({ event: 4, end: i > 0, volume: 10, duration: 160 * (i + 1) }) }), gwRtpPort);
    await vi.waitFor(() => expect(digits).toEqual(['4']));
    probe.send(request({ method: 'INVITE', callId, cseq: 2, localPort: probe.port, toTag, body: sdpOffer(rtp.port, { codecs: '0' }) }));
    await probe.waitFor((m) => m.kind === 'response' && m.status === 200 && getHeader(m, 'cseq') === '2 INVITE');
    probe.send(request({ method: 'ACK', callId, cseq: 2, localPort: probe.port, toTag }));
    probe.send(request({ method: 'INFO', callId, cseq: 3, localPort: probe.port, toTag, body: '7', contentType: 'application/dtmf' }));
    await probe.responseTo(callId, 200, 'INFO');
    expect(digits).toEqual(['4', '7']);
    off();
    probe.send(request({ method: 'BYE', callId, cseq: 4, localPort: probe.port, toTag }));
    await probe.responseTo(callId, 200, 'BYE');
    probe.close();
    rtp.close();
  });

  it('retransmits the 200 with T1 doubling until the ACK, and without one sends BYE', async () => {
    const probe = await new UdpProbe(env.port).open();
    const rtp = await new RtpPeer().open();
    const callId = 'no-ack-1';
    probe.send(request({ method: 'INVITE', callId, localPort: probe.port, body: sdpOffer(rtp.port) }));
    const bye = (await probe.waitFor((m) => m.kind === 'request' && m.method === 'BYE')) as SipRequest;
    const oks = probe.received.filter((m) => m.kind === 'response' && m.status === 200 && getHeader(m, 'call-id') === callId);
    // 64·T1 = 3.2 s with T1 = 50 ms and T2 scaled alike (400 ms): 50, 100, 200, then every 400 ms → 11 sends.
    expect(oks.length).toBeGreaterThanOrEqual(7);
    expect(oks.length).toBeLessThanOrEqual(12);
    expect(getHeader(bye, 'call-id')).toBe(callId);
    expect(bye.uri).toBe(`sip:caller@127.0.0.1:${probe.port}`);
    expect(tagOf(getHeader(bye, 'from'))).toBe(tagOf(getHeader(oks[0] as SipResponse, 'to')));
    expect(env.gw.ended.find((e) => e.callId === callId)?.reason).toBe('ack_timeout');
    probe.close();
    rtp.close();
  });

  it('answers a retransmitted INVITE from the transaction, creating one call only', async () => {
    const probe = await new UdpProbe(env.port).open();
    const rtp = await new RtpPeer().open();
    const callId = 'retrans-1';
    const started = env.gw.stats.callsStarted;
    const inv = request({ method: 'INVITE', callId, localPort: probe.port, branch: 'z9hG4bK-retrans-1', body: sdpOffer(rtp.port) });
    probe.send(inv);
    probe.send(inv);
    const ok = await probe.responseTo(callId, 200);
    probe.send(inv);
    const before = probe.received.length;
    await probe.waitFor((m) => m.kind === 'response' && m.status === 200, before);
    expect(env.gw.stats.callsStarted - started).toBe(1);
    const toTag = tagOf(getHeader(ok, 'to')) ?? '';
    probe.send(request({ method: 'ACK', callId, localPort: probe.port, toTag }));
    probe.send(request({ method: 'BYE', callId, cseq: 2, localPort: probe.port, toTag }));
    await probe.responseTo(callId, 200, 'BYE');
    probe.close();
    rtp.close();
  });

  it('holds and resumes on re-INVITE and accepts session timers and UPDATE', async () => {
    const probe = await new UdpProbe(env.port).open();
    const rtp = await new RtpPeer().open();
    const callId = 'hold-1';
    probe.send(request({ method: 'INVITE', callId, localPort: probe.port, body: sdpOffer(rtp.port), extra: ['Session-Expires: 1800;refresher=uac', 'Supported: timer'] }));
    const ok = await probe.responseTo(callId, 200, 'INVITE');
    expect(getHeader(ok, 'session-expires')).toBe('1800;refresher=uac');
    const toTag = tagOf(getHeader(ok, 'to')) ?? '';
    probe.send(request({ method: 'ACK', callId, localPort: probe.port, toTag }));
    const reinvite = async (cseq: number, body: string): Promise<string | undefined> => {
      probe.send(request({ method: 'INVITE', callId, cseq, localPort: probe.port, toTag, body }));
      const r = await probe.waitFor((m) => m.kind === 'response' && m.status === 200 && getHeader(m, 'cseq') === `${cseq} INVITE`);
      probe.send(request({ method: 'ACK', callId, cseq, localPort: probe.port, toTag }));
      return sdpTransform.parse(r.body.toString()).media[0]?.direction;
    };
    expect(await reinvite(2, sdpOffer(rtp.port, { direction: 'sendonly' }))).toBe('recvonly');
    expect(await reinvite(3, sdpOffer(rtp.port, { direction: 'inactive' }))).toBe('inactive');
    expect(await reinvite(4, sdpOffer(rtp.port, { address: '0.0.0.0' }))).toBe('recvonly');
    expect(await reinvite(5, sdpOffer(rtp.port))).toBe('sendrecv');
    probe.send(request({ method: 'UPDATE', callId, cseq: 6, localPort: probe.port, toTag, extra: ['Session-Expires: 90'] }));
    const up = await probe.responseTo(callId, 200, 'UPDATE');
    expect(getHeader(up, 'session-expires')).toBe('90;refresher=uac');
    // An old CSeq inside the dialog is refused.
    probe.send(request({ method: 'INFO', callId, cseq: 3, localPort: probe.port, toTag }));
    expect((await probe.responseTo(callId, undefined, 'INFO')).status).toBe(500);
    probe.send(request({ method: 'BYE', callId, cseq: 7, localPort: probe.port, toTag }));
    await probe.responseTo(callId, 200, 'BYE');
    probe.close();
    rtp.close();
  });

  it('RFC 4028 choices: 422 with Min-SE below the minimum; no session timer for refresher=uas or a caller without timer support', async () => {
    const probe = await new UdpProbe(env.port).open();
    const rtp = await new RtpPeer().open();
    const offer = sdpOffer(rtp.port);
    probe.send(request({ method: 'INVITE', callId: 'se-small', localPort: probe.port, body: offer, extra: ['Session-Expires: 60', 'Supported: timer'] }));
    const small = await probe.responseTo('se-small', undefined, 'INVITE');
    expect([small.status, getHeader(small, 'min-se')]).toEqual([422, '90']);
    expect([...env.gw.calls.values()].some((c) => c.callId === 'se-small')).toBe(false);
    const answered = async (callId: string, extra: string[]): Promise<SipResponse> => {
      probe.send(request({ method: 'INVITE', callId, localPort: probe.port, body: offer, extra }));
      const ok = await probe.responseTo(callId, 200, 'INVITE');
      const toTag = tagOf(getHeader(ok, 'to')) ?? '';
      probe.send(request({ method: 'ACK', callId, localPort: probe.port, toTag }));
      probe.send(request({ method: 'BYE', callId, cseq: 2, localPort: probe.port, toTag }));
      await probe.responseTo(callId, 200, 'BYE');
      return ok;
    };
    // The gateway would have to refresh: it sends no requests but BYE, so no session timer.
    const uas = await answered('se-uas', ['Session-Expires: 1800;refresher=uas', 'Supported: timer']);
    expect([getHeader(uas, 'session-expires'), getHeader(uas, 'require')]).toEqual([undefined, undefined]);
    // A proxy's Session-Expires for a caller without timer support (RFC 4028 Table 2 would make the gateway refresh).
    const proxy = await answered('se-proxy', ['Session-Expires: 60']);
    expect(getHeader(proxy, 'session-expires')).toBeUndefined();
    // Compact form (x) and Require: timer as support.
    const compact = await answered('se-compact', ['x: 120', 'Require: timer']);
    expect([getHeader(compact, 'session-expires'), getHeader(compact, 'require')]).toEqual(['120;refresher=uac', 'timer']);
    probe.close();
    rtp.close();
  });

  it('RTCP: sender reports with SDES CNAME and a report block on the caller\'s stream; the caller\'s RTCP and garbage do no harm', async () => {
    // RTP ports of this test: 41476-41499 (sipp.test.ts has 41450-41475).
    const g = await startTestGateway({ SIP_RTP_PORTS: '41476-41499', SIP_RTCP_INTERVAL_S: '0.2', SIP_RTP_TIMEOUT_S: '5' });
    const probe = await new UdpProbe(g.port).open();
    const rtp = await new RtpPeer().open();
    const rtcp = dgram.createSocket('udp4');
    const reports: Buffer[] = [];
    rtcp.on('message', (b) => reports.push(b));
    await new Promise<void>((r) => rtcp.bind(0, '127.0.0.1', () => r()));
    const callId = 'rtcp-1';
    probe.send(request({ method: 'INVITE', callId, localPort: probe.port, body: `${sdpOffer(rtp.port)}a=rtcp:${rtcp.address().port}\r\n` }));
    const ok = await probe.responseTo(callId, 200, 'INVITE');
    const toTag = tagOf(getHeader(ok, 'to')) ?? '';
    const acked = confirmed(g.gw, callId);
    probe.send(request({ method: 'ACK', callId, localPort: probe.port, toTag }));
    await acked;
    const gwRtpPort = sdpTransform.parse(ok.body.toString()).media[0]?.port ?? 0;
    // The caller's stream: seq 10–14 without 12 (one lost).
    for (const seq of [10, 11, 13, 14]) rtp.send(buildRtp({ payloadType: 0, sequence: seq, timestamp: seq * 160, ssrc: 0x1234, payload: Buffer.alloc(160, 0xff) }), gwRtpPort);
    const sentAt = Date.now();
    const send = (b: Buffer): void => void rtcp.send(b, gwRtpPort + 1, '127.0.0.1');
    await vi.waitFor(() => expect(g.gw.calls.values().next().value?.media?.packetsIn).toBe(4));
    send(buildReport({ ssrc: 0x1234, nowMs: sentAt, rtpTimestamp: 2240, packets: 4, octets: 640 }, 'caller@test', undefined));
    send(Buffer.from('not rtcp at all'));
    send(Buffer.from([0x40, 200, 0, 0]));
    const [secs, frac] = ntpTime(sentAt);
    const lsr = (((secs & 0xffff) << 16) | (frac >>> 16)) >>> 0;
    const withLsr = async (): Promise<NonNullable<ReturnType<typeof parseRtcp>>> => {
      for (;;) {
        for (const b of reports.splice(0)) {
          const parsed = parseRtcp(b);
          if (parsed?.[0]?.body.length === 52 && parsed[0].body.readUInt32BE(44) === lsr) return parsed;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const [sr, sdes] = await withLsr();
    await rtp.waitForCount(1);
    expect(sr?.type).toBe(RTCP_SR);
    expect(sr?.count).toBe(1);
    // Our stream: the SSRC of the prompts the caller hears, with its packet and octet counts.
    expect(sr?.ssrc).toBe(rtp.packets[0]?.ssrc);
    expect(sr?.body.readUInt32BE(20)).toBeGreaterThan(0);
    expect(sr?.body.readUInt32BE(24)).toBe((sr?.body.readUInt32BE(20) ?? 0) * 160);
    // The report block on the caller's stream: one lost, highest sequence 14.
    expect(sr?.body.readUInt32BE(28)).toBe(0x1234);
    expect((sr?.body.readUInt32BE(32) ?? 0) & 0xffffff).toBe(1);
    expect(sr?.body.readUInt32BE(36)).toBe(14);
    expect(sdes?.type).toBe(RTCP_SDES);
    expect(sdes?.body.subarray(10, 10 + (sdes.body[9] ?? 0)).toString()).toBe('plenum@127.0.0.1');
    const media = g.gw.calls.values().next().value?.media;
    expect([media?.rtcpIn, media?.rtcpDropped]).toEqual([1, 2]);
    probe.send(request({ method: 'BYE', callId, cseq: 2, localPort: probe.port, toTag }));
    await probe.responseTo(callId, 200, 'BYE');
    // The RTCP port is closed with the call.
    const again = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.bind(gwRtpPort + 1, '127.0.0.1', () => resolve());
    });
    again.close();
    rtcp.close();
    probe.close();
    rtp.close();
    await g.gw.stop();
  });

  it('CANCEL before the answer: 200 for the CANCEL, 487 for the INVITE', async () => {
    const slow = await startTestGateway({ SIP_RTP_PORTS: '41100-41149', SIP_ANSWER_DELAY_MS: '60000' });
    const probe = await new UdpProbe(slow.port).open();
    const callId = 'cancel-1';
    probe.send(request({ method: 'INVITE', callId, localPort: probe.port, branch: 'z9hG4bK-c1', body: sdpOffer(4000) }));
    await probe.responseTo(callId, 180);
    probe.send(request({ method: 'CANCEL', callId, localPort: probe.port, branch: 'z9hG4bK-c1' }));
    expect((await probe.responseTo(callId, undefined, 'CANCEL')).status).toBe(200);
    const r487 = await probe.responseTo(callId, 487, 'INVITE');
    probe.send(request({ method: 'ACK', callId, localPort: probe.port, branch: 'z9hG4bK-c1', toTag: tagOf(getHeader(r487, 'to')) ?? '' }));
    expect(slow.gw.ended.find((e) => e.callId === callId)?.reason).toBe('cancelled');
    probe.close();
    await slow.gw.stop();
  });

  it('hangs up with BYE when the caller sends no RTP', async () => {
    const quick = await startTestGateway({ SIP_RTP_PORTS: '41150-41199', SIP_RTP_TIMEOUT_S: '0.5' });
    const probe = await new UdpProbe(quick.port).open();
    const rtp = await new RtpPeer().open();
    const callId = 'silent-1';
    probe.send(request({ method: 'INVITE', callId, localPort: probe.port, body: sdpOffer(rtp.port) }));
    const ok = await probe.responseTo(callId, 200);
    probe.send(request({ method: 'ACK', callId, localPort: probe.port, toTag: tagOf(getHeader(ok, 'to')) ?? '' }));
    const bye = (await probe.waitFor((m) => m.kind === 'request' && m.method === 'BYE')) as SipRequest;
    probe.send(`SIP/2.0 200 OK\r\n${bye.headers.filter(([n]) => ['via', 'from', 'to', 'call-id', 'cseq'].includes(n)).map(([n, v]) => `${n}: ${v}`).join('\r\n')}\r\nContent-Length: 0\r\n\r\n`);
    expect(quick.gw.ended.find((e) => e.callId === callId)?.reason).toBe('rtp_timeout');
    probe.close();
    rtp.close();
    await quick.gw.stop();
  });

  it('in the meeting: *6 and *9 become events (and every key an onKey); the relay forwards audio both ways with continuity', async () => {
    const probe = await new UdpProbe(env.port).open();
    const caller = await new RtpPeer().open();
    const janus = await new RtpPeer().open();
    authorized = undefined;
    const callId = 'meeting-1';
    const { toTag, gwRtpPort } = await establish(probe, caller, callId);
    let ts = 10_000;
    let seq = 100;
    const key = (d: Digit): void => {
      for (let i = 0; i < 3; i++) caller.send(buildRtp({ payloadType: 101, sequence: seq++, timestamp: ts, ssrc: 5, payload: buildTelephoneEvent({ event: digitToEvent(d), end: i > 0, volume: 10, duration: 160 * (i + 1) }) }), gwRtpPort);
      ts += 1600;
    };
    for (const d of '4711#0815#') key(d as Digit);
    if (!authorized) await new Promise<void>((r) => authorizedWaiters.push(r));
    const call = authorized as unknown as { call: MeetingCall };
    const events: string[] = [];
    const keysSeen: string[] = [];
    call.call.onKey((d) => keysSeen.push(d));
    const gotTwo = new Promise<void>((resolve) => call.call.onEvent((e) => {
      events.push(e.type);
      if (events.length === 2) resolve();
    }));
    key('*');
    key('6');
    key('*');
    key('9');
    await gotTwo;
    expect(events).toEqual(['toggle_mute', 'toggle_hand']);
    // Every key in the meeting also reaches onKey (the voting dialogue), those of *6 and *9 too.
    expect(keysSeen).toEqual(['*', '6', '*', '9']);
    // A prompt to the caller ends ("please wait" is cut short); remote audio then reaches the caller.
    await call.call.play('beep', { interrupt: true });
    const relay = call.call.startRelay({ address: '127.0.0.1', port: janus.port, payloadType: 100 });
    // caller → janus: audio only, PT rewritten; a telephone-event is not forwarded.
    caller.send(buildRtp({ payloadType: 0, sequence: seq++, timestamp: ts, ssrc: 5, payload: Buffer.alloc(160, 0x11) }), gwRtpPort);
    key('1');
    caller.send(buildRtp({ payloadType: 0, sequence: seq++, timestamp: ts + 160, ssrc: 5, payload: Buffer.alloc(160, 0x12) }), gwRtpPort);
    await janus.waitForCount(2);
    expect(janus.packets.map((p) => [p.payloadType, p.payload[0]])).toEqual([[100, 0x11], [100, 0x12]]);
    // janus → caller: on the gateway's SSRC, after the prompts' sequence numbers.
    const before = caller.packets.length;
    const last = caller.packets.at(-1);
    for (let i = 0; i < 3; i++) janus.send(buildRtp({ payloadType: 100, sequence: 5000 + i, timestamp: 777 + i * 160, ssrc: 99, payload: Buffer.alloc(160, 0x20 + i) }), gwRtpPort);
    await caller.waitForCount(before + 3);
    const relayed = caller.packets.slice(before).filter((p) => (p.payload[0] ?? 0) >= 0x20 && (p.payload[0] ?? 0) < 0x23);
    expect(relayed).toHaveLength(3);
    expect(relayed.every((p) => p.ssrc === last?.ssrc && p.payloadType === 0)).toBe(true);
    expect(((relayed[0]?.sequence ?? 0) - (last?.sequence ?? 0)) & 0xffff).toBeGreaterThanOrEqual(1);
    expect(((relayed[2]?.timestamp ?? 0) - (relayed[1]?.timestamp ?? 0)) >>> 0).toBe(160);
    expect(((relayed[1]?.sequence ?? 0) - (relayed[0]?.sequence ?? 0)) & 0xffff).toBe(1);
    expect(relay.stats()).toMatchObject({ toRemote: 2, toCaller: 3 });
    const hung = new Promise<string>((r) => call.call.onEvent((e) => e.type === 'hangup' && r(e.reason)));
    probe.send(request({ method: 'BYE', callId, cseq: 2, localPort: probe.port, toTag }));
    expect(await hung).toBe('caller_bye');
    probe.close();
    caller.close();
    janus.close();
  });
});
