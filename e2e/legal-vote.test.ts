/**
 * Legal votes in real Chromium against a real Plenum (no media server: votes run over signaling only).
 * A council room with a roster of three voting members — two with accounts, one guest who comes with her
 * personal invite link — and a chair (the room's owner, not on the roster, so not eligible). The chair runs
 * a roll-call vote linked to an agenda item; the members vote through the ballot; everyone sees the result
 * with names. Then a pseudonymous vote: a member reads her receipt token from the page and, after the
 * result, finds the same token in the published list, marked as hers. A second device of a member who has
 * voted already shows that the ballot was recorded and offers no second one. Last, a secret candidate vote: a
 * member reports a technical problem (the chair sees it), and the chair cancels the vote with a reason.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LegalVoteExport } from '../packages/protocol/src/index.ts';
import { buildWebIfStale, launchChromium } from '../packages/server/src/testing/browsers.ts';
import { startTestServer, type TestServer } from '../packages/server/src/testing/server.ts';
import { expectAccessible } from './support/a11y.ts';
import { shoot } from './support/screenshots.ts';

let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
const problems: string[] = [];
/** Signaling connections each page opened: more than one means it resumed (said when a step fails). */
const signalingSockets = new WeakMap<Page, number>();

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

async function newPage(session?: string): Promise<Page> {
  // A council in Germany: the browsers are in Berlin time, so reports must be too (#15 defect 2).
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'Europe/Berlin' });
  contexts.push(context);
  if (session) await context.addCookies([{ name: 'plenum_session', value: session, url: server.url }]);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.type()} ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('websocket', (ws) => {
    if (ws.url().includes('/signaling')) signalingSockets.set(page, (signalingSockets.get(page) ?? 0) + 1);
  });
  return page;
}

const control = (page: Page, name: string) => page.getByRole('group', { name: 'Meeting controls' }).getByRole('button', { name, exact: true });
const tile = (page: Page, name: string) => page.getByRole('figure', { name, exact: true });
const votesPanel = (page: Page) => page.getByRole('complementary', { name: 'Votes' });
const minutesPanel = (page: Page) => page.getByRole('complementary', { name: 'Minutes' });
const minutesEditor = (page: Page) => minutesPanel(page).getByRole('textbox', { name: 'Minutes text' });

async function openVotes(page: Page): Promise<void> {
  if ((await control(page, 'Votes').getAttribute('aria-pressed')) !== 'true') await control(page, 'Votes').click();
  await votesPanel(page).waitFor();
}

/** The chair starts a vote through the "Start vote" dialog. */
async function startVote(chair: Page, opts: { title: string; kind: string; agendaItem?: string; check?: (dialog: ReturnType<Page['getByRole']>) => Promise<void> }) {
  await openVotes(chair);
  await votesPanel(chair).getByRole('button', { name: 'Start vote' }).click();
  const dialog = chair.getByRole('dialog', { name: 'Start a vote' });
  await dialog.getByLabel('Motion or question').fill(opts.title);
  if (opts.agendaItem) await dialog.getByLabel('Agenda item').selectOption({ label: opts.agendaItem });
  await dialog.getByRole('radio', { name: new RegExp(`^${opts.kind}`) }).check();
  expect(await dialog.getByLabel('Allow abstention').isChecked()).toBe(true);
  await opts.check?.(dialog);
  await dialog.getByRole('button', { name: 'Start vote' }).click();
  await dialog.waitFor({ state: 'detached' });
}

/**
 * Casts a ballot and waits for the confirmation. The last ballot closes the vote at once (auto-close): then the
 * confirmation is the result's "Your ballot: counted as …" line (for roll-call and pseudonymous votes).
 */
async function castBallot(page: Page, title: string, choice: string, last = false): Promise<void> {
  await openVotes(page);
  const panel = votesPanel(page);
  await panel.getByRole('group', { name: title }).getByRole('radio', { name: choice, exact: true }).check();
  await panel.getByRole('button', { name: 'Submit ballot' }).click();
  if (last) await panel.getByRole('region', { name: 'Result' }).getByText(`Your ballot: counted as ${choice}`).waitFor();
  else await panel.getByRole('status').filter({ hasText: `Your ballot was recorded: ${choice}` }).waitFor();
  expect(await panel.getByRole('group', { name: title }).count()).toBe(0);
}

