import { describe, expect, it } from 'vitest';
import { buildTelephoneEvent, DtmfDetector, digitToEvent, type Digit } from './dtmf.ts';
import { linearToAlaw, linearToUlaw } from './g711.ts';
import { buildRtp, parseRtp } from './packet.ts';

describe('RTP header', () => {
  it('parses what it builds', () => {
    const b = buildRtp({ payloadType: 0, sequence: 65535, timestamp: 2 ** 32 - 1, ssrc: 0xdeadbeef, marker: true, payload: Buffer.alloc(160, 0xff) });
    const p = parseRtp(b);
    expect(p).toMatchObject({ version: 2, marker: true, payloadType: 0, sequence: 65535, timestamp: 2 ** 32 - 1, ssrc: 0xdeadbeef });
    expect(p?.payload.length).toBe(160);
  });

  it('handles CSRCs, extension and padding; refuses broken packets', () => {
    const head = Buffer.from([0x80 | 0x20 | 0x10 | 0x02, 8, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3]);
    const csrc = Buffer.from([0, 0, 0, 9, 0, 0, 0, 10]);
    const ext = Buffer.from([0xbe, 0xde, 0, 1, 1, 2, 3, 4]);
    const payload = Buffer.from([5, 6, 7]);
    const pad = Buffer.from([0, 0, 3]);
    const p = parseRtp(Buffer.concat([head, csrc, ext, payload, pad]));
    expect(p?.csrcs).toEqual([9, 10]);
    expect(p?.extension?.profile).toBe(0xbede);
    expect([...(p?.payload ?? [])]).toEqual([5, 6, 7]);
    expect(parseRtp(Buffer.alloc(11))).toBeUndefined();
    expect(parseRtp(Buffer.from([0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toBeUndefined(); // version 1
    expect(parseRtp(Buffer.concat([head.subarray(0, 12), csrc.subarray(0, 4)]))).toBeUndefined(); // truncated CSRC
    const badPad = Buffer.from([0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 50]);
    expect(parseRtp(badPad)).toBeUndefined();
    const rtcp = Buffer.from([0x80, 200, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(parseRtp(rtcp)).toBeUndefined();
  });
});

describe('RFC 4733 detection', () => {
  /** Packets as a phone sends one key: start, updates, three end packets, all with the event's timestamp. */
  function keypress(d: Digit, ts: number): Buffer[] {
    const e = digitToEvent(d);
    const out: Buffer[] = [];
    for (let dur = 160; dur <= 800; dur += 160) out.push(buildTelephoneEvent({ event: e, end: false, volume: 10, duration: dur }));
    for (let i = 0; i < 3; i++) out.push(buildTelephoneEvent({ event: e, end: true, volume: 10, duration: 960 }));
    void ts;
    return out;
  }

  it('reports each key once, with the three end packets deduplicated', () => {
    const det = new DtmfDetector();
    const got: string[] = [];
    let ts = 1000;
    for (const d of ['1', '2', '2', '#', '*', '9'] as Digit[]) {
      for (const pkt of keypress(d, ts)) {
        const r = det.push(42, ts, pkt);
        if (r) got.push(r);
      }
      ts += 1600;
    }
    expect(got.join('')).toBe('122#*9');
  });

  it('ignores a repeated event with the same timestamp, reports an event whose end was lost', () => {
    const det = new DtmfDetector();
    const got: string[] = [];
    const push = (ts: number, b: Buffer) => {
      const r = det.push(7, ts, b);
      if (r) got.push(r);
    };
    for (const p of keypress('5', 100)) push(100, p);
    for (const p of keypress('5', 100)) push(100, p); // the same event again (duplicated stream)
    push(2000, buildTelephoneEvent({ event: 3, end: false, volume: 10, duration: 160 })); // '3' whose ends are lost
    for (const p of keypress('4', 4000)) push(4000, p);
    expect(got.join('')).toBe('534');
    expect(det.push(7, 9000, Buffer.from([1]))).toBeUndefined(); // too short
    expect(det.push(7, 9100, buildTelephoneEvent({ event: 200, end: true, volume: 0, duration: 1 }))).toBeUndefined();
  });
});

describe('G.711', () => {
  it('encodes known values', () => {
    expect(linearToUlaw(0)).toBe(0xff);
    expect(linearToUlaw(-1)).toBe(0x7f);
    expect(linearToUlaw(32767)).toBe(0x80);
    expect(linearToAlaw(0)).toBe(0xd5);
    expect(linearToAlaw(-8)).toBe(0x55);
    expect(linearToAlaw(32767)).toBe(0xaa);
  });
});
