import type { Logger } from 'pino';
import { text } from '@plenum/protocol';
import { z } from 'zod';
import { appendAdminAudit, type Trx } from '../audit/admin-log.ts';
import type { Db } from '../storage/database.ts';
import type { LocalAccount } from '../storage/schema.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

/** Usernames are compared case-insensitively, so they are stored lower-cased. */
export const Username = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, 'the username must not be empty')
  .max(64, 'the username must be at most 64 characters')
  .regex(/^[a-z0-9._@-]+$/, 'the username may contain only letters, digits and . _ @ -');

export const NewLocalAccount = z.object({
  username: Username,
  displayName: text({ max: 200, min: 0 }).min(1, 'the display name must not be empty'),
  password: z.string().min(10, 'the password must have at least 10 characters').max(1024),
  email: z.email().nullable().default(null),
  isAdmin: z.boolean().default(false),
});
export type NewLocalAccount = z.input<typeof NewLocalAccount>;

export class LocalAccountExistsError extends Error {
  constructor(public readonly username: string) {
    super(`An account named "${username}" already exists`);
    this.name = 'LocalAccountExistsError';
  }
}

/**
 * Creates an account of the embedded OpenID Provider. Shared by the `create-admin` CLI, the
 * ADMIN_USERNAME start-up hook and tests, so all three validate and hash the same way.
 * Throws a ZodError for invalid input and LocalAccountExistsError for a taken username.
 */
export async function createLocalAccount(db: Db, input: NewLocalAccount, actor = 'cli', now = new Date()): Promise<LocalAccount> {
  const account = NewLocalAccount.parse(input);
  const passwordHash = await hashPassword(account.password);
  return db.transaction().execute(async (trx) => {
    const row = await insertAccount(trx, account, passwordHash);
    if (!row) throw new LocalAccountExistsError(account.username);
    // The account and its audit entry, or neither.
    await appendAdminAudit(trx, {
      actor,
      action: 'account.created',
      target: row.id,
      details: { username: row.username, is_admin: row.is_admin },
      at: now,
    });
    return row;
  });
}

function insertAccount(db: Trx, account: z.output<typeof NewLocalAccount>, passwordHash: string) {
  return db
    .insertInto('local_accounts')
    .values({
      id: crypto.randomUUID(),
      username: account.username,
      password_hash: passwordHash,
      display_name: account.displayName,
      email: account.email,
      is_admin: account.isAdmin,
    })
    .onConflict((oc) => oc.column('username').doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** Start-up hook: creates the configured first admin unless an account of that name exists. */
export async function ensureAdminAccount(
  db: Db,
  admin: { username: string; password: string; email?: string },
  logger: Pick<Logger, 'info'>,
): Promise<'created' | 'exists'> {
  try {
    const account = await createLocalAccount(db, { username: admin.username, displayName: admin.username, password: admin.password, email: admin.email ?? null, isAdmin: true }, 'config:ADMIN_USERNAME');
    logger.info({ username: account.username }, 'created the first admin account from ADMIN_USERNAME');
    return 'created';
  } catch (err) {
    if (err instanceof LocalAccountExistsError) return 'exists';
    throw err;
  }
}

export async function findLocalAccount(db: Db, id: string): Promise<LocalAccount | undefined> {
  if (!z.uuid().safeParse(id).success) return undefined;
  return db.selectFrom('local_accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

let dummyHash: Promise<string> | undefined;

/** Computes the stand-in hash for unknown usernames ahead of the first login, so even that one is not slower. */
export function prepareLoginTiming(): Promise<string> {
  dummyHash ??= hashPassword(crypto.randomUUID());
  return dummyHash;
}

/**
 * The account for these credentials, or null. An unknown username costs one argon2 verification
 * just like a wrong password, so response times do not reveal which usernames exist.
 */
export async function verifyLocalLogin(db: Db, username: string, password: string): Promise<LocalAccount | null> {
  const parsed = Username.safeParse(username);
  const account = parsed.success
    ? await db.selectFrom('local_accounts').selectAll().where('username', '=', parsed.data).executeTakeFirst()
    : undefined;
  const hash = account?.password_hash ?? (await prepareLoginTiming());
  const ok = await verifyPassword(hash, password);
  return ok && account ? account : null;
}
