import { z } from 'zod';
import { singleLine } from './text.ts';
import { defineProtocol } from './feature.ts';

/**
 * Minutes (architecture: Audit-proof voting and minutes): one collaborative document per room, kept as a
 * Yjs document on the server and edited with TipTap (y-prosemirror binding, fragment `MINUTES_FRAGMENT`).
 *
 * Sync uses the y-protocols sync messages (step 1 = state vector, step 2 = missing updates, update),
 * base64-encoded in `data`. A client sends step 1 after join_success and gets step 2 back; its own edits go
 * out as update messages. The server applies a step 2 or update only from a current writer (moderators
 * always are): anyone else gets `not_a_writer` and nothing is applied or relayed. Accepted updates are
 * relayed to everyone else as update messages.
 *
 * Sealing stores the current document as version n (hash chained to version n-1, signed with the
 * deployment key); the document stays sealed (no edits, `minutes_sealed`) until the chair amends it, and
 * the next seal creates version n+1. Sealed versions are never changed.
 */
export const MINUTES_NAMESPACE = 'minutes';

/** The Y.XmlFragment TipTap's Collaboration extension binds to (its default `field`). */
export const MINUTES_FRAGMENT = 'default';

/** Base64 of one y-protocols sync message; a signaling frame is at most 64 KiB, so updates are batched small. */
export const MinutesSyncData = z
  .string()
  .min(1)
  .max(60_000)
  .regex(/^[A-Za-z0-9+/]+={0,2}$/);

export const MinutesLanguage = z.enum(['de', 'en']);
export type MinutesLanguage = z.infer<typeof MinutesLanguage>;

export const MAX_MINUTES_WRITERS = 100;
export const MAX_MINUTES_TITLE_LENGTH = 200;

// ── client → server ────────────────────────────────────────────────────────────

/** Everyone: a y-protocols sync message. Step 2 and updates only from writers. */
export const MinutesSync = z.object({ action: z.literal('sync'), data: MinutesSyncData }).strict();
/** Chair only: the participants (ids) who may write besides moderators. Replaces the list. */
export const MinutesSetWriters = z
  .object({ action: z.literal('set_writers'), participant_ids: z.array(z.uuid()).max(MAX_MINUTES_WRITERS) })
  .strict()
  .refine((c) => new Set(c.participant_ids).size === c.participant_ids.length, { message: 'a participant is named twice', path: ['participant_ids'] });
export const MinutesBlockKind = z.enum(['agenda', 'attendance', 'quorum']);
export type MinutesBlockKind = z.infer<typeof MinutesBlockKind>;
/** Chair only: appends a block built by the server from the room's agenda, attendance or quorum. */
export const MinutesInsert = z
  .object({
    action: z.literal('insert'),
    block: MinutesBlockKind,
    lang: MinutesLanguage.optional(),
    /** IANA zone for the times in the block (the chair's browser); an unknown zone falls back to the server's. */
    time_zone: z.string().max(64).optional(),
  })
  .strict();
/** Chair only: seals the document as the next version. */
export const MinutesSeal = z
  .object({ action: z.literal('seal'), title: singleLine(MAX_MINUTES_TITLE_LENGTH).optional(), lang: MinutesLanguage.optional() })
  .strict();
/** Chair only: reopens sealed minutes for an amendment (the next seal is a new version). */
export const MinutesAmend = z.object({ action: z.literal('amend') }).strict();

export const MinutesCommand = z.discriminatedUnion('action', [MinutesSync, MinutesSetWriters, MinutesInsert, MinutesSeal, MinutesAmend]);
export type MinutesCommand = z.infer<typeof MinutesCommand>;

// ── server → client ────────────────────────────────────────────────────────────

/** A sealed version as listed (signaling and REST). */
export const MinutesVersionSummary = z
  .object({
    version: z.number().int().min(1),
    title: z.string(),
    sealed_at: z.iso.datetime(),
    sealed_by: z.string(),
    hash: z.string(),
    prev_hash: z.string(),
    signature: z.string(),
    key_fingerprint: z.string(),
  })
  .meta({ id: 'MinutesVersionSummary' });
