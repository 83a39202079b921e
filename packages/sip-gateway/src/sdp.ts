// SDP offer/answer (RFC 3264) for G.711 + telephone-event, with sdp-transform; SRTP keys by SDES
// (RFC 4568 `a=crypto:`) on RTP/SAVP (and on RTP/AVP, as "best effort" offerers such as baresip's
// `mediaenc=srtp` send them).
import { isIP } from 'node:net';
import * as sdpTransform from 'sdp-transform';
import { isSrtpSuite, type SrtpSuite } from './rtp/srtp.ts';

export type Codec = 'pcmu' | 'pcma';
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface NegotiatedMedia {
  readonly codec: Codec;
  readonly payloadType: number;
  /** Dynamic PT of telephone-event/8000, when offered. */
  readonly telephoneEventPt: number | undefined;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** The offerer's RTCP port: `a=rtcp` (RFC 3605) or the RTP port + 1 (RFC 3550 §11). */
  readonly remoteRtcpPort: number;
  /** Direction of the offer, from the offerer's side; 0.0.0.0 counts as hold (inactive towards it). */
  readonly offerDirection: Direction;
  readonly hold: boolean;
  readonly ptime: number | undefined;
  /** `RTP/AVP` or `RTP/SAVP`, as offered (the answer uses the same). */
  readonly protocol: 'RTP/AVP' | 'RTP/SAVP';
  /** The offerer's SDES key, when a supported `a=crypto` line was offered (then the call is SRTP). */
  readonly crypto: SdesKey | undefined;
}

/** One `a=crypto` line: its tag, suite and master key || salt (30 bytes). */
export interface SdesKey {
  readonly tag: number;
  readonly suite: SrtpSuite;
  readonly keyMaterial: Buffer;
}

export class SdpError extends Error {
  constructor(message: string, readonly status: 400 | 488) {
    super(message);
  }
}

/**
 * The first usable `a=crypto` line (RFC 4568 §9.1): a supported suite, one `inline:` key of exactly
 * 30 bytes (a lifetime is accepted, an MKI is not), no session parameters.
 */
export function pickCrypto(lines: readonly { id: number; suite: string; config: string; sessionConfig?: string }[]): SdesKey | undefined {
  for (const c of lines) {
    if (!isSrtpSuite(c.suite) || !Number.isInteger(c.id) || c.id < 0 || c.id > 999999999) continue;
    if (c.sessionConfig !== undefined && c.sessionConfig.trim() !== '') continue;
    const params = c.config.split(';');
    if (params.length !== 1) continue; // several master keys need an MKI
    const m = /^inline:([A-Za-z0-9+/]{40})(?:\|(2\^\d{1,2}|\d{1,15}))?$/.exec(params[0] ?? '');
    if (!m?.[1]) continue;
    const keyMaterial = Buffer.from(m[1], 'base64');
    if (keyMaterial.length !== 30) continue;
    return { tag: c.id, suite: c.suite, keyMaterial };
  }
  return undefined;
}

const STATIC: Record<number, Codec> = { 0: 'pcmu', 8: 'pcma' };

