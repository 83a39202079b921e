import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';

/**
 * Checks the built web client (`npm run build --workspace @plenum/web`; `scripts/setup.sh` builds it when the
 * sources changed): what the first page (start, login, invite, pre-join) loads, and the compressed copies.
 */
const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');

/** The budget of issue #14: the first page's JavaScript, gzipped. */
const INITIAL_JS_BUDGET = 250 * 1024;

interface Chunk {
  file: string;
  name?: string;
  src?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}

function readDist() {
  const manifestPath = path.join(dist, '.vite/manifest.json');
  if (!fs.existsSync(manifestPath)) throw new Error(`${manifestPath} is missing: build the web client first (npm run build --workspace @plenum/web)`);
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as Record<string, Chunk>;
  const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
  return { manifest, html };
}

/** The entry and everything it imports statically: the scripts a browser loads before the first page renders. */
function initialChunks(manifest: Record<string, Chunk>): Chunk[] {
  const entry = Object.entries(manifest).find(([, chunk]) => chunk.isEntry);
  if (!entry) throw new Error('the manifest has no entry');
  const seen = new Map<string, Chunk>();
  const visit = (key: string) => {
    if (seen.has(key)) return;
    const chunk = manifest[key];
    if (!chunk) throw new Error(`the manifest names ${key} but has no such chunk`);
    seen.set(key, chunk);
    for (const imported of chunk.imports ?? []) visit(imported);
  };
  visit(entry[0]);
  return [...seen.values()];
}

const gzipped = (file: string) => zlib.gzipSync(fs.readFileSync(path.join(dist, file)), { level: 9 }).length;

/** The chunks the first page must not load, by the source module that starts each. */
const LAZY = {
  meeting: 'src/features/meeting/MeetingScreen.tsx',
  minutesEditor: 'src/features/minutes/MinutesEditor.tsx',
  committee: 'src/features/agenda/CommitteePage.tsx',
  roomList: 'src/features/rooms/MyRoomsPage.tsx',
};

describe('the built web client', () => {
  it(`loads at most ${INITIAL_JS_BUDGET / 1024} kB of gzipped JavaScript for the first page`, () => {
    const { manifest } = readDist();
    const initial = initialChunks(manifest);
    const sizes = initial.map((chunk) => ({ file: chunk.file, gzip: gzipped(chunk.file) }));
    const total = sizes.reduce((sum, s) => sum + s.gzip, 0);
    console.log(`initial JavaScript: ${(total / 1024).toFixed(1)} kB gzipped in ${sizes.length} files (${sizes.map((s) => `${s.file} ${(s.gzip / 1024).toFixed(1)} kB`).join(', ')})`);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(INITIAL_JS_BUDGET);
  });

  it('keeps the meeting screen, the minutes editor, the committee page and the room list out of it', () => {
    const { manifest, html } = readDist();
    const initialFiles = new Set(initialChunks(manifest).map((chunk) => chunk.file));
    for (const [part, src] of Object.entries(LAZY)) {
      const chunk = manifest[src];
      expect(chunk, `${part}: ${src} is its own chunk`).toBeDefined();
      expect(chunk!.isDynamicEntry, part).toBe(true);
      expect(initialFiles.has(chunk!.file), `${part} (${chunk!.file}) is not loaded by the first page`).toBe(false);
      expect(html, part).not.toContain(chunk!.file);
    }
    // TipTap/ProseMirror and the WebRTC engine are in none of the first page's files.
    for (const file of initialFiles) {
      const code = fs.readFileSync(path.join(dist, file), 'utf8');
      expect(code, file).not.toContain('ProseMirror');
      expect(code, file).not.toContain('RTCPeerConnection');
    }
    // The HTML loads exactly the initial chunks (the entry as a script, the rest as modulepreload).
    const referenced = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
    expect(new Set(referenced)).toEqual(initialFiles);
  });

  it('has all its CSS in the first stylesheet (a lazy chunk bringing its own would change the cascade)', () => {
    const { manifest, html } = readDist();
    const entry = Object.values(manifest).find((chunk) => chunk.isEntry)!;
    expect(entry.css?.length).toBe(1);
    expect(html).toContain(`href="/${entry.css![0]}"`);
    for (const chunk of Object.values(manifest)) {
      if (!chunk.isEntry) expect(chunk.css ?? [], chunk.file).toEqual([]);
    }
    const cssFiles = fs.readdirSync(path.join(dist, 'assets')).filter((f) => f.endsWith('.css'));
    expect(cssFiles).toEqual([path.basename(entry.css![0]!)]);
  });

  it('has brotli and gzip copies beside every script and stylesheet above 1 kB, and none beside smaller files', () => {
    const assets = fs.readdirSync(path.join(dist, 'assets'));
    const originals = [...assets.filter((f) => /\.(js|css|svg)$/.test(f)).map((f) => `assets/${f}`), 'index.html'];
    for (const file of originals) {
      const content = fs.readFileSync(path.join(dist, file));
      const br = path.join(dist, `${file}.br`);
      const gz = path.join(dist, `${file}.gz`);
      if (content.length < 1024) {
        expect(fs.existsSync(br) || fs.existsSync(gz), `${file} (${content.length} B) has no copies`).toBe(false);
        continue;
      }
      expect(zlib.brotliDecompressSync(fs.readFileSync(br)).equals(content), `${file}.br`).toBe(true);
      expect(zlib.gunzipSync(fs.readFileSync(gz)).equals(content), `${file}.gz`).toBe(true);
      expect(fs.statSync(br).size, file).toBeLessThan(content.length);
    }
  });
});
