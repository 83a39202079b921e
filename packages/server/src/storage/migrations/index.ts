import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_initial.ts';
import * as m0008 from './0008_keys_admin_audit.ts';

/**
 * The core's migrations (accounts, sessions, rooms, invites, secrets). Each feature brings its own
 * (`defineFeature({ migrations })`); `allMigrations()` in features.ts puts them together. Names are global
 * and sort in the order they run. Never edit one that has shipped: add a new one.
 */
export const coreMigrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0008_keys_admin_audit': m0008,
};
