// RFC 4733 telephone-event detection: one digit per event, reported once at its end.
// An event is identified by its RTP timestamp (the event's start); the three end packets and any
// repeated packets of the same event carry the same timestamp and are deduplicated.

export type Digit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#' | 'A' | 'B' | 'C' | 'D';

const EVENT_DIGITS: readonly Digit[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D'];

export function eventToDigit(event: number): Digit | undefined {
  return EVENT_DIGITS[event];
}

export function digitToEvent(d: Digit): number {
  return EVENT_DIGITS.indexOf(d);
}

export interface TelephoneEvent { readonly event: number; readonly end: boolean; readonly volume: number; readonly duration: number }

export function parseTelephoneEvent(payload: Buffer): TelephoneEvent | undefined {
  if (payload.length < 4) return undefined;
  const b1 = payload[1] ?? 0;
  return { event: payload[0] ?? 0, end: (b1 & 0x80) !== 0, volume: b1 & 0x3f, duration: payload.readUInt16BE(2) };
}

export function buildTelephoneEvent(e: TelephoneEvent): Buffer {
  const b = Buffer.alloc(4);
  b[0] = e.event;
  b[1] = (e.end ? 0x80 : 0) | (e.volume & 0x3f);
  b.writeUInt16BE(e.duration & 0xffff, 2);
  return b;
}

/** Feeds telephone-event payloads (with their RTP timestamp and SSRC); returns a digit when one ends. */
export class DtmfDetector {
  private readonly done: string[] = [];
  private current: { key: string; digit: Digit } | undefined;

  push(ssrc: number, timestamp: number, payload: Buffer): Digit | undefined {
    const ev = parseTelephoneEvent(payload);
    if (!ev) return undefined;
    const digit = eventToDigit(ev.event);
    if (!digit) return undefined;
    const key = `${ssrc}:${timestamp}`;
    if (this.done.includes(key)) return undefined;
    let emitted: Digit | undefined;
    // A new event began while the previous one never showed its end (all end packets lost): report the old one.
    if (this.current && this.current.key !== key) {
      emitted = this.current.digit;
      this.remember(this.current.key);
      this.current = undefined;
    }
    if (ev.end) {
      this.remember(key);
      this.current = undefined;
      // If an old unfinished event was just reported, the new one is reported next time it is not: one per call.
      return emitted ?? digit;
    }
    this.current = { key, digit };
    return emitted;
  }

  private remember(key: string): void {
    this.done.push(key);
    if (this.done.length > 32) this.done.shift();
  }
}
