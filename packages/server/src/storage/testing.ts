import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { allMigrations } from '../features.ts';
import { migrateToLatest, openStorage, type Storage } from './database.ts';

/** The two storage backends every repository test runs against. */
export const backends = ['pglite', 'postgres'] as const;
export type Backend = (typeof backends)[number];

export const testDatabaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A migrated, isolated database: PGlite in memory, or a fresh schema in the real PostgreSQL,
 * dropped again by `close()` so parallel and repeated runs never see each other's rows.
 */
export async function openTestStorage(backend: Backend): Promise<Storage & { schema: string }> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  if (backend === 'pglite') {
    const storage = await openStorage({});
    await migrateToLatest(storage.db, allMigrations());
    return { ...storage, schema: 'public' };
  }
  const storage = await openStorage({ databaseUrl: testDatabaseUrl, schema });
  await migrateToLatest(storage.db, allMigrations(), schema);
  return {
    ...storage,
    schema,
    async close() {
      await storage.close();
      await dropTestSchema(schema);
    },
  };
}

/** Drops a test's own PostgreSQL schema with everything in it (after its storage is closed). */
export async function dropTestSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

/** An unmigrated database (PGlite in memory, or a fresh PostgreSQL schema) and its clean-up: for migration tests. */
export async function openBareTestStorage(
  backend: Backend,
): Promise<{ storage: Storage; schema: string | undefined; drop(): Promise<void> }> {
  if (backend === 'pglite') {
    const storage = await openStorage({});
    return { storage, schema: undefined, drop: () => storage.close() };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const storage = await openStorage({ databaseUrl: testDatabaseUrl, schema });
  return {
    storage,
    schema,
    async drop() {
      await storage.close();
      await dropTestSchema(schema);
    },
  };
}
