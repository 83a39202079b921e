// Malformed-message corpus against a running gateway, over UDP and TCP: every message gets an error
// response or is dropped, the gateway keeps running, and a call set up before the corpus keeps its RTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import dgram from 'node:dgram';
import * as sdpTransform from 'sdp-transform';
import { getHeader, tagOf, type SipMessage } from './sip/message.ts';
import { request, RtpPeer, sdpOffer, startTestGateway, TcpProbe, UdpProbe } from './testing.ts';
import { buildRtp } from './rtp/packet.ts';

let env: Awaited<ReturnType<typeof startTestGateway>>;

beforeAll(async () => {
  env = await startTestGateway({
    SIP_RTP_PORTS: '41200-41299',
    SIP_ALLOWED_SOURCES: '127.0.0.1/32,127.0.0.2/32',
    SIP_INVITE_RATE: '0.01',
    SIP_INVITE_BURST: '20',
  });
});
afterAll(async () => {
  await env.gw.stop();
});

/** Deterministic bytes (xorshift32). */
function garbage(seed: number, len: number): Buffer {
  let x = seed || 1;
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

interface Item { name: string; data: Buffer; callId?: string }

function udpCorpus(port: number, dialog: { callId: string; toTag: string; cseq: () => number }): Item[] {
  const items: Item[] = [];
  let n = 0;
  const add = (name: string, text: string | Buffer, callId?: string): void => {
    items.push({ name, data: typeof text === 'string' ? Buffer.from(text, 'latin1') : text, ...(callId ? { callId } : {}) });
  };
  const base = (method: string, extra: string[] = [], body = '', ct?: string) => {
    const callId = `fz-${++n}`;
    return { callId, text: request({ method, callId, localPort: port, body, extra, ...(ct ? { contentType: ct } : {}) }) };
  };
  const drop = (text: string, header: string) => text.split('\r\n').filter((l) => !l.toLowerCase().startsWith(header.toLowerCase() + ':')).join('\r\n');

  // Bad start lines.
  for (const start of ['OPTIONS sip:1234@127.0.0.1 SIP/3.0', 'INVITE  SIP/2.0', 'INVITE sip:1234@127.0.0.1', 'INV\x01TE sip:1@x SIP/2.0', 'SIP/2.0 abc OK', 'INVITE sip:1234@127.0.0.1 SIP/2.0 extra', ' OPTIONS sip:a@b SIP/2.0', 'OPTIONS nouri SIP/2.0', '', 'HTTP/1.1 200 OK']) {
    const b = base('OPTIONS');
    add(`start line "${start}"`, b.text.replace(/^[^\r]*/, start), b.callId);
  }
  // Missing mandatory headers, for several methods.
  for (const method of ['INVITE', 'OPTIONS', 'BYE', 'INFO']) {
    for (const h of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
      const b = base(method, [], method === 'INVITE' ? sdpOffer(4000) : '');
      add(`${method} without ${h}`, drop(b.text, h), b.callId);
    }
  }
  // Broken header values.
  const headerCases: [string, string, string][] = [
    ['CSeq', 'CSeq: abc OPTIONS', 'non-numeric CSeq'],
    ['CSeq', 'CSeq: 1', 'CSeq without method'],
    ['CSeq', 'CSeq: 1 INVITE', 'CSeq method mismatch'],
    ['CSeq', 'CSeq: 99999999999 OPTIONS', 'CSeq too large'],
    ['Via', 'Via: garbage', 'Via garbage'],
    ['Via', 'Via: SIP/2.0/UDP', 'Via without host'],
    ['Max-Forwards', 'Max-Forwards: abc', 'Max-Forwards not a number'],
    ['Max-Forwards', 'Max-Forwards: 0', 'Max-Forwards zero'],
    ['From', 'From: nobody', 'From without URI'],
    ['To', 'To: ', 'empty To'],
    ['Content-Length', 'Content-Length: -1', 'negative Content-Length'],
    ['Content-Length', 'Content-Length: abc', 'non-numeric Content-Length'],
    ['Content-Length', 'Content-Length: 999999999', 'huge Content-Length'],
    ['Content-Length', 'Content-Length: 400', 'Content-Length beyond the datagram'],
    ['Content-Length', 'Content-Length: 0\r\nContent-Length: 0', 'two Content-Length'],
  ];
  for (const [h, line, name] of headerCases) {
    const b = base(name === 'Max-Forwards zero' ? 'INFO' : 'OPTIONS'); // OPTIONS may be answered at Max-Forwards 0
    add(name, b.text.replace(new RegExp(`^${h}:.*$`, 'm'), line), b.callId);
  }
  for (const [line, name] of [['\tfolded: first', 'continuation before any header'], ['NoColonHere', 'header without colon'], ['Bad Name: x', 'header name with space'], ['X-Nul: a\x00b', 'NUL in header']] as [string, string][]) {
    const b = base('OPTIONS');
    add(name, b.text.replace(/\r\n/, `\r\n${line}\r\n`), b.callId);
  }
  // Bad SDP and bodies.
  const sdpCases: [string, string, string?][] = [
    ['garbage SDP', 'this is not sdp at all'],
    ['video only', 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video 4000 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n'],
    ['opus and G.722 only', sdpOffer(4000, { codecs: '9 111' }).replace('a=rtpmap:0 PCMU/8000', 'a=rtpmap:111 opus/48000/2')],
    ['bad connection address', sdpOffer(4000).replace(/c=IN IP4 127.0.0.1/, 'c=IN IP4 not-an-ip')],
    ['port zero', sdpOffer(0)],
    ['SRTP profile only', sdpOffer(4000).replace('RTP/AVP', 'RTP/SAVP')],
    ['no m-line', 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n'],
    ['PCMU renamed to another rate', sdpOffer(4000, { codecs: '0' }).replace('PCMU/8000', 'PCMU/16000')],
    ['no body', ''],
    ['text/plain body', 'hello', 'text/plain'],
    ['multipart body', '--b\r\n\r\nx\r\n--b--', 'multipart/mixed;boundary=b'],
    ['SDP with binary', garbage(7, 200).toString('latin1')],
  ];
  for (const [name, body, ct] of sdpCases) {
    const b = base('INVITE', [], body, ct);
    add(`INVITE ${name}`, b.text, b.callId);
  }
  // Extensions and session timers.
  add('Require 100rel', base('INVITE', ['Require: 100rel'], sdpOffer(4000)).text);
  add('Session-Expires garbage', base('INVITE', ['Session-Expires: soon'], sdpOffer(4000)).text);
  // Methods: unknown and known but not allowed.
  for (const m of ['FOO', 'BAR', 'XYZZY', 'PING', 'INVITEX']) add(`unknown method ${m}`, base(m).text);
  for (const m of ['REGISTER', 'SUBSCRIBE', 'NOTIFY', 'MESSAGE', 'REFER', 'PUBLISH', 'PRACK']) add(`${m} not allowed`, base(m).text);
  // Requests for dialogs and transactions that do not exist.
  for (const m of ['BYE', 'INFO', 'UPDATE', 'INVITE']) {
    const callId = `fz-${++n}`;
    add(`${m} outside any dialog`, request({ method: m, callId, localPort: port, toTag: 'nope', ...(m === 'INVITE' ? { body: sdpOffer(4000) } : {}) }), callId);
  }
  add('CANCEL without INVITE', base('CANCEL').text);
  // Inside the established call: bad INFO bodies, an old CSeq, a re-INVITE with bad SDP.
  const inDialog = (name: string, method: string, body: string, ct: string | undefined, cseq = dialog.cseq()) =>
    add(name, request({ method, callId: dialog.callId, cseq, localPort: port, toTag: dialog.toTag, body, ...(ct ? { contentType: ct } : {}) }));
  inDialog('INFO text/plain', 'INFO', 'hello', 'text/plain');
  inDialog('INFO bad signal', 'INFO', 'Signal=Z\r\n', 'application/dtmf-relay');
  inDialog('INFO empty signal', 'INFO', 'Duration=100\r\n', 'application/dtmf-relay');
  inDialog('INFO old CSeq', 'INFO', '', undefined, 1);
  inDialog('re-INVITE video only', 'INVITE', 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video 4000 RTP/AVP 96\r\n', undefined);
  // Responses nobody asked for, and binary garbage.
  add('stray response', 'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKnone\r\nCall-ID: x\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n');
  add('stray response without Via', 'SIP/2.0 486 Busy\r\n\r\n');
  for (let i = 0; i < 15; i++) add(`garbage ${i}`, garbage(1000 + i, 1 + ((i * 397) % 1400)));
  add('all zero', Buffer.alloc(512));
  add('only CRLF', '\r\n\r\n\r\n');
  add('high bytes', Buffer.alloc(300, 0xff));
  add('UTF-8 in request line', base('OPTIONS').text.replace('sip:1234@', 'sip:ünïcödé\u2028@'));
  add('huge header in a datagram', base('OPTIONS', [`X-Big: ${'a'.repeat(60000)}`]).text.replace('Content-Length: 0', 'Content-Length: 70000'));
  return items;
}

function callIdOf(m: SipMessage): string | undefined {
  return getHeader(m, 'call-id');
}

describe('malformed-message corpus', () => {
  it('answers every bad message with an error or drops it; the gateway and a live call survive', async () => {
    // A call established before the corpus.
    const caller = await new UdpProbe(env.port).open();
    const rtp = await new RtpPeer().open();
    const liveId = 'live-call';
    caller.send(request({ method: 'INVITE', callId: liveId, localPort: caller.port, body: sdpOffer(rtp.port) }));
    const ok = await caller.responseTo(liveId, 200, 'INVITE');
    const toTag = tagOf(getHeader(ok, 'to')) ?? '';
    caller.send(request({ method: 'ACK', callId: liveId, localPort: caller.port, toTag }));
    const gwRtp = sdpTransform.parse(ok.body.toString()).media[0]?.port ?? 0;
    let seqNo = 0;
    const sendRtp = (): void => rtp.send(buildRtp({ payloadType: 0, sequence: seqNo++, timestamp: seqNo * 160, ssrc: 77, payload: Buffer.alloc(160, 0xff) }), gwRtp);
    sendRtp();
    await rtp.waitForCount(5);
    let cseq = 1;
    const dialog = { callId: liveId, toTag, cseq: () => ++cseq };

    // UDP corpus from a second client; an OPTIONS sentinel after it (loopback keeps the order).
    const fuzzer = await new UdpProbe(env.port).open();
    const items = udpCorpus(fuzzer.port, dialog);
    const sentDialog = items.filter((i) => i.data.toString('latin1').includes(`Call-ID: ${liveId}`)).length;
    // In batches of 10, each followed by an OPTIONS sentinel whose answer is awaited (all in one process:
    // without it the test's own sends would overrun the gateway's socket buffer). Loopback keeps the order.
    const sentinels = new Set<string>();
    const inBatches = async (probe: UdpProbe, datas: Buffer[]): Promise<void> => {
      for (let i = 0; i < datas.length; i += 10) {
        for (const d of datas.slice(i, i + 10)) probe.send(d);
        sendRtp();
        const id = `sentinel-${sentinels.size}`;
        sentinels.add(id);
        probe.send(request({ method: 'OPTIONS', callId: id, localPort: probe.port }));
        await probe.responseTo(id, 200);
      }
    };
    await inBatches(fuzzer, items.map((i) => i.data));
    // Flood of INVITEs from one source (127.0.0.2): after the burst, 503 with Retry-After.
    const flooder = await new UdpProbe(env.port, '127.0.0.2').open();
    const FLOOD = 40;
    await inBatches(flooder, Array.from({ length: FLOOD }, (_, i) => Buffer.from(request({ method: 'INVITE', callId: `flood-${i}`, localPort: flooder.port, body: sdpOffer(4000, { codecs: '9' }) }))));
    // A source outside SIP_ALLOWED_SOURCES: 403.
    const stranger = await new UdpProbe(env.port, '127.0.0.3').open();
    stranger.send(request({ method: 'INVITE', callId: 'stranger-1', localPort: stranger.port, body: sdpOffer(4000) }));
    expect((await stranger.responseTo('stranger-1')).status).toBe(403);

    const responses = fuzzer.received.filter((m) => m.kind === 'response' && !sentinels.has(callIdOf(m) ?? ''));
    // No corpus message got a success.
    const bad = responses.filter((m) => m.kind === 'response' && m.status < 400 && m.status !== 100);
    const nameOf = (id: string | undefined) => items.find((i) => i.data.toString('latin1').includes(`Call-ID: ${id}\r\n`))?.name;
    expect(bad.map((m) => `${m.kind === 'response' ? m.status : ''} ${nameOf(callIdOf(m))}`)).toEqual([]);
    // Each corpus request with a Call-ID of its own got one final status (INVITE errors are retransmitted
    // until an ACK that the fuzzer never sends: the same response again).
    const finals = new Map<string, Set<number>>();
    for (const m of responses) if (m.kind === 'response' && m.status >= 400) finals.set(callIdOf(m) ?? '', (finals.get(callIdOf(m) ?? '') ?? new Set()).add(m.status));
    for (const [id, statuses] of finals) if (id !== liveId) expect(statuses.size, id).toBe(1);
    // Some specific answers.
    const statusOf = (name: string): number | undefined => {
      const item = items.find((i) => i.name === name);
      const id = item ? /Call-ID: (\S+)/.exec(item.data.toString('latin1'))?.[1] : undefined;
      const r = responses.find((m) => callIdOf(m) === id && m.kind === 'response' && m.status >= 400);
      return r?.kind === 'response' ? r.status : undefined;
    };
    expect(statusOf('start line "OPTIONS sip:1234@127.0.0.1 SIP/3.0"')).toBe(505);
    expect(statusOf('INVITE without CSeq')).toBeUndefined(); // cannot be answered: dropped
    expect(statusOf('start line "INVITE  SIP/2.0"')).toBe(400);
    expect(statusOf('start line "HTTP/1.1 200 OK"')).toBe(400);
    expect(statusOf('start line "SIP/2.0 abc OK"')).toBeUndefined(); // a broken response: dropped
    expect(statusOf('OPTIONS without From')).toBe(400);
    expect(statusOf('CSeq method mismatch')).toBe(400);
    expect(statusOf('Max-Forwards zero')).toBe(483);
    expect(statusOf('huge Content-Length')).toBe(413);
    expect(statusOf('INVITE video only')).toBe(488);
    expect(statusOf('INVITE text/plain body')).toBe(415);
    expect(statusOf('INVITE garbage SDP')).toBe(400);
    expect(statusOf('Require 100rel')).toBe(420);
    expect(statusOf('unknown method FOO')).toBe(501);
    expect(statusOf('REFER not allowed')).toBe(405);
    expect(statusOf('BYE outside any dialog')).toBe(481);
    expect(statusOf('CANCEL without INVITE')).toBe(481);
    const dialogAnswers = [...new Map(responses.filter((m) => callIdOf(m) === liveId).map((m) => [getHeader(m, 'cseq'), m])).values()];
    expect(dialogAnswers).toHaveLength(sentDialog);
    expect(dialogAnswers.map((m) => (m.kind === 'response' ? m.status : 0)).sort()).toEqual([400, 400, 415, 488, 500]);
    const flood = flooder.received.filter((m) => m.kind === 'response' && callIdOf(m)?.startsWith('flood-'));
    const f503 = flood.filter((m) => m.kind === 'response' && m.status === 503);
    expect(flood.every((m) => m.kind === 'response' && (m.status === 488 || m.status === 503))).toBe(true);
    expect(f503.length).toBeGreaterThanOrEqual(FLOOD - 20);
    expect(f503.every((m) => Number(getHeader(m, 'retry-after')) >= 1)).toBe(true);

    // TCP corpus: one connection per item; the connection closes or a sentinel on it is answered.
    const tcpItems: { name: string; chunks: Buffer[]; expect: 'closed' | 'alive'; status?: number }[] = [];
    const t = (method: string, extra: string[] = [], body = '') => request({ method, callId: `tcp-${tcpItems.length}`, localPort: 1, transport: 'TCP', body, extra });
    tcpItems.push({ name: 'body over 64 KiB', chunks: [Buffer.from(t('OPTIONS').replace('Content-Length: 0', 'Content-Length: 70000'))], expect: 'closed', status: 413 });
    tcpItems.push({ name: 'huge Content-Length', chunks: [Buffer.from(t('OPTIONS').replace('Content-Length: 0', 'Content-Length: 999999999'))], expect: 'closed', status: 413 });
    tcpItems.push({ name: 'bad Content-Length', chunks: [Buffer.from(t('OPTIONS').replace('Content-Length: 0', 'Content-Length: zwölf'))], expect: 'closed', status: 400 });
    tcpItems.push({ name: 'headers never end', chunks: [Buffer.from('OPTIONS sip:a@127.0.0.1 SIP/2.0\r\n'), Buffer.from(`X-A: ${'a'.repeat(70000)}`)], expect: 'closed' });
    tcpItems.push({ name: 'garbage then a message', chunks: [Buffer.concat([garbage(5, 300), Buffer.from('\r\n\r\n')])], expect: 'alive' });
    tcpItems.push({ name: 'zero bytes frame', chunks: [Buffer.concat([Buffer.alloc(100), Buffer.from('\r\n\r\n')])], expect: 'alive' });
    tcpItems.push({ name: 'missing Call-ID', chunks: [Buffer.from(t('OPTIONS').replace(/Call-ID:.*\r\n/, ''))], expect: 'alive' });
    tcpItems.push({ name: 'unknown method', chunks: [Buffer.from(t('FROB'))], expect: 'alive', status: 501 });
    tcpItems.push({ name: 'bad SDP', chunks: [Buffer.from(t('INVITE', [], 'garbage'))], expect: 'alive', status: 400 });
    tcpItems.push({ name: 'two bad messages in one chunk', chunks: [Buffer.from(t('REGISTER') + t('SUBSCRIBE'))], expect: 'alive', status: 405 });
    const split = t('MESSAGE');
    tcpItems.push({ name: 'partial frames across chunks', chunks: [Buffer.from(split.slice(0, 10)), Buffer.from(split.slice(10, 80)), Buffer.from(split.slice(80))], expect: 'alive', status: 405 });
    tcpItems.push({ name: 'body cut short, then the connection ends', chunks: [Buffer.from(t('OPTIONS', [], 'abc').replace('Content-Length: 3', 'Content-Length: 50'))], expect: 'closed' });
    tcpItems.push({ name: 'keepalive pings', chunks: [Buffer.from('\r\n\r\n'), Buffer.from('\r\n\r\n')], expect: 'alive' });
    for (const item of tcpItems) {
      const c = await new TcpProbe(env.port).ready();
      for (const ch of item.chunks) c.send(ch);
      if (item.name.startsWith('body cut short')) c.sock.end();
      else if (item.expect === 'alive') c.send(request({ method: 'OPTIONS', callId: 'tcp-sentinel', localPort: c.port, transport: 'TCP' }));
      const sentinel = await c.waitFor((m) => callIdOf(m) === 'tcp-sentinel');
      if (item.expect === 'alive') expect(sentinel?.kind === 'response' && sentinel.status, item.name).toBe(200);
      else {
        await c.closed;
        expect(sentinel, item.name).toBeUndefined();
      }
      const errors = c.received.filter((m) => callIdOf(m) !== 'tcp-sentinel');
      expect(errors.every((m) => m.kind === 'response' && m.status >= 400), item.name).toBe(true);
      if (item.status !== undefined) expect(errors.map((m) => (m.kind === 'response' ? m.status : 0)), item.name).toContain(item.status);
      c.sock.destroy();
    }
    const total = items.length + FLOOD + 1 + tcpItems.length; // SIP messages (broken RTP comes on top)
    expect(total).toBeGreaterThanOrEqual(100);

    // Broken RTP at the call's port: garbage, truncated headers, bad padding, short telephone-events.
    const badRtp: Buffer[] = [];
    for (let i = 0; i < 20; i++) badRtp.push(garbage(500 + i, 1 + ((i * 53) % 300)));
    badRtp.push(Buffer.alloc(0), Buffer.from([0x80]), Buffer.from([0x8f, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]), Buffer.from([0xa0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 99]));
    badRtp.push(buildRtp({ payloadType: 101, sequence: 9, timestamp: 9, ssrc: 77, payload: Buffer.from([1]) }), buildRtp({ payloadType: 101, sequence: 10, timestamp: 10, ssrc: 77, payload: Buffer.from([250, 0x80, 0, 1]) }));
    for (const b of badRtp) rtp.send(b, gwRtp);

    // The live call: still answered in its dialog, still receiving the caller's RTP and sending prompts.
    const inBefore = [...env.gw.calls.values()].find((c) => c.callId === liveId)?.media?.packetsIn ?? 0;
    const outBefore = rtp.packets.length;
    caller.send(request({ method: 'INFO', callId: liveId, cseq: ++cseq, localPort: caller.port, toTag, body: 'Signal=#\r\n', contentType: 'application/dtmf-relay' }));
    expect((await caller.responseTo(liveId, undefined, 'INFO')).status).toBe(200);
    for (let i = 0; i < 3; i++) sendRtp();
    await rtp.waitForCount(outBefore + 10); // the PIN prompt the '#' started
    caller.send(request({ method: 'OPTIONS', callId: 'rtp-check', localPort: caller.port }));
    await caller.responseTo('rtp-check', 200);
    const live = [...env.gw.calls.values()].find((c) => c.callId === liveId);
    expect(live?.state).toBe('confirmed');
    expect(live?.media?.packetsIn ?? 0).toBeGreaterThan(inBefore);
    expect(env.gw.ended.find((e) => e.callId === liveId)).toBeUndefined();
    caller.send(request({ method: 'BYE', callId: liveId, cseq: ++cseq, localPort: caller.port, toTag }));
    expect((await caller.responseTo(liveId, 200, 'BYE')).status).toBe(200);
    console.log(`corpus: ${items.length} UDP + ${FLOOD} flood + 1 foreign source + ${tcpItems.length} TCP = ${total} messages; ` +
      `UDP answers ${responses.length}, dropped (gateway count) ${env.gw.stats.dropped}`);
    for (const p of [caller, fuzzer, flooder, stranger]) p.close();
    rtp.close();
  });

  it('drops requests beyond the per-source request rate, silently; other sources are still answered', async () => {
    const limited = await startTestGateway({ SIP_RTP_PORTS: '41250-41299', SIP_REQUEST_RATE: '0.01', SIP_REQUEST_BURST: '5', SIP_ALLOWED_SOURCES: '127.0.0.0/8' });
    const noisy = await new UdpProbe(limited.port).open();
    for (let i = 0; i < 12; i++) await noisy.sendDone(request({ method: 'OPTIONS', callId: `rl-${i}`, localPort: noisy.port }));
    // Handed to the kernel in order, so the gateway reads the twelve before this one from another source.
    const other = await new UdpProbe(limited.port, '127.0.0.2').open();
    other.send(request({ method: 'OPTIONS', callId: 'rl-other', localPort: other.port }));
    expect((await other.responseTo('rl-other')).status).toBe(200);
    expect(noisy.received.map((m) => getHeader(m, 'call-id'))).toEqual(['rl-0', 'rl-1', 'rl-2', 'rl-3', 'rl-4']);
    expect(limited.gw.stats.rateLimited).toBe(7);
    noisy.close();
    other.close();
    await limited.gw.stop();
  });

  it('survives a datagram at the UDP size limit', async () => {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => s.send(Buffer.alloc(65507, 0x41), env.port, '127.0.0.1', () => r()));
    s.close();
    const probe = await new UdpProbe(env.port).open();
    probe.send(request({ method: 'OPTIONS', callId: 'after-big', localPort: probe.port }));
    expect((await probe.responseTo('after-big')).status).toBe(200);
    probe.close();
  });
});
