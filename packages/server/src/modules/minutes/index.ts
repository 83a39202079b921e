import { createHash } from 'node:crypto';
import {
  computeQuorum,
  minutesSignedMessage,
  MinutesCommand,
  type AgendaItem,
  type MinutesLanguage,
  type MinutesSnapshot,
  type MinutesVersionContent,
  type MinutesVersionSummary,
  type QuorumRule,
  type RosterMember,
} from '@plenum/protocol';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { GENESIS_HASH, chainHash } from '../../audit/chain.ts';
import type { PublicKeyInfo } from '../../audit/signing.ts';
import type { MinutesDocument, MinutesVersionRow, NewMinutesVersion } from '../../storage/minutes.ts';
import { rosterMemberFor } from '../../storage/committee.ts';
import { CommandError, defineModule, type Participant, type RoomContext, type RoomEventMap } from '../types.ts';
import { appendBlocks, blocksText, documentBlocks, type Block } from './document.ts';
import { agendaBlocks, attendanceBlocks, minutesTitle, quorumBlocks, voteBlocks } from './report.ts';

/**
 * `minutes`: one collaborative Yjs document per room, edited by the chair (moderators) and the writers the
 * chair names; everyone else reads. See packages/protocol/src/minutes.ts for the wire protocol.
 *
 * The server is the authority: it applies a y-protocols step 2 / update only from a current writer (others
 * get `not_a_writer`, nothing applied, nothing relayed), relays what it applied, builds agenda, attendance,
 * quorum and vote blocks itself, and seals versions into the insert-only, hash-chained, signed
 * `minutes_versions`. The live document is saved a few seconds after it changes, when the last participant
 * leaves, on every seal, and when the server stops (`flush`).
 */

/** Saved this long after the first unsaved change. */
export const MINUTES_SAVE_DEBOUNCE_MS = 3_000;
/** Upper bound of a room's document (its encoded Yjs state, about): minutes, not a file store. */
export const MAX_MINUTES_BYTES = 4 * 1024 * 1024;

export interface MinutesStore {
  loadDocument(roomId: string): Promise<MinutesDocument | undefined>;
  saveDocument(roomId: string, doc: MinutesDocument, at: Date): Promise<void>;
  listVersions(roomId: string): Promise<MinutesVersionRow[]>;
  appendVersion(v: NewMinutesVersion): Promise<void>;
}

/** What the blocks are built from (CommitteeRepository, AttendanceRepository). */
export interface MinutesSources {
  listAgenda(roomId: string): Promise<AgendaItem[]>;
  listRoster(roomId: string): Promise<RosterMember[]>;
  settings(roomId: string): Promise<QuorumRule>;
  /** The current (or last) meeting's attendance entries, in the order people came. */
  attendance(roomId: string): Promise<{ displayName: string; joinedAt: Date; leftAt: Date | null }[]>;
}

export interface MinutesSigner {
  sign(message: string): string;
  readonly publicKey: PublicKeyInfo;
}

export interface MinutesDeps {
  store: MinutesStore;
  sources: MinutesSources;
  signingKey: MinutesSigner;
  /** Time zone of the times written into inserted blocks when the chair's browser does not say. */
  timeZone?: string;
}

export interface MinutesState {
  room: RoomContext;
  doc: Y.Doc;
  loading: Promise<void> | null;
  loaded: boolean;
  sealed: boolean;
  writers: Set<string>;
  versions: MinutesVersionSummary[];
  /** Language for blocks the server adds on its own (vote results): the chair's last choice. */
  lang: MinutesLanguage;
  timeZone: string;
  /** Size of the encoded state when last measured, plus the updates applied since. */
  approxBytes: number;
  dirty: boolean;
  cancelSave: (() => void) | null;
  pendingVotes: RoomEventMap['legal_vote_final'][];
}

const ORIGIN_LOAD = Symbol('load');
const ORIGIN_SERVER = Symbol('server');

const toBase64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

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

function syncMessage(write: (encoder: encoding.Encoder) => void): string {
  const encoder = encoding.createEncoder();
  write(encoder);
  return toBase64(encoding.toUint8Array(encoder));
}