export type MinutesVersionSummary = z.infer<typeof MinutesVersionSummary>;

export const MinutesSyncMessage = z.object({ message: z.literal('sync'), data: z.string() });
/** Everyone: the writers changed (moderators are writers without being listed). */
export const MinutesWriters = z.object({ message: z.literal('writers'), writer_ids: z.array(z.uuid()) });
/** Everyone: a version was sealed; the document is sealed until amended. */
export const MinutesSealed = z.object({ message: z.literal('sealed'), version: MinutesVersionSummary });
/** Everyone: the chair reopened the sealed minutes (or a vote result arrived after sealing). */
export const MinutesReopened = z.object({ message: z.literal('reopened') });
export const MinutesMessage = z.discriminatedUnion('message', [MinutesSyncMessage, MinutesWriters, MinutesSealed, MinutesReopened]);
export type MinutesMessage = z.infer<typeof MinutesMessage>;

/** join_success.modules.minutes */
export const MinutesSnapshot = z.object({
  writer_ids: z.array(z.uuid()),
  /** Whether the receiver may edit now (writer or moderator, and not sealed). */
  can_write: z.boolean(),
  sealed: z.boolean(),
  versions: z.array(MinutesVersionSummary),
});
export type MinutesSnapshot = z.infer<typeof MinutesSnapshot>;

// ── REST ───────────────────────────────────────────────────────────────────────

export const MinutesVersionList = z.object({ versions: z.array(MinutesVersionSummary) }).meta({ id: 'MinutesVersionList' });
export type MinutesVersionList = z.infer<typeof MinutesVersionList>;

/** One block of the sealed text: a heading (with level) or a paragraph/list item. */
export const MinutesTextBlock = z.object({ type: z.string(), level: z.number().int().optional(), text: z.string() });
export type MinutesTextBlock = z.infer<typeof MinutesTextBlock>;

/** What is hashed and signed for a version (the `content`). */
export const MinutesVersionContent = z.object({
  room_id: z.uuid(),
  version: z.number().int().min(1),
  title: z.string(),
  sealed_at: z.iso.datetime(),
  sealed_by: z.object({ participant_id: z.string(), display_name: z.string(), user_id: z.string().nullable() }),
  blocks: z.array(MinutesTextBlock),
  text: z.string(),
  /** SHA-256 (hex) of the Yjs document state (Y.encodeStateAsUpdate) that was sealed. */
  yjs_state_sha256: z.string(),
});
export type MinutesVersionContent = z.infer<typeof MinutesVersionContent>;

/** GET …/minutes/versions/{n}.json: everything a verifier needs. */
export const MinutesVersionExport = z
  .object({
    room_id: z.uuid(),
    version: z.number().int(),
    content: MinutesVersionContent,
    prev_hash: z.string(),
    hash: z.string(),
    signature: z.string(),
    /** The signed message: `plenum-minutes:${room_id}:${version}:${hash}`. */
    signed_message: z.string(),
    public_key: z.string(),
    key_fingerprint: z.string(),
  })
  .meta({ id: 'MinutesVersionExport' });
export type MinutesVersionExport = z.infer<typeof MinutesVersionExport>;

export const MinutesVersionQuery = z.object({ lang: MinutesLanguage.optional() }).strict();

/** The message the deployment key signs for a sealed version. */
export function minutesSignedMessage(roomId: string, version: number, hash: string): string {
  return `plenum-minutes:${roomId}:${version}:${hash}`;
}

export const minutesProtocol = defineProtocol({
  namespace: MINUTES_NAMESPACE,
  commands: MinutesCommand,
  messages: MinutesMessage,
  snapshot: MinutesSnapshot,
  errors: [
    /** Only the chair and the writers the chair chose may change the minutes. */
    'not_a_writer',
    /** The minutes are sealed; the chair must amend them before anyone edits. */
    'minutes_sealed',
    /** The Yjs data could not be read (not a sync message, or a corrupt update). */
    'minutes_invalid_update',
    /** The document has reached its size limit; nothing more can be added. */
    'minutes_full',
  ],
});
