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

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/** What Plenum keeps of a login: who vouches (issuer), for whom (sub), the name to show, e-mail and role. */
export function identityFromClaims(
  issuer: string,
  claims: Record<string, unknown>,
  mapping: { rolesClaim: string; adminRole: string },
): IdentityClaims {
  const subject = str(claims.sub);
  if (!subject) throw new Error('the ID token has no subject');
  const fullName = str(claims.name) ?? ([str(claims.given_name), str(claims.family_name)].filter(Boolean).join(' ') || undefined);
  const email = str(claims.email) ?? null;
  return {
    issuer,
    subject,
    displayName: (fullName ?? str(claims.preferred_username) ?? email ?? subject).slice(0, 200),
    email,
    role: roleFromClaims(claims, mapping.rolesClaim, mapping.adminRole),
  };
}
