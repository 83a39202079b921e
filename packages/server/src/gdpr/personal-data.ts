import { createHash, randomBytes } from 'node:crypto';
import { appendAdminAudit, type Trx } from '../audit/admin-log.ts';
import { hashPassword } from '../auth/passwords.ts';
import type { AnyFeature } from '../signaling/feature.ts';
import type { Db } from '../storage/database.ts';
import type { DataSubject, PersonalDataUnit } from './unit.ts';

/**
 * A local login's id is the account's subject at the embedded provider (a uuid); an external provider's subject
 * can be anything and is never a local login, so it is not looked up (a uuid column refuses other text).
 */
const localLoginId = (subject: string) => (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(subject) ? subject : undefined);

/** The core's own tables: accounts, local logins, sessions, rooms, invites and the admin audit log. */
export const corePersonalData: PersonalDataUnit = {
  async export(db, s) {
    const user = await db.selectFrom('users').selectAll().where('id', '=', s.userId).execute();
    const localId = user[0] && localLoginId(user[0].subject);
    const local = localId
      ? await db.selectFrom('local_accounts').select(['id', 'username', 'display_name', 'email', 'is_admin', 'created_at']).where('id', '=', localId).execute()
      : [];
    return {
      users: user,
      local_accounts: local,
      sessions: await db.selectFrom('sessions').select(['created_at', 'expires_at']).where('user_id', '=', s.userId).execute(),
      rooms: await db.selectFrom('rooms').select(['id', 'name', 'created_at', 'updated_at']).where('owner_id', '=', s.userId).execute(),
      invites: await db.selectFrom('invites').select(['room_id', 'label', 'expires_at', 'revoked_at', 'created_at']).where('created_by', '=', s.userId).execute(),
      admin_audit_log: await db
        .selectFrom('admin_audit_log')
        .select(['seq', 'at', 'actor', 'action', 'target', 'details'])
        .where((eb) => eb.or([eb('actor', '=', `user:${s.userId}`), eb('target', '=', s.userId)]))
        .orderBy('seq')
        .execute(),
    };
  },
  async pseudonymise(db, s) {
    const user = await db.selectFrom('users').select('subject').where('id', '=', s.userId).executeTakeFirstOrThrow();
    let n = 0;
    const localId = localLoginId(user.subject);
    const local = localId === undefined ? { numUpdatedRows: 0n } : await db
      .updateTable('local_accounts')
      // An unknown password: the account can no longer sign in.
      .set({ username: s.pseudonym, display_name: s.pseudonym, email: null, password_hash: await hashPassword(randomBytes(32).toString('base64url')) })
      .where('id', '=', localId)
      .executeTakeFirst();
    n += Number(local.numUpdatedRows);
    // The provider subject is the login: replaced too, so a later login at the provider is a new account.
    const u = await db.updateTable('users').set({ display_name: s.pseudonym, email: null, subject: s.pseudonym, role: 'user' }).where('id', '=', s.userId).executeTakeFirst();
    n += Number(u.numUpdatedRows);
    const sessions = await db.deleteFrom('sessions').where('user_id', '=', s.userId).executeTakeFirst();
    return n + Number(sessions.numDeletedRows);
  },
  async delete(db, s) {
    // Rooms the account owns go with it (and with them their invites, roster, agenda, attendance, drafts, bans,
    // dial-in and planned meetings, by foreign key); sealed minutes and votes have no foreign key and stay.
    const user = await db.selectFrom('users').select('subject').where('id', '=', s.userId).executeTakeFirstOrThrow();
    const localId = localLoginId(user.subject);
    const local = localId === undefined ? { numDeletedRows: 0n } : await db.deleteFrom('local_accounts').where('id', '=', localId).executeTakeFirst();
    const sessions = await db.deleteFrom('sessions').where('user_id', '=', s.userId).executeTakeFirst();
    const invites = await db.deleteFrom('invites').where('created_by', '=', s.userId).executeTakeFirst();
    const rooms = await db.deleteFrom('rooms').where('owner_id', '=', s.userId).executeTakeFirst();
    const u = await db.deleteFrom('users').where('id', '=', s.userId).executeTakeFirst();
    return [local.numDeletedRows, sessions.numDeletedRows, invites.numDeletedRows, rooms.numDeletedRows, u.numDeletedRows].reduce((a, b) => a + Number(b), 0);
  },
  keptOnDelete: { admin_audit_log: 'append-only, hash-chained log of administrative actions (accountability, Art. 17(3)(b) GDPR); its entries name accounts by id only' },
  retained: { admin_audit_log: 'append-only, hash-chained log of administrative actions (accountability, Art. 17(3)(b) GDPR)' },
  retention: {
    purge: {
      invites: {
        period: 'invites',
        tables: ['invites'],
        description: 'an invite link revoked or expired longer ago than the period (a roster seat that named it keeps its seat, without the link)',
        async purge(trx, olderThan) {
          const r = await trx
            .deleteFrom('invites')
            .where((eb) => eb.or([eb('revoked_at', '<', olderThan), eb('expires_at', '<', olderThan)]))
            .executeTakeFirst();
          return Number(r.numDeletedRows);
        },
      },
    },
    kept: {
      users: 'as long as the account exists; pseudonymised on request (accounts are managed by the operator)',
      local_accounts: 'as long as the account exists; pseudonymised on request',
      sessions: 'deleted at expiry (SESSION_TTL_HOURS) by the login maintenance every few minutes, and on logout',
      oidc_payloads: 'deleted at expiry by the login maintenance',
      rooms: 'as long as the room exists (deleted by its owner or an admin)',
      server_secrets: 'no personal data',
      signing_keys: 'no personal data; retired keys are kept so older exports stay verifiable',
      admin_audit_log: 'append-only, hash-chained log of administrative actions, kept (accountability, Art. 17(3)(b) GDPR)',
    },
  },
};