describe('legal votes in the browser', () => {
  let chair: Page;
  let max: Page;
  let maxSecondDevice: Page;
  let nina: Page;
  let gina: Page;
  let members: Page[] = [];
  let owner: Awaited<ReturnType<TestServer['loginAs']>>;
  let maxUser: Awaited<ReturnType<TestServer['loginAs']>>;

  it('lets a chair, two members with accounts, a member with a personal invite and a second device join', async () => {
    owner = await server.loginAs('user', 'Clara Chair');
    maxUser = await server.loginAs('user', 'Max Member');
    const ninaUser = await server.loginAs('user', 'Nina Member');
    const roomId = (await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Council' }, owner)).id;
    const ginaInvite = (await server.api<{ code: string }>('POST', `/v1/rooms/${roomId}/invites`, { label: 'Gina' }, owner)).code;
    // Other people's accounts are linked by e-mail address (by id only one's own).
    await server.services.storage.db.updateTable('users').set({ email: 'max@example.org' }).where('id', '=', maxUser.userId).execute();
    await server.services.storage.db.updateTable('users').set({ email: 'nina@example.org' }).where('id', '=', ninaUser.userId).execute();
    await server.api('PUT', `/v1/rooms/${roomId}/roster`, {
      members: [
        { display_name: 'Max Member', user_email: 'max@example.org', role: 'member', voting: true },
        { display_name: 'Nina Member', user_email: 'nina@example.org', role: 'member', voting: true },
        { display_name: 'Gina Guest', invite_code: ginaInvite, role: 'member', voting: true },
      ],
    }, owner);
    await server.api('PUT', `/v1/rooms/${roomId}/agenda`, { items: [{ title: 'Budget 2027', motion: 'The council adopts the budget 2027.' }] }, owner);

    async function userJoins(session: string, name: string): Promise<Page> {
      const page = await newPage(session);
      await page.goto(`${server.url}/rooms/${roomId}`);
      await page.getByRole('button', { name: 'Join now' }).click().catch(async (err) => {
        throw new Error(`${String(err)}\n${await page.evaluate(() => document.body.innerText)}`);
      });
      await tile(page, `${name} (you)`).waitFor();
      return page;
    }
    chair = await userJoins(owner.token, 'Clara Chair');
    max = await userJoins(maxUser.token, 'Max Member');
    nina = await userJoins(ninaUser.token, 'Nina Member');
    gina = await newPage();
    await gina.goto(`${server.url}/invite/${ginaInvite}`);
    await gina.getByLabel('Your name').fill('Gina Guest');
    await gina.getByRole('button', { name: 'Join' }).click();
    await gina.waitForURL(`${server.url}/rooms/${roomId}`);
    await gina.getByRole('button', { name: 'Join now' }).click();
    await tile(gina, 'Gina Guest (you)').waitFor();
    maxSecondDevice = await userJoins(maxUser.token, 'Max Member');
    members = [max, nina, gina];
    await tile(chair, 'Gina Guest').waitFor();
  }, 120_000);

  it('runs a roll-call vote: members vote on the ballot, a second device of a voter offers no second ballot, everyone sees the names', async () => {
    const title = 'Adopt the budget 2027';
    await startVote(chair, {
      title,
      kind: 'Roll-call vote',
      agendaItem: 'Budget 2027',
      check: async (dialog) => {
        // Every kind is explained in one line.
        await dialog.getByRole('radio', { name: /^Pseudonymous vote/ }).waitFor();
        expect(await dialog.getByRole('radio', { name: /Names and choices are published with the result\.$/ }).count()).toBe(1);
        await expectAccessible(chair);
      },
    });

    // The chair is not on the roster: no ballot, a clear message, the live counter and the chair's buttons.
    const chairPanel = votesPanel(chair);
    await chairPanel.getByText('You are not eligible in this vote.').waitFor();
    await chairPanel.getByText('0 of 3 ballots cast').waitFor();
    await chairPanel.getByText('Agenda item: Budget 2027').waitFor();
    expect(await chairPanel.getByRole('button', { name: 'Submit ballot' }).count()).toBe(0);
    await chairPanel.getByRole('button', { name: 'Close vote' }).waitFor();

    // A member sees the ballot, named after the vote; the controls bar marks the waiting ballot.
    await nina.getByText(`A vote was opened, your ballot is requested: ${title}`).waitFor({ state: 'attached' });
    await openVotes(nina);
    const ballot = votesPanel(nina).getByRole('group', { name: title });
    expect(await ballot.getByRole('radio').count()).toBe(3);
    for (const name of ['Yes', 'No', 'Abstain']) await ballot.getByRole('radio', { name, exact: true }).waitFor();
    await votesPanel(nina).getByRole('button', { name: 'Report a technical problem' }).waitFor();
    await expectAccessible(nina);
    await shoot(nina, 'vote-ballot');

    await castBallot(max, title, 'Yes');
    await chairPanel.getByText('1 of 3 ballots cast').waitFor();

    // Max's second device is the same voter: it learns that Max has voted, offers no second ballot and says so.
    // (A ballot sent from it anyway is refused by the server: legal_vote.test.ts, "an account counts once".)
    await openVotes(maxSecondDevice);
    const second = votesPanel(maxSecondDevice);
    await second.getByRole('status').filter({ hasText: 'Your ballot was recorded.' }).waitFor();
    expect(await second.getByRole('group', { name: title }).count()).toBe(0);
    expect(await second.getByRole('button', { name: 'Submit ballot' }).count()).toBe(0);
    await chairPanel.getByText('1 of 3 ballots cast').waitFor();

    await castBallot(nina, title, 'No');
    await castBallot(gina, title, 'Abstain', true);

    // Everyone voted: the vote closes by itself and the signed result with names reaches everyone.
    for (const page of [chair, ...members]) {
      await openVotes(page);
      const result = votesPanel(page).getByRole('region', { name: 'Result' });
      await result.getByText(title).waitFor();
      expect(await result.getByRole('listitem').allTextContents()).toEqual(['Yes1 vote (33 %)', 'No1 vote (33 %)', 'Abstain1 vote (33 %)']);
      expect(await result.getByRole('meter', { name: 'Yes' }).getAttribute('value')).toBe('1');
      const table = result.getByRole('table', { name: 'Ballots by name' });
      const rows = (await table.getByRole('row').allTextContents()).slice(1).map((r) => r.replace(/you(?=[A-Z])/, ''));
      expect(rows).toEqual(['Max MemberYes', 'Nina MemberNo', 'Gina GuestAbstain']);
      expect(await result.getByText(/^[0-9a-f]{64}$/).count()).toBe(1);
      expect(await result.getByText(/^SHA256:[0-9a-f]+$/).count()).toBe(1);
    }
    await votesPanel(max).getByRole('region', { name: 'Result' }).getByText('Your ballot: counted as Yes').waitFor();
    const maxRow = votesPanel(max).getByRole('table', { name: 'Ballots by name' }).getByRole('row').filter({ hasText: 'Max Member' });
    expect(await maxRow.textContent()).toBe('Max MemberyouYes');
    expect(await maxRow.getAttribute('class')).toBe('vote-own');
    await votesPanel(chair).getByRole('region', { name: 'Result' }).getByText(/everyone has voted · 3 of 3 ballots cast/).waitFor();

    // The owner (and roster members with an account) may download the export; a guest may not, and sees no links.
    const exportLink = votesPanel(chair).getByRole('link', { name: `Export of the vote “${title}” as JSON` });
    await exportLink.waitFor();
    const reportLink = votesPanel(chair).getByRole('link', { name: `Report of the vote “${title}” as PDF` });
    const report = await chair.request.get(`${server.url}${await reportLink.getAttribute('href')}`);
    expect(report.headers()['content-type']).toBe('application/pdf');
    const reportText = execFileSync('pdftotext', ['-', '-'], { input: await report.body(), encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(reportText).toContain('Times in: Europe/Berlin');
    const exported = LegalVoteExport.parse(await (await chair.request.get(`${server.url}${await exportLink.getAttribute('href')}`)).json());
    expect(exported.vote.title).toBe(title);
    expect(exported.events.at(-1)?.hash).toBe(await votesPanel(chair).getByRole('region', { name: 'Result' }).getByText(/^[0-9a-f]{64}$/).textContent());
    await votesPanel(max).getByRole('link', { name: `Export of the vote “${title}” as JSON` }).waitFor();
    expect(await votesPanel(gina).getByRole('link', { name: /^Export of the vote/ }).count()).toBe(0);
    await expectAccessible(chair);
    expect(problems).toEqual([]);
  }, 120_000);

  it('runs a pseudonymous vote: a member keeps her receipt token and finds it in the published result', async () => {
    const title = 'Approve the minutes of 12 November';
    await startVote(chair, { title, kind: 'Pseudonymous vote' });

    await openVotes(gina);
    const panel = votesPanel(gina);
    await panel.getByRole('group', { name: title }).getByRole('radio', { name: 'Yes', exact: true }).check();
    await panel.getByRole('button', { name: 'Submit ballot' }).click();
    await panel.getByRole('status').filter({ hasText: 'Your ballot was recorded: Yes' }).waitFor();
    await panel.getByText('Keep this token: it appears in the published result so you can check your ballot.').waitFor();
    await panel.getByRole('button', { name: 'Copy token' }).waitFor();
    const token = (await panel.getByTestId('receipt-token').textContent())!.trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{16,}$/);

    await castBallot(max, title, 'No');
    await castBallot(nina, title, 'Yes', true);

    const result = panel.getByRole('region', { name: 'Result' });
    await result.getByText(title).waitFor();
    const tokens = result.getByRole('table', { name: 'Ballots by receipt token' });
    const rows = (await tokens.getByRole('row').allTextContents()).slice(1);
    expect(rows).toHaveLength(3);
    // No names in a pseudonymous result.
    expect(rows.join(' ')).not.toMatch(/Member|Guest/);
    const own = tokens.getByRole('row').filter({ hasText: token });
    expect(await own.count()).toBe(1);
    expect(await own.getAttribute('class')).toBe('vote-own');
    expect(await own.textContent()).toBe(`${token}your ballotYes`);
    await result.getByText('Your ballot: counted as Yes').waitFor();
    expect(await result.getByRole('listitem').allTextContents()).toEqual(['Yes2 votes (67 %)', 'No1 vote (33 %)', 'Abstain0 votes (0 %)']);

    // Another member's page lists the same token, not marked as theirs.
    const ninaTokens = votesPanel(nina).getByRole('region', { name: 'Result' }).getByRole('table', { name: 'Ballots by receipt token' });
    await ninaTokens.getByText(token, { exact: true }).waitFor();
    expect(await ninaTokens.getByText('your ballot').count()).toBe(1);
    expect(await ninaTokens.getByRole('row').filter({ hasText: token }).textContent()).toBe(`${token}Yes`);

    await expectAccessible(gina);
    await own.scrollIntoViewIfNeeded();
    await shoot(gina, 'vote-result');
    expect(problems).toEqual([]);
  }, 120_000);

  it('records a reported problem for the chair, and a cancelled vote shows its reason to everyone', async () => {
    const title = 'Elect the deputy chair';
    await startVote(chair, {
      title,
      kind: 'Secret vote',
      check: async (dialog) => {
        await dialog.getByRole('radio', { name: 'Candidates' }).check();
        await dialog.getByLabel('Candidates (one per line)').fill('Anna Berg\nCem Demir');
      },
    });
    await openVotes(nina);
    const panel = votesPanel(nina);
    await panel.getByRole('group', { name: title }).getByRole('radio', { name: 'Cem Demir', exact: true }).waitFor();
    await panel.getByRole('button', { name: 'Report a technical problem' }).click();
    await panel.getByLabel('What went wrong?').fill('My ballot shows the wrong candidates.');
    await panel.getByRole('button', { name: 'Send report' }).click();
    await panel.getByRole('status').filter({ hasText: 'Your report was sent to the chair and recorded with the vote.' }).waitFor();
    const issues = votesPanel(chair).getByRole('region', { name: 'Reported problems' });
    await issues.getByText('My ballot shows the wrong candidates.', { exact: false }).waitFor();
    expect(await issues.getByRole('listitem').first().textContent()).toMatch(/^Nina Member \(.+\): My ballot shows the wrong candidates\.$/);

    await votesPanel(chair).getByRole('button', { name: 'Cancel vote…' }).click();
    await votesPanel(chair).getByLabel('Reason for cancelling').fill('Wrong candidate list');
    await votesPanel(chair).getByRole('button', { name: 'Cancel the vote' }).click();
    for (const page of [chair, ...members]) {
      await openVotes(page);
      await votesPanel(page).getByRole('region', { name: 'Result' }).getByText('Cancelled by the chair: Wrong candidate list').waitFor();
      expect(await votesPanel(page).getByRole('group', { name: title }).count()).toBe(0);
    }
    await votesPanel(chair).getByRole('button', { name: 'Start vote' }).waitFor();
    expect(problems).toEqual([]);
  }, 120_000);

  it('puts the signed results into the minutes; two writers edit at once, a reader cannot; the sealed PDF shows title, tally and hash', async () => {
    // Max's second device leaves, so "Max Member" names one participant in the writer list.
    await control(maxSecondDevice, 'Leave').click();
    await maxSecondDevice.getByRole('heading', { name: 'You have left the meeting' }).waitFor();
    for (const page of [chair, max, nina]) {
      await control(page, 'Minutes').click();
      await minutesEditor(page).waitFor();
    }
    // Both final results arrived as structured blocks (the cancelled vote has no result to record).
    for (const page of [chair, nina]) {
      await minutesEditor(page).getByRole('heading', { name: 'Vote: Adopt the budget 2027' }).waitFor();
      await minutesEditor(page).getByRole('heading', { name: 'Vote: Approve the minutes of 12 November' }).waitFor();
    }
    await minutesEditor(chair).getByText('Result: Yes: 1, No: 1, Abstain: 1').waitFor();
    await minutesEditor(chair).getByText('Result: Yes: 2, No: 1, Abstain: 0').waitFor();

    // The chair lets Max write; Nina stays a reader.
    await minutesPanel(chair).getByRole('checkbox', { name: 'Max Member may write' }).click();
    await minutesPanel(max).getByText('You can edit the minutes.').waitFor();
    expect(await minutesEditor(nina).getAttribute('contenteditable')).toBe('false');

    // Chair and Max type at the same time, each at the end of the document, and both see both lines.
    // The caret goes to the end of the document as a person puts it there: into the editor, then Ctrl+End.
    // (TipTap's focus('end') focuses the element on the next animation frame: keys pressed before it went to the
    // checkbox clicked last, and the line ran on into the last paragraph.)
    await minutesEditor(chair).focus();
    await expect.poll(() => minutesEditor(chair).evaluate((el) => el.contains(document.activeElement))).toBe(true);
    await chair.keyboard.press('Control+End');
    await chair.keyboard.press('Enter');
    await chair.keyboard.type('Chair: the council adopts the budget.', { delay: 20 });
    // First on the chair's own screen, then at Max's.
    try {
      await expect.poll(() => minutesEditor(chair).locator('p').allTextContents(), { timeout: 10_000 }).toContain('Chair: the council adopts the budget.');
    } catch (err) {
      // Seen in 2 of 4 full suite runs and never alone: say what the chair's page looked like.
      const focused = await chair.evaluate(() => document.activeElement?.outerHTML.slice(0, 200) ?? 'none');
      const html = await minutesEditor(chair).evaluate((el) => el.innerHTML.slice(-600));
      const alerts = await minutesPanel(chair).getByRole('alert').allTextContents();
      throw new Error(
        `${(err as Error).message}\nchair's signaling connections: ${signalingSockets.get(chair) ?? 0}; panel alerts: ${JSON.stringify(alerts)}; focused: ${focused}; end of the editor: ${html}`,
      );
    }
    await expect.poll(() => minutesEditor(max).locator('p').allTextContents(), { timeout: 20_000 }).toContain('Chair: the council adopts the budget.');
    await minutesEditor(max).locator('p', { hasText: 'Chair: the council adopts the budget.' }).click();
    await max.keyboard.press('End');
    await Promise.all([
      chair.keyboard.type(' Next session in December.', { delay: 25 }),
      (async () => {
        await max.keyboard.press('Enter');
        await max.keyboard.type('Max: the minutes were taken by Max Member.', { delay: 25 });
      })(),
    ]);
    for (const page of [chair, max, nina]) {
      await expect.poll(() => minutesEditor(page).innerText(), { timeout: 10_000 }).toContain('Max: the minutes were taken by Max Member.');
      await expect.poll(() => minutesEditor(page).innerText(), { timeout: 10_000 }).toContain('Next session in December.');
    }

    // Nina cannot type.
    const before = await minutesEditor(nina).innerText();
    await minutesEditor(nina).click();
    await nina.keyboard.type('Forged line');
    await nina.waitForTimeout(500);
    expect(await minutesEditor(nina).innerText()).toBe(before);
    expect(await minutesEditor(chair).innerText()).not.toContain('Forged');

    // Sealing: a signed version and its PDF, rendered and read back.
    await minutesPanel(chair).getByRole('button', { name: 'Seal minutes' }).click();
    await minutesPanel(chair).getByRole('button', { name: 'Seal now' }).click();
    for (const page of [chair, max, nina]) await minutesPanel(page).getByText('Sealed as version 1. Read only until the chair amends.').waitFor();
    const hash = (await minutesPanel(chair).getByTestId('minutes-hash').textContent())!;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    const href = (await minutesPanel(chair).getByRole('link', { name: 'PDF of version 1' }).getAttribute('href'))!;
    const res = await fetch(`${server.url}${href}`, { headers: { cookie: owner.cookie } });
    expect(res.status).toBe(200);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-committee-'));
    try {
      const file = path.join(dir, 'minutes.pdf');
      fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
      execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', file, path.join(dir, 'page1')]);
      expect(fs.statSync(path.join(dir, 'page1.png')).size).toBeGreaterThan(5_000);
      const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
      expect(text).toContain('Minutes – Council');
      expect(text).toContain('Vote: Adopt the budget 2027');
      expect(text).toContain('Result: Yes: 1, No: 1, Abstain: 1');
      expect(text).toContain('Max: the minutes were taken by Max Member.');
      expect(text).toContain(hash);
      expect(text).not.toContain('Forged');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(problems).toEqual([]);
  }, 120_000);

  it('a member gives her vote to another for this meeting; the proxy holder casts both ballots; she takes it back', async () => {
    await openVotes(nina);
    const ninaPanel = votesPanel(nina);
    await ninaPanel.getByLabel('Give my vote for this meeting to').selectOption({ label: 'Max Member' });
    await ninaPanel.getByRole('button', { name: 'Give my vote' }).click();
    await ninaPanel.getByText('Your vote is given to Max Member for this meeting.').waitFor();
    await openVotes(max);
    const maxPanel = votesPanel(max);
    await maxPanel.getByText('You also cast the vote of: Nina Member.').waitFor();
    await expectAccessible(nina);
    await ninaPanel.getByRole('heading', { name: 'Proxy' }).scrollIntoViewIfNeeded();
    await shoot(nina, 'vote-proxy');

    const title = 'Appoint the auditor';
    await startVote(chair, { title, kind: 'Roll-call vote' });
    await votesPanel(chair).getByText('0 of 3 ballots cast').waitFor();
    // Two ballots on Max's page: his own and Nina's, each its own form.
    const ballot = (legend: string) => maxPanel.locator('form').filter({ has: max.getByRole('group', { name: legend, exact: true }) });
    await ballot(title).getByRole('radio', { name: 'Yes', exact: true }).check();
    await ballot(title).getByRole('button', { name: 'Submit ballot' }).click();
    await maxPanel.getByRole('status').filter({ hasText: 'Your ballot was recorded: Yes' }).waitFor();
    await ballot(`As proxy for Nina Member: ${title}`).getByRole('radio', { name: 'No', exact: true }).check();
    await ballot(`As proxy for Nina Member: ${title}`).getByRole('button', { name: 'Submit ballot' }).click();
    await maxPanel.getByRole('status').filter({ hasText: 'The ballot for Nina Member was recorded: No' }).waitFor();
    expect(await ninaPanel.getByRole('group', { name: title }).count()).toBe(0);
    await castBallot(gina, title, 'Abstain', true);

    const result = votesPanel(chair).getByRole('region', { name: 'Result' });
    await result.getByText(title).waitFor();
    const rows = (await result.getByRole('table', { name: 'Ballots by name' }).getByRole('row').allTextContents()).slice(1);
    expect(rows).toHaveLength(3);
    expect(rows.find((r) => r.startsWith('Nina Member'))).toMatch(/by proxy.*No$/);

    await ninaPanel.getByRole('button', { name: 'Take my vote back' }).click();
    await ninaPanel.getByLabel('Give my vote for this meeting to').waitFor();
    await expect.poll(() => maxPanel.getByText('You also cast the vote of: Nina Member.').count()).toBe(0);
    expect(problems).toEqual([]);
  }, 120_000);
});
