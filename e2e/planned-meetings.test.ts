/**
 * Planned meetings in real Chromium against a real Plenum with a real SMTP server (signaling only, no media
 * server): a clerk plans a weekly committee session in the planning form with two invitees (an account and an
 * external address); the mails arrive; the dashboard shows the next occurrence with its join button closed until
 * shortly before the start; on the day (server and browser clocks set by the test) the button opens for the
 * account, and the external guest joins through the link in their mail; the account subscribes to and revokes its
 * calendar feed; the organizer (in German) cancels the series and every invitee gets METHOD:CANCEL. A committee
 * session's meeting page (from the dashboard) shows its details, invitees and the room's agenda to the clerk, the
 * organizer to an invitee, and a 404 page for a meeting the invitee is not invited to.
 */
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailbox } from '../packages/server/src/modules/meetings/testing.ts';
import { buildWebIfStale, launchChromium } from '../packages/server/src/testing/browsers.ts';
import { startTestServer, type TestServer } from '../packages/server/src/testing/server.ts';
import { expectAccessible } from './support/a11y.ts';
import { shoot } from './support/screenshots.ts';

/** The server's clock and the browsers': moved by the test only. */
let now = Date.parse('2026-03-10T09:00:00Z');
let server: TestServer;
let browser: Browser;
let mailbox: Awaited<ReturnType<typeof startMailbox>>;
const contexts: BrowserContext[] = [];
const problems: string[] = [];

beforeAll(async () => {
  buildWebIfStale();
  mailbox = await startMailbox();
  server = await startTestServer({
    web: true,
    now: () => new Date(now),
    env: { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(mailbox.port), SMTP_FROM: 'Plenum <plenum@rathaus.example>', TELEPHONE_DIAL_IN_NUMBER: '+49 361 555 0100' },
  });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close().catch(() => {})));
  await browser?.close();
  await server?.close();
  await mailbox?.close();
});

async function login(name: string, email: string) {
  const user = await server.services.users.upsertFromLogin({ issuer: 'urn:plenum:test', subject: email, displayName: name, email, role: 'user' });
  const { token } = await server.services.sessions.create(user.id, null);
  const session = (await server.services.sessions.resolve(token))!;
  return { userId: user.id, token, cookie: `plenum_session=${token}`, csrf: session.csrfToken };
}

async function newPage(session?: string, locale = 'en-US'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale, timezoneId: 'Europe/Berlin' });
  contexts.push(context);
  if (session) await context.addCookies([{ name: 'plenum_session', value: session, url: server.url }]);
  const page = await context.newPage();
  await page.clock.setFixedTime(new Date(now));
  page.setDefaultTimeout(8_000);
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  return page;
}

const item = (page: Page, section: 'Today' | 'Coming up', title: string) =>
  page.getByRole('region', { name: section }).getByRole('listitem').filter({ has: page.getByRole('heading', { name: title }) });

