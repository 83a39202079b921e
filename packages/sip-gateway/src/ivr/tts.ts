// Runtime text-to-speech for what no static prompt can say (a vote's title, its candidates, a receipt token):
// espeak-ng (text on stdin, never through a shell) piped into sox → 8 kHz mono 16-bit PCM, the format of the
// static prompts. Each child process is time-limited, at most `maxConcurrent` renderings run at once (a vote's
// end gives every caller a receipt of their own), and results are kept in a small LRU cache by language + text
// (the title and menu of a vote are rendered once for all callers, also while the first rendering still runs).
import { spawn } from 'node:child_process';
import type { Language } from './prompts.ts';

/** Longest text rendered; longer texts are cut at a word boundary (a vote title is at most 300 characters). */
export const MAX_SPEECH_CHARS = 600;
const VOICES: Record<Language, string> = { de: 'de', en: 'en' };

/** Control characters and markup-like brackets out, whitespace collapsed, length capped. */
export function sanitizeSpeech(text: string): string {
  // eslint-disable-next-line no-control-regex
  let t = text.normalize('NFC').replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/g, ' ');
  t = t.replace(/[<>[\]{}\\`|]/g, ' ').replace(/\s+/g, ' ').trim();
  if (t.length > MAX_SPEECH_CHARS) {
    const cut = t.slice(0, MAX_SPEECH_CHARS);
    const space = cut.lastIndexOf(' ');
    t = space > MAX_SPEECH_CHARS / 2 ? cut.slice(0, space) : cut;
  }
  return t;
}

export interface SpeechRendererOptions {
  /** Entries kept (LRU). */
  cacheSize?: number;
  /** Per child process. */
  timeoutMs?: number;
  /** espeak-ng words per minute. */
  speed?: number;
  /** Renderings (espeak-ng + sox pairs) running at once; the others wait. */
  maxConcurrent?: number;
}

export class SpeechRenderer {
  private readonly cache = new Map<string, Promise<Int16Array>>();
  private readonly cacheSize: number;
  private readonly timeoutMs: number;
  private readonly speed: number;
  private readonly maxConcurrent: number;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(opts: SpeechRendererOptions = {}) {
    this.cacheSize = Math.max(1, opts.cacheSize ?? 64);
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.speed = opts.speed ?? 150;
    this.maxConcurrent = Math.max(1, opts.maxConcurrent ?? 4);
  }

  get cached(): number {
    return this.cache.size;
  }

  /** Renderings running now, and waiting for a slot. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /** 8 kHz mono 16-bit samples of `text` spoken in `lang` (an empty text gives no samples). */
  render(lang: Language, text: string): Promise<Int16Array> {
    const clean = sanitizeSpeech(text);
    if (clean === '') return Promise.resolve(new Int16Array(0));
    const key = `${lang}\u0000${clean}`;
    const hit = this.cache.get(key);
    if (hit) {
      // Most recently used goes last.
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const p = this.limited(() => this.synthesize(lang, clean));
    this.cache.set(key, p);
    p.catch(() => this.cache.delete(key));
    while (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    return p;
  }

  private async limited<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.maxConcurrent) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await job();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  private synthesize(lang: Language, text: string): Promise<Int16Array> {
    return new Promise((resolve, reject) => {
      const espeak = spawn('espeak-ng', ['-v', VOICES[lang], '-s', String(this.speed), '--stdout'], { stdio: ['pipe', 'pipe', 'ignore'] });
      // 8 kHz mono 16-bit raw, normalised to -3 dBFS, 150 ms of silence at the end (like the static prompts).
      const sox = spawn('sox', ['-q', '-t', 'wav', '-', '-t', 'raw', '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', '-L', '-', 'gain', '-n', '-3', 'pad', '0', '0.15'], {
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      const chunks: Buffer[] = [];
      let settled = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        espeak.kill('SIGKILL');
        sox.kill('SIGKILL');
        reject(err);
      };
      const timer = setTimeout(() => fail(new Error(`speech rendering timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
      timer.unref?.();
      espeak.on('error', fail);
      sox.on('error', fail);
      espeak.stdin.on('error', () => undefined);
      sox.stdin.on('error', () => undefined);
      espeak.stdout.pipe(sox.stdin);
      espeak.on('exit', (code) => {
        if (code !== 0 && code !== null) fail(new Error(`espeak-ng exited with ${code}`));
      });
      sox.stdout.on('data', (c: Buffer) => chunks.push(c));
      sox.on('close', (code) => {
        if (settled) return;
        if (code !== 0) return fail(new Error(`sox exited with ${code}`));
        settled = true;
        clearTimeout(timer);
        const buf = Buffer.concat(chunks);
        const out = new Int16Array(buf.length >> 1);
        for (let i = 0; i < out.length; i++) out[i] = buf.readInt16LE(i * 2);
        resolve(out);
      });
      espeak.stdin.end(text, 'utf8');
    });
  }
}

/** A WAV file (8 kHz mono 16-bit) of samples, e.g. to inspect a rendering with `sox stat`. */
export function encodeWav(samples: Int16Array, rate = 8000): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) data.writeInt16LE(samples[i] ?? 0, i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}
