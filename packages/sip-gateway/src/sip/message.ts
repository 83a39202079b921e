// SIP message model, parser and serializer (RFC 3261 §7, §20, §25): start line, header folding,
// compact header forms, comma-separated Via values, Content-Length, size limits.

export const MAX_MESSAGE_BYTES = 64 * 1024;

/** Compact forms (RFC 3261 §7.3.3 and the registry) → full lower-case names. */
const COMPACT: Record<string, string> = {
  i: 'call-id', f: 'from', t: 'to', v: 'via', m: 'contact', l: 'content-length', c: 'content-type',
  k: 'supported', e: 'content-encoding', s: 'subject', o: 'event', r: 'refer-to', x: 'session-expires', u: 'allow-events',
};

/** Canonical spelling for serialization. */
const CANONICAL: Record<string, string> = {
  'call-id': 'Call-ID', cseq: 'CSeq', 'www-authenticate': 'WWW-Authenticate', 'content-length': 'Content-Length',
  'max-forwards': 'Max-Forwards', 'session-expires': 'Session-Expires', 'min-se': 'Min-SE', 'retry-after': 'Retry-After',
};

/** Headers whose comma-separated values are separate header field values (only those we look into). */
const LIST_HEADERS = new Set(['via', 'record-route', 'route', 'supported', 'require', 'allow']);

export type Header = readonly [name: string, value: string];

export interface SipRequest {
  readonly kind: 'request';
  readonly method: string;
  readonly uri: string;
  readonly headers: Header[];
  readonly body: Buffer;
}

export interface SipResponse {
  readonly kind: 'response';
  readonly status: number;
  readonly reason: string;
  readonly headers: Header[];
  readonly body: Buffer;
}

export type SipMessage = SipRequest | SipResponse;

export class SipParseError extends Error {
  /** Status to answer with, when the message is a request and can be answered. */
  constructor(message: string, readonly status: 400 | 413 | 505 = 400, readonly partial?: SipRequest) {
    super(message);
  }
}

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
const SIP_VERSION = /^SIP\/2\.0$/i;

export function normalizeHeaderName(name: string): string {
  const lower = name.toLowerCase();
  return COMPACT[lower] ?? lower;
}

export function canonicalHeaderName(lower: string): string {
  return CANONICAL[lower] ?? lower.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

/** Splits on commas outside of quotes and angle brackets. */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let depthAngle = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '<') depthAngle++;
    else if (ch === '>') depthAngle = Math.max(0, depthAngle - 1);
    else if (ch === ',' && depthAngle === 0) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out.filter((v) => v.length > 0);
}

/** Finds the end of the header section; returns [headerEnd, bodyStart] or undefined. */
export function findHeaderEnd(buf: Buffer, from = 0): [number, number] | undefined {
  const crlf = buf.indexOf('\r\n\r\n', from, 'latin1');
  const lf = buf.indexOf('\n\n', from, 'latin1');
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) return [crlf, crlf + 4];
  if (lf >= 0) return [lf, lf + 2];
  return undefined;
}

/** Parses the header section (start line + headers) of a message. */
export function parseHead(text: string): { startLine: string; headers: Header[] } {
  const rawLines = text.split(/\r?\n/);
  const startLine = rawLines.shift() ?? '';
  const lines: string[] = [];
  for (const line of rawLines) {
    if (line.length === 0) continue;
    if (line[0] === ' ' || line[0] === '\t') {
      // Folding (RFC 3261 §7.3.1): a continuation line belongs to the previous header.
      if (lines.length === 0) throw new SipParseError('continuation line before the first header');
      lines[lines.length - 1] += ' ' + line.trim();
    } else lines.push(line);
  }
  const headers: Header[] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new SipParseError(`malformed header line`);
    const name = line.slice(0, colon).trim();
    if (!TOKEN.test(name)) throw new SipParseError('malformed header name');
    const norm = normalizeHeaderName(name);
    const value = line.slice(colon + 1).trim();
    if (/[\0\r\n]/.test(value)) throw new SipParseError('control character in header value');
    if (LIST_HEADERS.has(norm)) for (const v of splitList(value)) headers.push([norm, v]);
    else headers.push([norm, value]);
  }
  return { startLine, headers };
}

/**
 * Parses one complete message (a UDP datagram, or a frame the TCP framer cut). Throws SipParseError;
 * for requests whose head could be read, `partial` carries it so that a 400 can be sent back.
 */