/** The core's unit and every feature's, in composition order. */
export function personalDataUnits(features: readonly AnyFeature[]): { name: string; unit: PersonalDataUnit }[] {
  return [{ name: 'core', unit: corePersonalData }, ...features.flatMap((f) => (f.personalData ? [{ name: f.namespace, unit: f.personalData }] : []))];
}

/** The pseudonym of an account: stable, not derivable from the name. */
export const pseudonymOf = (userId: string) => `deleted-user-${createHash('sha256').update(userId).digest('hex').slice(0, 8)}`;

async function subjectOf(db: Db | Trx, userId: string): Promise<DataSubject | undefined> {
  const u = await db.selectFrom('users').select(['id', 'display_name', 'email']).where('id', '=', userId).executeTakeFirst();
  return u && { userId: u.id, displayName: u.display_name, email: u.email, pseudonym: pseudonymOf(u.id) };
}

/** Why deleting this account is refused: it is the last admin (someone must be able to administer Plenum). */
export class LastAdminError extends Error {}

export interface UserDeletion {
  /** The pseudonym that replaces the person's name in what is kept. */
  pseudonym: string;
  /** Rows deleted or changed per unit. */
  deleted: Record<string, number>;
  /** Rooms the account owned, deleted with it (a live one is to be closed by the caller). */
  rooms: string[];
  /** Tables where rows about the person were kept, with the reason. */
  kept: Record<string, string>;
}

/** Per table, what a deletion keeps and why (every unit's `keptOnDelete`). */
export function keptOnDelete(features: readonly AnyFeature[]): Record<string, string> {
  return Object.assign({}, ...personalDataUnits(features).map(({ unit }) => unit.keptOnDelete ?? {})) as Record<string, string>;
}

/**
 * Deletes the account and what every unit stores about it, in one transaction with its admin audit entry (ids and
 * counts only). Signed and hash-chained records stay verifiable: they are not touched, and rows that must be kept
 * carry the pseudonym. Undefined for an unknown account; LastAdminError when it is the last admin.
 */
export async function deletePersonalData(db: Db, features: readonly AnyFeature[], userId: string, actor: string, now: Date): Promise<UserDeletion | undefined> {
  return db.transaction().execute(async (trx) => {
    const s = await subjectOf(trx, userId);
    if (!s) return undefined;
    const role = await trx.selectFrom('users').select('role').where('id', '=', userId).executeTakeFirstOrThrow();
    if (role.role === 'admin') {
      const others = await trx.selectFrom('users').select((eb) => eb.fn.countAll<string>().as('n')).where('role', '=', 'admin').where('id', '!=', userId).executeTakeFirstOrThrow();
      if (Number(others.n) === 0) throw new LastAdminError('the last admin account cannot be deleted');
    }
    const rooms = (await trx.selectFrom('rooms').select('id').where('owner_id', '=', userId).execute()).map((r) => r.id);
    const deleted: Record<string, number> = {};
    // Features first: some find the subject by the name or rows the core is about to delete.
    for (const { name, unit } of personalDataUnits(features).reverse()) deleted[name] = await unit.delete(trx, s);
    await appendAdminAudit(trx, { actor, action: 'user.deleted', target: userId, details: { pseudonym: s.pseudonym, deleted, rooms }, at: now });
    return { pseudonym: s.pseudonym, deleted, rooms, kept: keptOnDelete(features) };
  });
}

export interface PersonalDataExport {
  format: 'plenum-personal-data/1';
  user_id: string;
  units: Record<string, Record<string, unknown[]>>;
  retained: Record<string, string>;
}

/** Everything stored about the account, by unit and table; undefined for an unknown account. */
export async function exportPersonalData(db: Db, features: readonly AnyFeature[], userId: string): Promise<PersonalDataExport | undefined> {
  const s = await subjectOf(db, userId);
  if (!s) return undefined;
  const units: PersonalDataExport['units'] = {};
  const retained: Record<string, string> = {};
  for (const { name, unit } of personalDataUnits(features)) {
    units[name] = await unit.export(db, s);
    Object.assign(retained, unit.retained ?? {});
  }
  return { format: 'plenum-personal-data/1', user_id: userId, units, retained };
}

/**
 * Replaces name, e-mail and login with a pseudonym in every unit, disables the account and ends its sessions, in
 * one transaction with its admin audit entry. Signed and hash-chained records stay as they are. Returns the
 * pseudonym and the rows changed per unit, or undefined for an unknown account.
 */
export async function pseudonymisePersonalData(
  db: Db,
  features: readonly AnyFeature[],
  userId: string,
  actor: string,
  now: Date,
): Promise<{ pseudonym: string; changed: Record<string, number> } | undefined> {
  return db.transaction().execute(async (trx) => {
    const s = await subjectOf(trx, userId);
    if (!s) return undefined;
    const changed: Record<string, number> = {};
    // Features first: some find the subject by the name the core is about to replace.
    for (const { name, unit } of personalDataUnits(features).reverse()) changed[name] = await unit.pseudonymise(trx, s);
    await appendAdminAudit(trx, { actor, action: 'user.pseudonymised', target: userId, details: { pseudonym: s.pseudonym, changed }, at: now });
    return { pseudonym: s.pseudonym, changed };
  });
}
