/**
 * The in-page side of bench/join.ts: a Plenum participant (signaling over the real WebSocket, camera
 * published with VP8 simulcast, one subscribing connection answering every `subscribe_offer`, like the
 * web client's media engine) and an EchoTest participant (one sendrecv connection negotiated with
 * Janus's EchoTest plugin over Janus's own WebSocket API, straight from the page). Timing happens in the page with performance.now(), so Playwright's
 * round trips do not count: getStats of the receiving connection is polled every POLL_MS until
 * `framesDecoded > 0`.
 *
 * Plain JavaScript evaluated in the page (the bench has no DOM types); Node talks to it through `window.bench`.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PROTOCOL_VERSION } from '../../packages/protocol/src/index.ts';

export const POLL_MS = 20;

const PAGE_SOURCE = String.raw`
(() => {
  const POLL_MS = ${POLL_MS};
  const ICE_GATHERING_TIMEOUT_MS = 3000;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  // Same as the web client: non-trickle, whatever is gathered after 3 s is sent.
  function gathered(pc) {
    if (pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ICE_GATHERING_TIMEOUT_MS);
      pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') { clearTimeout(t); resolve(); } });
    });
  }

  function prefersVp8(transceiver) {
    const codecs = RTCRtpSender.getCapabilities && RTCRtpSender.getCapabilities('video');
    if (!codecs || !transceiver.setCodecPreferences) return;
    const vp8 = codecs.codecs.filter((c) => c.mimeType.toLowerCase() === 'video/vp8');
    const rest = codecs.codecs.filter((c) => c.mimeType.toLowerCase() !== 'video/vp8');
    transceiver.setCodecPreferences([...vp8, ...rest]);
  }

  const bench = {
    local: null,
    errors: [],
    ws: null,
    received: [],
    pub: null,
    sub: null,
    echoPc: null,
    /** mid → participant id, over every subscribe_offer so far. */
    midOwner: {},
    queue: Promise.resolve(),
    subQueue: Promise.resolve(),

    async camera(width, height, frameRate) {
      this.local = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width, height, frameRate } });
      const s = this.local.getVideoTracks()[0].getSettings();
      return { width: s.width, height: s.height, frameRate: s.frameRate };
    },

    // ── Plenum ──
    async connect(url, ticket) {
      const ws = new WebSocket(url, ['plenum-signaling-v1', 'ticket.' + ticket]);
      this.ws = ws;
      ws.onmessage = (ev) => this.onMessage(JSON.parse(ev.data));
      await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = () => reject(new Error('signaling socket failed')); });
    },

    send(namespace, payload) { this.ws.send(JSON.stringify({ namespace, payload })); },

    onMessage(m) {
      m.at = performance.now();
      this.received.push(m);
      const p = m.payload;
      if (m.namespace === 'control' && p.message === 'join_success') {
        // As the web client does: ask to receive at once, and publish beside it; neither waits for the other.
        this.send('media', { action: 'subscribe' });
        this.run(() => this.publish());
      }
      if (m.namespace !== 'media') return;
      if (p.message === 'error') this.errors.push(p);
      if (p.message === 'subscribe_offer') this.runSubscriber(() => this.answer(p));
    },

    run(task) {
      this.queue = this.queue.then(task).catch((e) => this.errors.push({ message: 'client', error: String(e) }));
    },

    /** The receiving connection's negotiations, one after the other, independent of publishing. */
    runSubscriber(task) {
      this.subQueue = this.subQueue.then(task).catch((e) => this.errors.push({ message: 'client', error: String(e) }));
    },

    waitFor(pred, timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      return (async () => {
        for (;;) {
          const hit = this.received.find(pred);
          if (hit) return hit;
          if (performance.now() > deadline) throw new Error('timed out waiting for a signaling message');
          await sleep(5);
        }
      })();
    },

    async publish() {
      this.send('media', { action: 'update_state', audio: true, video: true });
      const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
      this.pub = pc;
      pc.addTransceiver(this.local.getAudioTracks()[0], { direction: 'sendonly' });
      const video = pc.addTransceiver(this.local.getVideoTracks()[0], {
        direction: 'sendonly',
        sendEncodings: [
          { rid: 'l', scaleResolutionDownBy: 4, maxBitrate: 150000 },
          { rid: 'm', scaleResolutionDownBy: 2, maxBitrate: 500000 },
          { rid: 'h', scaleResolutionDownBy: 1, maxBitrate: 1200000 },
        ],
      });
      prefersVp8(video);
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      this.marks.offerReady = performance.now() - this.t0;
      const before = this.received.length;
      this.send('media', { action: 'publish', source: 'camera', sdp: pc.localDescription.sdp });
      const answer = await this.waitFor((m, i) => i >= before && m.namespace === 'media' && (m.payload.message === 'publish_answer' || (m.payload.message === 'error' && m.payload.action === 'publish')), 20000);
      if (answer.payload.message === 'error') throw new Error('publish refused: ' + answer.payload.error);
      this.marks.publishAnswer = answer.at - this.t0;
      await pc.setRemoteDescription({ type: 'answer', sdp: answer.payload.sdp });
    },

    async answer(offer) {
      if (this.marks.firstOffer === undefined) this.marks.firstOffer = performance.now() - this.t0;
      for (const s of offer.streams) this.midOwner[s.mid] = s.participant_id;
      if (!this.sub) this.sub = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
      const pc = this.sub;
      await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered(pc);
      this.send('media', { action: 'subscribe_answer', sdp: pc.localDescription.sdp });
    },

    /**
     * Sends control/join and resolves once video from expectedRemotes others has been decoded (or at the
     * timeout). Times in ms since the join was sent.
     */
    async join(expectedRemotes, timeoutMs) {
      this.marks = {};
      const firstFrame = {};
      this.t0 = performance.now();
      this.send('control', { action: 'join', protocol_version: ${PROTOCOL_VERSION} });
      const deadline = this.t0 + timeoutMs;
      while (Object.keys(firstFrame).length < expectedRemotes && performance.now() < deadline) {
        if (this.sub) {
          const stats = await this.sub.getStats();
          const now = performance.now() - this.t0;
          stats.forEach((r) => {
            const who = this.midOwner[r.mid];
            if (r.type === 'inbound-rtp' && r.kind === 'video' && who && (r.framesDecoded || 0) > 0 && firstFrame[who] === undefined) firstFrame[who] = now;
          });
        }
        await sleep(POLL_MS);
      }
      const joined = this.received.find((m) => m.namespace === 'control' && m.payload.message === 'join_success');
      const times = Object.values(firstFrame).sort((a, b) => a - b);
      return {
        joinSuccess: joined ? joined.at - this.t0 : null,
        offerReady: this.marks.offerReady ?? null,
        publishAnswer: this.marks.publishAnswer ?? null,
        firstOffer: this.marks.firstOffer ?? null,
        firstFrame: times[0] ?? null,
        allFrames: times.length >= expectedRemotes ? times[times.length - 1] : null,
        remotesDecoded: times.length,
        errors: this.errors.map((e) => JSON.stringify(e)),
      };
    },

    // ── EchoTest ──
    /** Janus's WebSocket API straight from the page (loopback, API secret), as the reference's signaling. */
    async janusConnect(url, secret) {
      const ws = new WebSocket(url, 'janus-protocol');
      this.janus = { ws, secret, pending: {}, next: 0 };
      ws.onmessage = (ev) => {
        const m = JSON.parse(ev.data);
        const p = this.janus.pending[m.transaction];
        if (!p || m.janus === 'ack') return;
        delete this.janus.pending[m.transaction];
        if (m.janus === 'error' || (m.plugindata && m.plugindata.data && m.plugindata.data.error)) p.reject(new Error('Janus: ' + ev.data));
        else p.resolve(m);
      };
      await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = () => reject(new Error('Janus socket failed')); });
    },

    janusRequest(body) {
      const transaction = 't' + this.janus.next++;
      return new Promise((resolve, reject) => {
        this.janus.pending[transaction] = { resolve, reject };
        this.janus.ws.send(JSON.stringify({ ...body, transaction, apisecret: this.janus.secret }));
      });
    },

    /** Session, EchoTest handle, offer → answer; resolves at the first decoded echoed frame. Times in ms since the start. */
    async echo(timeoutMs) {
      const t0 = performance.now();
      const session = (await this.janusRequest({ janus: 'create' })).data.id;
      this.janusKeepalive = setInterval(() => this.janusRequest({ janus: 'keepalive', session_id: session }).catch(() => {}), 20000);
      const handle = (await this.janusRequest({ janus: 'attach', plugin: 'janus.plugin.echotest', session_id: session })).data.id;
      const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
      this.echoPc = pc;
      pc.addTransceiver(this.local.getAudioTracks()[0], { direction: 'sendrecv' });
      prefersVp8(pc.addTransceiver(this.local.getVideoTracks()[0], { direction: 'sendrecv' }));
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      const offerReady = performance.now() - t0;
      const answer = await this.janusRequest({
        janus: 'message', session_id: session, handle_id: handle,
        body: { audio: true, video: true }, jsep: { type: 'offer', sdp: pc.localDescription.sdp },
      });
      if (!answer.jsep) throw new Error('EchoTest answered without SDP');
      const answered = performance.now() - t0;
      await pc.setRemoteDescription(answer.jsep);
      const deadline = t0 + timeoutMs;
      let firstFrame = null;
      while (firstFrame === null && performance.now() < deadline) {
        const stats = await pc.getStats();
        const now = performance.now() - t0;
        stats.forEach((r) => { if (r.type === 'inbound-rtp' && r.kind === 'video' && (r.framesDecoded || 0) > 0) firstFrame = now; });
        if (firstFrame === null) await sleep(POLL_MS);
      }
      return { offerReady, answered, firstFrame };
    },

    /** Video frames decoded so far over every receiving connection of this page, and how many video streams. */
    async decoded() {
      let frames = 0;
      let streams = 0;
      for (const pc of [this.sub, this.echoPc]) {
        if (!pc) continue;
        (await pc.getStats()).forEach((r) => {
          if (r.type === 'inbound-rtp' && r.kind === 'video' && (r.framesDecoded || 0) > 0) { frames += r.framesDecoded; streams++; }
        });
      }
      return { frames, streams };
    },
  };
  window.bench = bench;
})();
`;

export interface PlenumJoinResult {
  joinSuccess: number | null;
  offerReady: number | null;
  publishAnswer: number | null;
  firstOffer: number | null;
  firstFrame: number | null;
  allFrames: number | null;
  remotesDecoded: number;
  errors: string[];
}

export interface EchoResult {
  offerReady: number;
  answered: number;
  firstFrame: number | null;
}

interface PageBench {
  camera(width: number, height: number, frameRate: number): Promise<{ width: number; height: number; frameRate: number }>;
  connect(url: string, ticket: string): Promise<void>;
  join(expectedRemotes: number, timeoutMs: number): Promise<PlenumJoinResult>;
  janusConnect(url: string, secret: string): Promise<void>;
  echo(timeoutMs: number): Promise<EchoResult>;
  decoded(): Promise<{ frames: number; streams: number }>;
}
/** What the page sees (the callbacks below run in the page: they cannot use Node-side helpers). */
type W = { bench: PageBench };

export interface VideoSpec {
  width: number;
  height: number;
  frameRate: number;
}

/** One participant: its own browser context (as a separate person would have) with one page. */
export class BenchPage {
  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
  ) {}

  /** Opens a page on `origin` (for a secure context and the signaling origin check) with the camera already on. */
  static async open(browser: Browser, origin: string, video: VideoSpec): Promise<BenchPage> {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${origin}/health`);
      await page.evaluate(PAGE_SOURCE);
      const got = await page.evaluate(([w, h, f]) => (globalThis as unknown as W).bench.camera(w, h, f), [video.width, video.height, video.frameRate] as const);
      if (got.width !== video.width || got.height !== video.height) {
        throw new Error(`fake camera gives ${got.width}x${got.height}, asked for ${video.width}x${video.height}`);
      }
      return new BenchPage(context, page);
    } catch (err) {
      await context.close().catch(() => {});
      throw err;
    }
  }

  connect(url: string, ticket: string): Promise<void> {
    return this.page.evaluate(([u, t]) => (globalThis as unknown as W).bench.connect(u, t), [url, ticket] as const);
  }

  join(expectedRemotes: number, timeoutMs: number): Promise<PlenumJoinResult> {
    return this.page.evaluate(([n, t]) => (globalThis as unknown as W).bench.join(n, t), [expectedRemotes, timeoutMs] as const);
  }

  janusConnect(url: string, secret: string): Promise<void> {
    return this.page.evaluate(([u, s]) => (globalThis as unknown as W).bench.janusConnect(u, s), [url, secret] as const);
  }

  echo(timeoutMs: number): Promise<EchoResult> {
    return this.page.evaluate((t) => (globalThis as unknown as W).bench.echo(t), timeoutMs);
  }

  decoded(): Promise<{ frames: number; streams: number }> {
    return this.page.evaluate(() => (globalThis as unknown as W).bench.decoded());
  }

  close(): Promise<void> {
    return this.context.close();
  }
}
