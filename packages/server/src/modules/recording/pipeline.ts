import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import dgram from 'node:dgram';
import type { Logger } from 'pino';
import type { RecorderTarget } from '../../media/types.ts';

/**
 * The recorder: one live GStreamer pipeline per recording, run as a child process (`gst-launch-1.0 -e`) and fed by
 * the media server's plain-RTP forwards of the consenting publishers. It has a fixed number of input slots (a grid
 * of tiles, and the audio mix); each slot is a pair of loopback UDP ports (VP8 video, Opus audio). A slot nobody
 * feeds shows black and adds silence: the compositor and the mixer are driven by live black/silent sources, so a
 * recording runs whoever is (or is not) forwarded, and a tile whose forward stopped disappears within a second
 * (`max-last-buffer-repeat`) instead of freezing on its last picture.
 *
 * Output: MP4 (H.264 High from x264 + AAC-LC from voaacenc), fragmented: its header comes first (what `faststart`
 * gives a plain MP4) and what was written stays playable if the recorder dies. Stopping sends SIGINT, which `-e`
 * turns into an end-of-stream through the whole pipeline, so the last fragment is complete.
 */

export const VIDEO_PT = 96;
export const AUDIO_PT = 111;

export interface PipelineResult {
  /** true: ended by `stop` with a clean end-of-stream; false: the recorder failed or had to be killed. */
  clean: boolean;
  sizeBytes: number;
  sha256: string;
  /** The recorder's last words when it failed. */
  error?: string;
}

export interface RecorderPipeline {
  /** The input slots (where the media server forwards one participant each). */
  readonly slots: readonly RecorderTarget[];
  readonly file: string;
  /** Ends the recording (EOS), waits for the file to be complete; resolves once, however often called. */
  stop(): Promise<PipelineResult>;
  /** Called once if the pipeline ends without `stop` (a crash, a full disk): what was written is measured. */
  onFailure(listener: (result: PipelineResult) => void): void;
}

export interface RecorderLauncher {
  start(opts: { file: string; logger: Logger }): Promise<RecorderPipeline>;
}

/** What the recorder needs from the deployment: where files go and how to start a pipeline. */
export interface RecorderServices {
  dir: string;
  launcher: RecorderLauncher;
}

export interface GstLayout {
  width: number;
  height: number;
  framerate: number;
  /** Input slots (tiles of a grid). */
  slots: number;
  videoBitrateKbps: number;
}

export const DEFAULT_LAYOUT: GstLayout = { width: 1280, height: 720, framerate: 25, slots: 4, videoBitrateKbps: 2500 };

/** The grid of `slots` tiles: columns × rows, each tile's size and position. */
export function gridOf(layout: GstLayout): { x: number; y: number; w: number; h: number }[] {
  const cols = Math.ceil(Math.sqrt(layout.slots));
  const rows = Math.ceil(layout.slots / cols);
  // Even sizes: the encoder's 4:2:0 chroma needs them.
  const w = Math.floor(layout.width / cols / 2) * 2;
  const h = Math.floor(layout.height / rows / 2) * 2;
  return Array.from({ length: layout.slots }, (_, i) => ({ x: (i % cols) * w, y: Math.floor(i / cols) * h, w, h }));
}

/** The arguments of `gst-launch-1.0` for this layout, file and slot ports (exported for the docs and tests). */
export function gstArgs(layout: GstLayout, file: string, slots: readonly RecorderTarget[]): string[] {
  const { width, height, framerate } = layout;
  const tiles = gridOf(layout);
  const raw = `video/x-raw,width=${width},height=${height},framerate=${framerate}/1`;
  const pcm = 'audio/x-raw,rate=48000,channels=2';
  const args: string[] = ['-e'];
  const add = (...parts: string[]) => args.push(...parts);
  // compositor sink_0 is the black background; tiles are sink_1…
  add('compositor', 'name=comp', 'background=black', 'start-time-selection=first');
  tiles.forEach((t, i) => add(`sink_${i + 1}::xpos=${t.x}`, `sink_${i + 1}::ypos=${t.y}`, `sink_${i + 1}::max-last-buffer-repeat=1000000000`));
  add('!', raw, '!', 'videoconvert', '!', 'x264enc', 'tune=zerolatency', 'speed-preset=veryfast', `bitrate=${layout.videoBitrateKbps}`, `key-int-max=${framerate * 2}`);
  add('!', 'video/x-h264,profile=high', '!', 'h264parse', '!', 'queue', '!', 'mux.video_0');
  add('audiomixer', 'name=amix', 'start-time-selection=first', '!', 'audioconvert', '!', 'audioresample', '!', pcm);
  add('!', 'voaacenc', 'bitrate=128000', '!', 'aacparse', '!', 'queue', '!', 'mux.audio_0');
  // Fragmented MP4 (a fragment a second): the index (moov) is at the start, as with faststart, and a recorder that
  // dies (a full disk, a crash) leaves a file that plays up to its last fragment — a plain MP4 would have no index.
  add('mp4mux', 'name=mux', 'fragment-duration=1000', '!', 'filesink', `location=${file}`);
  add('videotestsrc', 'is-live=true', 'pattern=black', '!', raw, '!', 'comp.sink_0');
  add('audiotestsrc', 'is-live=true', 'wave=silence', '!', pcm, '!', 'amix.sink_0');
  slots.forEach((s, i) => {
    const t = tiles[i]!;
    add('udpsrc', `address=${s.host}`, `port=${s.videoPort}`, `caps=application/x-rtp,media=video,encoding-name=VP8,payload=${s.videoPt},clock-rate=90000`);
    add('!', 'rtpjitterbuffer', 'latency=200', '!', 'rtpvp8depay', '!', 'vp8dec', '!', 'videoconvert', '!', 'videoscale', 'add-borders=true');
    add('!', `video/x-raw,width=${t.w},height=${t.h}`, '!', 'queue', '!', `comp.sink_${i + 1}`);
    add('udpsrc', `address=${s.host}`, `port=${s.audioPort}`, `caps=application/x-rtp,media=audio,encoding-name=OPUS,payload=${s.audioPt},clock-rate=48000`);
    add('!', 'rtpjitterbuffer', 'latency=200', '!', 'rtpopusdepay', '!', 'opusdec', '!', 'audioconvert', '!', 'audioresample', '!', pcm, '!', 'queue', '!', `amix.sink_${i + 1}`);
  });
  return args;
}

