import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_initial.ts';
import * as m0002Attendance from './0002_attendance.ts';

/** Ordered migrations; names sort in the order they must run. Never edit one that has shipped: add a new one. */
export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_attendance': m0002Attendance,
};
