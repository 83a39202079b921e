import { rm } from 'node:fs/promises';
import type { PersonalDataUnit } from '../../gdpr/unit.ts';
import type { RecordedParticipant } from './storage.ts';

/**
 * What `recording` stores about people: the display names (and account ids) of those who consented and were
 * recorded, and the recording itself (their picture and voice). Export lists the subject's recordings;
 * pseudonymisation replaces their name in the metadata — the picture and sound in the file cannot be
 * pseudonymised and go with the retention period (or a deletion by the room's owner).
 */
export const recordingPersonalData: PersonalDataUnit = {
  async export(db, subject) {
    const rows = await db.selectFrom('recordings').select(['id', 'room_id', 'started_at', 'ended_at', 'participants']).execute();
    const mine = rows.filter((r) => r.participants.some((p) => p.user_id === subject.userId));
    return { recordings: mine.map((r) => ({ id: r.id, room_id: r.room_id, started_at: r.started_at, ended_at: r.ended_at, recorded_as: r.participants.filter((p) => p.user_id === subject.userId).map((p) => p.display_name) })) };
  },
  async pseudonymise(trx, subject) {
    const rows = await trx.selectFrom('recordings').select(['id', 'participants']).execute();
    let changed = 0;
    for (const r of rows) {
      if (!r.participants.some((p) => p.user_id === subject.userId)) continue;
      const participants: RecordedParticipant[] = r.participants.map((p) => (p.user_id === subject.userId ? { ...p, display_name: subject.pseudonym } : p));
      await trx.updateTable('recordings').set({ participants: JSON.stringify(participants) }).where('id', '=', r.id).execute();
      changed++;
    }
    return changed;
  },
  async delete(trx, subject) {
    // Recordings of the rooms the account owns go with those rooms (files too); in others the picture cannot be cut
    // out, so those stay until their retention period, with the pseudonym in the metadata.
    const owned = await trx
      .deleteFrom('recordings')
      .where('room_id', 'in', trx.selectFrom('rooms').select('id').where('owner_id', '=', subject.userId))
      .returning('file_path')
      .execute();
    for (const { file_path } of owned) await rm(file_path, { force: true });
    return owned.length + (await recordingPersonalData.pseudonymise(trx, subject));
  },
  keptOnDelete: {
    recordings: 'a recording of someone else\u2019s room shows others too and cannot be cut: kept with the pseudonym in its metadata until RETENTION_RECORDINGS_DAYS after it ended',
  },
  retained: { recordings: 'the recorded picture and sound cannot be pseudonymised; only the names in the metadata are replaced. The file is deleted with the row after RETENTION_RECORDINGS_DAYS' },
  retention: {
    purge: {
      recordings: {
        period: 'recordings',
        tables: ['recordings'],
        description: 'Meeting recordings (the MP4 file and its metadata) once this many days have passed since the recording ended',
        async purge(trx, olderThan) {
          // A recording whose server died before it ended has no end: its start counts then.
          const gone = await trx
            .deleteFrom('recordings')
            .where((eb) => eb.or([eb('ended_at', '<', olderThan), eb.and([eb('ended_at', 'is', null), eb('started_at', '<', olderThan)])]))
            .returning('file_path')
            .execute();
          // The files go with their rows (a file already missing is no failure).
          for (const { file_path } of gone) await rm(file_path, { force: true });
          return gone.length;
        },
      },
    },
  },
};
