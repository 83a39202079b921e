import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql, type LogEvent } from 'kysely';
import { Migrator, type Migration, type MigrationResultSet } from 'kysely/migration';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { scrubDatabaseError } from '../logging.ts';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;

export interface StorageOptions {
  /** PostgreSQL URL; unset → embedded PGlite. */
  databaseUrl?: string | undefined;
  /** PGlite data directory; unset (with no databaseUrl) → in memory (tests). */
  pgliteDir?: string | undefined;
  /** PostgreSQL schema to use (tests give each run its own); created if missing. */
  schema?: string | undefined;
  /** Told when an idle pooled connection breaks (the database restarted); the pool replaces it by itself. */
  onConnectionLost?: ((err: Error) => void) | undefined;
}

/** Node's errors for a peer that cannot be reached or went away. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** PostgreSQL's SQLSTATEs for "not now": shutting down, starting up, out of connections (class 08: connection exceptions). */
const NOT_NOW = new Set(['57P01', '57P02', '57P03', '53300']);
/** node-postgres says these in words only. */
const POOL_MESSAGES = [/^Connection terminated/, /timeout exceeded when trying to connect/, /not queryable/, /^Client was closed/];

/**
 * The database cannot be reached at the moment (down, restarting, connection cut): the request may be tried
 * again, and it is not a defect of ours. REST answers 503, signaling `storage_unavailable`.
 */
export function isStorageUnavailable(err: unknown, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 3) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (UNREACHABLE.has(code) || NOT_NOW.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  if (POOL_MESSAGES.some((m) => m.test(err.message))) return true;
  if (err instanceof AggregateError && err.errors.some((e) => isStorageUnavailable(e, depth + 1))) return true;
  return isStorageUnavailable(err.cause, depth + 1);
}

export interface Storage {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Cheap liveness probe for /ready. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function openStorage(opts: StorageOptions): Promise<Storage> {
  let db: Db;
  let kind: Storage['kind'];
  if (opts.databaseUrl) {
    kind = 'postgres';
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: 10,
      // Per-connection search_path keeps test runs (and co-hosted deployments) apart.
      ...(opts.schema ? { options: `-c search_path=${quoteIdent(opts.schema)}` } : {}),
    });
    // Without a listener, an idle connection that the database cuts (restart, failover) would be an unhandled
    // 'error' event and end the process; the pool drops that connection and opens a new one when needed.
    pool.on('error', (err) => opts.onConnectionLost?.(err));
    if (opts.schema) {
      const client = await pool.connect();
      try {
        await client.query(`create schema if not exists ${quoteIdent(opts.schema)}`);
      } finally {
        client.release();
      }
    }
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: scrubFailedQuery });
  } else {
    kind = 'pglite';
    if (opts.pgliteDir) fs.mkdirSync(path.dirname(opts.pgliteDir), { recursive: true });
    const pglite = opts.pgliteDir ? new PGlite(opts.pgliteDir) : new PGlite();
    await pglite.waitReady;
    if (opts.schema) {
      await pglite.exec(`create schema if not exists ${quoteIdent(opts.schema)}; set search_path to ${quoteIdent(opts.schema)}`);
    }
    db = new Kysely<Database>({ dialect: new PGliteDialect(pglite), log: scrubFailedQuery });
  }
  return {
    db,
    kind,
    async ping() {
      await db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
    },
    async close() {
      await db.destroy();
    },
  };
}

/**
 * Kysely calls this before it rethrows a failed statement's error: the error loses the statement's values
 * (PGlite's `params`, PostgreSQL's `detail`, …) before any caller can log it (logging.ts). Successful queries
 * are not logged.
 */
function scrubFailedQuery(event: LogEvent): void {
  if (event.level === 'error') scrubDatabaseError(event.error);
}

/** Runs what of `migrations` (the core's and the features', see features.ts `allMigrations`) has not run yet, in name order. */
export async function migrateToLatest(db: Db, migrations: Record<string, Migration>, schema?: string): Promise<MigrationResultSet> {
  // Always name the schema: without one, Kysely takes a `kysely_migration` table in *any* schema of the database
  // for its own, and a database whose search_path points elsewhere (DATABASE_URL `options=-c search_path=…`)
  // then fails to start with "relation kysely_migration does not exist".
  const migrationSchema = schema ?? (await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db)).rows[0]?.schema ?? undefined;
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    ...(migrationSchema ? { migrationTableSchema: migrationSchema } : {}),
  });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error instanceof Error ? result.error : new Error(String(result.error));
  return result;
}

function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`unsafe schema name: ${name}`);
  return `"${name}"`;
}
