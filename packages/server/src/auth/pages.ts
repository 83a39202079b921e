/**
 * The few HTML pages the auth module serves itself (the embedded provider's login and logout pages,
 * login errors). Plain server-rendered HTML with one linked stylesheet: the CSP forbids inline
 * scripts and styles, and these pages must work without JavaScript.
 */

export type Lang = 'de' | 'en';

export const LOGIN_CSS_PATH = '/auth/assets/login.css';

const messages = {
  de: {
    loginTitle: 'Anmelden',
    loginHeading: 'Bei Plenum anmelden',
    username: 'Benutzername',
    password: 'Passwort',
    submit: 'Anmelden',
    cancel: 'Abbrechen',
    wrongCredentials: 'Benutzername oder Passwort ist falsch.',
    missingCredentials: 'Bitte Benutzername und Passwort eingeben.',
    tooManyAttempts: 'Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie einige Minuten.',
    logoutTitle: 'Abmelden',
    logoutHeading: 'Von Plenum abmelden?',
    logoutConfirm: 'Ja, abmelden',
    logoutCancel: 'Nein, angemeldet bleiben',
    loggedOutHeading: 'Sie sind abgemeldet',
    loggedOutText: 'Sie haben sich erfolgreich abgemeldet.',
    backToStart: 'Zur Startseite',
    loginFailedTitle: 'Anmeldung fehlgeschlagen',
    loginFailedHeading: 'Die Anmeldung konnte nicht abgeschlossen werden',
    tryAgain: 'Erneut anmelden',
    errorTitle: 'Fehler',
    errorHeading: 'Etwas ist schiefgegangen',
    interactionExpired: 'Diese Anmeldeseite ist abgelaufen oder gehört zu einem anderen Browser. Bitte melden Sie sich erneut an.',
    loginExpired: 'Die Anmeldung ist abgelaufen oder wurde in einem anderen Browser begonnen. Bitte melden Sie sich erneut an.',
    loginDenied: 'Die Anmeldung wurde abgebrochen oder abgelehnt.',
    loginInvalid: 'Der Identitätsanbieter hat die Anmeldung nicht bestätigt. Bitte versuchen Sie es erneut.',
    providerUnavailable: 'Der Identitätsanbieter ist gerade nicht erreichbar. Bitte versuchen Sie es später erneut.',
  },
  en: {
    loginTitle: 'Sign in',
    loginHeading: 'Sign in to Plenum',
    username: 'Username',
    password: 'Password',
    submit: 'Sign in',
    cancel: 'Cancel',
    wrongCredentials: 'The username or password is wrong.',
    missingCredentials: 'Please enter your username and password.',
    tooManyAttempts: 'Too many failed sign-in attempts. Please wait a few minutes.',
    logoutTitle: 'Sign out',
    logoutHeading: 'Sign out of Plenum?',
    logoutConfirm: 'Yes, sign me out',
    logoutCancel: 'No, stay signed in',
    loggedOutHeading: 'You are signed out',
    loggedOutText: 'You have signed out successfully.',
    backToStart: 'Go to the start page',
    loginFailedTitle: 'Sign-in failed',
    loginFailedHeading: 'The sign-in could not be completed',
    tryAgain: 'Sign in again',
    errorTitle: 'Error',
    errorHeading: 'Something went wrong',
    interactionExpired: 'This sign-in page has expired or belongs to another browser. Please sign in again.',
    loginExpired: 'The sign-in has expired or was started in another browser. Please sign in again.',
    loginDenied: 'The sign-in was cancelled or refused.',
    loginInvalid: 'The identity provider did not confirm the sign-in. Please try again.',
    providerUnavailable: 'The identity provider cannot be reached at the moment. Please try again later.',
  },
} as const;

export type MessageKey = keyof (typeof messages)['en'];

export function t(lang: Lang, key: MessageKey): string {
  return messages[lang][key];
}

/**
 * German or English: the first supported language in `ui_locales` (OIDC's explicit choice), then in
 * Accept-Language by quality. English is the fallback.
 */
export function pickLanguage(acceptLanguage: string | undefined, uiLocales?: string): Lang {
  for (const tag of (uiLocales ?? '').split(/\s+/)) {
    const lang = supported(tag);
    if (lang) return lang;
  }
  const ranges = (acceptLanguage ?? '')
    .split(',')
    .slice(0, 20)
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const quality = q ? Number(q.slice(2)) : 1;
      return { tag: tag.trim(), quality: Number.isFinite(quality) ? quality : 0, index };
    })
    .filter((r) => r.tag && r.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  for (const r of ranges) {
    const lang = supported(r.tag);
    if (lang) return lang;
  }
  return 'en';
}