/** Reads the offer: the first audio m-line with port ≠ 0 and a G.711 codec. */
export function parseOffer(body: string): NegotiatedMedia {
  let sdesRefused = false;
  let s: sdpTransform.SessionDescription;
  try {
    s = sdpTransform.parse(body);
  } catch {
    throw new SdpError('Unparsable SDP', 400);
  }
  if (s.version !== 0 || !Array.isArray(s.media) || s.media.length === 0) throw new SdpError('Not an SDP offer', 400);
  for (const m of s.media) {
    if (m.type !== 'audio' || !m.port || !/^RTP\/S?AVP$/i.test(m.protocol)) continue;
    const secure = /^RTP\/SAVP$/i.test(m.protocol);
    const crypto = pickCrypto(m.crypto ?? []);
    if (secure && !crypto) {
      sdesRefused = true;
      continue;
    }
    const pts = String(m.payloads ?? '').trim().split(/\s+/).map(Number).filter((n) => Number.isInteger(n) && n >= 0 && n < 128);
    const rtpmap = new Map<number, string>();
    for (const r of m.rtp ?? []) rtpmap.set(r.payload, `${r.codec.toLowerCase()}/${r.rate ?? ''}`);
    let chosen: { codec: Codec; pt: number } | undefined;
    for (const pt of pts) {
      const named = rtpmap.get(pt);
      const codec = named === 'pcmu/8000' ? 'pcmu' : named === 'pcma/8000' ? 'pcma' : named === undefined ? STATIC[pt] : undefined;
      if (codec) {
        chosen = { codec, pt };
        break;
      }
    }
    if (!chosen) continue;
    const te = pts.find((pt) => rtpmap.get(pt) === 'telephone-event/8000');
    const address = m.connection?.ip ?? s.connection?.ip;
    if (!address || isIP(address) === 0) throw new SdpError('SDP without a usable connection address', 488);
    const dirAttr = (m.direction ?? s.direction ?? 'sendrecv') as Direction;
    const zero = address === '0.0.0.0' || address === '::';
    const offerDirection: Direction = zero ? (dirAttr === 'sendrecv' || dirAttr === 'sendonly' ? 'sendonly' : 'inactive') : dirAttr;
    return {
      codec: chosen.codec,
      payloadType: chosen.pt,
      telephoneEventPt: te,
      remoteAddress: address,
      remotePort: m.port,
      remoteRtcpPort: m.rtcp?.port !== undefined && m.rtcp.port > 0 && m.rtcp.port < 65536 ? m.rtcp.port : m.port + 1,
      offerDirection,
      hold: zero || offerDirection === 'sendonly' || offerDirection === 'inactive',
      ptime: m.ptime,
      protocol: secure ? 'RTP/SAVP' : 'RTP/AVP',
      crypto,
    };
  }
  if (sdesRefused) throw new SdpError('RTP/SAVP without a supported a=crypto (AES_CM_128_HMAC_SHA1_80 or _32, inline key, no MKI)', 488);
  throw new SdpError('No usable audio codec (PCMU or PCMA over RTP/AVP)', 488);
}

export function answerDirection(offer: Direction): Direction {
  switch (offer) {
    case 'sendonly': return 'recvonly';
    case 'recvonly': return 'sendonly';
    case 'inactive': return 'inactive';
    default: return 'sendrecv';
  }
}

export function buildAnswer(opts: {
  media: NegotiatedMedia;
  localAddress: string;
  localPort: number;
  sessionId: number;
  version: number;
  /** Our own SDES key for the answer (the offer's tag and suite, a fresh key). */
  crypto?: SdesKey;
}): string {
  const { media } = opts;
  const fam = isIP(opts.localAddress) === 6 ? 6 : 4;
  const payloads = [media.payloadType, ...(media.telephoneEventPt !== undefined ? [media.telephoneEventPt] : [])];
  const rtp: { payload: number; codec: string; rate: number }[] = [
    { payload: media.payloadType, codec: media.codec === 'pcmu' ? 'PCMU' : 'PCMA', rate: 8000 },
  ];
  const fmtp: { payload: number; config: string }[] = [];
  if (media.telephoneEventPt !== undefined) {
    rtp.push({ payload: media.telephoneEventPt, codec: 'telephone-event', rate: 8000 });
    fmtp.push({ payload: media.telephoneEventPt, config: '0-16' });
  }
  const desc: sdpTransform.SessionDescription = {
    version: 0,
    origin: { username: 'plenum', sessionId: opts.sessionId, sessionVersion: opts.version, netType: 'IN', ipVer: fam, address: opts.localAddress },
    name: 'Plenum',
    connection: { version: fam, ip: opts.localAddress },
    timing: { start: 0, stop: 0 },
    media: [
      {
        type: 'audio',
        port: opts.localPort,
        protocol: opts.crypto ? media.protocol : 'RTP/AVP',
        payloads: payloads.join(' '),
        ...(opts.crypto ? { crypto: [{ id: opts.crypto.tag, suite: opts.crypto.suite, config: `inline:${opts.crypto.keyMaterial.toString('base64')}` }] } : {}),
        rtp,
        fmtp,
        ptime: 20,
        direction: answerDirection(media.offerDirection),
      },
    ],
  };
  return sdpTransform.write(desc);
}
