import { minutesPersonalData } from '../../gdpr/features.ts';
import { createHash } from 'node:crypto';
import {
  computeQuorum,
  minutesProtocol,
  minutesSignedMessage,
  rosterMemberFor,
  type MinutesLanguage,
  type MinutesSnapshot,
  type MinutesVersionContent,
  type MinutesVersionSummary,
} from '@plenum/protocol';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { GENESIS_HASH, chainHash } from '../../audit/chain.ts';
import { defineFeature, refusal, type FeatureRoom, type HooksOf, type Participant } from '../../signaling/feature.ts';
import { committeeChanged, type CommitteeData } from '../agenda/events.ts';
import { attendanceFeature } from '../attendance/index.ts';
import type { AttendanceRepository } from '../attendance/storage.ts';
import { legalVoteFinal, type LegalVoteFinal } from '../legal_vote/events.ts';
import { appendBlocks, blocksText, documentBlocks, type Block } from './document.ts';
import * as m0005 from './migrations/0005_minutes.ts';
import { minutesRoutes } from './routes.ts';
import { agendaBlocks, attendanceBlocks, minutesTitle, quorumBlocks, voteBlocks, type AttendanceLine } from './report.ts';
import { MinutesRepository, versionSummary, type MinutesDocument, type MinutesVersionRow, type NewMinutesVersion } from './storage.ts';
import { failureCode } from '../../signaling/failure.ts';

/**
 * `minutes`: one collaborative Yjs document per room, edited by the chair (moderators) and the writers the
 * chair names; everyone else reads. See packages/protocol/src/minutes.ts for the wire protocol.
 *
 * The server is the authority: it applies a y-protocols step 2 / update only from a current writer (others
 * get `not_a_writer`, nothing applied, nothing relayed), relays what it applied, builds agenda, attendance,
 * quorum and vote blocks itself, and seals versions into the insert-only, hash-chained, signed
 * `minutes_versions`. The document is loaded before the room's first task; it is saved a few seconds after
 * it changes, when the last participant leaves, on every seal, and when the room closes (onClose, which
 * shutdown waits for). Agenda, roster and quorum rule come from the agenda feature's `committee_changed`.
 */

/** Saved this long after the first unsaved change. */
export const MINUTES_SAVE_DEBOUNCE_MS = 3_000;
/** Upper bound of a room's document (its encoded Yjs state, about): minutes, not a file store. */
export const MAX_MINUTES_BYTES = 4 * 1024 * 1024;

export interface MinutesStore {
  loadDocument(roomId: string): Promise<MinutesDocument | undefined>;
  saveDocument(roomId: string, doc: MinutesDocument, at: Date): Promise<void>;
  listVersions(roomId: string): Promise<MinutesVersionRow[]>;
  version(roomId: string, version: number): Promise<MinutesVersionRow | undefined>;
  appendVersion(v: NewMinutesVersion): Promise<void>;
}

/** The current (or last) meeting's attendance, in the order people came. */
export interface AttendanceSource {
  lines(roomId: string): Promise<AttendanceLine[]>;
}

export interface MinutesRepos {
  store: MinutesStore;
  /** Tests give one; otherwise it reads the attendance feature's repository. */
  attendance?: AttendanceSource;
}

interface Loaded {
  stored: MinutesDocument | undefined;
  versions: MinutesVersionRow[];
}

export interface MinutesState {
  room: FeatureRoom<typeof minutesProtocol>;
  doc: Y.Doc;
  /** False until the stored document is in `doc` (a failed load is retried; nothing is saved over it meanwhile). */
  loaded: boolean;
  loading: boolean;
  sealed: boolean;
  /** A seal is being written. */
  sealing: boolean;
  writers: Set<string>;
  versions: MinutesVersionSummary[];
  /** Language for blocks the server adds on its own (vote results): the chair's last choice. */
  lang: MinutesLanguage;
  timeZone: string;
  /** Size of the encoded state when last measured, plus the updates applied since. */
  approxBytes: number;
  dirty: boolean;
  cancelSave: (() => void) | null;
  committee: CommitteeData;
  pendingVotes: LegalVoteFinal[];
}

const ORIGIN_LOAD = Symbol('load');
const ORIGIN_SERVER = Symbol('server');

const refuse = refusal(minutesProtocol);
const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

