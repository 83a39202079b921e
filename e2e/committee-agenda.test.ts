/**
 * Committee, agenda and live quorum in real Chromium against a real Plenum (no media server: all of it runs
 * over REST and signaling). The owner writes the roster (three members: herself and Alice by account
 * e-mail, Bernd by a personal invite created in the editor) and an agenda of three items in the committee
 * editor. In the meeting the quorum badge follows who of the roster is present; the chair moves to item 2
 * and the members see it, also one who joins later.
 */
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebIfStale, launchChromium } from '../packages/server/src/testing/browsers.ts';
import { CommitteeRepository } from '../packages/server/src/modules/agenda/storage.ts';
import { startTestServer, type TestServer } from '../packages/server/src/testing/server.ts';
import { expectAccessible } from './support/a11y.ts';
import { shoot } from './support/screenshots.ts';

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

async function newPage(session?: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const context = await browser.newContext({ viewport, locale: 'en-US' });
  contexts.push(context);
  if (session) await context.addCookies([{ name: 'plenum_session', value: session, url: server.url }]);
  const page = await context.newPage();
  page.setDefaultTimeout(8_000);
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.type()} ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  return page;
}

const control = (page: Page, name: string) => page.getByRole('group', { name: 'Meeting controls' }).getByRole('button', { name, exact: true });
const tile = (page: Page, name: string) => page.getByRole('figure', { name, exact: true });
const badge = (page: Page) => page.getByTestId('quorum-badge');
const agendaPanel = (page: Page) => page.getByRole('complementary', { name: 'Agenda' });
const row = (page: Page, label: string) => page.getByRole('listitem', { name: label });

async function expectBadge(page: Page, text: string): Promise<void> {
  await expect.poll(async () => ((await badge(page).textContent()) ?? '').replace(/\s+/g, ' ').trim(), { timeout: 8_000 }).toBe(text);
}

