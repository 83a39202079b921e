/**
 * Chat and raised hands in real Chromium against a real Plenum (no media server: these features run over
 * signaling only, which keeps the test fast): a logged-in chair (room owner, moderator) and two guests who
 * join through an invite link. Asserts what each person sees; a dialog (e.g. an alert from injected markup)
 * fails the test.
 */
import { PROTOCOL_VERSION, SIGNALING_SUBPROTOCOL } from '@plenum/protocol';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildWebIfStale, launchChromium } from '../packages/server/src/testing/browsers.ts';
import { expectAccessible } from './support/a11y.ts';
import { shoot } from './support/screenshots.ts';
import { startTestServer, type TestServer } from '../packages/server/src/testing/server.ts';


let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
const problems: string[] = [];

beforeAll(async () => {
  buildWebIfStale();
  server = await startTestServer({ web: true });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => {})));
  await browser?.close();
  await server?.close();
});

const api = <T>(method: string, urlPath: string, body: unknown, user?: { cookie: string; csrf: string }) => server.api<T>(method, urlPath, body, user);

async function newPage(session?: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  contexts.push(context);
  if (session) await context.addCookies([{ name: 'plenum_session', value: session, url: server.url }]);
  const page = await context.newPage();
  // Fail with the locator that did not appear, well before the test's own timeout.
  page.setDefaultTimeout(8_000);
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.type()} ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  return page;
}

const control = (page: Page, name: string) => page.getByRole('group', { name: 'Meeting controls' }).getByRole('button', { name, exact: true });
const chatPanel = (page: Page) => page.getByRole('complementary', { name: 'Chat' });
const tile = (page: Page, name: string) => page.getByRole('figure', { name, exact: true });

/** Picks a conversation by the start of its name (the option text may end with an unread count). */
async function chooseConversation(page: Page, name: string): Promise<void> {
  const select = chatPanel(page).getByLabel('Conversation');
  const value = await select.locator('option', { hasText: name }).getAttribute('value');
  await select.selectOption(value!);
}

