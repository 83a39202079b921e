import { z } from 'zod';
import { defineProtocol } from './feature.ts';

/**
 * The `recording` namespace (issue #13): lawful recording with consent. A moderator starts, pauses, resumes and
 * stops a recording of the room. Whenever a recording is running (also when someone joins late) every participant
 * who has not answered gets `consent_request` and answers `consent { given }`; only those who said yes are sent to
 * the recorder — the server forwards nothing else, and a withdrawal (`given: false`) stops the forward at once.
 * Everyone sees `recording_state` (the indicator) for as long as a recording runs. Phone callers send `consent`
 * too (the SIP gateway maps a key to it).
 */
export const RECORDING_NAMESPACE = 'recording';

// ── client → server ────────────────────────────────────────────────────────────

/** Moderators only: starts recording the room (everyone is asked for consent first; nobody is recorded before). */
export const RecordingStart = z.object({ action: z.literal('start') }).strict();
/** Moderators only: ends the recording; the file is finished and stored. */
export const RecordingStop = z.object({ action: z.literal('stop') }).strict();
/** Moderators only: nobody is forwarded while paused (the file goes on, blank and silent). */
export const RecordingPause = z.object({ action: z.literal('pause') }).strict();
export const RecordingResume = z.object({ action: z.literal('resume') }).strict();
/** Anyone (also phone callers): one's own answer to the consent prompt; may be changed at any time. */
export const RecordingConsent = z.object({ action: z.literal('consent'), given: z.boolean() }).strict();

export const RecordingCommand = z.discriminatedUnion('action', [RecordingStart, RecordingStop, RecordingPause, RecordingResume, RecordingConsent]);
export type RecordingCommand = z.infer<typeof RecordingCommand>;

// ── server → client ────────────────────────────────────────────────────────────

/** The indicator: whether a recording runs, since when, and whether it is paused. */
export const RecordingStatus = z.object({
  active: z.boolean(),
  paused: z.boolean(),
  /** When the running recording started; null when none runs. */
  since: z.iso.datetime().nullable(),
});
export type RecordingStatus = z.infer<typeof RecordingStatus>;

/** To everyone whenever the recording starts, pauses, resumes or stops. */
export const RecordingStateMessage = RecordingStatus.extend({ message: z.literal('recording_state') });
/** To each participant who has not answered while a recording runs (at start and on joining). */
export const RecordingConsentRequest = z.object({ message: z.literal('consent_request') });
/** To the participant: their answer as the server holds it (null: not answered). */
export const RecordingConsentState = z.object({ message: z.literal('consent_state'), given: z.boolean().nullable() });
/** To moderators: the recording ended without a stop (the recorder failed, the disk is full). */
export const RecordingFailed = z.object({ message: z.literal('recording_failed'), reason: z.string() });

export const RecordingMessage = z.discriminatedUnion('message', [RecordingStateMessage, RecordingConsentRequest, RecordingConsentState, RecordingFailed]);
export type RecordingMessage = z.infer<typeof RecordingMessage>;

/** The `recording` part of join_success. */
export const RecordingSnapshot = RecordingStatus.extend({
  /** The receiver's own answer (null: not answered; they get `consent_request` while a recording runs). */
  consent: z.boolean().nullable(),
});
export type RecordingSnapshot = z.infer<typeof RecordingSnapshot>;

export const recordingProtocol = defineProtocol({
  namespace: RECORDING_NAMESPACE,
  commands: RecordingCommand,
  messages: RecordingMessage,
  snapshot: RecordingSnapshot,
  errors: [
    /** start while a recording runs. */
    'recording_active',
    /** stop, pause or resume without a running recording. */
    'recording_not_active',
    /** This deployment has no recorder (or it failed to start). */
    'recording_unavailable',
  ],
});

// ── REST ───────────────────────────────────────────────────────────────────────

/** One stored recording: `GET /v1/rooms/{id}/recordings` (owner, admin). */
export const RecordingInfo = z
  .object({
    id: z.uuid(),
    room_id: z.uuid(),
    started_at: z.iso.datetime(),
    ended_at: z.iso.datetime().nullable(),
    /** Display names of those who consented and were recorded. */
    participants: z.array(z.string()),
    /** recording: still running; complete: finished and stored; failed: the recorder ended early (what was written is kept). */
    status: z.enum(['recording', 'complete', 'failed']),
    size_bytes: z.number().int().nonnegative().nullable(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  })
  .meta({ id: 'RecordingInfo' });
export type RecordingInfo = z.infer<typeof RecordingInfo>;
export const RecordingList = z.object({ recordings: z.array(RecordingInfo) }).meta({ id: 'RecordingList' });
export type RecordingList = z.infer<typeof RecordingList>;
