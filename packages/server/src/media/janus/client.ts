import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { JanusApiError, JanusClosedError, JanusPluginError, JanusTimeoutError } from './errors.ts';

/**
 * A typed client of the Janus WebSocket API (https://janus.conf.meetecho.com/docs/rest.html, the
 * WebSocket flavour): connection → sessions → plugin handles. Every long-lived object has a `closed`
 * flag and closing a parent closes its children, so nothing keeps a timer or a listener alive.
 */

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** Janus drops a session after 60 s (session_timeout) without traffic. */
export const DEFAULT_KEEPALIVE_MS = 25_000;

export interface Jsep {
  type: 'offer' | 'answer';
  sdp: string;
  /** Other fields (e.g. `e2ee`) are passed through as they are. */
  [extra: string]: unknown;
}

export interface IceCandidate {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
}

/** What Janus answers to `info` (only the fields Plenum looks at are typed). */
export interface JanusServerInfo {
  name: string;
  'server-name': string;
  version: number;
  version_string: string;
  session_timeout: number;
  plugins: Record<string, { name: string; version_string: string }>;
  transports: Record<string, { name: string }>;
}

export interface PluginResult<T = Record<string, unknown>> {
  data: T;
  jsep?: Jsep;
}

/** Any message Janus sends; the `janus` field says which. */
interface JanusMessage {
  janus: string;
  transaction?: string;
  session_id?: number;
  sender?: number;
  data?: Record<string, unknown> & { id?: number };
  error?: { code: number; reason: string };
  plugindata?: { plugin: string; data: Record<string, unknown> };
  jsep?: Jsep;
  [key: string]: unknown;
}

type Expect = 'success' | 'ack' | 'plugin';

interface Pending {
  request: string;
  expect: Expect;
  resolve(msg: JanusMessage): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export interface JanusConnectOptions {
  url: string;
  apiSecret?: string | undefined;
  requestTimeoutMs?: number;
  /** Defaults to the request timeout. */
  handshakeTimeoutMs?: number;
  keepaliveMs?: number;
  logger?: Logger;
}

function transactionId(): string {
  return randomBytes(9).toString('base64url');
}

export class JanusConnection extends EventEmitter<{ disconnected: [reason: string] }> {
  readonly url: string;
  private readonly ws: WebSocket;
  private readonly apiSecret: string | undefined;
  readonly requestTimeoutMs: number;
  readonly keepaliveMs: number;
  private readonly logger: Logger | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly sessions = new Map<number, JanusSession>();
  private _closed = false;

  private constructor(ws: WebSocket, opts: JanusConnectOptions) {
    super();
    this.ws = ws;
    this.url = opts.url;
    this.apiSecret = opts.apiSecret;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.keepaliveMs = opts.keepaliveMs ?? DEFAULT_KEEPALIVE_MS;
    this.logger = opts.logger;
    ws.on('message', (raw) => this.onMessage(raw));
    ws.on('close', (code, reason) => this.onDrop(`connection closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`));
    ws.on('error', (err) => this.onDrop(`connection error: ${err.message}`));
  }

