import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_initial.ts';
import * as m0002Attendance from './0002_attendance.ts';
import * as m0003Committee from './0003_committee.ts';
import * as m0004LegalVote from './0004_legal_vote.ts';
import * as m0005Minutes from './0005_minutes.ts';

/** Ordered migrations; names sort in the order they must run. Never edit one that has shipped: add a new one. */
export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_attendance': m0002Attendance,
  '0003_committee': m0003Committee,
  '0004_legal_vote': m0004LegalVote,
  '0005_minutes': m0005Minutes,
};
