import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { allMigrations } from '../features.ts';
import pg from 'pg';
import { migrateToLatest, openStorage } from './database.ts';
import { backends, openTestStorage, testDatabaseUrl } from './testing.ts';

describe.each(backends)('migrations on %s', (backend) => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('applies every migration in order and records them', async () => {
    const storage = await openTestStorage(backend);
    close = storage.close;
    const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(storage.db);
    expect(applied.rows.map((r) => r.name)).toEqual(Object.keys(allMigrations()).sort());
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = ${storage.schema} order by table_name`.execute(storage.db);
    expect(tables.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['users', 'local_accounts', 'sessions', 'rooms', 'invites', 'server_secrets', 'oidc_payloads']),
    );
  });

  it('is idempotent: running again applies nothing', async () => {
    const storage = await openTestStorage(backend);
    close = storage.close;
    const again = await migrateToLatest(storage.db, allMigrations(), storage.schema === 'public' ? undefined : storage.schema);
    expect(again.results ?? []).toEqual([]);
  });

  it('enforces constraints the application relies on', async () => {
    const storage = await openTestStorage(backend);
    close = storage.close;
    const user = { id: crypto.randomUUID(), issuer: 'https://idp', subject: 's1', display_name: 'A', email: null, role: 'user' as const };
    await storage.db.insertInto('users').values(user).execute();
    await expect(storage.db.insertInto('users').values({ ...user, id: crypto.randomUUID() }).execute()).rejects.toThrow();
    await expect(
      storage.db.insertInto('users').values({ ...user, id: crypto.randomUUID(), subject: 's2', role: 'root' as never }).execute(),
    ).rejects.toThrow();
    await expect(
      storage.db
        .insertInto('rooms')
        .values({ id: crypto.randomUUID(), owner_id: crypto.randomUUID(), name: 'orphan', password_hash: null, waiting_room: false, e2e_encryption: false })
        .execute(),
    ).rejects.toThrow();
  });
});

describe('migrations on postgres with search_path', () => {
  it('migrates a schema named only by search_path, even when another schema has its own migration table', { timeout: 120_000 }, async () => {
    const admin = new pg.Client({ connectionString: testDatabaseUrl });
    await admin.connect();
    const decoy = `t_decoy_${crypto.randomUUID().slice(0, 8)}`;
    const target = `t_target_${crypto.randomUUID().slice(0, 8)}`;
    try {
      await admin.query(`create schema "${decoy}"; create table "${decoy}".kysely_migration (name varchar(255) primary key, timestamp varchar(255) not null)`);
      await admin.query(`create schema "${target}"`);
      // As a deployment does it: the schema only in the connection string, not passed to the migrator.
      const storage = await openStorage({ databaseUrl: `${testDatabaseUrl}?options=${encodeURIComponent(`-c search_path=${target}`)}` });
      try {
        await migrateToLatest(storage.db, allMigrations());
        const applied = await admin.query<{ n: string }>(`select count(*) as n from "${target}".kysely_migration`);
        expect(Number(applied.rows[0]!.n)).toBe(Object.keys(allMigrations()).length);
      } finally {
        await storage.close();
      }
    } finally {
      await admin.query(`drop schema if exists "${decoy}" cascade; drop schema if exists "${target}" cascade`);
      await admin.end();
    }
  });
});