/** `count` loopback UDP ports that were free a moment ago (bound together, so they differ). */
export async function freeUdpPorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const sockets = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<dgram.Socket>((resolve, reject) => {
          const s = dgram.createSocket('udp4');
          s.once('error', reject);
          s.bind(0, host, () => resolve(s));
        }),
    ),
  );
  const ports = sockets.map((s) => s.address().port);
  await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

export async function measureFile(file: string): Promise<{ sizeBytes: number; sha256: string }> {
  const size = await stat(file).then(
    (s) => s.size,
    () => -1,
  );
  if (size < 0) return { sizeBytes: 0, sha256: createHash('sha256').digest('hex') };
  const hash = createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve())
      .on('error', reject);
  });
  return { sizeBytes: size, sha256: hash.digest('hex') };
}

/** How long a stopped pipeline may take to drain before it is killed (its file is then likely unplayable). */
const STOP_TIMEOUT_MS = 20_000;
const START_TIMEOUT_MS = 15_000;

/** The GStreamer recorder (`gst-launch-1.0` from Debian's gstreamer1.0-tools and plugin sets). */
export function gstLauncher(opts: { binary?: string; layout?: GstLayout; host?: string } = {}): RecorderLauncher {
  const binary = opts.binary ?? 'gst-launch-1.0';
  const layout = opts.layout ?? DEFAULT_LAYOUT;
  const host = opts.host ?? '127.0.0.1';
  return {
    async start({ file, logger }) {
      const ports = await freeUdpPorts(layout.slots * 2, host);
      const slots: RecorderTarget[] = Array.from({ length: layout.slots }, (_, i) => ({
        host,
        videoPort: ports[2 * i]!,
        audioPort: ports[2 * i + 1]!,
        videoPt: VIDEO_PT,
        audioPt: AUDIO_PT,
      }));
      const args = gstArgs(layout, file, slots);
      const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', GST_DEBUG: '1' } });
      return GstPipeline.started(child, file, slots, logger);
    },
  };
}

class GstPipeline implements RecorderPipeline {
  /** The recorder's process id (tests end it the hard way). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  private stopping: Promise<PipelineResult> | null = null;
  private readonly failureListeners: ((r: PipelineResult) => void)[] = [];
  private tail = '';
  private readonly exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly file: string,
    readonly slots: readonly RecorderTarget[],
    private readonly logger: Logger,
  ) {
    const keep = (chunk: Buffer) => {
      this.tail = (this.tail + chunk.toString('utf8')).slice(-2000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', (err) => {
        this.tail += String(err);
        resolve(-1);
      });
    });
    void this.exited.then(async (code) => {
      if (this.stopping) return;
      this.logger.warn({ code, output: this.tail.slice(-500) }, 'recorder ended by itself');
      const measured = await measureFile(this.file).catch(() => ({ sizeBytes: 0, sha256: '' }));
      const result = { clean: false, ...measured, error: this.tail.trim().split('\n').slice(-3).join(' ') || `exit ${code}` };
      this.stopping = Promise.resolve(result);
      for (const l of this.failureListeners.splice(0)) l(result);
    });
  }

  /** Waits until the pipeline plays (its UDP sockets are bound from PAUSED on); a pipeline that fails to start is an error. */
  static async started(child: ChildProcess, file: string, slots: readonly RecorderTarget[], logger: Logger): Promise<GstPipeline> {
    const p = new GstPipeline(child, file, slots, logger);
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!p.tail.includes('Setting pipeline to PLAYING')) {
      const exited = await Promise.race([p.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 50))]);
      if (exited) throw new Error(`the recorder did not start: ${p.tail.trim().slice(-300)}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error('the recorder did not start in time');
      }
    }
    return p;
  }

  onFailure(listener: (result: PipelineResult) => void): void {
    this.failureListeners.push(listener);
  }

  stop(): Promise<PipelineResult> {
    this.stopping ??= (async () => {
      this.child.kill('SIGINT');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const code = await this.exited;
      clearTimeout(timer);
      const measured = await measureFile(this.file);
      const clean = code === 0;
      if (!clean) this.logger.warn({ code, output: this.tail.slice(-500) }, 'recorder did not end cleanly');
      return { clean, ...measured, ...(clean ? {} : { error: this.tail.trim().split('\n').slice(-3).join(' ') || `exit ${code}` }) };
    })();
    return this.stopping;
  }
}
