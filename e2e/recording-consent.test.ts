/**
 * The recording's consent prompt and indicator in real Chromium against a real Plenum (no media server; the
 * recorder is a stand-in, the pipeline has its own tests): the chair starts a recording from the control bar,
 * everyone gets the consent dialog (focus on "No", Escape declines, no axe violations), the header shows
 * "Recording" in words with whether one is recorded, and a guest can change their answer; stopping ends it for all.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecorderLauncher } from '../packages/server/src/modules/recording/pipeline.ts';
import { buildWebIfStale, launchChromium } from '../packages/server/src/testing/browsers.ts';
import { startTestServer, type TestServer } from '../packages/server/src/testing/server.ts';
import { expectAccessible } from './support/a11y.ts';
import { openPage } from './support/pages.ts';

let server: TestServer;
let browser: Browser;
let dir = '';
const contexts: BrowserContext[] = [];
const problems: string[] = [];

/** A recorder that records nothing: started and stopped like the real one. */
const standIn: RecorderLauncher = {
  start: async ({ file }) => ({
    file,
    slots: [],
    stop: () => Promise.resolve({ clean: true, sizeBytes: 0, sha256: '0'.repeat(64) }),
    onFailure: () => {},
  }),
};

beforeAll(async () => {
  buildWebIfStale();
  [server, browser] = await Promise.all([startTestServer({ web: true }), launchChromium()]);
  dir = mkdtempSync(path.join(tmpdir(), 'plenum-rec-ui-'));
  server.services.recorder = { dir, launcher: standIn };
}, 180_000);

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => {})));
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const newPage = (session?: string): Promise<Page> => openPage(browser, server.url, { contexts, problems }, session);

const control = (page: Page, name: string) => page.getByRole('group', { name: 'Meeting controls' }).getByRole('button', { name, exact: true });
const tile = (page: Page, name: string) => page.getByRole('figure', { name, exact: true });
const consentDialog = (page: Page) => page.getByRole('dialog', { name: 'This meeting is being recorded' });
const indicator = (page: Page) => page.getByRole('status').filter({ hasText: 'Recording' });

describe('recording consent in the browser', () => {
  it('asks everyone, shows who is recorded, lets a guest change their mind, and ends for all', async () => {
    const owner = await server.loginAs('user', 'Clara Chair');
    const roomId = (await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Council' }, owner)).id;
    const inviteCode = (await server.api<{ code: string }>('POST', `/v1/rooms/${roomId}/invites`, {}, owner)).code;
    const chair = await newPage(owner.token);
    await chair.goto(`${server.url}/rooms/${roomId}`);
    await chair.getByRole('button', { name: 'Join now' }).click();
    await tile(chair, 'Clara Chair (you)').waitFor();
    const guest = await newPage();
    await guest.goto(`${server.url}/invite/${inviteCode}`);
    await guest.getByLabel('Your name').fill('Anna Guest');
    await guest.getByRole('button', { name: 'Join' }).click();
    await guest.waitForURL(`${server.url}/rooms/${roomId}`);
    await guest.getByRole('button', { name: 'Join now' }).click();
    await tile(guest, 'Anna Guest (you)').waitFor();
    // Guests have no recording control.
    expect(await control(guest, 'Start recording').count()).toBe(0);

    await control(chair, 'Start recording').click();
    for (const page of [chair, guest]) {
      await consentDialog(page).waitFor();
      // "No" has the focus: Enter by accident records nobody.
      await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('No, do not record me');
    }
    await expectAccessible(guest);
    await guest.screenshot({ path: '/tmp/plenum-recording-consent.png' });

    // Escape declines; the chair agrees.
    await guest.keyboard.press('Escape');
    await consentDialog(guest).waitFor({ state: 'hidden' });
    await consentDialog(chair).getByRole('button', { name: 'Yes, record me' }).click();
    await indicator(chair).filter({ hasText: 'You are being recorded' }).waitFor();
    await indicator(guest).filter({ hasText: 'You are not recorded' }).waitFor();
    await expect.poll(() => control(chair, 'Stop recording').count()).toBe(1);
    await chair.screenshot({ path: '/tmp/plenum-recording-indicator.png' });

    // The guest changes their mind.
    await indicator(guest).getByRole('button', { name: 'Change my answer' }).click();
    await consentDialog(guest).getByRole('button', { name: 'Yes, record me' }).click();
    await indicator(guest).filter({ hasText: 'You are being recorded' }).waitFor();

    await control(chair, 'Stop recording').click();
    for (const page of [chair, guest]) await indicator(page).waitFor({ state: 'hidden' });
    await control(chair, 'Start recording').waitFor();
    expect(problems).toEqual([]);
  }, 120_000);
});
