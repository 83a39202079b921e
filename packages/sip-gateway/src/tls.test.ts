// RTP ports of this file: 41800-41999.
// SIP over TLS and SRTP (SDES) with a raw client from node:tls: framing, Via/Contact, sips:, the media
// policy (488 for plain RTP), SRTP both ways (prompts, RFC 4733 digits, the relay to a plain-RTP leg), the
// gateway's BYE on the TLS connection, and SIP_MEDIA_ENCRYPTION=required over UDP.
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sdpTransform from 'sdp-transform';
import type { MeetingCall } from './gateway.ts';
import { buildTelephoneEvent, digitToEvent, type Digit } from './rtp/dtmf.ts';
import { buildRtp, parseRtp } from './rtp/packet.ts';
import { SrtpContext } from './rtp/srtp.ts';
import { getHeader, tagOf, type SipRequest, type SipResponse } from './sip/message.ts';
import { confirmed, request, RtpPeer, ScriptedLink, sdpOffer, selfSignedCert, startTestGateway, TlsProbe, UdpProbe } from './testing.ts';

const link = new ScriptedLink('4711', '0815');
let env: Awaited<ReturnType<typeof startTestGateway>>;
let cert: Awaited<ReturnType<typeof selfSignedCert>>;
let onMeeting: ((c: MeetingCall) => void) | undefined;

beforeAll(async () => {
  cert = await selfSignedCert();
  env = await startTestGateway({ SIP_TLS_LISTEN: '127.0.0.1:0', SIP_TLS_CERT: cert.cert, SIP_TLS_KEY: cert.key, SIP_RTP_PORTS: '41800-41849', SIP_RTP_TIMEOUT_S: '5' }, link, {
    onAuthorized: (call) => onMeeting?.(call),
  });
});
afterAll(async () => {
  await env?.gw.stop();
  await cert?.cleanup();
});

const callerKey = Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccdd', 'hex');

function srtpOffer(port: number, suite = 'AES_CM_128_HMAC_SHA1_80', protocol = 'RTP/SAVP'): string {
  return sdpOffer(port).replace('RTP/AVP', protocol).replace('a=sendrecv', `a=crypto:3 ${suite} inline:${callerKey.toString('base64')}|2^31\r\na=sendrecv`);
}

const isResponse = (callId: string, status: number) => (m: { kind: string }) => m.kind === 'response' && (m as SipResponse).status === status && getHeader(m as SipResponse, 'call-id') === callId;

