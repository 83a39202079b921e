// The SIP gateway: UAS transactions (RFC 3261 §17.2), dialogs (§12), the call's media and IVR.
// The gateway never starts calls; the only requests it sends are BYEs inside its dialogs.
import { randomBytes, randomInt } from 'node:crypto';
import { isAllowedSource, TokenBuckets, type GatewayConfig } from './config.ts';
import { Ivr, type MeetingEvent } from './ivr/ivr.ts';
import { PromptPlayer } from './ivr/player.ts';
import { framesOf, type Language, type PromptLibrary, type PromptName } from './ivr/prompts.ts';
import { silentLogger, type Logger } from './log.ts';
import type { PlenumLink, PlenumSession } from './plenum.ts';
import { eventToDigit, type Digit } from './rtp/dtmf.ts';
import type { RtpPacket } from './rtp/packet.ts';
import { startRelay, type RelayTarget, type RtpRelay } from './rtp/relay.ts';
import { CallMedia, PortAllocator } from './rtp/session.ts';
import { SrtpContext } from './rtp/srtp.ts';
import { buildAnswer, parseOffer, SdpError, type Codec, type NegotiatedMedia, type SdesKey } from './sdp.ts';
import {
  checkRequest, getHeader, getHeaders, makeResponse, parseCSeq, parseMessage, parseVia, serialize,
  SipParseError, tagOf, uriOf, userOf, type Header, type SipRequest, type SipResponse,
} from './sip/message.ts';
import { Transports, type Flow } from './sip/transport.ts';

export const ALLOW = 'INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE';
export const SUPPORTED = 'timer';
const NOT_ALLOWED = new Set(['REGISTER', 'SUBSCRIBE', 'NOTIFY', 'MESSAGE', 'REFER', 'PUBLISH', 'PRACK']);
const MAX_TRANSACTIONS = 20_000;

export type HangupReason = 'caller_bye' | 'cancelled' | 'rtp_timeout' | 'ack_timeout' | 'ivr_failed' | 'ivr_locked' | 'ivr_error' | 'ivr_timeout' | 'gateway' | 'shutdown';

/** What the integrator gets once Plenum accepted the caller (the call is then in the InMeeting state). */
export interface MeetingCall {
  readonly callId: string;
  readonly caller: string;
  readonly source: string;
  readonly language: Language;
  /** The call's RTP socket: give `localAddress:localPort` to the media server as the participant's address. */
  readonly media: { readonly localAddress: string; readonly localPort: number; readonly codec: Codec; readonly payloadType: number };
  /** `toggle_mute` on *6, `toggle_hand` on *9, `hangup` once when the call ends (either side). */
  onEvent(listener: (e: CallEvent) => void): () => void;
  /** Starts relaying the caller's audio to `remote` and the remote's audio back (see rtp/relay.ts). */
  startRelay(remote: RelayTarget): RtpRelay;
  /** Every audio packet's payload from the caller (not telephone-events), e.g. for voice activity. */
  onCallerAudio(listener: (payload: Buffer) => void): () => void;
  /**
   * Plays a prompt to the caller in the call's language (remote audio is dropped meanwhile). By default it
   * waits for the prompt being played (e.g. "please wait") to end; `interrupt: true` cuts that one short.
   */
  play(prompt: PromptName, opts?: { interrupt?: boolean }): Promise<void>;
  /** Plays 8 kHz mono samples (e.g. rendered by ivr/tts.ts) like `play` a prompt. */
  playAudio(samples: Int16Array, opts?: { interrupt?: boolean }): Promise<void>;
  /** Every key the caller presses in the meeting (also those of *6 and *9), e.g. for voting by phone. */
  onKey(listener: (digit: Digit) => void): () => void;
  hangup(): void;
}

export type CallEvent = MeetingEvent | { readonly type: 'hangup'; readonly reason: HangupReason };
/** What `onCallEvent` observers see of a call: its events, keys, the ACK, and each in-meeting prompt as it starts. */
export type ObservedCallEvent = CallEvent | { type: 'digit'; digit: Digit } | { type: 'confirmed' } | { type: 'prompt'; prompt: PromptName };

export interface GatewayHooks {
  /**
   * Extension point after a successful authorize: open the Plenum signaling WebSocket with
   * `session.ticket`, join the AudioBridge, `call.startRelay(janusRtp)`, map events to commands.
   * Default (no integrator yet): plays "you are now in the meeting".
   */
  onAuthorized?(call: MeetingCall, session: PlenumSession): void | Promise<void>;
}

export interface GatewayDeps {
  link: PlenumLink;
  prompts: PromptLibrary;
  hooks?: GatewayHooks;
  log?: Logger;
}

export interface GatewayStats {
  requests: number;
  responses: Record<number, number>;
  dropped: number;
  callsStarted: number;
  rateLimited: number;
}

interface ServerTx {
  readonly key: string;
  readonly method: string;
  readonly flow: Flow;
  readonly request: SipRequest;
  last?: Buffer;
  finalStatus?: number;
  timers: NodeJS.Timeout[];
  call?: Call;
}

interface ClientTx {
  readonly branch: string;
  timers: NodeJS.Timeout[];
}

type CallState = 'proceeding' | 'answered' | 'confirmed' | 'terminated';

