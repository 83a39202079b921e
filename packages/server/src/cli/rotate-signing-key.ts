/**
 * Retires the deployment's current signing key and starts signing with a new one:
 *
 *   npm run rotate-signing-key -- [--reason "text"]
 *
 * Old exports stay verifiable: the retired key stays in /.well-known/plenum-signing-key with its validity
 * period, and `plenum verify-vote` picks the key an export names. The rotation and its admin audit log entry
 * (actor `cli:<os user>`) are one transaction. Uses the same DATABASE_URL / DATA_DIR as the server and runs
 * pending migrations first. With PostgreSQL the running nodes pick the new key up within a minute (a vote
 * re-reads the keys before it signs); with the embedded database (no DATABASE_URL) stop Plenum first: PGlite
 * serves one process at a time. The same is POST /v1/admin/signing-key/rotate for a signed-in admin.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SigningKeyring } from '../audit/keyring.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { allMigrations } from '../features.ts';
import { migrateToLatest, openStorage, type Storage } from '../storage/database.ts';
import { osUser, runAsScript } from './process.ts';

const usage = 'Usage: npm run rotate-signing-key -- [--reason "why"]\nRetires the current signing key and makes a new one; old exports stay verifiable.';


export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

const consoleIo: CliIo = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };

/**
 * The command, callable in-process (tests pass `storage`, an opened and migrated database, and `now`).
 * Exit codes: 0 rotated, 1 failed, 2 wrong usage or configuration.
 */
export async function main(argv: string[], opts: { env?: NodeJS.ProcessEnv; storage?: Storage; io?: CliIo; now?: Date } = {}): Promise<number> {
  const io = opts.io ?? consoleIo;
  let args;
  try {
    args = parseArgs({ args: argv, options: { reason: { type: 'string' }, help: { type: 'boolean', default: false } }, strict: true, allowPositionals: false }).values;
  } catch (err) {
    io.err(`${(err as Error).message}\n${usage}`);
    return 2;
  }
  if (args.help) {
    io.err(usage);
    return 0;
  }
  if (args.reason !== undefined && (args.reason.length > 500 || /[\p{Cc}\p{Cf}]/u.test(args.reason))) {
    io.err('--reason must be at most 500 characters without control characters');
    return 2;
  }
  let storage = opts.storage;
  if (!storage) {
    let config;
    try {
      config = loadConfig(opts.env ?? process.env);
    } catch (err) {
      if (err instanceof ConfigError) {
        io.err(err.message);
        return 2;
      }
      throw err;
    }
    storage = await openStorage({ databaseUrl: config.databaseUrl, pgliteDir: config.databaseUrl ? undefined : path.join(config.dataDir, 'db') });
  }
  try {
    if (!opts.storage) await migrateToLatest(storage.db, allMigrations());
    const keyring = await SigningKeyring.load(storage.db);
    const { current, previous } = await keyring.rotate(`cli:${osUser()}`, opts.now ?? new Date(), args.reason?.trim() || null);
    io.out(`Rotated the signing key.\n  new key      ${current.key_id} (valid from ${current.valid_from})\n  retired key  ${previous.key_id} (valid ${previous.valid_from} until ${previous.valid_until})`);
    return 0;
  } catch (err) {
    io.err(`Could not rotate the signing key: ${(err as Error).message}`);
    return 1;
  } finally {
    if (!opts.storage) await storage.close();
  }
}

runAsScript(import.meta.url, () => main(process.argv.slice(2)));
