/**
 * The committee editor shows each roster member with a personal invite link their personal phone PIN (issue #12):
 * the owner sees "Phone PIN 12345678" beside Anna's and Bernd's links, none for a member linked by account, and
 * the German page says "Telefon-PIN". A screenshot goes to the temp directory for a look.
 */
import os from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebIfStale, launchChromium } from '../packages/server/src/testing/browsers.ts';
import { startTestServer, type TestServer } from '../packages/server/src/testing/server.ts';
import { expectAccessible } from './support/a11y.ts';

let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  buildWebIfStale();
  server = await startTestServer({ web: true, env: { TELEPHONE_SERVICE_TOKEN: 'telephone-service-token-for-tests-0123456789' } });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => {})));
  await browser?.close();
  await server?.close();
});

describe('personal phone PINs in the committee editor', () => {
  it('shows the PIN beside each member\u2019s personal invite link, in English and German', async () => {
    const owner = await server.loginAs('user', 'Olga Owner');
    const room = await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Hauptausschuss' }, owner);
    const invite = async (label: string) => (await server.api<{ code: string }>('POST', `/v1/rooms/${room.id}/invites`, { label }, owner)).code;
    const [anna, bernd] = [await invite('Anna Amsel'), await invite('Bernd Berger')];
    await server.api('PUT', `/v1/rooms/${room.id}/roster`, {
      members: [
        { display_name: 'Olga Owner', user_id: owner.userId, role: 'member' },
        { display_name: 'Anna Amsel', invite_code: anna, role: 'member' },
        { display_name: 'Bernd Berger', invite_code: bernd, role: 'member' },
      ],
    }, owner);
    const pins = await server.api<{ invite_code: string; pin: string }[]>('GET', `/v1/rooms/${room.id}/telephone/personal-pins`, undefined, owner);
    const pinOf = (code: string) => pins.find((p) => p.invite_code === code)!.pin;

    for (const [locale, label, renew] of [['en-US', 'Phone PIN', 'New phone PIN'], ['de-DE', 'Telefon-PIN', 'Neue Telefon-PIN']] as const) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale });
      contexts.push(context);
      await context.addCookies([{ name: 'plenum_session', value: owner.token, url: server.url }]);
      const page = await context.newPage();
      page.setDefaultTimeout(8_000);
      await page.goto(`${server.url}/rooms/${room.id}/committee`);
      const row = (n: number) => page.locator('li.committee-row').nth(n);
      await expect.poll(async () => (await row(1).locator('.phone-pin').textContent())?.replace(/\s+/g, ' ').trim()).toBe(`${label} ${pinOf(anna)} ${renew}`);
      expect((await row(2).locator('.phone-pin').textContent())?.replace(/\s+/g, ' ').trim()).toBe(`${label} ${pinOf(bernd)} ${renew}`);
      expect(await row(0).locator('.phone-pin').count()).toBe(0);
      await expectAccessible(page);
      await page.screenshot({ path: path.join(os.tmpdir(), `committee-phone-pins-${locale}.png`), fullPage: true });
    }

    // The owner gives Anna a new phone PIN (after a confirmation): the page shows the one the server now has.
    const page = await contexts[0]!.newPage();
    await page.goto(`${server.url}/rooms/${room.id}/committee`);
    await page.getByRole('button', { name: 'New phone PIN for Anna Amsel' }).click();
    const dialog = page.getByRole('dialog', { name: 'Give Anna Amsel a new phone PIN?' });
    await expectAccessible(page);
    await page.screenshot({ path: path.join(os.tmpdir(), 'committee-phone-pins-renew.png') });
    await dialog.getByRole('button', { name: 'New phone PIN' }).click();
    await expect.poll(async () => (await page.getByRole('status').textContent()) ?? '').toContain('Anna Amsel has a new phone PIN.');
    const after = await server.api<{ invite_code: string; pin: string }[]>('GET', `/v1/rooms/${room.id}/telephone/personal-pins`, undefined, owner);
    const renewed = after.find((p) => p.invite_code === anna)!.pin;
    expect(renewed).not.toBe(pinOf(anna));
    expect(after.find((p) => p.invite_code === bernd)!.pin).toBe(pinOf(bernd));
    expect((await page.locator('li.committee-row').nth(1).locator('.phone-pin code').textContent())?.trim()).toBe(renewed);
  });
});
