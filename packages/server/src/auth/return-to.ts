const BASE = 'http://plenum.invalid';

/**
 * Where to send the browser after login: only a same-origin relative path ("/rooms/1?x#y").
 * Absolute URLs, protocol-relative "//evil", backslash tricks, control characters and the auth
 * endpoints themselves (a loop) all become "/", so the login can never be an open redirect.
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return '/';
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return '/';
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return '/';
  }
  if (url.origin !== BASE) return '/';
  if (url.pathname === '/auth' || url.pathname.startsWith('/auth/') || url.pathname.startsWith('/oidc')) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}