class Call {
  state: CallState = 'proceeding';
  readonly localTag = randomBytes(6).toString('hex');
  readonly callId: string;
  readonly remoteTag: string;
  readonly caller: string;
  readonly source: string;
  remoteCSeq: number;
  localCSeq = randomInt(1, 10000);
  readonly remoteTarget: string;
  readonly routeSet: string[];
  readonly fromHeader: string;
  readonly toHeader: string;
  sessionExpires: string | undefined;
  media: CallMedia | undefined;
  offer: NegotiatedMedia;
  sdpVersion = 1;
  readonly sdpSession = randomInt(1, 2 ** 31);
  inviteTx: ServerTx;
  /** The 2xx being retransmitted until its ACK (initial INVITE or re-INVITE). */
  pending2xx: { buf: Buffer; cseq: number; timers: NodeJS.Timeout[] } | undefined;
  ivr: Ivr | undefined;
  player: PromptPlayer | undefined;
  language: Language;
  readonly listeners = new Set<(e: CallEvent) => void>();
  readonly keyListeners = new Set<(d: Digit) => void>();
  relay: RtpRelay | undefined;
  answerTimer: NodeJS.Timeout | undefined;
  /** Our SDES key for the caller's leg (SRTP calls only); never logged. */
  localCrypto: SdesKey | undefined;
  /** The INVITE's Request-URI was a SIPS URI: our Contact is one too (RFC 3261 §12.1.1). */
  readonly sips: boolean;

  constructor(readonly flow: Flow, req: SipRequest, tx: ServerTx, offer: NegotiatedMedia, language: Language) {
    this.callId = getHeader(req, 'call-id') ?? '';
    this.fromHeader = getHeader(req, 'from') ?? '';
    this.toHeader = `${getHeader(req, 'to') ?? ''};tag=${this.localTag}`;
    this.remoteTag = tagOf(this.fromHeader) ?? '';
    const fromUri = uriOf(this.fromHeader);
    this.caller = userOf(fromUri) ?? fromUri;
    this.source = `${flow.remote.address}:${flow.remote.port}`;
    this.remoteCSeq = parseCSeq(getHeader(req, 'cseq'))?.seq ?? 0;
    const contact = getHeader(req, 'contact');
    const target = contact ? uriOf(contact) : uriOf(this.fromHeader);
    // The BYE's Request-URI: only a plain SIP URI (a Contact with spaces or another scheme would break it).
    this.remoteTarget = /^sips?:[\x21-\x7e]+$/i.test(target) ? target : `sip:${flow.remote.address.includes(':') ? `[${flow.remote.address}]` : flow.remote.address}:${flow.remote.port}`;
    this.routeSet = getHeaders(req, 'record-route');
    this.sips = /^sips:/i.test(req.uri) || /^<?sips:/i.test(this.routeSet[0] ?? '');
    this.inviteTx = tx;
    this.offer = offer;
    this.language = language;
  }

  emit(e: CallEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch {
        // a listener's error does not break the call
      }
    }
  }
}

export class SipGateway {
  private readonly transports: Transports;
  private readonly log: Logger;
  private readonly serverTx = new Map<string, ServerTx>();
  private readonly clientTx = new Map<string, ClientTx>();
  /** By Call-ID + remote tag (From tag). */
  readonly calls = new Map<string, Call>();
  private readonly buckets: TokenBuckets;
  private readonly requestBuckets: TokenBuckets;
  private readonly ports: PortAllocator;
  private port = 0;
  private tlsPort_ = 0;
  readonly stats: GatewayStats = { requests: 0, responses: {}, dropped: 0, callsStarted: 0, rateLimited: 0 };
  /** For tests and metrics: every call's end, with its reason. */
  readonly ended: { callId: string; reason: HangupReason }[] = [];
  private readonly callListeners = new Set<(callId: string, e: ObservedCallEvent) => void>();

  constructor(private readonly cfg: GatewayConfig, private readonly deps: GatewayDeps) {
    this.log = deps.log ?? silentLogger;
    this.transports = new Transports((buf, flow) => this.onRaw(buf, flow), {
      idleMs: cfg.connectionIdleMs,
      inUse: (flow) => [...this.calls.values()].some((c) => c.flow === flow),
    });
    this.buckets = new TokenBuckets(cfg.inviteRate, cfg.inviteBurst);
    this.requestBuckets = new TokenBuckets(cfg.requestRate, cfg.requestBurst);
    this.ports = new PortAllocator(cfg.rtpPorts);
  }

  /** Starts the listeners; returns the UDP/TCP port (the TLS port when only TLS runs). */
  async start(): Promise<number> {
    if (this.cfg.transports.length > 0) {
      this.port = await this.transports.listen(this.cfg.listen.host, this.cfg.listen.port, this.cfg.transports);
      this.log.info('sip gateway listening', { host: this.cfg.listen.host, port: this.port, transports: this.cfg.transports, allowed: this.cfg.allowedSourcesText });
    }
    const tls = this.cfg.tls;
    if (tls) {
      this.tlsPort_ = await this.transports.listenTls(tls.host, tls.port, tls);
      this.log.info('sip gateway listening', { host: tls.host, port: this.tlsPort_, transports: ['tls'] });
    }
    this.log.info('media encryption policy', { mediaEncryption: this.cfg.mediaEncryption, tlsRequireSrtp: this.cfg.tlsRequireSrtp });
    return this.cfg.transports.length > 0 ? this.port : this.tlsPort_;
  }

  /** The bound TLS port (0 without TLS). */
  get tlsPort(): number {
    return this.tlsPort_;
  }

