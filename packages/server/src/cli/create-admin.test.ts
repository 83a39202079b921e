import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLocalLogin } from '../auth/accounts.ts';
import { openStorage } from '../storage/database.ts';

const run = promisify(execFile);
const script = path.resolve(import.meta.dirname, 'create-admin.ts');

/** The CLI as an operator runs it: a child process on the embedded database in DATA_DIR. */
describe('create-admin CLI', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-cli-'));
  });
  afterAll(() => {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function cli(args: string[], opts: { password?: string; stdin?: string } = {}) {
    const env = { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, ...(opts.password ? { PLENUM_ADMIN_PASSWORD: opts.password } : {}) };
    const child = run(process.execPath, ['--import', 'tsx', script, ...args], { env, timeout: 60_000 });
    if (opts.stdin !== undefined) child.child.stdin?.end(opts.stdin);
    else child.child.stdin?.end();
    try {
      const { stdout, stderr } = await child;
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  it('creates an admin from a password on stdin, refuses a duplicate, and validates input', { timeout: 180_000 }, async () => {
    const created = await cli(['--username', 'Alice', '--display-name', 'Alice Admin', '--admin'], { stdin: 'alice-password-1\n' });
    expect(created, created.stderr).toMatchObject({ code: 0 });
    expect(created.stdout).toContain('Created admin account "alice" (Alice Admin).');

    const duplicate = await cli(['--username', 'alice', '--display-name', 'Someone Else'], { password: 'other-password-1' });
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('An account named "alice" already exists');

    const user = await cli(['--username', 'bob', '--display-name', 'Bob'], { password: 'bobs-password-1' });
    expect(user.stdout).toContain('Created account "bob" (Bob).');

    const weak = await cli(['--username', 'carol', '--display-name', 'Carol'], { stdin: 'short\n' });
    expect(weak.code).toBe(2);
    expect(weak.stderr).toContain('at least 10 characters');
    const missing = await cli(['--username', 'dave']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--display-name');

    const storage = await openStorage({ pgliteDir: path.join(dataDir, 'db') });
    try {
      expect(await verifyLocalLogin(storage.db, 'alice', 'alice-password-1')).toMatchObject({ is_admin: true, display_name: 'Alice Admin' });
      expect(await verifyLocalLogin(storage.db, 'alice', 'other-password-1')).toBeNull();
      expect(await verifyLocalLogin(storage.db, 'bob', 'bobs-password-1')).toMatchObject({ is_admin: false });
      expect(await verifyLocalLogin(storage.db, 'carol', 'short')).toBeNull();
    } finally {
      await storage.close();
    }
  });
});