  /** Opens the WebSocket (subprotocol `janus-protocol`); rejects when it cannot within the request timeout. */
  static open(opts: JanusConnectOptions): Promise<JanusConnection> {
    const timeoutMs = opts.handshakeTimeoutMs ?? opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(opts.url, 'janus-protocol', { handshakeTimeout: timeoutMs, maxPayload: 16 * 1024 * 1024 });
      const fail = (err: Error) => {
        ws.removeAllListeners();
        ws.on('error', () => {});
        ws.terminate();
        reject(new JanusClosedError(`Janus at ${opts.url} (${err.message})`));
      };
      ws.once('error', fail);
      ws.once('close', () => fail(new Error('closed during handshake')));
      ws.once('open', () => {
        ws.removeAllListeners();
        resolve(new JanusConnection(ws, opts));
      });
    });
  }

  get closed(): boolean {
    return this._closed;
  }

  info(timeoutMs?: number): Promise<JanusServerInfo> {
    return this.request({ janus: 'info' }, 'success', {}, timeoutMs).then((m) => m as unknown as JanusServerInfo);
  }

  async createSession(): Promise<JanusSession> {
    const res = await this.request({ janus: 'create' }, 'success');
    const id = res.data?.id;
    if (typeof id !== 'number') throw new JanusApiError(0, 'no session id in answer', 'create');
    const session = new JanusSession(this, id);
    this.sessions.set(id, session);
    return session;
  }

  /** Closes the WebSocket; sessions and handles are closed locally (Janus drops them when the transport goes). */
  async close(): Promise<void> {
    if (this._closed) return;
    this.teardown('closed by Plenum');
    await new Promise<void>((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      const t = setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, 1000);
      this.ws.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      this.ws.close();
    });
  }

  /** @internal Sends one request and waits for the matching answer. */
  request(
    body: Record<string, unknown>,
    expect: Expect,
    ids: { session?: number; handle?: number } = {},
    timeoutMs = this.requestTimeoutMs,
  ): Promise<JanusMessage> {
    const request = String(body.janus === 'message' ? `message ${String((body.body as { request?: unknown } | undefined)?.request ?? '')}` : body.janus);
    if (this._closed || this.ws.readyState !== WebSocket.OPEN) return Promise.reject(new JanusClosedError(`Janus connection ${this.url}`));
    const transaction = transactionId();
    const msg: Record<string, unknown> = { ...body, transaction };
    if (this.apiSecret) msg.apisecret = this.apiSecret;
    if (ids.session !== undefined) msg.session_id = ids.session;
    if (ids.handle !== undefined) msg.handle_id = ids.handle;
    return new Promise<JanusMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(transaction);
        reject(new JanusTimeoutError(request, timeoutMs));
      }, timeoutMs);
      this.pending.set(transaction, { request, expect, resolve, reject, timer });
      this.ws.send(JSON.stringify(msg), (err) => {
        if (!err) return;
        const p = this.pending.get(transaction);
        if (!p) return;
        this.pending.delete(transaction);
        clearTimeout(p.timer);
        reject(new JanusClosedError(`Janus connection ${this.url} (${err.message})`));
      });
    });
  }

  /** @internal */
  forgetSession(id: number): void {
    this.sessions.delete(id);
  }

  private onMessage(raw: WebSocket.RawData): void {
    let msg: JanusMessage;
    try {
      msg = JSON.parse(raw.toString()) as JanusMessage;
    } catch {
      this.logger?.warn('Janus sent a message that is not JSON');
      return;
    }
    if (typeof msg !== 'object' || msg === null || typeof msg.janus !== 'string') return;
    const p = msg.transaction ? this.pending.get(msg.transaction) : undefined;
    if (p) {
      this.settle(msg.transaction!, p, msg);
      return;
    }
    if (msg.session_id !== undefined) this.sessions.get(msg.session_id)?.dispatch(msg);
  }

  private settle(transaction: string, p: Pending, msg: JanusMessage): void {
    const done = (fn: () => void) => {
      this.pending.delete(transaction);
      clearTimeout(p.timer);
      fn();
    };
    if (msg.janus === 'error') {
      done(() => p.reject(new JanusApiError(msg.error?.code ?? 0, msg.error?.reason ?? 'unknown error', p.request)));
      return;
    }
    if (msg.janus === 'ack') {
      // A plugin message that is handled asynchronously: the answer comes later as an `event` with the same transaction.
      if (p.expect === 'ack') done(() => p.resolve(msg));
      return;
    }
    if (msg.janus === 'success' || msg.janus === 'server_info' || msg.janus === 'event') {
      const data = msg.plugindata?.data;
      if (p.expect === 'plugin' && data && typeof data.error_code === 'number') {
        const reason = typeof data.error === 'string' ? data.error : 'plugin error';
        done(() => p.reject(new JanusPluginError(msg.plugindata!.plugin, data.error_code as number, reason, p.request)));
        return;
      }
      done(() => p.resolve(msg));
    }
  }

  private onDrop(reason: string): void {
    if (this._closed) return;
    this.logger?.warn({ url: this.url, reason }, 'connection to Janus lost');
    this.teardown(reason);
    this.ws.terminate();
    this.emit('disconnected', reason);
  }

  private teardown(reason: string): void {
    this._closed = true;
    for (const [t, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(t);
      p.reject(new JanusClosedError(`Janus connection ${this.url} (${reason})`));
    }
    for (const s of [...this.sessions.values()]) s.closeLocally(reason);
  }
}

export class JanusSession extends EventEmitter<{ closed: [reason: string] }> {
  private readonly handles = new Map<number, JanusHandle>();
  private readonly keepalive: NodeJS.Timeout;
  private _closed = false;

  constructor(
    readonly connection: JanusConnection,
    readonly id: number,
  ) {
    super();
    this.keepalive = setInterval(() => {
      this.connection.request({ janus: 'keepalive' }, 'ack', { session: this.id }).catch((err: unknown) => {
        // A session Janus no longer knows is gone for good, and a Janus that does not answer is of no use.
        if (err instanceof JanusApiError) this.closeLocally(`keepalive refused: ${err.reason}`);
        else if (err instanceof JanusTimeoutError) this.closeLocally('keepalive not answered');
      });
    }, connection.keepaliveMs);
    this.keepalive.unref();
  }

  get closed(): boolean {
    return this._closed;
  }

  async attach(plugin: string): Promise<JanusHandle> {
    if (this._closed) throw new JanusClosedError(`Janus session ${this.id}`);
    const res = await this.connection.request({ janus: 'attach', plugin }, 'success', { session: this.id });
    const id = res.data?.id;
    if (typeof id !== 'number') throw new JanusApiError(0, 'no handle id in answer', 'attach');
    const handle = new JanusHandle(this, id, plugin);
    if (this._closed) {
      handle.closeLocally('session closed');
      throw new JanusClosedError(`Janus session ${this.id}`);
    }
    this.handles.set(id, handle);
    return handle;
  }