export function createMinutesModule(deps: MinutesDeps) {
  const live = new Set<MinutesState>();

  const isChair = (room: RoomContext, who: Participant) => room.permissionsOf(who).has('moderate');
  const canWrite = (state: MinutesState, who: Participant) => isChair(state.room, who) || state.writers.has(who.id);

  async function save(state: MinutesState): Promise<void> {
    state.cancelSave?.();
    state.cancelSave = null;
    if (!state.dirty || !state.loaded) return;
    state.dirty = false;
    const encoded = Y.encodeStateAsUpdate(state.doc);
    state.approxBytes = encoded.byteLength;
    try {
      await deps.store.saveDocument(state.room.id, { state: encoded, sealed: state.sealed }, state.room.clock.now());
    } catch (err) {
      state.dirty = true;
      state.room.logger.error({ err }, 'minutes: saving the document failed');
    }
  }

  function changed(state: MinutesState): void {
    state.dirty = true;
    state.cancelSave ??= state.room.setTimer(MINUTES_SAVE_DEBOUNCE_MS, () => save(state));
  }

  function insertVote(state: MinutesState, vote: RoomEventMap['legal_vote_final']): void {
    appendBlocks(state.doc, voteBlocks(vote, state.lang, state.timeZone), ORIGIN_SERVER);
    if (state.sealed) {
      // A result must never be lost: it goes into the document, which is no longer the sealed version.
      state.sealed = false;
      state.room.broadcast({ message: 'reopened' });
    }
  }

  async function ensureLoaded(state: MinutesState): Promise<void> {
    state.loading ??= (async () => {
      const [stored, versions] = await Promise.all([deps.store.loadDocument(state.room.id), deps.store.listVersions(state.room.id)]);
      if (stored) {
        Y.applyUpdate(state.doc, stored.state, ORIGIN_LOAD);
        state.approxBytes = stored.state.byteLength;
        state.sealed = stored.sealed;
      }
      state.versions = versions.map(versionSummary);
      state.loaded = true;
      for (const vote of state.pendingVotes.splice(0)) insertVote(state, vote);
    })();
    try {
      await state.loading;
    } catch (err) {
      state.loading = null;
      throw err;
    }
  }

  async function buildBlocks(state: MinutesState, block: 'agenda' | 'attendance' | 'quorum', lang: MinutesLanguage, timeZone: string): Promise<Block[]> {
    const roomId = state.room.id;
    const now = state.room.clock.now();
    switch (block) {
      case 'agenda':
        return agendaBlocks(await deps.sources.listAgenda(roomId), lang);
      case 'attendance':
        return attendanceBlocks(await deps.sources.attendance(roomId), lang, timeZone, now);
      case 'quorum': {
        const [roster, rule] = await Promise.all([deps.sources.listRoster(roomId), deps.sources.settings(roomId)]);
        const present = new Set<string>();
        for (const p of state.room.participants()) {
          const member = rosterMemberFor(roster, { userId: p.userId, inviteCode: p.inviteCode });
          if (member) present.add(member.id);
        }
        return quorumBlocks(computeQuorum(roster, present, rule), rule, lang, timeZone, now);
      }
    }
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

  const module = defineModule<MinutesCommand, MinutesState>({
    namespace: 'minutes',
    commands: MinutesCommand,

    init(room) {
      const doc = new Y.Doc();
      const state: MinutesState = {
        room,
        doc,
        loading: null,
        loaded: false,
        sealed: false,
        writers: new Set(),
        versions: [],
        lang: 'en',
        timeZone: deps.timeZone ?? 'UTC',
        approxBytes: 0,
        dirty: false,
        cancelSave: null,
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
      room.on('legal_vote_final', (vote) => {
        if (state.loaded) insertVote(state, vote);
        else state.pendingVotes.push(vote);
      });
      live.add(state);
      return state;
    },

    async onJoin(ctx) {
      live.add(ctx.state);
      await ensureLoaded(ctx.state);
    },

    async onLeave(ctx) {
      if (ctx.room.participants().length > 0) return;
      await save(ctx.state);
      if (!ctx.state.dirty) live.delete(ctx.state);
    },

    async onCommand(ctx, who, cmd) {
      const { state } = ctx;
      await ensureLoaded(state);
      switch (cmd.action) {
        case 'sync': {
          const decoder = decoding.createDecoder(new Uint8Array(Buffer.from(cmd.data, 'base64')));
          let type: number;
          let payload: Uint8Array;
          try {
            type = decoding.readVarUint(decoder);
            payload = decoding.readVarUint8Array(decoder);
          } catch {
            throw new CommandError('minutes_invalid_update');
          }
          if (type === syncProtocol.messageYjsSyncStep1) {
            let data: string;
            try {
              data = syncMessage((e) => syncProtocol.writeSyncStep2(e, state.doc, payload));
            } catch {
              throw new CommandError('minutes_invalid_update');
            }
            ctx.send(who, { message: 'sync', data });
            return;
          }
          if (type !== syncProtocol.messageYjsSyncStep2 && type !== syncProtocol.messageYjsUpdate) throw new CommandError('minutes_invalid_update');
          if (!canWrite(state, who)) throw new CommandError('not_a_writer');
          if (state.sealed) throw new CommandError('minutes_sealed');
          try {
            // Decoding first: a corrupt update is refused before anything of it reaches the document.
            Y.decodeUpdate(payload);
          } catch {
            throw new CommandError('minutes_invalid_update');
          }
          if (state.approxBytes + payload.byteLength > MAX_MINUTES_BYTES) {
            state.approxBytes = Y.encodeStateAsUpdate(state.doc).byteLength;
            if (state.approxBytes + payload.byteLength > MAX_MINUTES_BYTES) throw new CommandError('minutes_full');
          }
          state.approxBytes += payload.byteLength;
          Y.applyUpdate(state.doc, payload, who.id);
          return;
        }
        case 'set_writers': {
          if (!isChair(ctx.room, who)) throw new CommandError('forbidden');
          if (cmd.participant_ids.some((id) => !ctx.room.participant(id))) throw new CommandError('participant_not_found');
          state.writers = new Set(cmd.participant_ids);
          ctx.broadcast({ message: 'writers', writer_ids: [...state.writers] });
          return;
        }
        case 'insert': {
          if (!isChair(ctx.room, who)) throw new CommandError('forbidden');
          if (state.sealed) throw new CommandError('minutes_sealed');
          const lang = cmd.lang ?? state.lang;
          state.lang = lang;
          const timeZone = validTimeZone(cmd.time_zone) ?? state.timeZone;
          state.timeZone = timeZone;
          const blocks = await buildBlocks(state, cmd.block, lang, timeZone);
          // The lookups above awaited: a seal may have happened meanwhile (commands run one at a time, so it
          // cannot, but the check keeps the rule local).
          if (state.sealed) throw new CommandError('minutes_sealed');
          appendBlocks(state.doc, blocks, ORIGIN_SERVER);
          return;
        }
        case 'seal': {
          if (!isChair(ctx.room, who)) throw new CommandError('forbidden');
          if (state.sealed) throw new CommandError('minutes_sealed');
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
          await deps.store.appendVersion({ roomId: ctx.room.id, version, content, prevHash, hash, signature, keyFingerprint, yjsState });
          const summary: MinutesVersionSummary = {
            version,
            title: content.title,
            sealed_at: content.sealed_at,
            sealed_by: who.displayName,
            hash,
            prev_hash: prevHash,
            signature,
            key_fingerprint: keyFingerprint,
          };
          state.versions.push(summary);
          state.sealed = true;
          state.dirty = true;
          await save(state);
          ctx.broadcast({ message: 'sealed', version: summary });
          return;
        }
        case 'amend': {
          if (!isChair(ctx.room, who)) throw new CommandError('forbidden');
          if (!state.sealed) return;
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
  });

  return Object.assign(module, {
    /** Saves every document with unsaved changes (server shutdown). */
    async flush(): Promise<void> {
      await Promise.all([...live].map((state) => save(state)));
    },
  });
}
