import { type Browser, type Page } from 'playwright-core';
import { PROTOCOL_VERSION } from '@plenum/protocol';

/**
 * A minimal media client for browser tests of the `media` module: signaling over the real WebSocket,
 * one publishing RTCPeerConnection (camera: microphone + camera, VP8 simulcast in three layers) and one
 * subscribing connection that answers every `subscribe_offer`. On `reconnect` it publishes and subscribes
 * again with fresh connections, as a real client does. It is plain JavaScript evaluated in the page (the
 * server package has no DOM types); the test talks to it through `window.media`.
 */
const CLIENT_SOURCE = String.raw`
(() => {
  const client = {
    received: [],
    offers: 0,
    streams: [],
    reconnects: 0,
    errors: [],
    ws: null,
    pub: null,
    sub: null,
    local: null,
    queue: Promise.resolve(),

    async connect(url, ticket) {
      const ws = new WebSocket(url, ['plenum-signaling-v1', 'ticket.' + ticket]);
      this.ws = ws;
      ws.onmessage = (ev) => this.onMessage(JSON.parse(ev.data));
      await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = () => reject(new Error('signaling socket failed')); });
      this.send('control', { action: 'join', protocol_version: ${PROTOCOL_VERSION} });
      const joined = await this.waitFor((m) => m.namespace === 'control' && m.payload.message === 'join_success');
      return joined.payload;
    },

    send(namespace, payload) { this.ws.send(JSON.stringify({ namespace, payload })); },

    onMessage(m) {
      this.received.push(m);
      if (m.namespace !== 'media') return;
      const p = m.payload;
      if (p.message === 'error') this.errors.push(p);
      if (p.message === 'subscribe_offer') this.run(() => this.answer(p));
      if (p.message === 'reconnect') { this.reconnects++; this.run(() => this.start()); }
    },

    /** Negotiations one after the other, like a real client's. */
    run(task) {
      this.queue = this.queue.then(task).catch((e) => this.errors.push({ message: 'client', error: String(e) }));
      return this.queue;
    },

    async waitFor(pred, timeoutMs = 20000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = this.received.find(pred);
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error('timed out waiting for a signaling message');
        await new Promise((r) => setTimeout(r, 50));
      }
    },

    async gathered(pc) {
      if (pc.iceGatheringState === 'complete') return;
      await new Promise((resolve) => {
        const t = setTimeout(resolve, 5000);
        pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') { clearTimeout(t); resolve(); } });
      });
    },

    /** Replaces the fake microphone's short beeps by a steady tone: a voice the media server counts as talking. */
    useTone() { this.tone = true; },

    async publish() {
      if (!this.local) {
        this.local = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 1280, height: 720, frameRate: 30 } });
        if (this.tone) {
          const ctx = new AudioContext();
          const osc = ctx.createOscillator();
          const dest = ctx.createMediaStreamDestination();
          osc.frequency.value = 440;
          osc.connect(dest);
          osc.start();
          this.local = new MediaStream([dest.stream.getAudioTracks()[0], this.local.getVideoTracks()[0]]);
        }
      }
      this.pub?.close();
      const pc = new RTCPeerConnection();
      this.pub = pc;
      pc.addTransceiver(this.local.getAudioTracks()[0], { direction: 'sendonly', streams: [this.local] });
      pc.addTransceiver(this.local.getVideoTracks()[0], {
        direction: 'sendonly',
        streams: [this.local],
        sendEncodings: [
          { rid: 'h', maxBitrate: 1200000 },
          { rid: 'm', maxBitrate: 400000, scaleResolutionDownBy: 2 },
          { rid: 'l', maxBitrate: 150000, scaleResolutionDownBy: 4 },
        ],
      });
      await pc.setLocalDescription(await pc.createOffer());
      await this.gathered(pc);
      const before = this.received.length;
      this.send('media', { action: 'publish', source: 'camera', sdp: pc.localDescription.sdp });
      const answer = await this.waitFor((m, i) => i >= before && m.namespace === 'media' && (m.payload.message === 'publish_answer' || (m.payload.message === 'error' && m.payload.action === 'publish')));
      if (answer.payload.message === 'error') throw new Error('publish refused: ' + answer.payload.error);
      await pc.setRemoteDescription({ type: 'answer', sdp: answer.payload.sdp });
    },

    subscribe() {
      this.sub?.close();
      this.sub = null;
      this.send('media', { action: 'subscribe' });
    },

    async answer(offer) {
      if (!this.sub) {
        this.sub = new RTCPeerConnection();
        // Received audio counts (totalAudioEnergy) only when it is played out.
        this.sub.ontrack = (ev) => {
          if (ev.track.kind !== 'audio') return;
          const el = new Audio();
          el.srcObject = new MediaStream([ev.track]);
          el.play().catch((e) => this.errors.push({ message: 'client', error: 'audio playout: ' + e }));
        };
      }
      const pc = this.sub;
      await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      await this.gathered(pc);
      this.streams = offer.streams;
      this.offers++;
      this.send('media', { action: 'subscribe_answer', sdp: pc.localDescription.sdp });
    },

    async start() {
      await this.publish();
      this.subscribe();
    },

    /** Per remote participant: frames decoded, frame height, audio energy (from the subscribing connection). */
    async inbound() {
      const out = {};
      if (!this.sub) return out;
      const byMid = {};
      for (const s of this.streams) byMid[s.mid] = s;
      const stats = await this.sub.getStats();
      stats.forEach((r) => {
        if (r.type !== 'inbound-rtp' || !byMid[r.mid]) return;
        const who = byMid[r.mid].participant_id;
        const o = (out[who] = out[who] || { framesDecoded: 0, frameHeight: 0, audioEnergy: 0 });
        if (r.kind === 'video') { o.framesDecoded += r.framesDecoded || 0; o.frameHeight = r.frameHeight || 0; }
        if (r.kind === 'audio') o.audioEnergy += r.totalAudioEnergy || 0;
      });
      return out;
    },

    /** Transceiver directions of the subscribing connection, by mid. */
    directions() {
      const out = {};
      for (const t of this.sub ? this.sub.getTransceivers() : []) if (t.mid !== null) out[t.mid] = t.currentDirection;
      return out;
    },

    leave() { this.send('control', { action: 'leave' }); },
  };
  window.media = client;
})();
`;

