import { z } from 'zod';
import { agendaProtocol } from './agenda.ts';
import { attendanceProtocol } from './attendance.ts';
import { breakoutProtocol } from './breakout.ts';
import { chatProtocol } from './chat.ts';
import { controlProtocol } from './control.ts';
import { handsProtocol } from './hands.ts';
import { legalVoteProtocol } from './legal_vote.ts';
import { meetingsProtocol } from './meetings.ts';
import { mediaProtocol } from './media.ts';
import { minutesProtocol } from './minutes.ts';
import { moderationProtocol } from './moderation.ts';
import { pollsProtocol } from './polls.ts';
import { recordingProtocol } from './recording.ts';
import { CoreErrorCode, ProtocolMismatchReason, Action } from './signaling.ts';
import { speakerQueueProtocol } from './speaker_queue.ts';
import { telephoneProtocol } from './telephone.ts';
import { timerProtocol } from './timer.ts';

/**
 * Every feature's wire contract, in one list: the closed set of error codes a client may see is the core's
 * plus each feature's own. A new feature adds its protocol here (and its server descriptor to the server's
 * composition list).
 */
export const featureProtocols = [
  controlProtocol,
  mediaProtocol,
  chatProtocol,
  handsProtocol,
  moderationProtocol,
  timerProtocol,
  pollsProtocol,
  breakoutProtocol,
  speakerQueueProtocol,
  attendanceProtocol,
  agendaProtocol,
  minutesProtocol,
  legalVoteProtocol,
  telephoneProtocol,
  recordingProtocol,
  meetingsProtocol,
] as const;

type FeatureErrorCode = (typeof featureProtocols)[number]['errors'][number];
const featureErrorCodes = [...new Set(featureProtocols.flatMap((p): readonly string[] => p.errors))] as FeatureErrorCode[];

/** Every signaling error code: the core's and all features'. Clients branch on these, never on text. */
export const SignalingErrorCode = z.enum([...CoreErrorCode.options, ...featureErrorCodes] as [CoreErrorCode | FeatureErrorCode, ...(CoreErrorCode | FeatureErrorCode)[]]);
export type SignalingErrorCode = z.infer<typeof SignalingErrorCode>;

/** `{ message: "error" }` in any namespace. A feature's own error payload is `errorPayloadOf(protocol)`. */
export const SignalingErrorPayload = z.object({
  message: z.literal('error'),
  error: SignalingErrorCode,
  /** The action that caused it, when the envelope was readable. */
  action: Action.optional(),
  /** protocol_version_mismatch only. */
  reason: ProtocolMismatchReason.optional(),
  /** invalid_command only: which fields are wrong (paths and messages, never the values sent). */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  /** rate_limited only: milliseconds until a command is accepted again. */
  retry_after_ms: z.number().int().nonnegative().optional(),
});
export type SignalingErrorPayload = z.infer<typeof SignalingErrorPayload>;