export function parseMessage(buf: Buffer): SipMessage {
  if (buf.length > MAX_MESSAGE_BYTES) throw new SipParseError('message too large', 413);
  const end = findHeaderEnd(buf);
  const headText = buf.subarray(0, end ? end[0] : buf.length).toString('latin1');
  if (/[^\t\r\n\x20-\x7e\x80-\xff]/.test(headText)) throw new SipParseError('binary data in the header section');
  const { startLine, headers } = parseHead(headText);
  const rest = end ? buf.subarray(end[1]) : Buffer.alloc(0);

  const parts = startLine.split(' ');
  let msgBase: { kind: 'request'; method: string; uri: string } | { kind: 'response'; status: number; reason: string };
  if (parts[0] !== undefined && SIP_VERSION.test(parts[0])) {
    const status = Number(parts[1]);
    if (parts.length < 2 || !/^[1-6]\d\d$/.test(parts[1] ?? '')) throw new SipParseError('bad status line');
    msgBase = { kind: 'response', status, reason: parts.slice(2).join(' ') };
  } else {
    if (parts.length !== 3 || !TOKEN.test(parts[0] ?? '') || !/^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/.test(parts[1] ?? '')) {
      // Answerable with 400 when the headers name the transaction (the method then comes from CSeq).
      const method = parseCSeq(headers.find(([n]) => n === 'cseq')?.[1])?.method ?? '';
      throw new SipParseError('bad request line', 400, { kind: 'request', method, uri: '', headers, body: Buffer.alloc(0) });
    }
    const partial: SipRequest = { kind: 'request', method: parts[0] ?? '', uri: parts[1] ?? '', headers, body: Buffer.alloc(0) };
    if (!SIP_VERSION.test(parts[2] ?? '')) throw new SipParseError('unsupported SIP version', 505, partial);
    msgBase = { kind: 'request', method: (parts[0] ?? '').toUpperCase(), uri: parts[1] ?? '' };
  }
  const partialReq = msgBase.kind === 'request' ? { ...msgBase, headers, body: Buffer.alloc(0) } : undefined;

  if (!end && buf.length > headText.length) throw new SipParseError('no end of headers', 400, partialReq);
  const clValues = headers.filter(([n]) => n === 'content-length');
  let body = rest;
  if (clValues.length > 1) throw new SipParseError('more than one Content-Length', 400, partialReq);
  if (clValues.length === 1) {
    const raw = clValues[0]?.[1] ?? '';
    if (!/^\d{1,9}$/.test(raw)) throw new SipParseError('bad Content-Length', 400, partialReq);
    const len = Number(raw);
    if (len > MAX_MESSAGE_BYTES) throw new SipParseError('Content-Length too large', 413, partialReq);
    if (len > rest.length) throw new SipParseError('body shorter than Content-Length', 400, partialReq);
    body = rest.subarray(0, len);
  }
  return { ...msgBase, headers, body };
}

export function getHeader(msg: { headers: readonly Header[] }, name: string): string | undefined {
  const n = normalizeHeaderName(name);
  for (const [k, v] of msg.headers) if (k === n) return v;
  return undefined;
}

export function getHeaders(msg: { headers: readonly Header[] }, name: string): string[] {
  const n = normalizeHeaderName(name);
  return msg.headers.filter(([k]) => k === n).map(([, v]) => v);
}

export function serialize(msg: SipMessage): Buffer {
  const start = msg.kind === 'request' ? `${msg.method} ${msg.uri} SIP/2.0` : `SIP/2.0 ${msg.status} ${msg.reason}`;
  const lines = [start];
  for (const [name, value] of msg.headers) {
    if (name === 'content-length') continue;
    lines.push(`${canonicalHeaderName(name)}: ${value}`);
  }
  lines.push(`Content-Length: ${msg.body.length}`);
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), msg.body]);
}

// ---- Small helpers for header values ---------------------------------------------------------------

/** `;name=value` parameters of a header value (after the URI or the value proper), names lower-cased. */
export function headerParams(value: string): Map<string, string> {
  const out = new Map<string, string>();
  const afterAngle = value.includes('>') ? value.slice(value.lastIndexOf('>') + 1) : value.slice(value.indexOf(';') >= 0 ? value.indexOf(';') : value.length);
  for (const part of afterAngle.split(';')) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf('=');
    if (eq < 0) out.set(p.toLowerCase(), '');
    else out.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
  }
  return out;
}