  async stop(): Promise<void> {
    for (const call of [...this.calls.values()]) this.endCall(call, 'shutdown', true);
    for (const tx of this.serverTx.values()) tx.timers.forEach(clearTimeout);
    for (const tx of this.clientTx.values()) tx.timers.forEach(clearTimeout);
    this.serverTx.clear();
    this.clientTx.clear();
    await this.transports.close();
  }

  /** Observes calls (tests, metrics). */
  onCallEvent(l: (callId: string, e: ObservedCallEvent) => void): () => void {
    this.callListeners.add(l);
    return () => this.callListeners.delete(l);
  }

  private notify(call: Call, e: ObservedCallEvent): void {
    for (const l of this.callListeners) l(call.callId, e);
  }

  // ---- inbound ----------------------------------------------------------------------------------

  private onRaw(buf: Buffer, flow: Flow): void {
    try {
      this.onRawUnsafe(buf, flow);
    } catch (err) {
      this.stats.dropped++;
      this.log.warn('sip message dropped after an internal error', { error: (err as Error).message });
    }
  }

  private onRawUnsafe(buf: Buffer, flow: Flow): void {
    if (buf.length === 0 || /^[\r\n]+$/.test(buf.toString('latin1'))) return; // keepalive
    // Any message beyond the per-source rate is dropped before it is parsed (no answers to amplify).
    if (this.requestBuckets.take(flow.remote.address) > 0) {
      this.stats.dropped++;
      this.stats.rateLimited++;
      return;
    }
    let msg;
    try {
      msg = parseMessage(buf);
    } catch (err) {
      if (err instanceof SipParseError && err.partial && err.partial.method !== 'ACK' && answerable(err.partial)) {
        this.sendStateless(flow, makeResponse(err.partial, err.status, err.status === 413 ? 'Message Too Large' : err.status === 505 ? 'Version Not Supported' : 'Bad Request'));
      } else this.stats.dropped++;
      return;
    }
    if (msg.kind === 'response') {
      this.onResponse(msg);
      return;
    }
    this.stats.requests++;
    const req = msg;
    const problem = checkRequest(req);
    if (problem) {
      if (req.method !== 'ACK' && answerable(req)) {
        this.sendStateless(flow, makeResponse(req, 400, problem));
      } else this.stats.dropped++;
      return;
    }
    if (!isAllowedSource(this.cfg, flow.remote.address)) {
      if (req.method === 'ACK') this.stats.dropped++;
      else this.sendStateless(flow, makeResponse(req, 403, 'Forbidden'));
      return;
    }
    const key = txKey(req);
    if (req.method === 'ACK') {
      this.onAck(req, key);
      return;
    }
    const existing = this.serverTx.get(key);
    if (existing) {
      // A retransmission: answer with the last response sent, if any.
      if (existing.last) existing.flow.send(existing.last);
      else if (existing.call?.pending2xx) existing.flow.send(existing.call.pending2xx.buf);
      return;
    }
    if (req.method === 'CANCEL') {
      this.onCancel(req, flow);
      return;
    }
    if (this.serverTx.size >= MAX_TRANSACTIONS) {
      this.stats.dropped++;
      return;
    }
    const tx: ServerTx = { key, method: req.method, flow, request: req, timers: [] };
    this.serverTx.set(key, tx);
    // Every request gets its final response synchronously except INVITE, whose call always ends in one
    // (200, 487, 480, 503); a safety bound for the others all the same.
    if (req.method !== 'INVITE') tx.timers.push(setTimeout(() => this.forgetTx(tx), 64 * this.cfg.t1Ms + 1000));
    const mf = getHeader(req, 'max-forwards');
    if (mf !== undefined && Number(mf) === 0 && req.method !== 'OPTIONS') {
      this.respond(tx, 483, 'Too Many Hops');
      return;
    }
    switch (req.method) {
      case 'INVITE': return this.onInvite(tx);
      case 'BYE': return this.onBye(tx);
      case 'OPTIONS': return this.respond(tx, 200, 'OK', { headers: capabilityHeaders() });
      case 'INFO': return this.onInfo(tx);
      case 'UPDATE': return this.onUpdate(tx);
      default:
        if (NOT_ALLOWED.has(req.method)) return this.respond(tx, 405, 'Method Not Allowed', { headers: [['allow', ALLOW]] });
        return this.respond(tx, 501, 'Not Implemented', { headers: [['allow', ALLOW]] });
    }
  }

  private onResponse(res: SipResponse): void {
    const via = getHeader(res, 'via');
    const branch = via ? parseVia(via)?.branch : undefined;
    const tx = branch ? this.clientTx.get(branch) : undefined;
    if (!tx) {
      this.stats.dropped++;
      return;
    }
    if (res.status >= 200) {
      tx.timers.forEach(clearTimeout);
      this.clientTx.delete(tx.branch);
    }
  }

  private sendStateless(flow: Flow, res: SipResponse): void {
    this.stats.responses[res.status] = (this.stats.responses[res.status] ?? 0) + 1;
    flow.send(serialize(res));
  }