export interface InboundStats {
  framesDecoded: number;
  frameHeight: number;
  audioEnergy: number;
}

export interface ReceivedEnvelope {
  namespace: string;
  payload: { message: string; [field: string]: unknown };
}

interface BrowserMediaClient {
  received: ReceivedEnvelope[];
  offers: number;
  reconnects: number;
  errors: unknown[];
  streams: { mid: string; participant_id: string; source: string; kind: string }[];
  connect(url: string, ticket: string): Promise<{ id: string }>;
  send(namespace: string, payload: Record<string, unknown>): void;
  start(): Promise<void>;
  useTone(): void;
  run(task: () => Promise<void>): Promise<void>;
  inbound(): Promise<Record<string, InboundStats>>;
  directions(): Record<string, string | null>;
  leave(): void;
}

type WithClient = { media: BrowserMediaClient };

export { launchChromium } from '../../../testing/browsers.ts';

/** One participant: a page of its own (own context) on the Plenum origin running the client. */
export class MediaPage {
  id = '';

  private constructor(readonly page: Page) {}

  static async open(browser: Browser, baseUrl: string): Promise<MediaPage> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${baseUrl}/health`);
    await page.evaluate(CLIENT_SOURCE);
    return new MediaPage(page);
  }

  async join(wsUrl: string, ticket: string): Promise<void> {
    const joined = await this.page.evaluate(([u, t]) => (globalThis as unknown as WithClient).media.connect(u, t), [wsUrl, ticket] as const);
    this.id = joined.id;
  }

  /** Publishes the camera and subscribes. */
  start(): Promise<void> {
    return this.page.evaluate(() => (globalThis as unknown as WithClient).media.run(() => (globalThis as unknown as WithClient).media.start()));
  }

  useTone(): Promise<void> {
    return this.page.evaluate(() => (globalThis as unknown as WithClient).media.useTone());
  }

  send(namespace: string, payload: Record<string, unknown>): Promise<void> {
    return this.page.evaluate(([n, p]) => (globalThis as unknown as WithClient).media.send(n, p), [namespace, payload] as const);
  }

  inbound(): Promise<Record<string, InboundStats>> {
    return this.page.evaluate(() => (globalThis as unknown as WithClient).media.inbound());
  }

  directions(): Promise<Record<string, string | null>> {
    return this.page.evaluate(() => (globalThis as unknown as WithClient).media.directions());
  }

  streams(): Promise<BrowserMediaClient['streams']> {
    return this.page.evaluate(() => (globalThis as unknown as WithClient).media.streams);
  }

  /** Media-namespace payloads received so far. */
  async mediaMessages(message?: string): Promise<ReceivedEnvelope['payload'][]> {
    const all = await this.page.evaluate(() => (globalThis as unknown as WithClient).media.received);
    return all.filter((m) => m.namespace === 'media' && (message === undefined || m.payload.message === message)).map((m) => m.payload);
  }

  errors(): Promise<unknown[]> {
    return this.page.evaluate(() => (globalThis as unknown as WithClient).media.errors);
  }

  leave(): Promise<void> {
    return this.page.evaluate(() => (globalThis as unknown as WithClient).media.leave());
  }

  close(): Promise<void> {
    return this.page.context().close();
  }
}

/** Polls `probe` until `accept` holds (bounded); returns the accepted value. */
export async function eventually<T>(what: string, probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (accept(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
}

/** Waits until `page` decodes video and hears audio from each of `others`, and both keep growing. */
export async function expectReceiving(page: MediaPage, others: MediaPage[], timeoutMs = 20_000): Promise<Record<string, InboundStats>> {
  const ids = others.map((o) => o.id);
  const first = await eventually(
    `${page.id} to receive ${ids.join(', ')}`,
    () => page.inbound(),
    (s) => ids.every((id) => (s[id]?.framesDecoded ?? 0) > 0 && (s[id]?.audioEnergy ?? 0) > 0),
    timeoutMs,
  );
  return eventually(
    `${page.id} to keep receiving ${ids.join(', ')}`,
    () => page.inbound(),
    (s) => ids.every((id) => (s[id]?.framesDecoded ?? 0) > first[id]!.framesDecoded && (s[id]?.audioEnergy ?? 0) > first[id]!.audioEnergy),
    timeoutMs,
  );
}
