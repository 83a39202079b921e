/**
 * Creates an account of the embedded OpenID Provider:
 *
 *   npm run create-admin -- --username alice --display-name "Alice" [--email a@x.org] [--admin]
 *
 * The password comes from PLENUM_ADMIN_PASSWORD or stdin (one line; typed without echo on a
 * terminal), never from the command line, where other users could read it in the process list.
 * Uses the same DATABASE_URL / DATA_DIR as the server and runs pending migrations first.
 * With the embedded database (no DATABASE_URL) stop Plenum first: PGlite serves one process at a time.
 * For the very first admin, setting ADMIN_USERNAME/ADMIN_PASSWORD does the same when Plenum starts.
 */
import path from 'node:path';
import readline from 'node:readline';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { ZodError } from 'zod';
import { createLocalAccount, LocalAccountExistsError } from '../auth/accounts.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { migrateToLatest, openStorage } from '../storage/database.ts';
import { allMigrations } from '../features.ts';
import { osUser, runAsScript } from './process.ts';

const usage = 'Usage: npm run create-admin -- --username NAME --display-name "Full Name" [--email ADDRESS] [--admin]\n' +
  'The password is read from PLENUM_ADMIN_PASSWORD or from stdin.';

async function readPassword(): Promise<string> {
  const fromEnv = process.env.PLENUM_ADMIN_PASSWORD;
  if (fromEnv) return fromEnv;
  if (process.stdin.isTTY) {
    // Prompt, then swallow the echo of what is typed.
    process.stderr.write('Password: ');
    const muted = new Writable({ write: (_chunk, _enc, done) => done() });
    const rl = readline.createInterface({ input: process.stdin, output: muted, terminal: true });
    const line = await new Promise<string>((resolve) => rl.question('', resolve));
    rl.close();
    process.stderr.write('\n');
    return line;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > 4096) throw new Error('the password on stdin is too long');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

/** The operator's login name for the audit log entry (`cli:<os user>`). */

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        username: { type: 'string' },
        'display-name': { type: 'string' },
        email: { type: 'string' },
        admin: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    return 2;
  }
  if (args.help) {
    console.error(usage);
    return 0;
  }
  if (!args.username || !args['display-name']) {
    console.error(`--username and --display-name are required.\n${usage}`);
    return 2;
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
  if (config.oidc.issuer) {
    console.error('Note: OIDC_ISSUER is set, so Plenum logs people in at that provider; local accounts are used only by the embedded provider.');
  }
  const password = await readPassword();
  const storage = await openStorage({ databaseUrl: config.databaseUrl, pgliteDir: config.databaseUrl ? undefined : path.join(config.dataDir, 'db') });
  try {
    await migrateToLatest(storage.db, allMigrations());
    const account = await createLocalAccount(storage.db, {
      username: args.username,
      displayName: args['display-name'],
      password,
      email: args.email ?? null,
      isAdmin: args.admin,
    }, `cli:${osUser()}`);
    process.stdout.write(`Created ${account.is_admin ? 'admin ' : ''}account "${account.username}" (${account.display_name}).\n`);
    return 0;
  } catch (err) {
    if (err instanceof LocalAccountExistsError) {
      console.error(`${err.message}; nothing was changed.`);
      return 1;
    }
    if (err instanceof ZodError) {
      console.error(`Invalid input:\n${err.issues.map((i) => `  - ${i.path.join('.') || 'value'}: ${i.message}`).join('\n')}`);
      return 2;
    }
    throw err;
  } finally {
    await storage.close();
  }
}

runAsScript(import.meta.url, main);
