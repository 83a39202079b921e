import { afterEach, describe, expect, it } from 'vitest';
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

  it('spends about as long on an unknown user as on a wrong password', async () => {
    const db = await open();
    await createLocalAccount(db, { username: 'frank', displayName: 'Frank', password: 'franks-password' });
    await verifyLocalLogin(db, 'nobody', 'warm-up');
    const time = async (username: string) => {
      const start = performance.now();
      await verifyLocalLogin(db, username, 'wrong-password');
      return performance.now() - start;
    };
    const known = Math.min(await time('frank'), await time('frank'), await time('frank'));
    const unknown = Math.min(await time('nobody'), await time('nobody'), await time('nobody'));
    // Without the stand-in hash the unknown user would answer in well under a millisecond.
    expect(unknown).toBeGreaterThan(known * 0.3);
  });

  it('creates the configured first admin once and leaves an existing account alone', async () => {
    const db = await open();
    const logged: unknown[] = [];
    const logger = { info: (...args: unknown[]) => void logged.push(args) } as never;
    expect(await ensureAdminAccount(db, { username: 'root', password: 'root-password-1' }, logger)).toBe('created');
    expect(await ensureAdminAccount(db, { username: 'root', password: 'a-different-one' }, logger)).toBe('exists');
    expect(await verifyLocalLogin(db, 'root', 'root-password-1')).toMatchObject({ is_admin: true });
    expect(JSON.stringify(logged)).not.toContain('root-password-1');
  });
});
