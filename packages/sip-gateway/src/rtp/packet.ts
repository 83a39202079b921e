// RTP fixed header (RFC 3550 §5.1): parse with validation, build.

export interface RtpPacket {
  readonly version: 2;
  readonly padding: boolean;
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequence: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrcs: readonly number[];
  /** Header extension (profile + data), when the X bit is set. */
  readonly extension?: { readonly profile: number; readonly data: Buffer };
  readonly payload: Buffer;
}

/** Parses an RTP packet; undefined when it is not valid RTP (wrong version, truncated, bad padding, RTCP). */
export function parseRtp(buf: Buffer): RtpPacket | undefined {
  if (buf.length < 12) return undefined;
  const b0 = buf[0] ?? 0;
  const b1 = buf[1] ?? 0;
  if (b0 >> 6 !== 2) return undefined;
  const padding = (b0 & 0x20) !== 0;
  const hasExt = (b0 & 0x10) !== 0;
  const cc = b0 & 0x0f;
  const payloadType = b1 & 0x7f;
  // RTCP packet types 200–204 collide with marker + PT 72–76 (RFC 5761 §4): not RTP.
  if (payloadType >= 72 && payloadType <= 76) return undefined;
  let offset = 12 + cc * 4;
  if (buf.length < offset) return undefined;
  const csrcs: number[] = [];
  for (let i = 0; i < cc; i++) csrcs.push(buf.readUInt32BE(12 + i * 4));
  let extension: RtpPacket['extension'];
  if (hasExt) {
    if (buf.length < offset + 4) return undefined;
    const profile = buf.readUInt16BE(offset);
    const words = buf.readUInt16BE(offset + 2);
    const extEnd = offset + 4 + words * 4;
    if (buf.length < extEnd) return undefined;
    extension = { profile, data: buf.subarray(offset + 4, extEnd) };
    offset = extEnd;
  }
  let end = buf.length;
  if (padding) {
    const pad = buf[buf.length - 1] ?? 0;
    if (pad === 0 || offset + pad > buf.length) return undefined;
    end -= pad;
  }
  return {
    version: 2,
    padding,
    marker: (b1 & 0x80) !== 0,
    payloadType,
    sequence: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    csrcs,
    ...(extension ? { extension } : {}),
    payload: buf.subarray(offset, end),
  };
}

export function buildRtp(p: { payloadType: number; sequence: number; timestamp: number; ssrc: number; marker?: boolean; payload: Buffer }): Buffer {
  const head = Buffer.alloc(12);
  head[0] = 0x80;
  head[1] = (p.marker ? 0x80 : 0) | (p.payloadType & 0x7f);
  head.writeUInt16BE(p.sequence & 0xffff, 2);
  head.writeUInt32BE(p.timestamp >>> 0, 4);
  head.writeUInt32BE(p.ssrc >>> 0, 8);
  return Buffer.concat([head, p.payload]);
}
