import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** Columns with a `now()` default: optional on insert. */
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface UsersTable {
  id: string;
  /** Issuer URL of the identity provider that vouches for this user. */
  issuer: string;
  /** `sub` claim at that issuer. */
  subject: string;
  display_name: string;
  email: string | null;
  role: 'admin' | 'user';
  created_at: DefaultedTimestamp;
  last_login_at: DefaultedTimestamp;
}

/** Accounts of the embedded OpenID Provider (only used when no external issuer is configured). */
export interface LocalAccountsTable {
  id: string;
  username: string;
  password_hash: string;
  display_name: string;
  email: string | null;
  is_admin: boolean;
  created_at: DefaultedTimestamp;
}

export interface SessionsTable {
  /** SHA-256 of the cookie value: a database leak does not reveal usable session tokens. */
  id: string;
  user_id: string;
  csrf_token: string;
  /** Kept only to send as id_token_hint on logout. */
  id_token: string | null;
  created_at: DefaultedTimestamp;
  expires_at: Timestamp;
}

export interface RoomsTable {
  id: string;
  owner_id: string;
  name: string;
  password_hash: string | null;
  waiting_room: boolean;
  e2e_encryption: boolean;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface InvitesTable {
  code: string;
  room_id: string;
  label: string | null;
  password_hash: string | null;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
  created_by: string;
  created_at: DefaultedTimestamp;
}

/** Deployment-wide secrets and keys shared by all nodes (OIDC keys, cookie keys). */
export interface ServerSecretsTable {
  name: string;
  value: string;
  created_at: DefaultedTimestamp;
}

/** Storage for the embedded OpenID Provider's artefacts (grants, sessions, codes), so they survive restarts. */
export interface OidcPayloadsTable {
  id: string;
  kind: string;
  payload: string;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  expires_at: Timestamp | null;
  consumed_at: Timestamp | null;
}

/** The deployment's Ed25519 signing keys, current and retired (migration 0008; audit/keyring.ts). */
export interface SigningKeysTable {
  /** The fingerprint, `SHA256:<hex>` over the SPKI DER: the key id exports name. */
  id: string;
  algorithm: 'Ed25519';
  /** SPKI DER, base64. */
  public_key: string;
  /** PKCS#8 PEM; never leaves the server (not in any answer, not in the audit log). */
  private_key: string;
  valid_from: Timestamp;
  /** Null for the current key; the rotation time for a retired one. */
  valid_until: Timestamp | null;
}

/** Append-only, hash-chained log of administrative actions (audit/admin-log.ts). */
export interface AdminAuditLogTable {
  /** bigint: pg returns it as a string. */
  seq: ColumnType<string | number, number, never>;
  at: Timestamp;
  actor: string;
  action: string;
  target: string | null;
  details: ColumnType<unknown, string, never>;
  prev_hash: string;
  hash: string;
}

export interface Database {
  users: UsersTable;
  local_accounts: LocalAccountsTable;
  sessions: SessionsTable;
  rooms: RoomsTable;
  invites: InvitesTable;
  server_secrets: ServerSecretsTable;
  oidc_payloads: OidcPayloadsTable;
  signing_keys: SigningKeysTable;
  admin_audit_log: AdminAuditLogTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type RoomRow = Selectable<RoomsTable>;
export type RoomRowUpdate = Updateable<RoomsTable>;
export type InviteRow = Selectable<InvitesTable>;
export type LocalAccount = Selectable<LocalAccountsTable>;
export type SessionRow = Selectable<SessionsTable>;
export type { Generated };
