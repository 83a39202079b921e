import {
  minutesProtocol,
  type ErrorOf,
  type ErrorPayloadOf,
  type JoinSuccess,
  type MessageOf,
  type MinutesBlockKind,
  type MinutesVersionSummary,
  type SnapshotOf,
} from '@plenum/protocol';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { FeatureStore, type FeatureConnection } from '../../meeting/featureStore.ts';

export interface MinutesView {
  /** Changes whenever the document is replaced (a join that is not a resume, or a refused edit): editors bind to `doc` anew. */
  doc: Y.Doc;
  roomId: string | null;
  selfId: string | null;
  moderator: boolean;
  writerIds: string[];
  sealed: boolean;
  canWrite: boolean;
  versions: MinutesVersionSummary[];
  /** The document arrived from the server (after our sync request). */
  synced: boolean;
  /** The last refusal of one of our commands, or `too_large` for an edit too big to send. */
  error: ErrorOf<typeof minutesProtocol> | 'too_large' | null;
}

const SERVER = 'server';
/** Local edits are batched: the server accepts a limited number of commands per second. */
const SEND_DELAY_MS = 120;
/** A signaling frame is at most 64 KiB; the protocol allows 60 000 base64 characters per message. */
const MAX_DATA_LENGTH = 60_000;

const toBase64 = (bytes: Uint8Array) => {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};
/** A step 2 that carries neither items nor deletions (the server already has all of ours). */
function emptyStep2(encoder: encoding.Encoder): boolean {
  const decoder = decoding.createDecoder(encoding.toUint8Array(encoder));
  decoding.readVarUint(decoder);
  const update = Y.decodeUpdate(decoding.readVarUint8Array(decoder));
  return update.structs.length === 0 && update.ds.clients.size === 0;
}
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/**
 * The minutes as this participant sees them: a Y.Doc kept in sync with the server's over signaling
 * (y-protocols messages). A writer's local edits (TipTap writes into the doc) are sent as updates; a refused
 * edit (no longer a writer, sealed) replaces the document with the server's, so the local copy never drifts.
 *
 * A reader's editor still writes into its copy on its own (ProseMirror's normalisation, TipTap's trailing
 * paragraph after a list the server inserted). Those changes are never sent: sent later, when the reader became
 * a writer, they landed on top of the others' typing and could delete a paragraph someone was writing in. So a
 * change of the right to write replaces the document with the server's, and the editor binds to it anew.
 */
