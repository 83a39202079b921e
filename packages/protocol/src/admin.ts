import { z } from 'zod';
import { singleLine } from './text.ts';

/** One of the deployment's signing keys as published: the current one and the retired ones, with validity. */
export const PublishedSigningKey = z
  .object({
    key_id: z.string().describe('The key id exports name: the fingerprint'),
    algorithm: z.literal('Ed25519'),
    public_key: z.string().describe('SubjectPublicKeyInfo (DER), base64'),
    fingerprint: z.string().describe('SHA256:<hex of SHA-256 over the DER bytes>'),
    valid_from: z.iso.datetime(),
    valid_until: z.iso.datetime().nullable().describe('null for the current key'),
  })
  .meta({ id: 'PublishedSigningKey' });
export type PublishedSigningKey = z.infer<typeof PublishedSigningKey>;

/**
 * GET /.well-known/plenum-signing-key: the current key at the top level (as before key rotation, so older
 * verifiers keep working) and every key, current first, in `keys`.
 */
export const SigningKeyDocument = PublishedSigningKey.extend({ keys: z.array(PublishedSigningKey).min(1) }).meta({ id: 'SigningKeyDocument' });
export type SigningKeyDocument = z.infer<typeof SigningKeyDocument>;

export const SigningKeyRotate = z
  .object({ reason: z.string().trim().max(500).regex(/^[^\p{Cc}\p{Cf}]*$/u, 'no control characters').optional() })
  .strict()
  .meta({ id: 'SigningKeyRotate' });

export const SigningKeyRotated = z.object({ current: PublishedSigningKey, previous: PublishedSigningKey }).meta({ id: 'SigningKeyRotated' });

/** The id of the audit log export format; `plenum verify-audit` reads it. */
export const ADMIN_AUDIT_EXPORT_FORMAT = 'plenum-admin-audit-log/1' as const;

export const AdminAuditEntry = z
  .object({
    seq: z.number().int().positive(),
    at: z.iso.datetime(),
    actor: z.string(),
    action: z.string(),
    target: z.string().nullable(),
    details: z.unknown(),
    prev_hash: z.string(),
    hash: z.string(),
  })
  .meta({ id: 'AdminAuditEntry' });
export type AdminAuditEntry = z.infer<typeof AdminAuditEntry>;