describe('planned meetings in the browser', () => {
  it('plans a weekly session with an account and a guest, shows it on the dashboard, and the guest joins with the mailed link on the day', { timeout: 90_000 }, async () => {
    const clerk = await login('Clara Clerk', 'clerk@rathaus.example');
    await login('Anna Account', 'anna@rathaus.example');
    await server.api('POST', '/v1/rooms', { name: 'Ratssaal' }, clerk);

    const page = await newPage(clerk.token);
    await page.goto(`${server.url}/meetings/plan`);
    await page.getByRole('heading', { name: 'Plan a meeting', level: 1 }).waitFor();
    await page.getByLabel('Title').fill('Bauausschuss');
    await page.getByLabel('Description (optional)').fill('Öffentliche Sitzung mit Bürgerfragestunde');
    await page.getByLabel('Date').fill('2026-03-17');
    await page.getByLabel('Start time').fill('18:00');
    await page.getByLabel('End time').fill('20:00');
    expect(await page.getByLabel('Time zone').inputValue()).toBe('Europe/Berlin');
    await page.getByLabel('Repeat every week').check();
    await page.getByLabel('Number of sessions').fill('4');
    await page.getByLabel('Invitees').fill('anna@rathaus.example\nguest@extern.example');
    await page.getByLabel('Language of the invitation').selectOption('de');
    await expectAccessible(page);
    await page.screenshot({ path: '/tmp/meetings-plan-form.png', fullPage: true });
    await shoot(page, 'meetings-plan-form');
    await page.getByRole('button', { name: 'Plan and send invitations' }).click();
    await page.getByRole('status').getByText('The meeting “Bauausschuss” is planned.').waitFor();
    await page.getByText('2 invitations were sent.').waitFor();

    const mails = mailbox.take();
    expect(mails.map((m) => m.to[0]).sort()).toEqual(['anna@rathaus.example', 'guest@extern.example']);
    const guestMail = mails.find((m) => m.to[0] === 'guest@extern.example')!;
    const link = /Teilnehmen: (\S+)/.exec(guestMail.mail.text ?? '')?.[1];
    expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{22}$/);

    // A week before: the next occurrence is coming up, its join button still closed.
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'My meetings' }).click();
    const upcoming = item(page, 'Coming up', 'Bauausschuss').first();
    await upcoming.waitFor();
    expect(await upcoming.getByText('Tuesday 17 March, 18:00–20:00').count()).toBe(1);
    expect(await upcoming.getByRole('button', { name: 'Join Bauausschuss' }).isDisabled()).toBe(true);
    expect(await page.getByRole('region', { name: 'Coming up' }).getByRole('listitem').count()).toBe(4);

    // On the day, five minutes before the start (17:55 in Berlin): today's meeting comes first, the button is open.
    now = Date.parse('2026-03-17T16:55:00Z');
    // Anna (the account) logs in on the day.
    const anna = await login('Anna Account', 'anna@rathaus.example');
    const annaPage = await newPage(anna.token);
    await annaPage.goto(`${server.url}/meetings`);
    const today = item(annaPage, 'Today', 'Bauausschuss');
    await today.waitFor();
    await today.getByText('Invited').waitFor();
    const join = today.getByRole('link', { name: 'Join Bauausschuss' });
    expect(await join.getAttribute('href')).toMatch(/^\/rooms\/[0-9a-f-]{36}$/);
    expect(await item(annaPage, 'Coming up', 'Bauausschuss').count()).toBe(3);
    await expectAccessible(annaPage);
    await annaPage.screenshot({ path: '/tmp/meetings-dashboard.png', fullPage: true });
    await shoot(annaPage, 'meetings-dashboard');

    // Anna subscribes her calendar: the address works until she revokes it.
    await annaPage.getByRole('button', { name: 'Create a subscription address' }).click();
    const feedUrl = await annaPage.getByLabel('Your subscription address (keep it secret)').inputValue();
    const feed = await fetch(feedUrl.replace(/^https?:\/\/[^/]+/, server.url));
    expect(feed.status).toBe(200);
    expect(await feed.text()).toContain('SUMMARY:Bauausschuss');
    await annaPage.getByRole('button', { name: 'Revoke the address' }).click();
    await annaPage.getByRole('status').getByText('The subscription address was revoked.').waitFor();
    expect((await fetch(feedUrl.replace(/^https?:\/\/[^/]+/, server.url))).status).toBe(404);

    // The clerk on the day, in German: the organizer's view of the same session.
    const clerkToday = await login('Clara Clerk', 'clerk@rathaus.example');
    const dePage = await newPage(clerkToday.token, 'de-DE');
    await dePage.goto(`${server.url}/meetings`);
    const heute = dePage.getByRole('region', { name: 'Heute' }).getByRole('listitem').filter({ has: dePage.getByRole('heading', { name: 'Bauausschuss' }) });
    await heute.getByText('Dienstag, 17. März, 18:00–20:00').waitFor();
    await heute.getByText('Von Ihnen geplant').waitFor();
    await heute.getByRole('link', { name: 'An Bauausschuss teilnehmen' }).waitFor();
    await dePage.screenshot({ path: '/tmp/meetings-dashboard-de.png', fullPage: true });

    // The guest, with the link from the mail.
    const guest = await newPage();
    await guest.goto(link!.replace(/^https?:\/\/[^/]+/, server.url));
    await guest.getByLabel('Your name').fill('Gerd Gast');
    await guest.getByRole('button', { name: 'Join' }).click();
    await guest.waitForURL(/\/rooms\/[0-9a-f-]{36}$/);
    await guest.getByRole('button', { name: 'Join now' }).click();
    await guest.getByRole('figure', { name: 'Gerd Gast (you)', exact: true }).waitFor();

    // The clerk calls the series off: the invitees' calendars get the cancellation, the guest link stops working.
    mailbox.take();
    await heute.getByRole('button', { name: 'Bauausschuss absagen' }).click();
    const dialog = dePage.getByRole('dialog', { name: '„Bauausschuss“ absagen?' });
    await dialog.getByRole('button', { name: 'Termin absagen' }).click();
    await dePage.getByRole('status').getByText('„Bauausschuss“ wurde abgesagt.').waitFor();
    expect(await dePage.getByRole('heading', { name: 'Bauausschuss' }).count()).toBe(0);
    const cancellations = mailbox.take();
    expect(cancellations.map((m) => m.to[0]).sort()).toEqual(['anna@rathaus.example', 'guest@extern.example']);
    expect(cancellations.every((m) => m.mail.attachments.some((a) => a.content.toString('utf8').includes('METHOD:CANCEL')))).toBe(true);

    // An ad-hoc meeting: a fresh room, straight to its pre-join page.
    await dePage.getByRole('button', { name: 'Spontane Besprechung starten' }).click();
    await dePage.waitForURL(/\/rooms\/[0-9a-f-]{36}$/);
    await dePage.getByRole('button', { name: 'Jetzt beitreten' }).waitFor();

    const code = link!.split('/').pop()!;
    expect((await fetch(`${server.url}/v1/invites/${code}/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(410);
    expect(problems).toEqual([]);
  });

  it('opens a committee session’s page from the dashboard with its agenda and invitees; an invitee gets 404 for another meeting', { timeout: 60_000 }, async () => {
    now = Date.parse('2026-04-01T08:00:00Z');
    const clerk = await login('Clara Clerk', 'clerk@rathaus.example');
    const anna = await login('Anna Account', 'anna@rathaus.example');
    const council = (await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Hauptausschuss' }, clerk)).id;
    const other = (await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Personalrat' }, clerk)).id;
    await server.api('PUT', `/v1/rooms/${council}/agenda`, {
      items: [
        { title: 'Eröffnung der Sitzung', public: true },
        { title: 'Radweg Lindenstraße', public: true, motion: 'Der Ausschuss empfiehlt den Bau.' },
        { title: 'Grundstücksangelegenheit Flur 7', public: false, motion: 'Verkauf an die Stadtwerke' },
      ],
    }, clerk);
    const session = {
      title: 'Sitzung des Hauptausschusses',
      start: '2026-04-14T18:00',
      end: '2026-04-14T20:00',
      recurrence: 'FREQ=WEEKLY;BYDAY=TU;COUNT=3',
      invitees: [{ email: 'anna@rathaus.example', language: 'en' }, { email: 'gast@extern.example', name: 'Gerd Gast' }],
    };
    const { meeting } = await server.api<{ meeting: { id: string } }>('POST', `/v1/rooms/${council}/meetings`, session, clerk);
    const { meeting: closed } = await server.api<{ meeting: { id: string } }>('POST', `/v1/rooms/${other}/meetings`, { ...session, title: 'Personalgespräche', invitees: [] }, clerk);
    // The invitation to Anna carries the agenda too.
    const toAnna = mailbox.take().find((m) => m.to[0] === 'anna@rathaus.example')!;
    expect(toAnna.mail.text).toContain('3. Grundstücksangelegenheit Flur 7 (non-public)');

    // The clerk: from the dashboard to the meeting page.
    const page = await newPage(clerk.token);
    await page.goto(`${server.url}/meetings`);
    await item(page, 'Coming up', 'Sitzung des Hauptausschusses').first().getByRole('link', { name: 'Sitzung des Hauptausschusses' }).click();
    await page.waitForURL(`${server.url}/meetings/${meeting.id}`);
    await page.getByRole('heading', { name: 'Sitzung des Hauptausschusses', level: 1 }).waitFor();
    await page.getByText('Tuesday, 14 April 2026, 18:00–20:00 (Europe/Berlin)').first().waitFor();
    await page.getByText('Weekly on Tuesday, 3 times').waitFor();
    expect(await page.getByRole('button', { name: 'Join Sitzung des Hauptausschusses' }).isDisabled()).toBe(true);
    const invitees = page.getByRole('region', { name: 'Invitees' }).getByRole('listitem');
    expect(await invitees.allInnerTexts()).toEqual(['Anna Account <anna@rathaus.example> Account', 'Gerd Gast <gast@extern.example> Guest (personal link)']);
    const agenda = page.getByRole('region', { name: 'Agenda' }).getByRole('listitem');
    expect(await agenda.count()).toBe(3);
    await agenda.nth(1).getByText('Der Ausschuss empfiehlt den Bau.').waitFor();
    await agenda.nth(2).getByText('non-public').waitFor();
    await agenda.nth(2).getByText('Verkauf an die Stadtwerke').waitFor();
    await expectAccessible(page);
    await page.screenshot({ path: '/tmp/meeting-page.png', fullPage: true });
    await shoot(page, 'meeting-page');

    // Anna (invited): the page with its agenda and who invited her, not the list of the others.
    const annaPage = await newPage(anna.token);
    await annaPage.goto(`${server.url}/meetings/${meeting.id}`);
    await annaPage.getByRole('heading', { name: 'Sitzung des Hauptausschusses', level: 1 }).waitFor();
    await annaPage.getByText('You were invited by Clara Clerk.').waitFor();
    expect(await annaPage.getByRole('region', { name: 'Agenda' }).getByRole('listitem').count()).toBe(3);
    expect(await annaPage.getByText('gast@extern.example').count()).toBe(0);
    // Another meeting (not invited) and an unknown one: the 404 page; the server refused with problem+json.
    for (const id of [closed.id, crypto.randomUUID()]) {
      const answer = annaPage.waitForResponse((r) => r.url().endsWith(`/v1/meetings/${id}`));
      await annaPage.goto(`${server.url}/meetings/${id}`);
      const res = await answer;
      expect([res.status(), res.headers()['content-type']]).toEqual([404, 'application/problem+json; charset=utf-8']);
      await annaPage.getByRole('heading', { name: 'Page not found', level: 1 }).waitFor();
      expect(await annaPage.getByText('Personalgespräche').count()).toBe(0);
    }
    expect(problems).toEqual([]);
  });
});
