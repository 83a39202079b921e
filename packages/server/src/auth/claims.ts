import { forbiddenCharacter, sanitizeSingleLine } from '@plenum/protocol';
import type { IdentityClaims } from '../storage/users.ts';

/** The value at a dot path (e.g. `realm_access.roles`) of a claims object, or undefined. */
export function claimAt(claims: Record<string, unknown>, path: string): unknown {
  let current: unknown = claims;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/**
 * 'admin' when the roles claim holds the admin role, as a string (Keycloak client mappers may emit
 * one role as a plain string, some providers a space-separated list) or in an array; else 'user'.
 */
export function roleFromClaims(claims: Record<string, unknown>, rolesClaim: string, adminRole: string): 'admin' | 'user' {
  const value = claimAt(claims, rolesClaim);
  const roles = typeof value === 'string' ? value.split(/[\s,]+/) : Array.isArray(value) ? value : [];
  return roles.some((r) => r === adminRole) ? 'admin' : 'user';
}

const MAX_DISPLAY_NAME = 200;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
/** A claim shown as a name: cleaned like protocol text (no control or bidi characters, NFC, one line). */
const name = (v: unknown): string | undefined => (typeof v === 'string' ? sanitizeSingleLine(v, MAX_DISPLAY_NAME) || undefined : undefined);

/**
 * What Plenum keeps of a login: who vouches (issuer), for whom (sub), the name to show, e-mail and role.
 *
 * The provider is outside Plenum's control and may send anything. Names are cleaned rather than refused (a
 * person must not be locked out because a directory holds a stray control character): control and bidi
 * characters are dropped, whitespace collapses, the rest is NFC — the same characters `text()` refuses on the
 * wire, so a provider's name never carries what a guest could not type. The subject is an identifier and is
 * never altered: one with such characters makes the login fail (`unusable claims`). An e-mail address with
 * them is dropped (null), since it would neither deliver nor link a roster entry.
 */
export function identityFromClaims(
  issuer: string,
  claims: Record<string, unknown>,
  mapping: { rolesClaim: string; adminRole: string },
): IdentityClaims {
  const subject = str(claims.sub);
  if (!subject) throw new Error('the ID token has no subject');
  if (forbiddenCharacter(subject) !== undefined) throw new Error('the ID token subject contains a control character');
  const rawEmail = str(claims.email);
  const email = rawEmail !== undefined && forbiddenCharacter(rawEmail) === undefined ? rawEmail : null;
  const fullName = name(claims.name) ?? name([name(claims.given_name), name(claims.family_name)].filter(Boolean).join(' '));
  return {
    issuer,
    subject,
    displayName: fullName ?? name(claims.preferred_username) ?? email ?? subject.slice(0, MAX_DISPLAY_NAME),
    email,
    role: roleFromClaims(claims, mapping.rolesClaim, mapping.adminRole),
  };
}
