import { describe, expect, it } from 'vitest';
import { claimAt, identityFromClaims, roleFromClaims } from './claims.ts';

describe('claim mapping', () => {
  it('reads dot paths and nothing from prototypes or arrays', () => {
    const claims = { realm_access: { roles: ['a'] }, list: [{ x: 1 }] };
    expect(claimAt(claims, 'realm_access.roles')).toEqual(['a']);
    expect(claimAt(claims, 'realm_access.missing')).toBeUndefined();
    expect(claimAt(claims, 'list.0.x')).toBeUndefined();
    expect(claimAt(claims, '__proto__.toString')).toBeUndefined();
    expect(claimAt(claims, 'realm_access.roles.length')).toBeUndefined();
  });

  it('finds the admin role in an array, a string or a space-separated string', () => {
    expect(roleFromClaims({ roles: ['x', 'plenum-admin'] }, 'roles', 'plenum-admin')).toBe('admin');
    expect(roleFromClaims({ roles: 'plenum-admin' }, 'roles', 'plenum-admin')).toBe('admin');
    expect(roleFromClaims({ roles: 'x plenum-admin' }, 'roles', 'plenum-admin')).toBe('admin');
    expect(roleFromClaims({ resource_access: { plenum: { roles: ['plenum-admin'] } } }, 'resource_access.plenum.roles', 'plenum-admin')).toBe('admin');
  });

  it('gives the user role otherwise, also for look-alikes', () => {
    expect(roleFromClaims({}, 'roles', 'plenum-admin')).toBe('user');
    expect(roleFromClaims({ roles: ['plenum-administrator', 'PLENUM-ADMIN'] }, 'roles', 'plenum-admin')).toBe('user');
    expect(roleFromClaims({ roles: 'plenum-admins' }, 'roles', 'plenum-admin')).toBe('user');
    expect(roleFromClaims({ roles: { 'plenum-admin': true } }, 'roles', 'plenum-admin')).toBe('user');
    expect(roleFromClaims({ roles: ['plenum-admin'] }, 'realm_access.roles', 'plenum-admin')).toBe('user');
  });

  it('picks the display name from name, given/family name, preferred_username, e-mail, sub', () => {
    const map = { rolesClaim: 'roles', adminRole: 'plenum-admin' };
    expect(identityFromClaims('https://idp', { sub: 's', name: ' Ana ', email: 'a@x' }, map)).toEqual({
      issuer: 'https://idp',
      subject: 's',
      displayName: 'Ana',
      email: 'a@x',
      role: 'user',
    });
    expect(identityFromClaims('i', { sub: 's', given_name: 'Ana', family_name: 'Berg' }, map).displayName).toBe('Ana Berg');
    expect(identityFromClaims('i', { sub: 's', preferred_username: 'ana' }, map).displayName).toBe('ana');
    expect(identityFromClaims('i', { sub: 's', email: 'a@x' }, map).displayName).toBe('a@x');
    expect(identityFromClaims('i', { sub: 's' }, map)).toMatchObject({ displayName: 's', email: null });
    expect(() => identityFromClaims('i', { name: 'no sub' }, map)).toThrow();
  });

  it('cleans names from the provider (control, bidi, NFC), refuses a subject and drops an e-mail with control characters', () => {
    const map = { rolesClaim: 'roles', adminRole: 'plenum-admin' };
    expect(identityFromClaims('i', { sub: 's', name: 'Eve\u0000 \u202EAdmin\u202C\nBerg', email: 'e@x' }, map)).toMatchObject({ displayName: 'Eve Admin Berg', email: 'e@x' });
    expect(identityFromClaims('i', { sub: 's', given_name: 'Ame\u0301lie', family_name: '\u0085' }, map).displayName).toBe('Am\u00e9lie');
    // Nothing printable left: the next candidate.
    expect(identityFromClaims('i', { sub: 's', name: '\u0000\u202E', preferred_username: 'eve' }, map).displayName).toBe('eve');
    expect(identityFromClaims('i', { sub: 's', name: 'Eve', email: 'e\u0000@x' }, map).email).toBeNull();
    expect(() => identityFromClaims('i', { sub: 's\u0000', name: 'Eve' }, map)).toThrow(/control character/);
  });
});