  /** Destroys the session in Janus (which detaches its handles) and closes it here. */
  async destroy(): Promise<void> {
    if (this._closed) return;
    this.closeLocally('destroyed');
    await this.connection.request({ janus: 'destroy' }, 'success', { session: this.id }).catch(() => {});
  }

  /** @internal */
  dispatch(msg: JanusMessage): void {
    if (msg.janus === 'timeout') {
      this.closeLocally('timed out in Janus');
      return;
    }
    if (msg.sender !== undefined) this.handles.get(msg.sender)?.dispatch(msg);
  }

  /** @internal */
  forgetHandle(id: number): void {
    this.handles.delete(id);
  }

  /** @internal */
  closeLocally(reason: string): void {
    if (this._closed) return;
    this._closed = true;
    clearInterval(this.keepalive);
    for (const h of [...this.handles.values()]) h.closeLocally(reason);
    this.connection.forgetSession(this.id);
    this.emit('closed', reason);
  }
}

export interface JanusHandleEvents {
  /** A plugin event not answering one of our requests (e.g. VideoRoom `publishers`, `talking`). */
  event: [data: Record<string, unknown>, jsep: Jsep | undefined];
  webrtcup: [];
  media: [info: { type?: string; receiving?: boolean; mid?: string }];
  slowlink: [info: { uplink?: boolean; media?: string; mid?: string; lost?: number }];
  hangup: [reason: string];
  /** Janus ended the PeerConnection's ICE with a candidate of its own (full trickle). */
  trickle: [candidate: IceCandidate | { completed: true }];
  closed: [reason: string];
}

export class JanusHandle extends EventEmitter<JanusHandleEvents> {
  private _closed = false;

  constructor(
    readonly session: JanusSession,
    readonly id: number,
    readonly plugin: string,
  ) {
    super();
  }

  get closed(): boolean {
    return this._closed;
  }

  /**
   * Sends a plugin request and returns the plugin's answer: the synchronous `success` or, for
   * asynchronous requests (join, configure, start…), the `event` that follows the `ack`.
   * A plugin-level error (`error_code`) rejects with `JanusPluginError`.
   */
  async message<T = Record<string, unknown>>(body: Record<string, unknown>, jsep?: Jsep): Promise<PluginResult<T>> {
    if (this._closed) throw new JanusClosedError(`Janus handle ${this.id}`);
    const res = await this.session.connection.request({ janus: 'message', body, ...(jsep ? { jsep } : {}) }, 'plugin', {
      session: this.session.id,
      handle: this.id,
    });
    return { data: (res.plugindata?.data ?? {}) as T, ...(res.jsep ? { jsep: res.jsep } : {}) };
  }

  /** Trickles one candidate, several, or the end of candidates (`null`). */
  async trickle(candidate: IceCandidate | IceCandidate[] | null): Promise<void> {
    if (this._closed) throw new JanusClosedError(`Janus handle ${this.id}`);
    const body =
      candidate === null ? { candidate: { completed: true } } : Array.isArray(candidate) ? { candidates: candidate } : { candidate };
    await this.session.connection.request({ janus: 'trickle', ...body }, 'ack', { session: this.session.id, handle: this.id });
  }

  /** Tears the PeerConnection down but keeps the handle. */
  async hangup(): Promise<void> {
    if (this._closed) return;
    await this.session.connection.request({ janus: 'hangup' }, 'success', { session: this.session.id, handle: this.id });
  }

  async detach(): Promise<void> {
    if (this._closed) return;
    this.closeLocally('detached');
    await this.session.connection.request({ janus: 'detach' }, 'success', { session: this.session.id, handle: this.id }).catch(() => {});
  }

  /** @internal */
  dispatch(msg: JanusMessage): void {
    if (this._closed) return;
    switch (msg.janus) {
      case 'event':
        this.emit('event', msg.plugindata?.data ?? {}, msg.jsep);
        break;
      case 'webrtcup':
        this.emit('webrtcup');
        break;
      case 'media':
        this.emit('media', { type: msg.type as string, receiving: msg.receiving as boolean, mid: msg.mid as string });
        break;
      case 'slowlink':
        this.emit('slowlink', { uplink: msg.uplink as boolean, media: msg.media as string, mid: msg.mid as string, lost: msg.lost as number });
        break;
      case 'hangup':
        this.emit('hangup', typeof msg.reason === 'string' ? msg.reason : 'hangup');
        break;
      case 'trickle':
        this.emit('trickle', msg.candidate as IceCandidate | { completed: true });
        break;
      case 'detached':
        this.closeLocally('detached by Janus');
        break;
    }
  }

  /** @internal */
  closeLocally(reason: string): void {
    if (this._closed) return;
    this._closed = true;
    this.session.forgetHandle(this.id);
    this.emit('closed', reason);
    this.removeAllListeners();
  }
}