export const AdminAuditQuery = z
  .object({
    after: z.coerce.number().int().min(0).default(0).describe('Entries with seq greater than this'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

/** A page of the log; `next_after` continues it (null on the last page). The pages put together are an export. */
export const AdminAuditPage = z
  .object({ format: z.literal(ADMIN_AUDIT_EXPORT_FORMAT), entries: z.array(AdminAuditEntry), next_after: z.number().int().nullable() })
  .meta({ id: 'AdminAuditPage' });
export type AdminAuditPage = z.infer<typeof AdminAuditPage>;

/** One TURN URL as the operator's diagnostic tried it: a real Allocate with freshly minted credentials. */
export const TurnCheckResult = z
  .object({
    url: z.string(),
    transport: z.enum(['udp', 'tcp', 'tls']),
    ok: z.boolean(),
    relayed: z.string().optional().describe('The relayed address the TURN server allocated (host:port)'),
    error: z.string().optional().describe('Why the allocation failed (timeout, refused connection, TURN error code)'),
    ms: z.number().int().min(0),
  })
  .meta({ id: 'TurnCheckResult' });

/** GET /v1/admin/diagnostics/turn */
export const TurnDiagnostic = z
  .object({
    enabled: z.boolean().describe('false: no TURN configured (TURN_URLS / TURN_EMBEDDED)'),
    checks: z.array(TurnCheckResult),
  })
  .meta({ id: 'TurnDiagnostic' });
export type TurnDiagnostic = z.infer<typeof TurnDiagnostic>;

/** GET /v1/admin/retention: the configured periods, every rule and kept table, and this node's last run. */
export const RetentionReport = z
  .object({
    periods: z.record(z.string(), z.number().int().min(0)).describe('Days per period (0: kept without automatic deletion)'),
    interval_minutes: z.number().int().min(1),
    rules: z.array(
      z.object({ name: z.string(), unit: z.string(), period: z.string(), days: z.number().int().min(0), tables: z.array(z.string()), description: z.string() }),
    ),
    kept: z.array(z.object({ unit: z.string(), table: z.string(), reason: z.string() })).describe('Tables no rule deletes, with the reason'),
    last_run: z
      .object({ at: z.iso.datetime(), deleted: z.record(z.string(), z.number().int()), older_than: z.record(z.string(), z.iso.datetime()) })
      .nullable()
      .describe('The last run on the node that answered (each node runs the job; deletions are idempotent)'),
    last_error: z.object({ at: z.iso.datetime(), message: z.string() }).nullable(),
  })
  .meta({ id: 'RetentionReport' });
export type RetentionReport = z.infer<typeof RetentionReport>;

/** The id of the personal-data export format (GET /v1/admin/users/{id}/personal-data). */
export const PERSONAL_DATA_EXPORT_FORMAT = 'plenum-personal-data/1' as const;

export const AdminUserParams = z.object({ id: z.uuid().describe('The account (users.id)') }).strict();

/** Everything stored about one account: per unit (core, then each feature) and table, the rows; and what pseudonymisation keeps, with why. */
export const PersonalDataExport = z
  .object({
    format: z.literal(PERSONAL_DATA_EXPORT_FORMAT),
    user_id: z.uuid(),
    units: z.record(z.string(), z.record(z.string(), z.array(z.unknown()))),
    retained: z.record(z.string(), z.string()).describe('Tables kept unchanged on pseudonymisation, with the reason'),
  })
  .meta({ id: 'PersonalDataExport' });
export type PersonalDataExport = z.infer<typeof PersonalDataExport>;

export const UserPseudonymised = z
  .object({
    user_id: z.uuid(),
    pseudonym: z.string().describe('Replaces name, e-mail and login everywhere; the account is disabled and its sessions ended'),
    changed: z.record(z.string(), z.number().int().min(0)).describe('Rows changed per unit'),
  })
  .meta({ id: 'UserPseudonymised' });
export type UserPseudonymised = z.infer<typeof UserPseudonymised>;

export const UserDeleted = z
  .object({
    user_id: z.uuid(),
    pseudonym: z.string().describe('Replaces the person\u2019s name in the records that are kept'),
    deleted: z.record(z.string(), z.number().int().min(0)).describe('Rows deleted (or, where kept, pseudonymised) per unit'),
    rooms: z.array(z.uuid()).describe('Rooms the account owned, deleted with it'),
    kept: z.record(z.string(), z.string()).describe('Tables whose rows about the person are kept, with the reason'),
  })
  .meta({ id: 'UserDeleted' });
export type UserDeleted = z.infer<typeof UserDeleted>;

/** GET /v1/admin/users?q=: find accounts by name or e-mail (admin). */
export const AdminUserSearchQuery = z
  .object({
    q: singleLine(100, 2).optional().describe('Part of a display name or e-mail address (case-insensitive), at least 2 characters (required)'),
    limit: z.coerce.number().int().min(1).max(50).default(20),
  })
  .strict();

export const AdminUserSummary = z
  .object({ id: z.uuid(), display_name: z.string(), email: z.string().nullable(), role: z.enum(['user', 'admin']), created_at: z.string() })
  .meta({ id: 'AdminUserSummary' });
export type AdminUserSummary = z.infer<typeof AdminUserSummary>;

export const AdminUserSearch = z
  .object({ users: z.array(AdminUserSummary), truncated: z.boolean().describe('More accounts match than the limit') })
  .meta({ id: 'AdminUserSearch' });
export type AdminUserSearch = z.infer<typeof AdminUserSearch>;