describe('committee roster, agenda and quorum in the browser', () => {
  let owner: Awaited<ReturnType<TestServer['loginAs']>>;
  let alice: Awaited<ReturnType<TestServer['loginAs']>>;
  let roomId: string;
  let berndInvite: string;
  let chair: Page;
  let alicePage: Page;
  let bernd: Page;

  it('the owner writes roster, agenda and quorum rule in the committee editor', async () => {
    owner = await server.loginAs('user', 'Clara Chair');
    alice = await server.loginAs('user', 'Alice Member');
    const db = server.services.storage.db;
    await db.updateTable('users').set({ email: 'clara@example.org' }).where('id', '=', owner.userId).execute();
    await db.updateTable('users').set({ email: 'alice@example.org' }).where('id', '=', alice.userId).execute();
    roomId = (await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Building committee' }, owner)).id;

    const page = await newPage(owner.token, { width: 1280, height: 1400 });
    await page.goto(`${server.url}/`);
    await page.getByRole('link', { name: 'Committee, agenda and quorum of Building committee' }).click();
    await page.getByRole('heading', { name: 'Committee: Building committee', level: 1 }).waitFor();

    const members: [string, string | null][] = [
      ['Clara Chair', 'clara@example.org'],
      ['Alice Member', 'alice@example.org'],
      ['Bernd Citizen', null],
    ];
    for (const [i, [name, email]] of members.entries()) {
      await page.getByRole('button', { name: 'Add member' }).click();
      const r = row(page, `Member ${i + 1}`);
      await r.getByLabel('Name').fill(name);
      if (email) await r.getByLabel('Account e-mail (optional)').fill(email);
    }
    await row(page, 'Member 3: Bernd Citizen').getByRole('button', { name: 'Create personal invite for Bernd Citizen' }).click();
    await page.getByText('Personal invite for Bernd Citizen created.', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'Save roster' }).click();
    await page.getByText('Roster saved.').waitFor();
    // The editor sees what it wrote (the address), never whether or whose account it is.
    await row(page, 'Member 2: Alice Member').getByText('Whoever signs in with this address is recognised as this member in the meeting.').waitFor();
    expect(await row(page, 'Member 2: Alice Member').getByLabel('Account e-mail (optional)').inputValue()).toBe('alice@example.org');

    const items: [string, { motion?: string; public?: boolean }][] = [
      ['Opening', {}],
      ['Budget 2027', { motion: 'The committee recommends the budget 2027.' }],
      ['Personnel matter', { public: false, motion: 'Confidential motion' }],
    ];
    for (const [i, [title, opts]] of items.entries()) {
      await page.getByRole('button', { name: 'Add item' }).click();
      const r = row(page, `Item ${i + 1}`);
      await r.getByLabel(`Title of item ${i + 1}`).fill(title);
      if (opts.motion) await r.getByLabel('Motion text (optional)').fill(opts.motion);
      if (opts.public === false) await r.getByLabel('Public').uncheck();
    }
    // Reorder with the buttons: move "Personnel matter" up and back down.
    await page.getByRole('button', { name: 'Move Personnel matter up' }).click();
    await expect.poll(() => row(page, 'Item 2: Personnel matter').count()).toBe(1);
    await page.getByRole('button', { name: 'Move Personnel matter down' }).click();
    await page.getByRole('button', { name: 'Save agenda' }).click();
    await page.getByText('Agenda saved.').waitFor();
    await page.getByLabel('Quorum rule').selectOption('more_than_half');
    await page.getByRole('button', { name: 'Save quorum rule' }).click();
    await page.getByText('Quorum rule saved.').waitFor();
    await expectAccessible(page);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shoot(page, 'committee-editor');

    // What was saved, through the API.
    const roster = await (await fetch(`${server.url}/v1/rooms/${roomId}/roster`, { headers: { cookie: owner.cookie } })).json();
    expect(roster.members.map((m: { display_name: string; user_id: string | null; user_email: string | null }) => [m.display_name, m.user_email, m.user_id])).toEqual([
      ['Clara Chair', 'clara@example.org', null],
      ['Alice Member', 'alice@example.org', null],
      ['Bernd Citizen', null, null],
    ]);
    expect(JSON.stringify(roster)).not.toContain(alice.userId);
    // The accounts behind the addresses, as the meeting sees them.
    expect((await new CommitteeRepository(db).listRoster(roomId)).map((m) => m.user_id)).toEqual([owner.userId, alice.userId, null]);
    berndInvite = roster.members[2].invite_code;
    expect(berndInvite).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const agenda = await (await fetch(`${server.url}/v1/rooms/${roomId}/agenda`, { headers: { cookie: owner.cookie } })).json();
    expect(agenda.items.map((i: { title: string; public: boolean }) => [i.title, i.public])).toEqual([
      ['Opening', true],
      ['Budget 2027', true],
      ['Personnel matter', false],
    ]);
    expect(problems).toEqual([]);
  }, 60_000);

  it('the badge follows members joining and leaving', async () => {
    chair = await newPage(owner.token, { width: 1280, height: 960 });
    await chair.goto(`${server.url}/rooms/${roomId}`);
    await chair.getByRole('button', { name: 'Join now' }).click();
    await tile(chair, 'Clara Chair (you)').waitFor();
    await expectBadge(chair, 'Not quorate (1 of 3 present, 2 required)');

    alicePage = await newPage(alice.token);
    await alicePage.goto(`${server.url}/rooms/${roomId}`);
    await alicePage.getByRole('button', { name: 'Join now' }).click();
    await tile(alicePage, 'Alice Member (you)').waitFor();
    await expectBadge(chair, 'Quorate (2 of 3 present, 2 required)');
    await expectBadge(alicePage, 'Quorate (2 of 3 present, 2 required)');

    await control(alicePage, 'Leave').click();
    await tile(chair, 'Alice Member').waitFor({ state: 'detached' });
    await expectBadge(chair, 'Not quorate (1 of 3 present, 2 required)');

    // Bernd comes with his personal invite link (no account).
    bernd = await newPage();
    await bernd.goto(`${server.url}/invite/${berndInvite}`);
    await bernd.getByLabel('Your name').fill('Bernd Citizen');
    await bernd.getByRole('button', { name: 'Join' }).click();
    await bernd.waitForURL(`${server.url}/rooms/${roomId}`);
    await bernd.getByRole('button', { name: 'Join now' }).click();
    await tile(bernd, 'Bernd Citizen (you)').waitFor();
    await expectBadge(chair, 'Quorate (2 of 3 present, 2 required)');
    await expectBadge(bernd, 'Quorate (2 of 3 present, 2 required)');
    expect(problems).toEqual([]);
  }, 60_000);

  it('the chair moves to item 2; members see it, also one who joins later', async () => {
    // A member has no chair buttons.
    await control(bernd, 'Agenda').click();
    await agendaPanel(bernd).getByText('The chair has not opened an item yet.').waitFor();
    expect(await agendaPanel(bernd).getByRole('button', { name: 'Next item' }).count()).toBe(0);

    await control(chair, 'Agenda').click();
    const panel = agendaPanel(chair);
    await panel.getByRole('button', { name: 'Open first item' }).click();
    await panel.getByTestId('agenda-current').getByText('1. Opening').waitFor();
    await panel.getByRole('button', { name: 'Next item' }).click();
    await panel.getByTestId('agenda-current').getByText('2. Budget 2027').waitFor();

    const current = agendaPanel(bernd).getByTestId('agenda-current');
    await current.getByText('2. Budget 2027').waitFor();
    await current.getByText('The committee recommends the budget 2027.').waitFor();
    expect(await agendaPanel(bernd).locator('[aria-current="step"]').textContent()).toContain('Budget 2027');
    // The non-public item's title is listed, with its mark.
    await agendaPanel(bernd).getByText('non-public').waitFor();
    await bernd.getByText('Now on the agenda: Budget 2027').waitFor({ state: 'attached' });

    // Alice comes back: join_success brings the current item and the quorum.
    await alicePage.goto(`${server.url}/rooms/${roomId}`);
    await alicePage.getByRole('button', { name: 'Join now' }).click();
    await tile(alicePage, 'Alice Member (you)').waitFor();
    await expectBadge(alicePage, 'Quorate (3 of 3 present, 2 required)');
    await expectBadge(chair, 'Quorate (3 of 3 present, 2 required)');
    await control(alicePage, 'Agenda').click();
    await agendaPanel(alicePage).getByTestId('agenda-current').getByText('2. Budget 2027').waitFor();

    await expectAccessible(chair);
    await expectAccessible(bernd);
    await shoot(chair, 'agenda-quorum');
    expect(problems).toEqual([]);
  }, 60_000);

  it('roster and agenda saved on the committee page during the meeting arrive there at once, without "Reload agenda" (#15 defect 3)', async () => {
    const editor = await newPage(owner.token, { width: 1280, height: 1400 });
    await editor.goto(`${server.url}/rooms/${roomId}/committee`);
    await editor.getByRole('heading', { name: 'Committee: Building committee', level: 1 }).waitFor();
    await editor.getByRole('button', { name: 'Add item' }).click();
    await row(editor, 'Item 4').getByLabel('Title of item 4').fill('Any other business');
    await editor.getByRole('button', { name: 'Save agenda' }).click();
    await editor.getByText('Agenda saved.').waitFor();
    // The chair's and a member's open agenda panels list the new item; the current one stays.
    for (const page of [chair, bernd]) {
      await agendaPanel(page).getByText('Any other business').waitFor();
      await agendaPanel(page).getByTestId('agenda-current').getByText('2. Budget 2027').waitFor();
    }

    // A fourth member, absent: everyone's badge counts four seats (three needed) at once.
    await editor.getByRole('button', { name: 'Add member' }).click();
    await row(editor, 'Member 4').getByLabel('Name').fill('Dora Absent');
    await editor.getByRole('button', { name: 'Save roster' }).click();
    await editor.getByText('Roster saved.').waitFor();
    await expectBadge(chair, 'Quorate (3 of 4 present, 3 required)');
    await expectBadge(bernd, 'Quorate (3 of 4 present, 3 required)');
    expect(await agendaPanel(chair).getByRole('button', { name: 'Reload agenda' }).count()).toBe(1);
    expect(problems).toEqual([]);
  }, 60_000);
});
