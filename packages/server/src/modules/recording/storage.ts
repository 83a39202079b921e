import type { RecordingInfo } from '@plenum/protocol';
import type { ColumnType, Selectable } from 'kysely';
import type { Trx } from '../../audit/admin-log.ts';
import type { Db } from '../../storage/database.ts';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

/** One person whose picture and sound went into a recording (they consented). */
export interface RecordedParticipant {
  display_name: string;
  /** Accounts only (GDPR export and pseudonymisation find them by it). */
  user_id: string | null;
}

export type RecordingStatusName = RecordingInfo['status'];

export interface RecordingsTable {
  id: string;
  room_id: string;
  started_at: Timestamp;
  ended_at: Timestamp | null;
  status: ColumnType<RecordingStatusName, RecordingStatusName | undefined, RecordingStatusName>;
  participants: ColumnType<RecordedParticipant[], string | undefined, string>;
  file_path: string;
  size_bytes: ColumnType<string | number | null, number | null | undefined, number | null>;
  sha256: string | null;
}

// The table of migration 0013, added to the database type where it is used.
declare module '../../storage/schema.ts' {
  interface Database {
    recordings: RecordingsTable;
  }
}

export type RecordingRow = Selectable<RecordingsTable>;

const iso = (d: Date | string) => new Date(d).toISOString();

/** The REST view of a row: display names only (the user ids stay on the server). */
export function recordingInfo(row: RecordingRow): RecordingInfo {
  return {
    id: row.id,
    room_id: row.room_id,
    started_at: iso(row.started_at),
    ended_at: row.ended_at ? iso(row.ended_at) : null,
    participants: row.participants.map((p) => p.display_name),
    status: row.status,
    size_bytes: row.size_bytes === null ? null : Number(row.size_bytes),
    sha256: row.sha256,
  };
}

/** The recording feature's repository (structural, so a test can provide an in-memory one). */
export type RecordingRepos = { [K in keyof RecordingRepository]: RecordingRepository[K] };

export class RecordingRepository {
  constructor(private readonly db: Db) {}

  async create(row: { id: string; roomId: string; startedAt: Date; filePath: string }): Promise<void> {
    await this.db.insertInto('recordings').values({ id: row.id, room_id: row.roomId, started_at: row.startedAt, file_path: row.filePath }).execute();
  }

  /** The recording ended (stopped or failed): its participants, size and hash. */
  async finish(id: string, end: { endedAt: Date; status: 'complete' | 'failed'; participants: RecordedParticipant[]; sizeBytes: number; sha256: string | null }): Promise<void> {
    await this.db
      .updateTable('recordings')
      .set({ ended_at: end.endedAt, status: end.status, participants: JSON.stringify(end.participants), size_bytes: end.sizeBytes, sha256: end.sha256 })
      .where('id', '=', id)
      .execute();
  }

  byId(id: string): Promise<RecordingRow | undefined> {
    return this.db.selectFrom('recordings').selectAll().where('id', '=', id).executeTakeFirst();
  }

  forRoom(roomId: string): Promise<RecordingRow[]> {
    return this.db.selectFrom('recordings').selectAll().where('room_id', '=', roomId).orderBy('started_at', 'desc').execute();
  }

  /** Deletes the row inside `trx` (with its audit entry); returns the file to remove, or undefined when it was gone. */
  async delete(trx: Trx, id: string): Promise<string | undefined> {
    const row = await trx.deleteFrom('recordings').where('id', '=', id).returning('file_path').executeTakeFirst();
    return row?.file_path;
  }
}