describe('chat and raised hands in the browser', () => {
  let chair: Page;
  let anna: Page;
  let ben: Page;
  let roomId = '';
  let inviteCode = '';

  it('lets a chair and two invited guests join', async () => {
    const owner = await server.loginAs('user', 'Clara Chair');
    roomId = (await api<{ id: string }>('POST', '/v1/rooms', { name: 'Council' }, owner)).id;
    inviteCode = (await api<{ code: string }>('POST', `/v1/rooms/${roomId}/invites`, {}, owner)).code;

    chair = await newPage(owner.token);
    await chair.goto(`${server.url}/rooms/${roomId}`);
    await chair.getByRole('button', { name: 'Join now' }).click();
    await tile(chair, 'Clara Chair (you)').waitFor();

    async function guestJoins(name: string): Promise<Page> {
      const page = await newPage();
      await page.goto(`${server.url}/invite/${inviteCode}`);
      await page.getByLabel('Your name').fill(name);
      await page.getByRole('button', { name: 'Join' }).click();
      await page.waitForURL(`${server.url}/rooms/${roomId}`);
      await page.getByRole('button', { name: 'Join now' }).click();
      await tile(page, `${name} (you)`).waitFor();
      return page;
    }
    anna = await guestJoins('Anna Guest');
    ben = await guestJoins('Ben Guest');
    for (const page of [chair, anna]) await tile(page, 'Ben Guest').waitFor();
    // The name on a guest's tile is marked as a guest's.
    expect(await tile(chair, 'Ben Guest').locator('.tile-name').textContent()).toBe('Ben Guest Guest');
  }, 40_000);

  it('shows markup in a message as literal text and a URL as a safe link, without running anything', async () => {
    const evil = '<script>alert(1)</script> see https://example.org';
    await control(anna, 'Chat').click();
    const composer = chatPanel(anna).getByLabel('Message to Everyone');
    await composer.fill(evil);
    await composer.press('Enter');
    await chatPanel(anna).getByText('<script>alert(1)</script> see').waitFor();
    expect(await composer.inputValue()).toBe('');

    for (const page of [chair, ben]) {
      // The unread badge, then the message as text with a link.
      await expect.poll(() => control(page, 'Chat').getAttribute('aria-describedby'), { timeout: 5_000 }).toBeTruthy();
      const described = await control(page, 'Chat').getAttribute('aria-describedby');
      expect(await page.locator(`[id="${described}"]`).textContent()).toBe('1 unread message');
      await control(page, 'Chat').click();
      const list = chatPanel(page).getByRole('list', { name: 'Messages – Everyone' });
      const item = list.getByRole('listitem').filter({ hasText: 'Anna Guest' });
      await item.getByText('<script>alert(1)</script> see').waitFor();
      // A guest picks their own name, so the sender carries the guest mark (finding 10 of #11).
      expect(await item.locator('.chat-sender').textContent()).toBe('Anna Guest Guest');
      const link = item.getByRole('link', { name: 'https://example.org' });
      expect(await link.getAttribute('href')).toBe('https://example.org/');
      expect(await link.getAttribute('target')).toBe('_blank');
      expect(await link.getAttribute('rel')).toBe('noopener noreferrer nofollow');
      expect(await chatPanel(page).locator('script').count()).toBe(0);
      expect(await control(page, 'Chat').getAttribute('aria-describedby')).toBeNull();
    }
    expect(problems).toEqual([]);
  }, 20_000);

  it('delivers a private message only to its recipient', async () => {
    await chooseConversation(ben, 'Private: Clara Chair');
    const composer = chatPanel(ben).getByLabel('Message to Private: Clara Chair');
    await composer.fill('Only for the chair');
    await chatPanel(ben).getByRole('button', { name: 'Send' }).click();
    await chatPanel(ben).getByText('Only for the chair').waitFor();

    // The chair's open "Everyone" conversation does not show it; the private one is marked unread.
    const option = chatPanel(chair).getByLabel('Conversation').locator('option', { hasText: 'Private: Ben Guest' });
    await expect.poll(() => option.textContent(), { timeout: 5_000 }).toBe('Private: Ben Guest (1 unread message)');
    await chooseConversation(chair, 'Private: Ben Guest');
    await chatPanel(chair).getByRole('list', { name: 'Messages – Private: Ben Guest' }).getByText('Only for the chair').waitFor();
    await expectAccessible(chair);
    await shoot(chair, 'chat-private');

    // Anna never sees it, in any conversation.
    for (const name of ['Everyone', 'Private: Ben Guest', 'Private: Clara Chair']) {
      await chooseConversation(anna, name);
      expect(await chatPanel(anna).getByText('Only for the chair').count()).toBe(0);
    }
    expect(await anna.getByText('Only for the chair').count()).toBe(0);
  }, 20_000);

  it('lets the chair write to a chosen group', async () => {
    await chatPanel(chair).getByRole('button', { name: 'New group message' }).click();
    const picker = chatPanel(chair).getByRole('group', { name: 'Send to these participants (at least two)' });
    await picker.getByLabel('Anna Guest').check();
    expect(await picker.getByRole('button', { name: 'Start group conversation' }).isDisabled()).toBe(true);
    await picker.getByLabel('Ben Guest').check();
    await picker.getByRole('button', { name: 'Start group conversation' }).click();
    const composer = chatPanel(chair).getByLabel(/^Message to Group: /);
    await composer.fill('For both of you');
    await composer.press('Enter');
    for (const page of [anna, ben]) {
      await chooseConversation(page, 'Group: ');
      await chatPanel(page).getByRole('list', { name: /^Messages – Group: / }).getByText('For both of you').waitFor();
    }
    // Not in the room chat.
    await chooseConversation(anna, 'Everyone');
    expect(await chatPanel(anna).getByText('For both of you').count()).toBe(0);
  }, 20_000);

  it('shows raised hands in order to the chair, who lowers them all', async () => {
    await control(ben, 'Raise hand').click();
    await expect.poll(() => control(ben, 'Raise hand').getAttribute('aria-pressed')).toBe('true');
    await control(anna, 'Raise hand').click();
    await expect.poll(() => control(anna, 'Raise hand').getAttribute('aria-pressed')).toBe('true');

    // Announced to the chair, and visible on the tiles.
    await chair.getByText('Ben Guest (guest) raised a hand').waitFor({ state: 'attached' });
    await chair.getByText('Anna Guest (guest) raised a hand').waitFor({ state: 'attached' });
    for (const name of ['Anna Guest', 'Ben Guest']) await tile(chair, name).getByRole('img', { name: 'Hand raised' }).waitFor();
    expect(await tile(chair, 'Clara Chair (you)').getByRole('img', { name: 'Hand raised' }).count()).toBe(0);

    await control(chair, 'Participants').click();
    const raised = chair.getByRole('region', { name: /Raised hands/ });
    await expect.poll(() => raised.getByRole('listitem').allTextContents()).toEqual([expect.stringContaining('Ben Guest'), expect.stringContaining('Anna Guest')]);
    await raised.getByRole('button', { name: 'Lower hand of Ben Guest' }).waitFor();
    await expectAccessible(chair);
    await shoot(chair, 'hands-raised');
    // Guests see the queue too, without the moderator's buttons.
    await control(anna, 'Participants').click();
    const annaRaised = anna.getByRole('region', { name: /Raised hands/ });
    await expect.poll(() => annaRaised.getByRole('listitem').count()).toBe(2);
    expect(await annaRaised.getByRole('button').count()).toBe(0);

    await raised.getByRole('button', { name: 'Lower all' }).click();
    await raised.getByText('No hands raised.').waitFor();
    for (const page of [anna, ben]) await expect.poll(() => control(page, 'Raise hand').getAttribute('aria-pressed')).toBe('false');
    await annaRaised.getByText('No hands raised.').waitFor();
    for (const name of ['Anna Guest', 'Ben Guest']) expect(await tile(chair, name).getByRole('img', { name: 'Hand raised' }).count()).toBe(0);
    await anna.getByText('A moderator lowered your hand.').waitFor({ state: 'attached' });
    await control(anna, 'Participants').click();
  }, 20_000);

  it('lets the chair switch the chat off: guests cannot write, and a forced send is refused', async () => {
    await control(chair, 'Chat').click();
    await chatPanel(chair).getByRole('button', { name: 'Switch chat off' }).click();
    await chatPanel(chair).getByRole('button', { name: 'Switch chat on' }).waitFor();

    await control(anna, 'Chat').click();
    await chatPanel(anna).getByText('A moderator has switched the chat off. You can read, but not write.').waitFor();
    await chooseConversation(anna, 'Everyone');
    expect(await chatPanel(anna).getByLabel('Message to Everyone').isDisabled()).toBe(true);
    expect(await chatPanel(anna).getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    await expectAccessible(anna);
    await shoot(anna, 'chat-disabled');

    // A client that ignores the UI: another guest from the same invite, straight over signaling.
    const start = await api<{ ticket: string }>('POST', `/v1/rooms/${roomId}/start-invited`, { invite_code: inviteCode, display_name: 'Forced Client' });
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/signaling`, [SIGNALING_SUBPROTOCOL, `ticket.${start.ticket}`], { origin: server.url });
    const received: { namespace: string; payload: { message: string; [k: string]: unknown } }[] = [];
    ws.on('message', (data) => received.push(JSON.parse(data.toString())));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    try {
      ws.send(JSON.stringify({ namespace: 'control', payload: { action: 'join', protocol_version: PROTOCOL_VERSION } }));
      await expect.poll(() => received.some((m) => m.payload.message === 'join_success'), { timeout: 5_000 }).toBe(true);
      const join = received.find((m) => m.payload.message === 'join_success')!.payload as unknown as { modules: { chat: { enabled: boolean; messages: { text: string }[] } } };
      expect(join.modules.chat.enabled).toBe(false);
      // A newcomer sees the room history, but not the private message between Ben and the chair.
      expect(join.modules.chat.messages.map((m) => m.text)).toEqual(['<script>alert(1)</script> see https://example.org']);
      ws.send(JSON.stringify({ namespace: 'chat', payload: { action: 'send_message', text: 'forced', to: { scope: 'room' } } }));
      ws.send(JSON.stringify({ namespace: 'chat', payload: { action: 'clear_history' } }));
      await expect.poll(() => received.filter((m) => m.namespace === 'chat' && m.payload.message === 'error').map((m) => m.payload.error), { timeout: 5_000 }).toEqual(['chat_disabled', 'forbidden']);
    } finally {
      ws.close();
    }
    await chair.waitForTimeout(300);
    for (const page of [chair, anna]) expect(await chatPanel(page).getByText('forced', { exact: true }).count()).toBe(0);

    // The chair can still write, and clears the history after confirming.
    const composer = chatPanel(chair).getByLabel('Message to Everyone');
    await chooseConversation(chair, 'Everyone');
    await composer.fill('Order, please.');
    await composer.press('Enter');
    await chatPanel(anna).getByText('Order, please.').waitFor();
    await chatPanel(chair).getByRole('button', { name: 'Clear history' }).click();
    const dialog = chair.getByRole('dialog', { name: 'Clear the chat history?' });
    await dialog.getByRole('button', { name: 'Clear for everyone' }).click();
    for (const page of [chair, anna]) await chatPanel(page).getByText('No messages yet.').waitFor();
    expect(problems).toEqual([]);
  }, 20_000);
});
