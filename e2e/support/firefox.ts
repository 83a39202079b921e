/**
 * Firefox ESR for the end-to-end tests: Debian's /usr/bin/firefox-esr (installed by scripts/setup.sh in `test`
 * mode), driven by puppeteer-core over WebDriver BiDi. puppeteer-core never downloads a browser; this is the
 * Firefox that public administrations run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export const FIREFOX_ESR = '/usr/bin/firefox-esr';

/** Preferences that stand in for a person at the machine: a fake camera and microphone, permission given. */
const prefs: Record<string, unknown> = {
  // Firefox's own fake devices: a colour-cycling picture and a quiet tone.
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  // Janus listens on 127.0.0.1 only: let Firefox offer loopback candidates too (ESR 153 also connected without it here).
  'media.peerconnection.ice.loopback': true,
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  'intl.accept_languages': 'en-US',
  'intl.locale.requested': 'en-US',
  // No traffic to Mozilla: the test machine reaches only 127.0.0.1.
  'app.update.enabled': false,
  'browser.shell.checkDefaultBrowser': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
};

export interface FirefoxEsr {
  browser: Browser;
  version: string;
  close(): Promise<void>;
}

export async function launchFirefoxEsr(): Promise<FirefoxEsr> {
  // A fresh profile per launch: no state from an earlier run, and removed again on close.
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-firefox-'));
  try {
    const browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX_ESR,
      headless: true,
      protocol: 'webDriverBiDi',
      userDataDir: profile,
      extraPrefsFirefox: prefs,
      timeout: 30_000,
    });
    return {
      browser,
      version: await browser.version(),
      async close() {
        await browser.close().catch(() => {});
        fs.rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}

/** A new page that has `window.__plenumTestHooks` before the app's scripts run (see packages/web/src/meeting/testHooks.ts). */
export async function newFirefoxPage(browser: Browser, problems: string[]): Promise<Page> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  await page.evaluateOnNewDocument(() => {
    (window as unknown as { __plenumTestHooks: object }).__plenumTestHooks = {};
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`firefox console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`firefox pageerror: ${err instanceof Error ? err.message : String(err)}`));
  return page;
}

/** A selector for what a person perceives: the element with this accessible role and name (exact). */
export function byRole(role: string, name: string): string {
  return `::-p-aria([name=${JSON.stringify(name)}][role=${JSON.stringify(role)}])`;
}
