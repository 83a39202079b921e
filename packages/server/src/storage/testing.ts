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
      const client = new pg.Client({ connectionString: testDatabaseUrl });
      await client.connect();
      try {
        await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    },
  };
}
