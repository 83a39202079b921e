import { describe, expect, it } from 'vitest';
import { checkRequest, getHeader, getHeaders, makeResponse, MAX_MESSAGE_BYTES, parseCSeq, parseMessage, parseVia, serialize, SipParseError, splitList, tagOf, uriOf, userOf, type SipRequest } from './message.ts';
import { TcpFramer } from './transport.ts';

const INVITE = [
  'INVITE sip:1234@127.0.0.1:5060 SIP/2.0',
  'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1;rport',
  'Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK-0',
  'Max-Forwards: 70',
  'From: "Alice, A." <sip:+4930123@10.0.0.1>;tag=abc',
  'To: <sip:1234@127.0.0.1>',
  'Call-ID: call-1@10.0.0.1',
  'CSeq: 1 INVITE',
  'Contact: <sip:alice@10.0.0.1:5060>',
  'Content-Type: application/sdp',
  'Content-Length: 4',
  '',
  'v=0\n',
].join('\r\n');

describe('SIP parser', () => {
  it('parses a request and round-trips through serialize', () => {
    const m = parseMessage(Buffer.from(INVITE)) as SipRequest;
    expect(m.kind).toBe('request');
    expect(m.method).toBe('INVITE');
    expect(m.uri).toBe('sip:1234@127.0.0.1:5060');
    expect(getHeaders(m, 'via')).toHaveLength(2);
    expect(m.body.toString()).toBe('v=0\n');
    expect(checkRequest(m)).toBeUndefined();
    const again = parseMessage(serialize(m)) as SipRequest;
    expect(again.headers).toEqual(m.headers);
    expect(again.body.equals(m.body)).toBe(true);
    expect(tagOf(getHeader(m, 'from'))).toBe('abc');
    expect(userOf(uriOf(getHeader(m, 'from') ?? ''))).toBe('+4930123');
  });

  it('understands compact header forms', () => {
    const text = [
      'OPTIONS sip:gw@127.0.0.1 SIP/2.0', 'v: SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bKc', 'f: <sip:a@b>;tag=1', 't: <sip:gw@127.0.0.1>',
      'i: compact-1', 'CSeq: 7 OPTIONS', 'm: <sip:a@b>', 'k: timer', 'c: text/plain', 'l: 2', '', 'hi',
    ].join('\r\n');
    const m = parseMessage(Buffer.from(text)) as SipRequest;
    expect(getHeader(m, 'call-id')).toBe('compact-1');
    expect(getHeader(m, 'Call-ID')).toBe('compact-1');
    expect(getHeader(m, 'supported')).toBe('timer');
    expect(getHeader(m, 'content-type')).toBe('text/plain');
    expect(m.body.toString()).toBe('hi');
    expect(checkRequest(m)).toBeUndefined();
    expect(serialize(m).toString()).toContain('Call-ID: compact-1\r\n');
  });

  it('unfolds continuation lines', () => {
    const text = INVITE.replace('Max-Forwards: 70', 'Subject: a long\r\n   folded\r\n\tsubject\r\nMax-Forwards: 70');
    const m = parseMessage(Buffer.from(text));
    expect(getHeader(m, 'subject')).toBe('a long folded subject');
  });

  it('splits comma-separated Via values and keeps quoted commas', () => {
    const text = INVITE.replace(/Via: .*\r\nVia: .*\r\n/, 'Via: SIP/2.0/UDP a:1;branch=z9hG4bK1, SIP/2.0/UDP b:2;branch=z9hG4bK2 ,SIP/2.0/TCP c:3;branch=z9hG4bK3\r\n');
    const m = parseMessage(Buffer.from(text));
    const vias = getHeaders(m, 'via').map((v) => parseVia(v));
    expect(vias.map((v) => v?.sentBy)).toEqual(['a:1', 'b:2', 'c:3']);
    expect(vias[2]?.transport).toBe('TCP');
    expect(splitList('"a, b" <sip:x>, <sip:y,z>')).toEqual(['"a, b" <sip:x>', '<sip:y,z>']);
    expect(getHeader(m, 'from')).toBe('"Alice, A." <sip:+4930123@10.0.0.1>;tag=abc');
  });

  it('enforces limits and framing', () => {
    expect(() => parseMessage(Buffer.alloc(MAX_MESSAGE_BYTES + 1, 0x41))).toThrow(SipParseError);
    const huge = INVITE.replace('Content-Length: 4', 'Content-Length: 999999');
    expect(() => parseMessage(Buffer.from(huge))).toThrowError(expect.objectContaining({ status: 413 }));
    const short = INVITE.replace('Content-Length: 4', 'Content-Length: 40');
    expect(() => parseMessage(Buffer.from(short))).toThrowError(expect.objectContaining({ status: 400 }));
    expect(() => parseMessage(Buffer.from(INVITE.replace('Content-Length: 4', 'Content-Length: -4')))).toThrow(SipParseError);
    expect(() => parseMessage(Buffer.from(INVITE.replace('SIP/2.0\r\n', 'SIP/3.0\r\n')))).toThrowError(expect.objectContaining({ status: 505 }));
    expect(() => parseMessage(Buffer.from('INVITE sip:a SIP/2.0 x\r\n\r\n'))).toThrow(SipParseError);
    expect(() => parseMessage(Buffer.from('\x00\x01\x02\x03garbage\r\n\r\n'))).toThrow(SipParseError);
    // A shorter Content-Length on UDP cuts the body.
    const cut = parseMessage(Buffer.from(INVITE.replace('Content-Length: 4', 'Content-Length: 2')));
    expect(cut.body.toString()).toBe('v=');
  });

  it('reports missing mandatory headers', () => {
    for (const h of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
      const text = INVITE.split('\r\n').filter((l) => !l.startsWith(`${h}:`)).join('\r\n');
      const m = parseMessage(Buffer.from(text)) as SipRequest;
      expect(checkRequest(m)).toMatch(/Missing/);
    }
    const mismatch = parseMessage(Buffer.from(INVITE.replace('CSeq: 1 INVITE', 'CSeq: 1 BYE'))) as SipRequest;
    expect(checkRequest(mismatch)).toBe('CSeq method mismatch');
    expect(parseCSeq('12 invite')).toEqual({ seq: 12, method: 'INVITE' });
    expect(parseCSeq('99999999999 INVITE')).toBeUndefined();
  });

  it('builds responses that copy the transaction headers and add the To-tag', () => {
    const req = parseMessage(Buffer.from(INVITE)) as SipRequest;
    const res = parseMessage(serialize(makeResponse(req, 486, 'Busy Here', { toTag: 'xyz' })));
    expect(res.kind).toBe('response');
    if (res.kind !== 'response') return;
    expect(res.status).toBe(486);
    expect(getHeaders(res, 'via')).toHaveLength(2);
    expect(tagOf(getHeader(res, 'to'))).toBe('xyz');
    expect(getHeader(res, 'cseq')).toBe('1 INVITE');
  });

  it('frames a TCP stream by Content-Length, across chunks', () => {
    const f = new TcpFramer();
    const buf = Buffer.from(INVITE + INVITE);
    const frames: Buffer[] = [];
    for (let i = 0; i < buf.length; i += 7) frames.push(...f.push(buf.subarray(i, i + 7)).frames);
    expect(frames).toHaveLength(2);
    expect(frames[0]?.toString()).toBe(INVITE);
    expect(f.buffered).toBe(0);
    const bad = new TcpFramer().push(Buffer.from(INVITE.replace('Content-Length: 4', 'Content-Length: 70000')));
    expect(bad.fatal).toBeDefined();
    const ping = new TcpFramer().push(Buffer.from('\r\n\r\n'));
    expect(ping.keepalive).toBe(true);
  });
});
