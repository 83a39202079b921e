import argon2 from 'argon2';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ZodError } from 'zod';
import { backends, openTestStorage } from '../storage/testing.ts';
import { createLocalAccount, ensureAdminAccount, findLocalAccount, LocalAccountExistsError, verifyLocalLogin } from './accounts.ts';

describe.each(backends)('local accounts on %s', (backend) => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });
  async function open() {
    const storage = await openTestStorage(backend);
    close = storage.close;
    return storage.db;
  }

  it('creates an account with an argon2id hash and a lower-cased username', async () => {
    const db = await open();
    const account = await createLocalAccount(db, { username: '  Alice.Example ', displayName: 'Alice', password: 'long-enough-1', email: 'a@example.org', isAdmin: true });
    expect(account).toMatchObject({ username: 'alice.example', display_name: 'Alice', email: 'a@example.org', is_admin: true });
    expect(account.password_hash).toMatch(/^\$argon2id\$/);
    expect(account.password_hash).not.toContain('long-enough-1');
    expect(await findLocalAccount(db, account.id)).toMatchObject({ username: 'alice.example' });
    expect(await findLocalAccount(db, 'not-a-uuid')).toBeUndefined();
  });

  it('refuses a duplicate username, whatever its case, and changes nothing', async () => {
    const db = await open();
    const first = await createLocalAccount(db, { username: 'bob', displayName: 'Bob', password: 'first-password' });
    await expect(createLocalAccount(db, { username: 'BOB', displayName: 'Other Bob', password: 'second-password' })).rejects.toBeInstanceOf(LocalAccountExistsError);
    expect(await verifyLocalLogin(db, 'bob', 'first-password')).toMatchObject({ id: first.id, display_name: 'Bob' });
    expect(await verifyLocalLogin(db, 'bob', 'second-password')).toBeNull();
  });

  it('validates input', async () => {
    const db = await open();
    await expect(createLocalAccount(db, { username: 'carol', displayName: 'Carol', password: 'short' })).rejects.toBeInstanceOf(ZodError);
    await expect(createLocalAccount(db, { username: 'has space', displayName: 'X', password: 'long-enough-1' })).rejects.toBeInstanceOf(ZodError);
    await expect(createLocalAccount(db, { username: 'dave', displayName: '   ', password: 'long-enough-1' })).rejects.toBeInstanceOf(ZodError);
    const count = await db.selectFrom('local_accounts').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
  });

  it('verifies logins: right password, wrong password, unknown user, malformed username', async () => {
    const db = await open();
    await createLocalAccount(db, { username: 'erin', displayName: 'Erin', password: 'erins-password' });
    expect(await verifyLocalLogin(db, 'Erin', 'erins-password')).toMatchObject({ username: 'erin' });
    expect(await verifyLocalLogin(db, 'erin', 'ERINS-PASSWORD')).toBeNull();
    expect(await verifyLocalLogin(db, 'nobody', 'erins-password')).toBeNull();
    expect(await verifyLocalLogin(db, 'x'.repeat(500), 'erins-password')).toBeNull();
  });

  it('runs a full argon2 verification for an unknown user too (no timing hint that a name exists)', async () => {
    const db = await open();
    await createLocalAccount(db, { username: 'frank', displayName: 'Frank', password: 'franks-password' });
    // Counted, not timed: a timed comparison fails on a loaded CI machine; the verify call is what costs the time.
    const verify = vi.spyOn(argon2, 'verify');
    try {
      expect(await verifyLocalLogin(db, 'frank', 'wrong-password')).toBeNull();
      expect(verify).toHaveBeenCalledTimes(1);
      expect(await verifyLocalLogin(db, 'nobody', 'wrong-password')).toBeNull();
      expect(verify).toHaveBeenCalledTimes(2);
      expect(String(verify.mock.calls[1]?.[0])).toMatch(/^\$argon2id\$/);
    } finally {
      verify.mockRestore();
    }
  });

  it('creates the configured first admin once and leaves an existing account alone', async () => {
    const db = await open();
    const logged: unknown[] = [];
    const logger = { info: (...args: unknown[]) => void logged.push(args) } as never;
    expect(await ensureAdminAccount(db, { username: 'root', password: 'root-password-1' }, logger)).toBe('created');
    expect(await ensureAdminAccount(db, { username: 'root', password: 'a-different-one' }, logger)).toBe('exists');
    expect(await verifyLocalLogin(db, 'root', 'root-password-1')).toMatchObject({ is_admin: true, email: null });
    expect(JSON.stringify(logged)).not.toContain('root-password-1');
    // ADMIN_EMAIL: the first admin's account gets the address.
    await ensureAdminAccount(db, { username: 'boss', password: 'boss-password-1', email: 'boss@example.org' }, logger);
    expect(await verifyLocalLogin(db, 'boss', 'boss-password-1')).toMatchObject({ is_admin: true, email: 'boss@example.org' });
  });
});