function syncMessage(write: (encoder: encoding.Encoder) => void): string {
  const encoder = encoding.createEncoder();
  write(encoder);
  return toBase64(encoding.toUint8Array(encoder));
}


function validTimeZone(zone: string | undefined): string | undefined {
  if (!zone) return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    return undefined;
  }
}

interface MinutesHookDeps {
  store: MinutesStore;
  attendance: AttendanceSource;
  signingKey: { sign(message: string): string; readonly publicKey: { fingerprint: string } };
  timeZone: string;
}

function hooks(deps: MinutesHookDeps): HooksOf<typeof minutesProtocol, MinutesState, Loaded, never, typeof committeeChanged | typeof legalVoteFinal> {
  const isChair = (who: Participant) => who.role === 'moderator';
  const canWrite = (state: MinutesState, who: Participant) => isChair(who) || state.writers.has(who.id);

  /** Saves the document if it changed; the write leaves the room's queue. */
  function save(state: MinutesState): Promise<void> {
    state.cancelSave?.();
    state.cancelSave = null;
    if (!state.dirty || !state.loaded) return Promise.resolve();
    state.dirty = false;
    const encoded = Y.encodeStateAsUpdate(state.doc);
    state.approxBytes = encoded.byteLength;
    const write = deps.store.saveDocument(state.room.id, { state: encoded, sealed: state.sealed }, state.room.clock.now()).catch((err: unknown) => {
      state.dirty = true;
      state.room.logger.error({ err }, 'minutes: saving the document failed');
    });
    state.room.spawn(write);
    return write;
  }

  function changed(state: MinutesState): void {
    state.dirty = true;
    state.cancelSave ??= state.room.setTimer(MINUTES_SAVE_DEBOUNCE_MS, () => void save(state));
  }

  function insertVote(state: MinutesState, vote: LegalVoteFinal): void {
    appendBlocks(state.doc, voteBlocks(vote, state.lang, state.timeZone), ORIGIN_SERVER);
    if (state.sealed) {
      // A result must never be lost: it goes into the document, which is no longer the sealed version.
      state.sealed = false;
      state.room.broadcast({ message: 'reopened' });
    }
  }

  /** The stored document and versions arrived (at open, or on a retry): into the live document. */
  function applyLoaded(state: MinutesState, loaded: Loaded, late: boolean): void {
    if (loaded.stored) {
      // Late (a retry after a failed load), the others already synced an empty document: they get it as an update.
      Y.applyUpdate(state.doc, loaded.stored.state, late ? ORIGIN_SERVER : ORIGIN_LOAD);
      state.approxBytes = loaded.stored.state.byteLength;
      state.sealed = loaded.stored.sealed;
    }
    state.versions = loaded.versions.map(versionSummary);
    state.loaded = true;
    state.dirty = late && state.dirty;
    for (const vote of state.pendingVotes.splice(0)) insertVote(state, vote);
  }

  function load(roomId: string): Promise<Loaded> {
    return Promise.all([deps.store.loadDocument(roomId), deps.store.listVersions(roomId)]).then(([stored, versions]) => ({ stored, versions }));
  }

  /** A room whose document could not be loaded tries again (on joins and commands); nothing is saved over it meanwhile. */
  function retryLoad(state: MinutesState): void {
    if (state.loaded || state.loading) return;
    state.loading = true;
    state.room.spawn(
      load(state.room.id),
      (loaded) => {
        state.loading = false;
        if (!state.loaded) applyLoaded(state, loaded, true);
      },
      (err) => {
        state.loading = false;
        state.room.logger.error({ err }, 'minutes: loading the document failed');
      },
    );
  }

  function presentMemberIds(state: MinutesState): Set<string> {
    const present = new Set<string>();
    for (const p of state.room.participants()) {
      if (p.kind === 'recorder') continue;
      const member = rosterMemberFor(state.committee.roster, p);
      if (member) present.add(member.id);
    }
    return present;
  }

  return {
    load: (room) => load(room.id),

    init(room, loaded) {
      const doc = new Y.Doc();
      const state: MinutesState = {
        room,
        doc,
        loaded: false,
        loading: false,
        sealed: false,
        sealing: false,
        writers: new Set(),
        versions: [],
        lang: 'en',
        timeZone: deps.timeZone,
        approxBytes: 0,
        dirty: false,
        cancelSave: null,
        committee: { roster: [], items: [], rule: { rule: 'more_than_half', count: null } },
        pendingVotes: [],
      };
      // Every change that was applied (a writer's update or a block the server built) goes to everyone
      // else and is saved soon. The origin of a writer's update is their participant id.
      doc.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin === ORIGIN_LOAD) return;
        const data = syncMessage((e) => syncProtocol.writeUpdate(e, update));
        room.broadcast({ message: 'sync', data }, typeof origin === 'string' ? { except: origin } : {});
        changed(state);
      });
      room.on(committeeChanged, (committee) => {
        state.committee = committee;
      });
      room.on(legalVoteFinal, (vote) => {
        if (state.loaded) insertVote(state, vote);
        else state.pendingVotes.push(vote);
      });
      if (loaded) applyLoaded(state, loaded, false);
      return state;
    },

    onJoin(ctx) {
      retryLoad(ctx.state);
    },

    onLeave(ctx) {
      if (ctx.room.participants().length === 0) void save(ctx.state);
    },

    onCommand(ctx, who, cmd) {
      const { state } = ctx;
      if (!state.loaded) {
        retryLoad(state);
        throw refuse('internal_error');
      }
      switch (cmd.action) {
        case 'sync': {
          const decoder = decoding.createDecoder(new Uint8Array(Buffer.from(cmd.data, 'base64')));
          let type: number;
          let payload: Uint8Array;
          try {
            type = decoding.readVarUint(decoder);
            payload = decoding.readVarUint8Array(decoder);
          } catch {
            throw refuse('minutes_invalid_update');
          }
          if (type === syncProtocol.messageYjsSyncStep1) {
            let data: string;
            try {
              data = syncMessage((e) => syncProtocol.writeSyncStep2(e, state.doc, payload));
            } catch {
              throw refuse('minutes_invalid_update');
            }
            ctx.send(who, { message: 'sync', data });
            // And the server's own state vector, as y-protocols peers do: a writer whose connection dropped
            // (and resumed) answers with what of theirs never arrived, instead of losing it.
            ctx.send(who, { message: 'sync', data: syncMessage((e) => syncProtocol.writeSyncStep1(e, state.doc)) });
            return;
          }
          if (type !== syncProtocol.messageYjsSyncStep2 && type !== syncProtocol.messageYjsUpdate) throw refuse('minutes_invalid_update');
          if (!canWrite(state, who)) throw refuse('not_a_writer');
          if (state.sealed) throw refuse('minutes_sealed');
          try {
            // Decoding first: a corrupt update is refused before anything of it reaches the document.
            Y.decodeUpdate(payload);
          } catch {
            throw refuse('minutes_invalid_update');
          }
          if (state.approxBytes + payload.byteLength > MAX_MINUTES_BYTES) {
            state.approxBytes = Y.encodeStateAsUpdate(state.doc).byteLength;
            if (state.approxBytes + payload.byteLength > MAX_MINUTES_BYTES) throw refuse('minutes_full');
          }
          state.approxBytes += payload.byteLength;
          Y.applyUpdate(state.doc, payload, who.id);
          return;
        }
        case 'set_writers': {
          if (!isChair(who)) throw refuse('forbidden');
          if (cmd.participant_ids.some((id) => !ctx.room.participant(id))) throw refuse('participant_not_found');
          state.writers = new Set(cmd.participant_ids);
          ctx.broadcast({ message: 'writers', writer_ids: [...state.writers] });
          return;
        }
        case 'insert': {
          if (!isChair(who)) throw refuse('forbidden');
          if (state.sealed) throw refuse('minutes_sealed');
          const lang = cmd.lang ?? state.lang;
          state.lang = lang;
          const timeZone = validTimeZone(cmd.time_zone) ?? state.timeZone;
          state.timeZone = timeZone;
          const now = ctx.clock.now();
          const append = (blocks: Block[]) => {
            // A seal may have come while the attendance was read: the blocks wait for the chair to amend.
            if (state.sealed) return ctx.room.sendError(who, 'minutes_sealed', { action: 'insert' });
            appendBlocks(state.doc, blocks, ORIGIN_SERVER);
          };
          switch (cmd.block) {
            case 'agenda':
              return append(agendaBlocks(state.committee.items, lang));
            case 'quorum': {
              const q = computeQuorum(state.committee.roster, presentMemberIds(state), state.committee.rule);
              return append(quorumBlocks(q, state.committee.rule, lang, timeZone, now));
            }
            case 'attendance':
              ctx.spawn(deps.attendance.lines(ctx.room.id), (lines) => append(attendanceBlocks(lines, lang, timeZone, now)));
              return;
          }
          return;
        }
        case 'seal': {
          if (!isChair(who)) throw refuse('forbidden');
          if (state.sealed || state.sealing) throw refuse('minutes_sealed');
          const lang = cmd.lang ?? state.lang;
          const previous = state.versions.at(-1);
          const version = (previous?.version ?? 0) + 1;
          const prevHash = previous?.hash ?? GENESIS_HASH;
          const yjsState = Y.encodeStateAsUpdate(state.doc);
          const blocks = documentBlocks(state.doc);
          const content: MinutesVersionContent = {
            room_id: ctx.room.id,
            version,
            title: cmd.title ?? minutesTitle(ctx.room.name, lang),
            sealed_at: ctx.clock.now().toISOString(),
            sealed_by: { participant_id: who.id, display_name: who.displayName, user_id: who.userId ?? null },
            blocks,
            text: blocksText(blocks),
            yjs_state_sha256: createHash('sha256').update(yjsState).digest('hex'),
          };
          const hash = chainHash(prevHash, content);
          const signature = deps.signingKey.sign(minutesSignedMessage(ctx.room.id, version, hash));
          const keyFingerprint = deps.signingKey.publicKey.fingerprint;
          // Sealed from now on: nothing written after this moment can be missing from the sealed version.
          state.sealed = true;
          state.sealing = true;
          ctx.spawn(
            deps.store.appendVersion({ roomId: ctx.room.id, version, content, prevHash, hash, signature, keyFingerprint, yjsState }),
            () => {
              state.sealing = false;
              const summary: MinutesVersionSummary = { version, title: content.title, sealed_at: content.sealed_at, sealed_by: who.displayName, hash, prev_hash: prevHash, signature, key_fingerprint: keyFingerprint };
              state.versions.push(summary);
              state.dirty = true;
              void save(state);
              ctx.broadcast({ message: 'sealed', version: summary });
            },
            (err) => {
              state.sealing = false;
              state.sealed = false;
              ctx.room.logger.error({ err, version }, 'minutes: sealing failed');
              ctx.room.sendError(who, failureCode(err), { action: 'seal' });
            },
          );
          return;
        }
        case 'amend': {
          if (!isChair(who)) throw refuse('forbidden');
          if (!state.sealed || state.sealing) return;
          state.sealed = false;
          changed(state);
          ctx.broadcast({ message: 'reopened' });
          return;
        }
      }
    },

    snapshot(ctx, forWhom): MinutesSnapshot {
      const { state } = ctx;
      return {
        writer_ids: [...state.writers],
        can_write: canWrite(state, forWhom) && !state.sealed,
        sealed: state.sealed,
        versions: state.versions,
      };
    },

    // Room timers die with the room: what the debounce has not written yet is written now.
    onClose: (state) => save(state),
  };
}

/** The attendance feature's repository as the minutes read it. */
function attendanceLines(repo: ReposOfAttendance): AttendanceSource {
  return {
    async lines(roomId) {
      const meeting = (await repo.listMeetings(roomId))[0];
      if (!meeting) return [];
      return (await repo.entries(meeting.id)).map((e) => ({ displayName: e.display_name, joinedAt: new Date(e.joined_at), leftAt: e.left_at ? new Date(e.left_at) : null }));
    },
  };
}
type ReposOfAttendance = Pick<AttendanceRepository, 'listMeetings' | 'entries'>;

export const minutesFeature = defineFeature({
  ...minutesProtocol,
  requires: ['attendance', 'agenda'],
  consumes: [committeeChanged, legalVoteFinal],
  repositories: (db): MinutesRepos => ({ store: new MinutesRepository(db) }),
  migrations: { '0005_minutes': m0005 },
  personalData: minutesPersonalData,
  routes: minutesRoutes,
  setup: ({ repos, services, repositoriesOf }) =>
    hooks({
      store: repos.store,
      attendance: repos.attendance ?? attendanceLines(repositoriesOf(attendanceFeature)),
      signingKey: services.signingKey,
      timeZone: services.timeZone,
    }),
});

export { versionSummary };
