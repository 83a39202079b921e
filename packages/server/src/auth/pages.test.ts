import { describe, expect, it } from 'vitest';
import { escapeHtml, loginPage, pickLanguage } from './pages.ts';

describe('auth pages', () => {
  it('picks German or English from ui_locales first, then Accept-Language by quality', () => {
    expect(pickLanguage(undefined)).toBe('en');
    expect(pickLanguage('de-DE,de;q=0.9,en;q=0.8')).toBe('de');
    expect(pickLanguage('fr-FR,fr;q=0.9,de;q=0.8,en;q=0.7')).toBe('de');
    expect(pickLanguage('en;q=0.5,de;q=0.9')).toBe('de');
    expect(pickLanguage('de;q=0,en')).toBe('en');
    expect(pickLanguage('fr')).toBe('en');
    expect(pickLanguage('de', 'en-US')).toBe('en');
    expect(pickLanguage('en', 'fr de')).toBe('de');
  });

  it('escapes what it echoes', () => {
    expect(escapeHtml(`<a href="x">'&`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;');
    const html = loginPage({ lang: 'en', action: '/oidc/interaction/u/login', abortAction: '/oidc/interaction/u/abort', username: '"><script>x</script>', error: 'wrongCredentials' });
    expect(html).not.toContain('<script>');
    expect(html).toContain('value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"');
    expect(html).toContain('role="alert"');
  });
});
