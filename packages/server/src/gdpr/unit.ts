import type { Trx } from '../audit/admin-log.ts';
import type { Db } from '../storage/database.ts';

/** The person a GDPR request is about: an account, as stored in `users`. */
export interface DataSubject {
  readonly userId: string;
  readonly displayName: string;
  readonly email: string | null;
  /** Replaces name, e-mail and login on pseudonymisation. */
  readonly pseudonym: string;
}

/**
 * One unit's part of a GDPR request. Every feature with storage declares one (`defineFeature({ personalData })`;
 * a feature with migrations and none is refused at start), so nothing stored is forgotten by export or erasure.
 * `export` returns what the unit stores about the subject, keyed by table; `pseudonymise` replaces the subject's
 * name, e-mail and login in the unit's own tables and returns how many rows it changed. Signed or hash-chained
 * records are exported but not rewritten (`retained` says which and why). `delete` is the alternative to
 * pseudonymisation (Art. 17): it removes what the unit stores about the subject; rows that must stay (signed
 * records, what others' rights rest on) keep the pseudonym instead of the name, each such table named in
 * `keptOnDelete` with its reason. Composition refuses a unit without `delete`.
 */
export interface PersonalDataUnit {
  export(db: Db | Trx, subject: DataSubject): Promise<Record<string, unknown[]>>;
  pseudonymise(db: Trx, subject: DataSubject): Promise<number>;
  /** Deletes the subject's rows in the unit's tables (pseudonymising those it must keep); returns the rows deleted or changed. */
  delete(db: Trx, subject: DataSubject): Promise<number>;
  /** Tables whose rows about the subject survive a deletion (unchanged or under the pseudonym), with the reason. */
  readonly keptOnDelete?: Readonly<Record<string, string>>;
  /** Tables kept unchanged on pseudonymisation, with the reason (shown in the export). */
  readonly retained?: Readonly<Record<string, string>>;
  /**
   * How long the unit's tables are kept: every table the unit's migrations create is either deleted by a rule
   * after a configured period, or kept with the reason (`retention.test.ts` fails for a table named in neither).
   */
  readonly retention: Retention;
}

/** The configured retention periods, in days (0: kept without automatic deletion). */
export interface RetentionPeriods {
  /** Attendance of ended meetings (`RETENTION_ATTENDANCE_DAYS`). */
  readonly attendance: number;
  /** Minutes drafts not edited for this long (`RETENTION_MINUTES_DRAFT_DAYS`). */
  readonly minutes_drafts: number;
  /** Revoked or expired invites, counted from the revocation or expiry (`RETENTION_INVITES_DAYS`). */
  readonly invites: number;
  /** Meeting recordings (file and metadata), counted from the recording's end (`RETENTION_RECORDINGS_DAYS`). */
  readonly recordings: number;
}

/** What a purge may need besides the database. */
export interface PurgeContext {
  /** Whether the room is live right now on any node (its rows are then left alone, the meeting relies on them). */
  isLive(roomId: string): Promise<boolean>;
}

/** One automatic deletion: rows of `tables` older than the period named by `period`. */
export interface RetentionRule {
  readonly period: keyof RetentionPeriods;
  readonly tables: readonly string[];
  /** What goes, in one sentence (docs, GET /v1/admin/retention). */
  readonly description: string;
  /** Deletes what is older than `olderThan` inside `trx`; returns the rows deleted (counted, never logged with content). */
  purge(trx: Trx, olderThan: Date, ctx: PurgeContext): Promise<number>;
}

export interface Retention {
  /** Automatic deletions by name (the name is used in logs, the admin audit log and GET /v1/admin/retention). */
  readonly purge?: Readonly<Record<string, RetentionRule>>;
  /** Tables no rule deletes, with the reason they are kept (or how else they go). */
  readonly kept?: Readonly<Record<string, string>>;
}