  private respond(tx: ServerTx, status: number, reason: string, opts: { headers?: Header[]; body?: Buffer; toTag?: string } = {}): void {
    const toTag = opts.toTag ?? tx.call?.localTag ?? (status > 100 ? randomBytes(6).toString('hex') : undefined);
    const res = makeResponse(tx.request, status, reason, { ...opts, ...(toTag !== undefined ? { toTag } : {}) });
    const buf = serialize(res);
    this.stats.responses[status] = (this.stats.responses[status] ?? 0) + 1;
    tx.flow.send(buf);
    if (status < 200) {
      tx.last = buf;
      return;
    }
    tx.finalStatus = status;
    tx.timers.forEach(clearTimeout);
    tx.timers = [];
    const t1 = this.cfg.t1Ms;
    if (tx.method === 'INVITE' && status >= 300) {
      tx.last = buf;
      // Timer G (retransmit, UDP only) until the ACK; timer H gives up.
      if (tx.flow.transport === 'udp') this.retransmit(tx.timers, () => tx.flow.send(buf));
      tx.timers.push(setTimeout(() => this.forgetTx(tx), 64 * t1));
    } else if (tx.method === 'INVITE') {
      // 2xx: the call retransmits it; the transaction only absorbs INVITE retransmissions meanwhile.
      tx.last = buf;
      tx.timers.push(setTimeout(() => this.forgetTx(tx), 64 * t1));
    } else {
      tx.last = buf;
      tx.timers.push(setTimeout(() => this.forgetTx(tx), 64 * t1));
    }
  }

  /** Retransmits with T1 doubling, capped at T2 = 4 s, until the timers are cleared (at most 64·T1). */
  private retransmit(timers: NodeJS.Timeout[], send: () => void, onGiveUp?: () => void): void {
    const t1 = this.cfg.t1Ms;
    const t2 = Math.max(t1, 4000 * (t1 / 500));
    let interval = t1;
    let elapsed = 0;
    const step = (): void => {
      if (elapsed + interval > 64 * t1) {
        onGiveUp?.();
        return;
      }
      const h = setTimeout(() => {
        elapsed += interval;
        send();
        interval = Math.min(interval * 2, t2);
        step();
      }, interval);
      timers.push(h);
    };
    step();
  }

  private forgetTx(tx: ServerTx): void {
    tx.timers.forEach(clearTimeout);
    if (this.serverTx.get(tx.key) === tx) this.serverTx.delete(tx.key);
  }

  private findDialog(req: SipRequest): Call | undefined {
    const callId = getHeader(req, 'call-id') ?? '';
    const call = this.calls.get(`${callId}|${tagOf(getHeader(req, 'from')) ?? ''}`);
    if (!call || call.state === 'terminated') return undefined;
    return tagOf(getHeader(req, 'to')) === call.localTag ? call : undefined;
  }

  /** In-dialog CSeq check (RFC 3261 §12.2.2): lower than the last one → 500. */
  private checkCSeq(tx: ServerTx, call: Call): boolean {
    const seq = parseCSeq(getHeader(tx.request, 'cseq'))?.seq ?? 0;
    if (seq <= call.remoteCSeq) {
      this.respond(tx, 500, 'CSeq Out of Order', { headers: [['retry-after', String(randomInt(1, 5))]] });
      return false;
    }
    call.remoteCSeq = seq;
    return true;
  }

  // ---- INVITE -----------------------------------------------------------------------------------

