// Runtime speech (ivr/tts.ts): espeak-ng + sox render a text into 8 kHz mono audio that is not silent, in
// the format of the static prompts; texts are sanitised and capped; the cache is a bounded LRU.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeWav, framesOf } from './prompts.ts';
import { encodeWav, MAX_SPEECH_CHARS, sanitizeSpeech, SpeechRenderer } from './tts.ts';

const run = promisify(execFile);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-tts-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function soxStat(samples: Int16Array, name: string): Promise<{ rms: number; seconds: number; rate: number }> {
  const file = path.join(dir, `${name}.wav`);
  fs.writeFileSync(file, encodeWav(samples));
  const { stderr } = await run('sox', [file, '-n', 'stat']);
  const { stdout } = await run('soxi', ['-r', file]);
  return {
    rms: Number(/RMS\s+amplitude:\s+([\d.]+)/.exec(stderr)?.[1]),
    seconds: Number(/Length \(seconds\):\s+([\d.]+)/.exec(stderr)?.[1]),
    rate: Number(stdout.trim()),
  };
}

describe('runtime speech', () => {
  it('renders German and English text as 8 kHz mono audio that is not silent, cut into 20 ms G.711 frames', async () => {
    const tts = new SpeechRenderer();
    for (const [lang, text] of [
      ['de', 'Abstimmung über den Haushaltsplan 2027, Änderungsantrag der Fraktion'],
      ['en', 'Press 1 for Anna Schmidt, 2 for Bernd Müller, 3 to abstain.'],
    ] as const) {
      const samples = await tts.render(lang, text);
      const stat = await soxStat(samples, lang);
      expect(stat.rate).toBe(8000);
      expect(stat.rms, lang).toBeGreaterThan(0.02);
      expect(stat.seconds, lang).toBeGreaterThan(1.5);
      expect(stat.seconds, lang).toBeLessThan(15);
      // Same format as the static prompts: decodeWav accepts it, and it frames like them.
      expect(decodeWav(encodeWav(samples))).toEqual(samples);
      const frames = framesOf(samples, 'pcma');
      expect(frames.every((f) => f.length === 160)).toBe(true);
      expect(frames).toHaveLength(Math.ceil(samples.length / 160));
    }
  });

  it('takes the text as data: a leading dash is no option, no shell sees it; control characters and length are cut', async () => {
    const tts = new SpeechRenderer();
    const marker = path.join(dir, 'pwned');
    const hostile = `-w ${marker} $(touch ${marker}); \`touch ${marker}\` | <speak>x</speak>`;
    const samples = await tts.render('en', hostile);
    expect((await soxStat(samples, 'hostile')).rms).toBeGreaterThan(0.02);
    expect(fs.existsSync(marker)).toBe(false);
    expect(sanitizeSpeech('a\u0000b\u001b[31mc\u202e d\n\te')).toBe('a b 31mc d e');
    const long = sanitizeSpeech('wort '.repeat(1000));
    expect(long.length).toBeLessThanOrEqual(MAX_SPEECH_CHARS);
    expect(long.endsWith('wort')).toBe(true);
    expect(await tts.render('de', ' \u0007 ')).toHaveLength(0);
  });

  it('keeps a bounded LRU cache by language and text', async () => {
    const tts = new SpeechRenderer({ cacheSize: 2 });
    const a = tts.render('en', 'Alpha');
    const b = tts.render('en', 'Bravo');
    expect(tts.render('en', 'Alpha')).toBe(a); // hit, and now the most recent
    expect(tts.render('de', 'Alpha')).not.toBe(a); // another language is another entry; Bravo is evicted
    expect(tts.cached).toBe(2);
    expect(tts.render('en', 'Alpha')).toBe(a);
    expect(tts.render('en', 'Bravo')).not.toBe(b);
    expect(tts.cached).toBe(2);
    await Promise.all([a, b]);
  });

  it('runs at most maxConcurrent renderings at once; the others wait their turn', async () => {
    const tts = new SpeechRenderer({ maxConcurrent: 2 });
    const jobs = ['eins', 'zwei', 'drei', 'vier', 'fünf'].map((t) => tts.render('de', t));
    await Promise.resolve();
    expect(tts.load).toEqual({ running: 2, waiting: 3 });
    const out = await Promise.all(jobs);
    expect(out.every((s) => s.length > 1600)).toBe(true);
    expect(tts.load).toEqual({ running: 0, waiting: 0 });
  });

  it('a rendering over its time limit is killed and fails (and is not cached)', async () => {
    const tts = new SpeechRenderer({ timeoutMs: 0 });
    const text = 'Dies ist ein sehr langer Satz. '.repeat(18);
    await expect(tts.render('de', text)).rejects.toThrow(/timed out/);
    expect(tts.cached).toBe(0);
  });
});