export function tagOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return headerParams(value).get('tag');
}

/** The URI inside a name-addr (`"x" <sip:a@b>;tag=1`) or addr-spec. */
export function uriOf(value: string): string {
  const lt = value.indexOf('<');
  if (lt >= 0) return value.slice(lt + 1, value.indexOf('>', lt));
  const semi = value.indexOf(';');
  return (semi >= 0 ? value.slice(0, semi) : value).trim();
}

/** The user part of a SIP URI (`sip:+4930123@host` → `+4930123`). */
export function userOf(uri: string): string | undefined {
  const m = /^sips?:([^@;]+)@/i.exec(uri);
  return m?.[1];
}

export interface CSeq { readonly seq: number; readonly method: string }

export function parseCSeq(value: string | undefined): CSeq | undefined {
  const m = value === undefined ? null : /^(\d{1,10})\s+([A-Za-z0-9\-.!%*_+`'~]+)$/.exec(value.trim());
  if (!m) return undefined;
  const seq = Number(m[1]);
  if (seq > 2 ** 31 - 1) return undefined;
  return { seq, method: (m[2] ?? '').toUpperCase() };
}

export interface Via { readonly transport: string; readonly sentBy: string; readonly branch: string | undefined }

export function parseVia(value: string): Via | undefined {
  const m = /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)\s+([^;\s]+)/i.exec(value.trim());
  if (!m) return undefined;
  return { transport: (m[1] ?? '').toUpperCase(), sentBy: (m[2] ?? '').toLowerCase(), branch: headerParams(value.slice(m[0].length)).get('branch') };
}

export const MANDATORY_REQUEST_HEADERS = ['via', 'from', 'to', 'call-id', 'cseq'] as const;

/** Checks the headers every request needs; returns a reason phrase when one is missing or broken. */
export function checkRequest(req: SipRequest): string | undefined {
  for (const h of MANDATORY_REQUEST_HEADERS) {
    const values = getHeaders(req, h);
    if (values.length === 0) return `Missing ${canonicalHeaderName(h)}`;
    if (h !== 'via' && values.length > 1) return `Duplicate ${canonicalHeaderName(h)}`;
  }
  const cseq = parseCSeq(getHeader(req, 'cseq'));
  if (!cseq) return 'Bad CSeq';
  if (cseq.method !== req.method) return 'CSeq method mismatch';
  for (const v of getHeaders(req, 'via')) if (!parseVia(v)) return 'Bad Via';
  const mf = getHeader(req, 'max-forwards');
  if (mf !== undefined && !/^\d{1,3}$/.test(mf)) return 'Bad Max-Forwards';
  if (!/^sips?:|^tel:/i.test(req.uri)) return 'Unsupported URI scheme';
  if (/[^\x21-\x7e]/.test(req.uri)) return 'Bad Request-URI';
  const from = getHeader(req, 'from') ?? '';
  const to = getHeader(req, 'to') ?? '';
  if (!/sips?:|tel:/i.test(from) || !/sips?:|tel:/i.test(to)) return 'Bad From or To';
  return undefined;
}

/** Builds a response to a request: copies Via, From, To, Call-ID, CSeq (RFC 3261 §8.2.6). */
export function makeResponse(
  req: SipRequest,
  status: number,
  reason: string,
  opts: { toTag?: string; headers?: Header[]; body?: Buffer } = {},
): SipResponse {
  const headers: Header[] = [];
  for (const h of getHeaders(req, 'via')) headers.push(['via', h]);
  for (const h of getHeaders(req, 'record-route')) if (status < 300) headers.push(['record-route', h]);
  const from = getHeader(req, 'from');
  if (from !== undefined) headers.push(['from', from]);
  let to = getHeader(req, 'to');
  if (to !== undefined && opts.toTag !== undefined && tagOf(to) === undefined && status > 100) to = `${to};tag=${opts.toTag}`;
  if (to !== undefined) headers.push(['to', to]);
  const callId = getHeader(req, 'call-id');
  if (callId !== undefined) headers.push(['call-id', callId]);
  const cseq = getHeader(req, 'cseq');
  if (cseq !== undefined) headers.push(['cseq', cseq]);
  headers.push(...(opts.headers ?? []));
  return { kind: 'response', status, reason, headers, body: opts.body ?? Buffer.alloc(0) };
}
