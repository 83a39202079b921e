import type { MinutesVersionContent, MinutesVersionSummary } from '@plenum/protocol';
import type { ColumnType, Selectable } from 'kysely';
import type { Db } from '../../storage/database.ts';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, never>;

export interface MinutesDocumentsTable {
  room_id: string;
  /** Y.encodeStateAsUpdate of the room's document, base64. */
  state: string;
  sealed: boolean;
  updated_at: Timestamp;
}

export interface MinutesVersionsTable {
  room_id: string;
  version: number;
  content: ColumnType<MinutesVersionContent, string, never>;
  prev_hash: string;
  hash: string;
  signature: string;
  key_fingerprint: string;
  /** The sealed Yjs state, base64 (its SHA-256 is content.yjs_state_sha256). */
  yjs_state: string;
  created_at: DefaultedTimestamp;
}

// The tables of migration 0005, added to the database type where they are used.
declare module '../../storage/schema.ts' {
  interface Database {
    minutes_documents: MinutesDocumentsTable;
    minutes_versions: MinutesVersionsTable;
  }
}

export type MinutesVersionRow = Selectable<MinutesVersionsTable>;

export interface MinutesDocument {
  state: Uint8Array;
  sealed: boolean;
}

export interface NewMinutesVersion {
  roomId: string;
  version: number;
  content: MinutesVersionContent;
  prevHash: string;
  hash: string;
  signature: string;
  keyFingerprint: string;
  yjsState: Uint8Array;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/** The minutes of each room: the live document (saved as it changes) and the sealed, insert-only versions. */
export class MinutesRepository {
  constructor(private readonly db: Db) {}

  async loadDocument(roomId: string): Promise<MinutesDocument | undefined> {
    const row = await this.db.selectFrom('minutes_documents').select(['state', 'sealed']).where('room_id', '=', roomId).executeTakeFirst();
    return row ? { state: new Uint8Array(Buffer.from(row.state, 'base64')), sealed: row.sealed } : undefined;
  }

  async saveDocument(roomId: string, doc: MinutesDocument, at: Date): Promise<void> {
    const state = b64(doc.state);
    await this.db
      .insertInto('minutes_documents')
      .values({ room_id: roomId, state, sealed: doc.sealed, updated_at: at })
      .onConflict((oc) => oc.column('room_id').doUpdateSet({ state, sealed: doc.sealed, updated_at: at }))
      .execute();
  }

  /** Versions of a room, oldest first. */
  listVersions(roomId: string): Promise<MinutesVersionRow[]> {
    return this.db.selectFrom('minutes_versions').selectAll().where('room_id', '=', roomId).orderBy('version').execute();
  }

  version(roomId: string, version: number): Promise<MinutesVersionRow | undefined> {
    return this.db.selectFrom('minutes_versions').selectAll().where('room_id', '=', roomId).where('version', '=', version).executeTakeFirst();
  }

  latestVersion(roomId: string): Promise<MinutesVersionRow | undefined> {
    return this.db.selectFrom('minutes_versions').selectAll().where('room_id', '=', roomId).orderBy('version', 'desc').limit(1).executeTakeFirst();
  }

  /** Inserts a sealed version; a second insert of the same (room, version) fails on the primary key. */
  async appendVersion(v: NewMinutesVersion): Promise<void> {
    await this.db
      .insertInto('minutes_versions')
      .values({
        room_id: v.roomId,
        version: v.version,
        content: JSON.stringify(v.content),
        prev_hash: v.prevHash,
        hash: v.hash,
        signature: v.signature,
        key_fingerprint: v.keyFingerprint,
        yjs_state: b64(v.yjsState),
      })
      .execute();
  }
}

/** A version as the room and the REST list show it. */
export function versionSummary(row: MinutesVersionRow): MinutesVersionSummary {
  return {
    version: row.version,
    title: row.content.title,
    sealed_at: row.content.sealed_at,
    sealed_by: row.content.sealed_by.display_name,
    hash: row.hash,
    prev_hash: row.prev_hash,
    signature: row.signature,
    key_fingerprint: row.key_fingerprint,
  };
}
