import type { Browser, BrowserContext, Page } from 'playwright-core';

/** What a test file keeps of its pages: their contexts (to close in afterAll) and the page errors they raise. */
export interface PageSink {
  contexts: BrowserContext[];
  problems: string[];
}

/**
 * A page in a context of its own (1280×800, en-US), signed in to Plenum at `url` when given a session token, with
 * an 8 s default timeout; its context and its page errors go to `sink`.
 */
export async function openPage(browser: Browser, url: string, sink: PageSink, session?: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  sink.contexts.push(context);
  if (session) await context.addCookies([{ name: 'plenum_session', value: session, url }]);
  const page = await context.newPage();
  page.setDefaultTimeout(8_000);
  page.on('pageerror', (err) => sink.problems.push(`pageerror: ${err.message}`));
  return page;
}