describe('SIP over TLS', () => {
  it('answers OPTIONS over TLS 1.2+ with the TLS Via echoed; refuses TLS 1.1', async () => {
    const probe = await new TlsProbe(env.gw.tlsPort).ready();
    expect(['TLSv1.2', 'TLSv1.3']).toContain((probe.sock as tls.TLSSocket).getProtocol());
    probe.send(request({ method: 'OPTIONS', callId: 'tls-opt', localPort: probe.port, transport: 'TLS' }));
    const res = (await probe.waitFor(isResponse('tls-opt', 200))) as SipResponse;
    expect(getHeader(res, 'via')).toMatch(/^SIP\/2\.0\/TLS 127\.0\.0\.1:/);
    probe.sock.destroy();
    const old = tls.connect({ port: env.gw.tlsPort, host: '127.0.0.1', rejectUnauthorized: false, minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' });
    const outcome = await new Promise<string>((r) => {
      old.once('secureConnect', () => r('connected'));
      old.once('error', (e: NodeJS.ErrnoException) => r(e.code ?? 'error'));
    });
    old.destroy();
    expect(outcome).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION'); // the server's alert 70: TLS 1.1 is below its minimum
  });

  it('refuses a plain-RTP offer over TLS with 488, and a sips: URI over UDP with 416', async () => {
    const probe = await new TlsProbe(env.gw.tlsPort).ready();
    probe.send(request({ method: 'INVITE', callId: 'tls-plain', uri: 'sips:1234@127.0.0.1', localPort: probe.port, transport: 'TLS', body: sdpOffer(40000) }));
    const res = (await probe.waitFor(isResponse('tls-plain', 488))) as SipResponse;
    expect(getHeader(res, 'warning')).toMatch(/SRTP is required/);
    expect(env.gw.calls.size).toBe(0);
    probe.sock.destroy();
    const udp = await new UdpProbe(env.port).open();
    udp.send(request({ method: 'INVITE', callId: 'udp-sips', uri: 'sips:1234@127.0.0.1', localPort: udp.port, body: srtpOffer(40000) }));
    expect((await udp.responseTo('udp-sips')).status).toBe(416);
    udp.close();
  });

  it('an SRTP call over TLS: our own key in the answer, prompts and digits in SRTP, relay plain to Janus, BYE on the connection', async () => {
    const probe = await new TlsProbe(env.gw.tlsPort).ready();
    const caller = await new RtpPeer().open();
    const janus = await new RtpPeer().open();
    const callId = 'tls-srtp-1';
    probe.send(request({ method: 'INVITE', callId, uri: 'sips:1234@127.0.0.1', localPort: probe.port, transport: 'TLS', body: srtpOffer(caller.port) }));
    const ok = (await probe.waitFor(isResponse(callId, 200))) as SipResponse;
    const sdp = sdpTransform.parse(ok.body.toString());
    const m = sdp.media[0];
    expect(m?.protocol).toBe('RTP/SAVP');
    expect(m?.crypto).toHaveLength(1);
    expect(m?.crypto?.[0]).toMatchObject({ id: 3, suite: 'AES_CM_128_HMAC_SHA1_80' });
    const gwKey = Buffer.from(/^inline:([A-Za-z0-9+/]{40})$/.exec(m?.crypto?.[0]?.config ?? '')?.[1] ?? '', 'base64');
    expect(gwKey).toHaveLength(30);
    expect(gwKey.equals(callerKey)).toBe(false);
    expect(getHeader(ok, 'contact')).toBe(`<sips:plenum@127.0.0.1:${env.gw.tlsPort}>`);
    const gwRtpPort = m?.port ?? 0;
    const acked = confirmed(env.gw, callId);
    probe.send(request({ method: 'ACK', callId, uri: 'sips:plenum@127.0.0.1', localPort: probe.port, transport: 'TLS', toTag: tagOf(getHeader(ok, 'to')) ?? '' }));
    await acked;

    // Prompts arrive as SRTP: they authenticate and decrypt with the answer's key only.
    await caller.waitForCount(5);
    const rx = SrtpContext.fromKeyMaterial('AES_CM_128_HMAC_SHA1_80', gwKey);
    const prompt = caller.raw.slice(0, 5).map((b) => rx.unprotect(b));
    expect(prompt.every((r) => r.ok)).toBe(true);
    expect(caller.raw[0]?.length).toBe(12 + 160 + 10);
    expect(SrtpContext.fromKeyMaterial('AES_CM_128_HMAC_SHA1_80', callerKey).unprotect(caller.raw[0] ?? Buffer.alloc(0)).ok).toBe(false);

    // Digits by RFC 4733 inside SRTP; a plain-RTP event (no valid tag) is dropped.
    const tx = SrtpContext.fromKeyMaterial('AES_CM_128_HMAC_SHA1_80', callerKey);
    let seq = 65530; // crosses the sequence wrap: the gateway follows the rollover counter
    let ts = 1000;
    const send = (pt: number, payload: Buffer, plain = false): void => {
      const p = buildRtp({ payloadType: pt, sequence: seq, timestamp: ts, ssrc: 77, payload });
      seq = (seq + 1) & 0xffff;
      caller.send(plain ? p : tx.protect(p), gwRtpPort);
    };
    const key = (d: Digit, plain = false): void => {
      for (let i = 0; i < 3; i++) send(101, buildTelephoneEvent({ event: digitToEvent(d), end: i > 0, volume: 10, duration: 160 * (i + 1) }), plain);
      ts += 1600;
    };
    const digits: string[] = [];
    env.gw.onCallEvent((id, e) => id === callId && e.type === 'digit' && digits.push(e.digit));
    const meeting = new Promise<MeetingCall>((r) => (onMeeting = r));
    const auth = link.next();
    key('9', true);
    for (const d of '4711#0815#') key(d as Digit);
    expect(await auth).toMatchObject({ dialInId: '4711', pin: '0815', callId });
    expect(digits.join('')).toBe('4711#0815#');
    const call = env.gw.calls.get(`${callId}|ft-${callId}`);
    expect(call?.media?.srtpDropped).toBe(3);

    // In the meeting: caller SRTP → Janus plain RTP; Janus plain RTP → caller SRTP.
    const mc = await meeting;
    await mc.play('beep', { interrupt: true });
    mc.startRelay({ address: '127.0.0.1', port: janus.port, payloadType: 100 });
    send(0, Buffer.alloc(160, 0x42));
    await janus.waitForCount(1);
    expect(janus.packets[0]).toMatchObject({ payloadType: 100, ssrc: 77 });
    expect(janus.packets[0]?.payload).toEqual(Buffer.alloc(160, 0x42));
    const before = caller.raw.length;
    janus.send(buildRtp({ payloadType: 100, sequence: 1, timestamp: 160, ssrc: 99, payload: Buffer.alloc(160, 0x24) }), gwRtpPort);
    await caller.waitForCount(before + 1);
    const relayed = caller.raw.slice(before).map((b) => rx.unprotect(b)).find((r) => r.ok && parseRtp(r.packet)?.payload[0] === 0x24);
    expect(relayed).toBeDefined();
    expect(caller.raw.slice(before).some((b) => b.includes(Buffer.alloc(160, 0x24)))).toBe(false);

    // The gateway hangs up: BYE over the same TLS connection, Via TLS, to the caller's Contact.
    const bye = probe.waitFor((x) => x.kind === 'request' && (x as SipRequest).method === 'BYE');
    mc.hangup();
    const req = (await bye) as SipRequest;
    expect(getHeader(req, 'via')).toMatch(new RegExp(`^SIP/2\\.0/TLS 127\\.0\\.0\\.1:${env.gw.tlsPort};`));
    probe.send(`SIP/2.0 200 OK\r\n${req.headers.filter(([n]) => ['via', 'from', 'to', 'call-id', 'cseq'].includes(n)).map(([n, v]) => `${n}: ${v}`).join('\r\n')}\r\nContent-Length: 0\r\n\r\n`);
    probe.sock.destroy();
    caller.close();
    janus.close();
  });
});

describe('hostile input over TLS and SRTP', () => {
  it('a framing error closes the TLS connection after a 413; garbage on an SRTP call is dropped and the call goes on', async () => {
    const bad = await new TlsProbe(env.gw.tlsPort).ready();
    bad.send(request({ method: 'OPTIONS', callId: 'tls-huge', localPort: bad.port, transport: 'TLS' }).replace('Content-Length: 0', 'Content-Length: 999999999'));
    const res = await bad.waitFor(isResponse('tls-huge', 413));
    expect(res).toBeDefined();
    await bad.closed;
    const probe = await new TlsProbe(env.gw.tlsPort).ready();
    const caller = await new RtpPeer().open();
    const callId = 'tls-srtp-garbage';
    probe.send(request({ method: 'INVITE', callId, localPort: probe.port, transport: 'TLS', body: srtpOffer(caller.port, 'AES_CM_128_HMAC_SHA1_80', 'RTP/AVP') }));
    const ok = (await probe.waitFor(isResponse(callId, 200))) as SipResponse;
    const m = sdpTransform.parse(ok.body.toString()).media[0];
    expect(m?.protocol).toBe('RTP/AVP'); // best-effort SRTP (a=crypto on RTP/AVP) is answered in kind
    expect(getHeader(ok, 'contact')).toBe(`<sip:plenum@127.0.0.1:${env.gw.tlsPort};transport=tls>`);
    const acked = confirmed(env.gw, callId);
    probe.send(request({ method: 'ACK', callId, localPort: probe.port, transport: 'TLS', toTag: tagOf(getHeader(ok, 'to')) ?? '' }));
    await acked;
    const gwPort = m?.port ?? 0;
    const garbage = [Buffer.alloc(0), Buffer.alloc(11), Buffer.from([0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]), Buffer.alloc(40, 0x8f), Buffer.alloc(1500, 0x90)];
    for (let i = 0; i < 50; i++) garbage.push(Buffer.concat([Buffer.from([0x80, 0x00]), Buffer.from(Array.from({ length: 10 + i * 7 }, (_, j) => (i * 31 + j * 17) & 0xff))]));
    for (const g of garbage) caller.send(g, gwPort);
    const tx = SrtpContext.fromKeyMaterial('AES_CM_128_HMAC_SHA1_80', callerKey);
    const auth = link.next();
    let seq = 1;
    let ts = 0;
    for (const d of '4711#0815#') {
      ts += 1600;
      for (let i = 0; i < 3; i++) caller.send(tx.protect(buildRtp({ payloadType: 101, sequence: seq++, timestamp: ts, ssrc: 5, payload: buildTelephoneEvent({ event: digitToEvent(d as Digit), end: i > 0, volume: 10, duration: 160 * (i + 1) }) })), gwPort);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await auth).toMatchObject({ dialInId: '4711', pin: '0815', callId });
    const call = env.gw.calls.get(`${callId}|ft-${callId}`);
    expect(call?.media?.srtpDropped).toBeGreaterThanOrEqual(50);
    probe.send(request({ method: 'BYE', callId, cseq: 2, localPort: probe.port, transport: 'TLS', toTag: tagOf(getHeader(ok, 'to')) ?? '' }));
    expect(await probe.waitFor((x) => isResponse(callId, 200)(x) && (getHeader(x as SipResponse, 'cseq') ?? '').endsWith('BYE'))).toBeDefined();
    probe.sock.destroy();
    caller.close();
  });

  it('SIP_TLS_REQUIRE_SRTP=false with SIP_MEDIA_ENCRYPTION=optional: plain RTP over TLS is answered', async () => {
    const lax = await startTestGateway({ SIP_TRANSPORTS: 'tls', SIP_TLS_LISTEN: '127.0.0.1:0', SIP_TLS_CERT: cert.cert, SIP_TLS_KEY: cert.key, SIP_TLS_REQUIRE_SRTP: 'false', SIP_RTP_PORTS: '41850-41899' });
    expect(lax.port).toBe(lax.gw.tlsPort);
    const probe = await new TlsProbe(lax.gw.tlsPort).ready();
    probe.send(request({ method: 'INVITE', callId: 'lax-1', localPort: probe.port, transport: 'TLS', body: sdpOffer(40000) }));
    const ok = (await probe.waitFor(isResponse('lax-1', 200))) as SipResponse;
    expect(sdpTransform.parse(ok.body.toString()).media[0]?.crypto).toBeUndefined();
    probe.sock.destroy();
    await lax.gw.stop();
  });
});

describe('TLS connection lifetime', () => {
  it('an idle connection is closed, but not while a call runs on it: the BYE (RTP timeout) still goes over it', async () => {
    const short = await startTestGateway({ SIP_TRANSPORTS: 'tls', SIP_TLS_LISTEN: '127.0.0.1:0', SIP_TLS_CERT: cert.cert, SIP_TLS_KEY: cert.key, SIP_CONNECTION_IDLE_S: '0.3', SIP_RTP_TIMEOUT_S: '1.5', SIP_RTP_PORTS: '41950-41999' });
    const idle = await new TlsProbe(short.gw.tlsPort).ready();
    const t0 = Date.now();
    await idle.closed;
    expect(Date.now() - t0).toBeLessThan(2000);
    const probe = await new TlsProbe(short.gw.tlsPort).ready();
    let closedAt = 0;
    void probe.closed.then(() => (closedAt = Date.now()));
    probe.send(request({ method: 'INVITE', callId: 'long-1', localPort: probe.port, transport: 'TLS', body: srtpOffer(40000) }));
    const ok = (await probe.waitFor(isResponse('long-1', 200))) as SipResponse;
    const acked = confirmed(short.gw, 'long-1');
    probe.send(request({ method: 'ACK', callId: 'long-1', localPort: probe.port, transport: 'TLS', toTag: tagOf(getHeader(ok, 'to')) ?? '' }));
    await acked;
    const bye = (await probe.waitFor((x) => x.kind === 'request' && (x as SipRequest).method === 'BYE')) as SipRequest | undefined;
    expect(bye).toBeDefined();
    expect(closedAt).toBe(0);
    expect(short.gw.ended.at(-1)).toEqual({ callId: 'long-1', reason: 'rtp_timeout' });
    await probe.closed; // and once the call is over, the idle connection goes
    await short.gw.stop();
  });
});

describe('SIP_MEDIA_ENCRYPTION=required over UDP', () => {
  it('refuses plain RTP with 488, answers SRTP (also _32), and a re-INVITE cannot drop SRTP', async () => {
    const strict = await startTestGateway({ SIP_MEDIA_ENCRYPTION: 'required', SIP_RTP_PORTS: '41900-41949' });
    const probe = await new UdpProbe(strict.port).open();
    probe.send(request({ method: 'INVITE', callId: 'req-plain', localPort: probe.port, body: sdpOffer(40000) }));
    const refused = await probe.responseTo('req-plain', 488, 'INVITE');
    expect(getHeader(refused, 'warning')).toMatch(/SRTP is required/);
    probe.send(request({ method: 'INVITE', callId: 'req-srtp', localPort: probe.port, body: srtpOffer(40002, 'AES_CM_128_HMAC_SHA1_32') }));
    const ok = await probe.responseTo('req-srtp', 200);
    expect(sdpTransform.parse(ok.body.toString()).media[0]?.crypto?.[0]?.suite).toBe('AES_CM_128_HMAC_SHA1_32');
    const toTag = tagOf(getHeader(ok, 'to')) ?? '';
    const acked = confirmed(strict.gw, 'req-srtp');
    probe.send(request({ method: 'ACK', callId: 'req-srtp', localPort: probe.port, toTag }));
    await acked;
    probe.send(request({ method: 'INVITE', callId: 'req-srtp', cseq: 2, localPort: probe.port, toTag, body: sdpOffer(40002) }));
    expect((await probe.responseTo('req-srtp', 488, 'INVITE')).status).toBe(488);
    probe.send(request({ method: 'BYE', callId: 'req-srtp', cseq: 3, localPort: probe.port, toTag }));
    await probe.responseTo('req-srtp', 200, 'BYE');
    probe.close();
    await strict.gw.stop();
  });
});
