/**
 * First-load benchmark (issue #14): bytes and time until the start page is usable (its "Log in" button shown)
 * on a first visit (empty cache) and a second visit (same browser cache), in headless Chromium, per link:
 * Plenum's own delivery (precompressed brotli/gzip, immutable hashed assets, revalidated shell) next to a
 * reference server in the same run that serves the same build as Plenum did before (uncompressed,
 * `Cache-Control: public, max-age=0`: every visit revalidates every file). Ratios are Plenum / reference.
 *
 *   node --import tsx bench/first-load.ts       (or npm run bench:first-load)
 *
 * Knobs (environment): LINKS (comma-separated, `unshaped` or kbit/s, default `unshaped,1000,300`), RTT_MS
 * (added round-trip time on shaped links, default 150), RUNS (per link and server, default 3). Links are
 * shaped with Chromium's network emulation (download and upload throughput, latency), not in the kernel.
 * Not a test: it prints figures; docs/benchmarks.md records them.
 */
import os from 'node:os';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify from 'fastify';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { buildWebIfStale, launchChromium, repoRoot } from '../packages/server/src/testing/browsers.ts';
import { startTestServer } from '../packages/server/src/testing/server.ts';

const links = (process.env.LINKS ?? 'unshaped,1000,300').split(',').map((l) => l.trim());
const rttMs = Number(process.env.RTT_MS ?? 150);
const runs = Number(process.env.RUNS ?? 3);
const dist = path.join(repoRoot, 'packages/web/dist');

interface Visit {
  ms: number;
  bytes: number;
  scriptBytes: number;
  requests: number;
}

/** The reference: the same dist as Plenum served it before issue #14 (no compression, max-age=0 + ETag). */
async function startReference(): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify();
  await app.register(fastifyStatic, { root: dist, prefix: '/', index: ['index.html'], globIgnore: ['**/*.br', '**/*.gz'] });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

async function shape(cdp: CDPSession, link: string): Promise<void> {
  if (link === 'unshaped') return;
  const bytesPerSecond = (Number(link) * 1000) / 8;
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: rttMs, downloadThroughput: bytesPerSecond, uploadThroughput: bytesPerSecond });
}

/** One visit of `/` until the "Log in" button is shown; bytes as the network layer counted them (headers included). */
async function visit(page: Page, cdp: CDPSession, url: string): Promise<Visit> {
  const sizes = new Map<string, number>();
  const urls = new Map<string, string>();
  const onSent = ({ requestId, request }: { requestId: string; request: { url: string } }) => urls.set(requestId, request.url);
  const onFinished = ({ requestId, encodedDataLength }: { requestId: string; encodedDataLength: number }) => sizes.set(requestId, encodedDataLength);
  cdp.on('Network.requestWillBeSent', onSent);
  cdp.on('Network.loadingFinished', onFinished);
  await page.goto(`${url}/`, { waitUntil: 'commit', timeout: 600_000 });
  await page.getByRole('link', { name: 'Log in' }).waitFor({ timeout: 600_000 });
  const ms = await page.evaluate(() => performance.now());
  // Wait until the network is quiet, so every response of this visit is counted.
  await page.waitForLoadState('networkidle', { timeout: 600_000 });
  cdp.off('Network.requestWillBeSent', onSent);
  cdp.off('Network.loadingFinished', onFinished);
  let bytes = 0;
  let scriptBytes = 0;
  for (const [id, size] of sizes) {
    bytes += size;
    if (urls.get(id)?.endsWith('.js')) scriptBytes += size;
  }
  return { ms, bytes, scriptBytes, requests: sizes.size };
}

/** First and second visit in a fresh browser context (empty cache), `runs` times; medians. */
async function measure(browser: Browser, url: string, link: string): Promise<{ first: Visit; second: Visit }> {
  const firsts: Visit[] = [];
  const seconds: Visit[] = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
    try {
      for (const list of [firsts, seconds]) {
        const page = await context.newPage();
        const cdp = await context.newCDPSession(page);
        await cdp.send('Network.enable');
        await shape(cdp, link);
        list.push(await visit(page, cdp, url));
        await page.close();
      }
    } finally {
      await context.close();
    }
  }
  return { first: median(firsts), second: median(seconds) };
}

function median(visits: Visit[]): Visit {
  const mid = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return {
    ms: mid(visits.map((v) => v.ms)),
    bytes: mid(visits.map((v) => v.bytes)),
    scriptBytes: mid(visits.map((v) => v.scriptBytes)),
    requests: mid(visits.map((v) => v.requests)),
  };
}

const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const ratio = (a: number, b: number) => (b === 0 ? (a === 0 ? '–' : '∞') : (a / b).toFixed(2));

async function main(): Promise<void> {
  console.log(`first-load benchmark: links ${links.join(', ')} (RTT ${rttMs} ms when shaped), ${runs} runs each; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  buildWebIfStale();
  const plenum = await startTestServer({ web: true });
  const reference = await startReference();
  const browser = await launchChromium();
  try {
    console.log('| link | visit | Plenum time | Plenum bytes (scripts) | reference time | reference bytes (scripts) | time ratio | bytes ratio |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const link of links) {
      const ours = await measure(browser, plenum.url, link);
      const theirs = await measure(browser, reference.url, link);
      for (const which of ['first', 'second'] as const) {
        const a = ours[which];
        const b = theirs[which];
        console.log(
          `| ${link === 'unshaped' ? 'unshaped' : `${link} kbit/s`} | ${which} | ${s(a.ms)} | ${kB(a.bytes)} (${kB(a.scriptBytes)}) | ${s(b.ms)} | ${kB(b.bytes)} (${kB(b.scriptBytes)}) | ${ratio(a.ms, b.ms)} | ${ratio(a.bytes, b.bytes)} |`,
        );
      }
    }
  } finally {
    await browser.close();
    await reference.close();
    await plenum.close();
  }
  console.log(`load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

await main();
