// Shared by every browser test: Debian's Chromium with the flags DEVELOPERS.md prescribes, and a web build that is never stale.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Without the background-networking flags Chromium keeps dialling out into a closed network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
];

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...extraArgs] });
}

function newestMtime(p: string): number {
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...fs.readdirSync(p).map((entry) => newestMtime(path.join(p, entry))));
}

/** Rebuilds packages/web/dist when a source is newer than the build (setup.sh builds once before the suite). */
export function buildWebIfStale(): void {
  const web = path.join(repoRoot, 'packages/web');
  const index = path.join(web, 'dist/index.html');
  const sources = [path.join(web, 'src'), path.join(web, 'index.html'), path.join(web, 'vite.config.ts'), path.join(web, 'precompress.ts'), path.join(repoRoot, 'packages/protocol/src')];
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs > Math.max(...sources.map(newestMtime))) return;
  // vitest sets NODE_ENV=test, and Vite builds React's development bundle for any NODE_ENV but production:
  // three times the size and much slower, which made browser tests time out on a loaded machine.
  execFileSync('npm', ['run', '-s', 'build', '-w', '@plenum/web'], { cwd: repoRoot, stdio: 'pipe', timeout: 120_000, env: { ...process.env, NODE_ENV: 'production' } });
}
