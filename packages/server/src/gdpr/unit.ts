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
 * records are exported but not rewritten (`retained` says which and why).
 */
export interface PersonalDataUnit {
  export(db: Db | Trx, subject: DataSubject): Promise<Record<string, unknown[]>>;
  pseudonymise(db: Trx, subject: DataSubject): Promise<number>;
  /** Tables kept unchanged on pseudonymisation, with the reason (shown in the export). */
  readonly retained?: Readonly<Record<string, string>>;
}