function supported(tag: string): Lang | undefined {
  const primary = tag.toLowerCase().split('-')[0];
  return primary === 'de' || primary === 'en' ? primary : undefined;
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** A complete page; `body` must already be escaped HTML. */
export function page(lang: Lang, title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} – Plenum</title>
<link rel="stylesheet" href="${LOGIN_CSS_PATH}">
</head>
<body>
<main class="card">
${body}
</main>
</body>
</html>
`;
}

export function loginPage(opts: { lang: Lang; action: string; abortAction: string; username?: string; error?: MessageKey }): string {
  const { lang } = opts;
  const error = opts.error ? `<p class="error" role="alert" id="login-error">${escapeHtml(t(lang, opts.error))}</p>\n` : '';
  const describedBy = opts.error ? ' aria-describedby="login-error"' : '';
  return page(
    lang,
    t(lang, 'loginTitle'),
    `<h1>${escapeHtml(t(lang, 'loginHeading'))}</h1>
${error}<form method="post" action="${escapeHtml(opts.action)}" class="stack">
<label for="username">${escapeHtml(t(lang, 'username'))}</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="64" value="${escapeHtml(opts.username ?? '')}"${opts.username ? '' : ' autofocus'}${describedBy}>
<label for="password">${escapeHtml(t(lang, 'password'))}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"${opts.username ? ' autofocus' : ''}${describedBy}>
<button type="submit">${escapeHtml(t(lang, 'submit'))}</button>
</form>
<form method="post" action="${escapeHtml(opts.abortAction)}">
<button type="submit" class="secondary">${escapeHtml(t(lang, 'cancel'))}</button>
</form>`,
  );
}

/** Confirmation of an RP-initiated logout; `form` is oidc-provider's hidden form (id op.logoutForm) with its xsrf field. */
export function logoutPage(lang: Lang, form: string): string {
  return page(
    lang,
    t(lang, 'logoutTitle'),
    `<h1>${escapeHtml(t(lang, 'logoutHeading'))}</h1>
${form}
<div class="stack">
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>${escapeHtml(t(lang, 'logoutConfirm'))}</button>
<button type="submit" form="op.logoutForm" class="secondary">${escapeHtml(t(lang, 'logoutCancel'))}</button>
</div>`,
  );
}

export function messagePage(lang: Lang, opts: { title: MessageKey; heading: MessageKey; text: string; link?: { href: string; label: MessageKey } }): string {
  const link = opts.link ? `\n<p><a href="${escapeHtml(opts.link.href)}">${escapeHtml(t(lang, opts.link.label))}</a></p>` : '';
  return page(lang, t(lang, opts.title), `<h1>${escapeHtml(t(lang, opts.heading))}</h1>\n<p>${escapeHtml(opts.text)}</p>${link}`);
}

/** Served at LOGIN_CSS_PATH. High contrast, large targets, visible focus; follows the system's dark mode. */
export const LOGIN_CSS = `:root { color-scheme: light dark; --fg: #111; --bg: #f4f5f7; --card: #fff; --accent: #0b4f9c; --accent-fg: #fff; --error: #a4000f; --border: #6b6f76; }
@media (prefers-color-scheme: dark) { :root { --fg: #f2f2f2; --bg: #16181c; --card: #22252b; --accent: #7db4ff; --accent-fg: #0b0d10; --error: #ff9a9a; --border: #a0a5ad; } }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: var(--bg); color: var(--fg); font: 1.0625rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; padding: 1rem; }
.card { width: 100%; max-width: 26rem; background: var(--card); border: 1px solid var(--border); border-radius: .5rem; padding: 1.5rem 1.75rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
.stack { display: flex; flex-direction: column; gap: .5rem; margin-bottom: 1rem; }
label { font-weight: 600; margin-top: .5rem; }
input { font: inherit; padding: .6rem .7rem; border: 2px solid var(--border); border-radius: .35rem; background: transparent; color: inherit; }
button { font: inherit; font-weight: 600; min-height: 2.75rem; padding: .5rem 1rem; border-radius: .35rem; border: 2px solid var(--accent); background: var(--accent); color: var(--accent-fg); cursor: pointer; width: 100%; }
button.secondary { background: transparent; color: var(--fg); border-color: var(--border); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.error { color: var(--error); font-weight: 600; border-left: 4px solid var(--error); padding-left: .75rem; }
a { color: var(--accent); }
@media (forced-colors: active) { button, input, .card { border: 1px solid CanvasText; } }
`;