  private onInvite(tx: ServerTx): void {
    const req = tx.request;
    if (tagOf(getHeader(req, 'to')) !== undefined) {
      const call = this.findDialog(req);
      if (!call) return this.respond(tx, 481, 'Call/Transaction Does Not Exist');
      if (!this.checkCSeq(tx, call)) return;
      return this.onReInvite(tx, call);
    }
    // A SIPS Request-URI asks for TLS on every hop (RFC 3261 §26.2.2): not over UDP or TCP.
    if (/^sips:/i.test(req.uri) && tx.flow.transport !== 'tls') return this.respond(tx, 416, 'Unsupported URI Scheme', { headers: [['warning', '399 plenum "sips: only over TLS"']] });
    const unsupported = getHeaders(req, 'require').filter((r) => r.toLowerCase() !== 'timer');
    if (unsupported.length > 0) return this.respond(tx, 420, 'Bad Extension', { headers: [['unsupported', unsupported.join(', ')]] });
    const ct = (getHeader(req, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (req.body.length === 0) return this.respond(tx, 488, 'Not Acceptable Here', { headers: [['warning', '399 plenum "an SDP offer is required in the INVITE"']] });
    if (ct !== 'application/sdp') return this.respond(tx, 415, 'Unsupported Media Type', { headers: [['accept', 'application/sdp']] });
    const retry = this.buckets.take(tx.flow.remote.address);
    if (retry > 0) return this.respond(tx, 503, 'Service Unavailable', { headers: [['retry-after', String(retry)]] });
    if (this.calls.size >= this.cfg.maxCalls) return this.respond(tx, 503, 'Service Unavailable', { headers: [['retry-after', '30']] });
    let offer: NegotiatedMedia;
    try {
      offer = parseOffer(req.body.toString('utf8'));
    } catch (err) {
      if (err instanceof SdpError) return this.respond(tx, err.status, err.status === 488 ? 'Not Acceptable Here' : 'Bad Request');
      throw err;
    }
    if (!offer.crypto && (this.cfg.mediaEncryption === 'required' || (tx.flow.transport === 'tls' && this.cfg.tlsRequireSrtp))) {
      return this.respond(tx, 488, 'Not Acceptable Here', { headers: [['warning', '399 plenum "SRTP is required: offer RTP/SAVP with a=crypto AES_CM_128_HMAC_SHA1_80"']] });
    }
    const se = getHeader(req, 'session-expires');
    if (se !== undefined && !/^\d{1,7}\s*(;.*)?$/.test(se)) return this.respond(tx, 400, 'Bad Session-Expires');
    const call = new Call(tx.flow, req, tx, offer, this.cfg.ivrLanguage);
    const key = `${call.callId}|${call.remoteTag}`;
    if (this.calls.has(key)) return this.respond(tx, 482, 'Loop Detected');
    // RFC 4028: with a UAC that supports timers it refreshes (the gateway never sends requests to refresh);
    // a Session-Expires from a proxy for a UAC without timer support is not echoed (no session timer).
    const uacTimer = getHeaders(req, 'supported').some((v) => v.toLowerCase() === 'timer');
    call.sessionExpires = se === undefined || !uacTimer ? undefined : `${se.split(';')[0]?.trim()};refresher=uac`;
    tx.call = call;
    this.calls.set(key, call);
    this.stats.callsStarted++;
    // The suite only: SDES keys never reach a log.
    this.log.info('call offered', { callId: call.callId, transport: tx.flow.transport, srtp: offer.crypto?.suite ?? 'none' });
    this.respond(tx, 100, 'Trying');
    void this.prepareAndAnswer(call);
  }

  private async prepareAndAnswer(call: Call): Promise<void> {
    let socket;
    try {
      socket = await this.ports.bind(this.cfg.listen.host);
    } catch (err) {
      this.log.error('no RTP port for a call', { callId: call.callId, error: (err as Error).message });
      if (call.state === 'proceeding') this.respond(call.inviteTx, 503, 'Service Unavailable', { headers: [['retry-after', '10']] });
      this.endCall(call, 'gateway', false);
      return;
    }
    if (call.state !== 'proceeding') {
      socket.close();
      return;
    }
    const srtp = this.srtpFor(call, call.offer);
    call.media = new CallMedia({
      ...(srtp ? { srtp } : {}),
      socket,
      remote: { address: call.offer.remoteAddress, port: call.offer.remotePort },
      codec: call.offer.codec,
      payloadType: call.offer.payloadType,
      telephoneEventPt: call.offer.telephoneEventPt,
      timeoutMs: this.cfg.rtpTimeoutMs,
      onDigit: (d) => this.onDigit(call, d),
      onTimeout: () => {
        this.log.info('caller silent: no RTP, hanging up', { callId: call.callId });
        this.endCall(call, 'rtp_timeout', true);
      },
    });
    call.media.setPaused(true); // until the ACK
    const answer = (): void => {
      call.answerTimer = undefined;
      if (call.state !== 'proceeding') return;
      call.state = 'answered';
      this.send2xx(call, call.inviteTx, this.sdpAnswer(call));
    };
    if (this.cfg.answerDelayMs > 0) {
      this.respond(call.inviteTx, 180, 'Ringing', { toTag: call.localTag });
      call.answerTimer = setTimeout(answer, this.cfg.answerDelayMs);
    } else answer();
  }

  /**
   * SRTP contexts for an offer with an SDES key: the caller's key unprotects what it sends; ours (fresh from
   * `randomBytes`, kept for re-INVITEs of the call) protects what we send. Answered with the offer's tag and suite.
   */
  private srtpFor(call: Call, offer: NegotiatedMedia): { inbound: SrtpContext; outbound: SrtpContext } | undefined {
    const remote = offer.crypto;
    if (!remote) return undefined;
    const local: SdesKey = { tag: remote.tag, suite: remote.suite, keyMaterial: call.localCrypto?.suite === remote.suite ? call.localCrypto.keyMaterial : randomBytes(30) };
    call.localCrypto = local;
    return { inbound: SrtpContext.fromKeyMaterial(remote.suite, remote.keyMaterial), outbound: SrtpContext.fromKeyMaterial(local.suite, local.keyMaterial) };
  }

  private sdpAnswer(call: Call): Buffer {
    if (!call.media) throw new Error('no media');
    return Buffer.from(buildAnswer({
      media: call.offer, localAddress: this.cfg.publicAddress, localPort: call.media.localPort, sessionId: call.sdpSession, version: call.sdpVersion++,
      ...(call.offer.crypto && call.localCrypto ? { crypto: call.localCrypto } : {}),
    }));
  }

  private contact(call: Call): string {
    const host = this.cfg.publicAddress.includes(':') ? `[${this.cfg.publicAddress}]` : this.cfg.publicAddress;
    const t = call.flow.transport;
    if (t === 'tls') return call.sips ? `<sips:plenum@${host}:${this.tlsPort_}>` : `<sip:plenum@${host}:${this.tlsPort_};transport=tls>`;
    return `<sip:plenum@${host}:${this.port}${t === 'tcp' ? ';transport=tcp' : ''}>`;
  }

  private send2xx(call: Call, tx: ServerTx, sdp: Buffer): void {
    const headers: Header[] = [['contact', this.contact(call)], ...capabilityHeaders(), ['content-type', 'application/sdp']];
    if (call.sessionExpires) headers.push(['session-expires', call.sessionExpires], ['require', 'timer']);
    this.respond(tx, 200, 'OK', { headers, body: sdp, toTag: call.localTag });
    const buf = tx.last;
    if (!buf) return;
    const cseq = parseCSeq(getHeader(tx.request, 'cseq'))?.seq ?? 0;
    if (call.pending2xx) call.pending2xx.timers.forEach(clearTimeout);
    const pending = { buf, cseq, timers: [] as NodeJS.Timeout[] };
    call.pending2xx = pending;
    const giveUp = (): void => {
      if (call.pending2xx !== pending) return;
      this.log.warn('no ACK for the 2xx: ending the call', { callId: call.callId });
      call.pending2xx = undefined;
      this.endCall(call, 'ack_timeout', true);
    };
    if (call.flow.transport === 'udp') this.retransmit(pending.timers, () => call.flow.send(buf), giveUp);
    else pending.timers.push(setTimeout(giveUp, 64 * this.cfg.t1Ms));
  }

  private onAck(req: SipRequest, key: string): void {
    const tx = this.serverTx.get(key);
    if (tx && tx.method === 'INVITE' && tx.finalStatus !== undefined && tx.finalStatus >= 300) {
      // ACK for a non-2xx final response: stop retransmitting (timer I absorbs further ACKs).
      tx.timers.forEach(clearTimeout);
      tx.timers = [setTimeout(() => this.forgetTx(tx), 5 * this.cfg.t1Ms)];
      return;
    }
    const call = this.findDialog(req);
    if (!call?.pending2xx) {
      this.stats.dropped++;
      return;
    }
    const seq = parseCSeq(getHeader(req, 'cseq'))?.seq;
    if (seq !== call.pending2xx.cseq) return;
    call.pending2xx.timers.forEach(clearTimeout);
    call.pending2xx = undefined;
    if (call.state === 'answered') {
      call.state = 'confirmed';
      this.startIvr(call);
      this.notify(call, { type: 'confirmed' });
    }
  }

  private onReInvite(tx: ServerTx, call: Call): void {
    const req = tx.request;
    tx.call = call;
    if (call.pending2xx) return this.respond(tx, 491, 'Request Pending');
    if (req.body.length > 0 && !this.takeOffer(tx, call)) return;
    this.takeSessionExpires(call, req);
    this.respond(tx, 100, 'Trying');
    this.send2xx(call, tx, this.sdpAnswer(call));
  }

  /** The SDP offer in the body of an in-dialog request (re-INVITE, UPDATE), applied; false when the request has been answered with 415 or 488 instead. */
  private takeOffer(tx: ServerTx, call: Call): boolean {
    const req = tx.request;
    const ct = (getHeader(req, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (ct !== 'application/sdp') {
      this.respond(tx, 415, 'Unsupported Media Type', { headers: [['accept', 'application/sdp']] });
      return false;
    }
    try {
      this.applyOffer(call, parseOffer(req.body.toString('utf8')));
    } catch (err) {
      if (err instanceof SdpError) {
        this.respond(tx, 488, 'Not Acceptable Here');
        return false;
      }
      throw err;
    }
    return true;
  }

  private applyOffer(call: Call, offer: NegotiatedMedia): void {
    const media = call.media;
    if (!media) return;
    // Media security does not change within a call: SRTP stays SRTP (a new key re-keys the caller's leg).
    if (!offer.crypto !== !call.offer.crypto) throw new SdpError('SRTP cannot be switched on or off in a call', 488);
    if (offer.crypto && call.offer.crypto && (offer.crypto.suite !== call.offer.crypto.suite || !offer.crypto.keyMaterial.equals(call.offer.crypto.keyMaterial))) {
      const ours = call.localCrypto?.keyMaterial;
      const next = this.srtpFor(call, offer);
      // Our key is kept: so is our outbound context (its rollover counter continues).
      if (next && media.srtp && ours === call.localCrypto?.keyMaterial) next.outbound = media.srtp.outbound;
      media.srtp = next;
    } else if (offer.crypto && call.localCrypto) call.localCrypto = { ...call.localCrypto, tag: offer.crypto.tag };
    // Keep the codec of the call when it is offered again; otherwise follow the new offer.
    call.offer = offer;
    if (offer.remoteAddress !== '0.0.0.0' && offer.remoteAddress !== '::') media.remote = { address: offer.remoteAddress, port: offer.remotePort };
    media.codec = offer.codec;
    media.payloadType = offer.payloadType;
    media.telephoneEventPt = offer.telephoneEventPt;
    media.setPaused(offer.hold);
    if (offer.hold) call.player?.stop();
  }

  private takeSessionExpires(call: Call, req: SipRequest): void {
    const se = getHeader(req, 'session-expires');
    if (se !== undefined && /^\d{1,7}/.test(se)) call.sessionExpires = `${se.split(';')[0]?.trim()};refresher=uac`;
  }

  private onCancel(req: SipRequest, flow: Flow): void {
    const inviteKey = txKey({ ...req, method: 'INVITE' });
    const inv = this.serverTx.get(inviteKey);
    const tx: ServerTx = { key: txKey(req), method: 'CANCEL', flow, request: req, timers: [] };
    this.serverTx.set(tx.key, tx);
    if (!inv) return this.respond(tx, 481, 'Call/Transaction Does Not Exist');
    this.respond(tx, 200, 'OK', { toTag: inv.call?.localTag ?? randomBytes(6).toString('hex') });
    const call = inv.call;
    if (inv.finalStatus === undefined) {
      this.respond(inv, 487, 'Request Terminated');
      if (call) this.endCall(call, 'cancelled', false);
    }
  }

  // ---- in-dialog requests -----------------------------------------------------------------------

  private onBye(tx: ServerTx): void {
    const call = this.findDialog(tx.request);
    if (!call) return this.respond(tx, 481, 'Call/Transaction Does Not Exist');
    if (!this.checkCSeq(tx, call)) return;
    tx.call = call;
    this.respond(tx, 200, 'OK');
    // A BYE before the 2xx was answered: the INVITE gets 487 (RFC 3261 §15.1.2).
    if (call.state === 'proceeding' && call.inviteTx.finalStatus === undefined) this.respond(call.inviteTx, 487, 'Request Terminated');
    this.endCall(call, 'caller_bye', false);
  }

  private onInfo(tx: ServerTx): void {
    const call = this.findDialog(tx.request);
    if (!call) return this.respond(tx, 481, 'Call/Transaction Does Not Exist');
    if (!this.checkCSeq(tx, call)) return;
    tx.call = call;
    const req = tx.request;
    if (req.body.length === 0) return this.respond(tx, 200, 'OK');
    const ct = (getHeader(req, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    const body = req.body.toString('utf8');
    let signal: string | undefined;
    if (ct === 'application/dtmf-relay') signal = /^\s*signal\s*=\s*(\S+)\s*$/im.exec(body)?.[1];
    else if (ct === 'application/dtmf') signal = body.trim();
    else return this.respond(tx, 415, 'Unsupported Media Type', { headers: [['accept', 'application/dtmf-relay, application/dtmf']] });
    const digit = parseDigit(signal);
    if (!digit) return this.respond(tx, 400, 'Bad DTMF Signal');
    this.respond(tx, 200, 'OK');
    if (call.state === 'confirmed') this.onDigit(call, digit);
  }

  private onUpdate(tx: ServerTx): void {
    const call = this.findDialog(tx.request);
    if (!call) return this.respond(tx, 481, 'Call/Transaction Does Not Exist');
    if (!this.checkCSeq(tx, call)) return;
    tx.call = call;
    const req = tx.request;
    this.takeSessionExpires(call, req);
    const headers: Header[] = [['contact', this.contact(call)], ...capabilityHeaders()];
    if (call.sessionExpires) headers.push(['session-expires', call.sessionExpires], ['require', 'timer']);
    if (req.body.length > 0) {
      if (!this.takeOffer(tx, call)) return;
      return this.respond(tx, 200, 'OK', { headers: [...headers, ['content-type', 'application/sdp']], body: this.sdpAnswer(call) });
    }
    this.respond(tx, 200, 'OK', { headers });
  }

  // ---- IVR and meeting --------------------------------------------------------------------------

  private onDigit(call: Call, d: Digit): void {
    if (call.state !== 'confirmed') return;
    this.notify(call, { type: 'digit', digit: d });
    call.ivr?.onDigit(d);
    if (call.ivr?.state === 'in_meeting') {
      for (const l of [...call.keyListeners]) {
        try {
          l(d);
        } catch {
          // a listener's error does not break the call
        }
      }
    }
  }

  private startIvr(call: Call): void {
    const media = call.media;
    if (!media) return;
    media.setPaused(call.offer.hold);
    const player = new PromptPlayer(media);
    call.player = player;
    const ivr = new Ivr(
      {
        play: (lang, prompt) => (call.state === 'confirmed' ? player.play(this.deps.prompts.frameList(lang, prompt, media.codec)) : Promise.resolve('stopped')),
        stopPrompt: () => player.stop(),
        authorize: (dialInId, pin) => this.deps.link.authorize({ dialInId, pin, caller: call.caller, source: call.source, callId: call.callId }),
        onAuthorized: (session, lang) => this.onAuthorized(call, session, lang),
        onMeetingEvent: (e) => {
          call.emit(e);
          this.notify(call, e);
        },
        hangup: (reason) => this.endCall(call, reason, true),
        log: (msg, fields) => this.log.info(msg, { callId: call.callId, ...fields }),
      },
      call.language,
      this.cfg.ivrInputTimeoutMs,
    );
    call.ivr = ivr;
    ivr.start();
  }

  private onAuthorized(call: Call, session: PlenumSession, lang: Language): void {
    const media = call.media;
    if (!media) return;
    call.language = lang;
    const meetingCall: MeetingCall = {
      callId: call.callId,
      caller: call.caller,
      source: call.source,
      get language() {
        return call.language;
      },
      media: { localAddress: this.cfg.publicAddress, localPort: media.localPort, codec: media.codec, payloadType: media.payloadType },
      onEvent: (l) => {
        call.listeners.add(l);
        return () => call.listeners.delete(l);
      },
      startRelay: (remote) => {
        call.relay?.stop();
        call.relay = startRelay(media, remote);
        return call.relay;
      },
      onCallerAudio: (listener) => {
        const l = (p: RtpPacket): void => listener(p.payload);
        media.audioListeners.add(l);
        return () => media.audioListeners.delete(l);
      },
      play: async (prompt, opts) => {
        const player = call.player;
        if (call.state !== 'confirmed' || !player) return;
        if (!opts?.interrupt) await player.idle();
        if (call.state !== 'confirmed') return;
        this.notify(call, { type: 'prompt', prompt });
        await player.play(this.deps.prompts.frameList(call.language, prompt, media.codec));
      },
      playAudio: async (samples, opts) => {
        const player = call.player;
        if (call.state !== 'confirmed' || !player) return;
        if (!opts?.interrupt) await player.idle();
        if (call.state !== 'confirmed') return;
        await player.play(framesOf(samples, media.codec));
      },
      onKey: (l) => {
        call.keyListeners.add(l);
        return () => call.keyListeners.delete(l);
      },
      hangup: () => this.endCall(call, 'gateway', true),
    };
    this.log.info('caller authorized', { callId: call.callId, roomId: session.roomId });
    const hook = this.deps.hooks?.onAuthorized ?? ((c: MeetingCall) => void c.play('in_meeting'));
    Promise.resolve()
      .then(() => hook(meetingCall, session))
      .catch((err: unknown) => {
        this.log.error('joining the meeting failed', { callId: call.callId, error: (err as Error).message });
        this.endCall(call, 'gateway', true);
      });
  }

  // ---- ending calls -----------------------------------------------------------------------------

  private endCall(call: Call, reason: HangupReason, sendBye: boolean): void {
    if (call.state === 'terminated') return;
    const wasEstablished = call.state === 'confirmed' || call.state === 'answered';
    call.state = 'terminated';
    if (call.answerTimer) clearTimeout(call.answerTimer);
    call.pending2xx?.timers.forEach(clearTimeout);
    call.pending2xx = undefined;
    call.ivr?.stop();
    call.player?.stop();
    call.relay?.stop();
    call.media?.close();
    if (sendBye && wasEstablished) this.sendBye(call);
    else if (sendBye && call.inviteTx.finalStatus === undefined) this.respond(call.inviteTx, 480, 'Temporarily Unavailable');
    this.calls.delete(`${call.callId}|${call.remoteTag}`);
    this.ended.push({ callId: call.callId, reason });
    if (this.ended.length > 1000) this.ended.shift();
    this.log.info('call ended', { callId: call.callId, reason });
    call.emit({ type: 'hangup', reason });
    call.listeners.clear();
    this.notify(call, { type: 'hangup', reason });
  }

  private sendBye(call: Call): void {
    const branch = `z9hG4bK${randomBytes(8).toString('hex')}`;
    const host = this.cfg.publicAddress.includes(':') ? `[${this.cfg.publicAddress}]` : this.cfg.publicAddress;
    const headers: Header[] = [
      ['via', `SIP/2.0/${call.flow.transport.toUpperCase()} ${host}:${call.flow.transport === 'tls' ? this.tlsPort_ : this.port};branch=${branch};rport`],
      ['max-forwards', '70'],
      ['from', call.toHeader],
      ['to', call.fromHeader],
      ['call-id', call.callId],
      ['cseq', `${++call.localCSeq} BYE`],
      ...call.routeSet.map((r): Header => ['route', r]),
      ['user-agent', 'Plenum SIP gateway'],
    ];
    const buf = serialize({ kind: 'request', method: 'BYE', uri: call.remoteTarget, headers, body: Buffer.alloc(0) });
    const tx: ClientTx = { branch, timers: [] };
    this.clientTx.set(branch, tx);
    // Sent back to the signaling source (symmetric, as the trunk's INVITE came), Request-URI = its Contact.
    call.flow.send(buf);
    const forget = (): void => {
      tx.timers.forEach(clearTimeout);
      this.clientTx.delete(branch);
    };
    if (call.flow.transport === 'udp') this.retransmit(tx.timers, () => call.flow.send(buf), forget);
    else tx.timers.push(setTimeout(forget, 64 * this.cfg.t1Ms));
  }
}

/**
 * A broken request can be answered (400) when the response can find its way back and be matched: a valid
 * top Via, one Call-ID and a valid CSeq. A missing From or To is copied as missing.
 */
function answerable(req: SipRequest): boolean {
  const via = getHeader(req, 'via');
  return via !== undefined && parseVia(via) !== undefined && getHeaders(req, 'from').length <= 1 && getHeaders(req, 'to').length <= 1 &&
    getHeaders(req, 'call-id').length === 1 && parseCSeq(getHeader(req, 'cseq')) !== undefined;
}

function capabilityHeaders(): Header[] {
  return [
    ['allow', ALLOW],
    ['accept', 'application/sdp, application/dtmf-relay, application/dtmf'],
    ['supported', SUPPORTED],
    ['accept-language', 'de, en'],
    ['user-agent', 'Plenum SIP gateway'],
  ];
}

function parseDigit(s: string | undefined): Digit | undefined {
  if (s === undefined) return undefined;
  const t = s.trim().toUpperCase();
  if (/^[0-9*#A-D]$/.test(t)) return t as Digit;
  // Some devices send the event number (10 = *, 11 = #).
  if (/^1[01]$/.test(t)) return eventToDigit(Number(t));
  return undefined;
}

/** Server transaction key: top Via branch (RFC 3261 §17.2.3) + sent-by + method; ACK matches its INVITE. */
function txKey(req: SipRequest): string {
  const via = parseVia(getHeader(req, 'via') ?? '');
  const method = req.method === 'ACK' ? 'INVITE' : req.method;
  if (via?.branch?.startsWith('z9hG4bK')) return `${via.branch}|${via.sentBy}|${method}`;
  const cseq = parseCSeq(getHeader(req, 'cseq'));
  return `2543|${getHeader(req, 'call-id')}|${cseq?.seq}|${tagOf(getHeader(req, 'from'))}|${via?.sentBy}|${method}`;
}