export class MinutesStore extends FeatureStore<typeof minutesProtocol, MinutesView> {
  private pending: Uint8Array[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private detachDoc: (() => void) | null = null;

  constructor(connection: FeatureConnection) {
    super(connection, minutesProtocol, {
      doc: new Y.Doc(),
      roomId: null,
      selfId: null,
      moderator: false,
      writerIds: [],
      sealed: false,
      canWrite: false,
      versions: [],
      synced: false,
      error: null,
    });
  }

  setWriters(ids: string[]): boolean {
    this.set({ error: null });
    return this.send({ action: 'set_writers', participant_ids: ids });
  }

  insert(block: MinutesBlockKind, lang: 'de' | 'en'): boolean {
    this.set({ error: null });
    return this.send({ action: 'insert', block, lang, time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone });
  }

  seal(lang: 'de' | 'en'): boolean {
    this.flush();
    this.set({ error: null });
    return this.send({ action: 'seal', lang });
  }

  amend(): boolean {
    this.set({ error: null });
    return this.send({ action: 'amend' });
  }

  pdfUrl(version: number, lang: 'de' | 'en'): string | null {
    if (!this.view.roomId) return null;
    const tz = encodeURIComponent(Intl.DateTimeFormat().resolvedOptions().timeZone);
    return `/v1/rooms/${this.view.roomId}/minutes/versions/${version}.pdf?lang=${lang}&tz=${tz}`;
  }

  protected joined(snapshot: SnapshotOf<typeof minutesProtocol>, join: JoinSuccess): void {
    // A resume is the same participant in the same room: the document (and the editor bound to it, with the
    // writer's caret) stays, and the sync below fetches what was missed while the server's state vector brings
    // back what of ours was lost with the old connection. Replaced when our copy may hold edits the server
    // will never take (sealed meanwhile, or we lost the right to write) or the right to write changed.
    const keep =
      join.resumed &&
      this.view.roomId === join.room.id &&
      this.view.selfId === join.id &&
      !snapshot.sealed &&
      snapshot.can_write === this.view.canWrite;
    this.set({
      roomId: join.room.id,
      selfId: join.id,
      moderator: join.role === 'moderator',
      writerIds: snapshot.writer_ids,
      sealed: snapshot.sealed,
      canWrite: snapshot.can_write,
      versions: snapshot.versions,
      error: null,
    });
    if (keep) this.requestSync();
    else this.resetDoc();
  }

  /** A fresh document, filled by the server's answer to our state vector. */
  private resetDoc(): void {
    this.detachDoc?.();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = [];
    const doc = new Y.Doc();
    const onUpdate = (update: Uint8Array, origin: unknown) => {
      // A reader's own changes stay local (see the class comment); becoming a writer starts from the server's copy.
      if (origin === SERVER || !this.view.canWrite) return;
      this.pending.push(update);
      this.timer ??= setTimeout(() => this.flush(), SEND_DELAY_MS);
    };
    doc.on('update', onUpdate);
    this.detachDoc = () => doc.off('update', onUpdate);
    this.set({ doc, synced: false });
    this.requestSync();
  }

  /** Our state vector: the server answers with what we lack, then with its own state vector. */
  private requestSync(): void {
    const encoder = encoding.createEncoder();
    syncProtocol.writeSyncStep1(encoder, this.view.doc);
    this.send({ action: 'sync', data: toBase64(encoding.toUint8Array(encoder)) });
    this.flushSoon();
  }

  /** The right to write changed (writers, seal, reopen): a changed right starts again from the server's document. */
  private setCanWrite(canWrite: boolean): void {
    const changed = canWrite !== this.view.canWrite;
    this.set({ canWrite });
    if (changed) this.resetDoc();
    else this.flushSoon();
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0 || !this.view.canWrite) return;
    const pending = this.pending;
    this.pending = [];
    const message = (update: Uint8Array) => {
      const encoder = encoding.createEncoder();
      syncProtocol.writeUpdate(encoder, update);
      return toBase64(encoding.toUint8Array(encoder));
    };
    const merged = message(Y.mergeUpdates(pending));
    // One message when it fits, otherwise each edit on its own (a large paste may still be too big).
    const messages = merged.length <= MAX_DATA_LENGTH ? [merged] : pending.map(message);
    if (messages.some((m) => m.length > MAX_DATA_LENGTH)) {
      this.set({ error: 'too_large' });
      this.resetDoc();
      return;
    }
    for (const data of messages) this.send({ action: 'sync', data });
  }

  /** What the document gathered while we could not write goes out once we can. */
  private flushSoon(): void {
    if (this.view.canWrite && this.pending.length) this.timer ??= setTimeout(() => this.flush(), SEND_DELAY_MS);
  }

  private computeCanWrite(writerIds: string[], sealed: boolean): boolean {
    return !sealed && (this.view.moderator || (this.view.selfId !== null && writerIds.includes(this.view.selfId)));
  }

  protected override refused({ error }: ErrorPayloadOf<typeof minutesProtocol>): void {
    this.set({ error });
    // Our copy holds an edit the server did not take: start again from the server's document.
    if (error === 'not_a_writer' || error === 'minutes_sealed' || error === 'minutes_invalid_update' || error === 'minutes_full') this.resetDoc();
  }

  protected handle(message: MessageOf<typeof minutesProtocol>): void {
    switch (message.message) {
      case 'sync': {
        const decoder = decoding.createDecoder(fromBase64(message.data));
        const answer = encoding.createEncoder();
        const type = syncProtocol.readSyncMessage(decoder, answer, this.view.doc, SERVER);
        if (type === syncProtocol.messageYjsSyncStep1) {
          // The server's state vector: what it lacks of ours (lost with a dropped connection) goes back now.
          // A reader has nothing to give. An answer too big for one frame would be refused whole; what is
          // still in `pending` goes out edit by edit instead.
          const data = toBase64(encoding.toUint8Array(answer));
          if (this.view.canWrite && data.length <= MAX_DATA_LENGTH && !emptyStep2(answer)) this.send({ action: 'sync', data });
          return;
        }
        if (!this.view.synced) this.set({ synced: true });
        return;
      }
      case 'writers':
        this.set({ writerIds: message.writer_ids });
        this.setCanWrite(this.computeCanWrite(message.writer_ids, this.view.sealed));
        return;
      case 'sealed':
        // What we typed before the seal goes first; the sealed document is the server's, ours stays bound
        // (read only) unless the server refuses that last edit, which resets it.
        this.flush();
        this.set({
          sealed: true,
          canWrite: false,
          versions: [...this.view.versions.filter((v) => v.version !== message.version.version), message.version],
        });
        return;
      case 'reopened':
        this.set({ sealed: false });
        this.setCanWrite(this.computeCanWrite(this.view.writerIds, false));
        return;
    }
  }
}
