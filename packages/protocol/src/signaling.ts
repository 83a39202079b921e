import { z } from 'zod';

/**
 * The signaling envelope (architecture: Signaling). Every module's commands and messages travel inside it;
 * each module's own payloads are described in its own file (control.ts, …).
 */

/** Bumped on every incompatible change of the envelope or of a module's messages. Sent in control/join. */
export const PROTOCOL_VERSION = 1;

/** The subprotocol the server answers with. The ticket travels as a second offered subprotocol `ticket.<ticket>`. */
export const SIGNALING_SUBPROTOCOL = 'plenum-signaling-v1';
export const TICKET_SUBPROTOCOL_PREFIX = 'ticket.';

/** Larger frames close the socket with 1009 (message too big). */
export const MAX_SIGNALING_MESSAGE_BYTES = 64 * 1024;

/**
 * WebSocket close codes the server uses. A refused ticket never reaches the WebSocket stage:
 * the upgrade is answered with HTTP 401 (problem+json) and no socket opens.
 */
export const SignalingCloseCode = {
  /** control/leave was handled; the participant is gone. */
  normal: 1000,
  /** The server is shutting down (after control/closing). Reconnect with a new ticket later. */
  goingAway: 1001,
  /** Sustained flood of commands beyond the rate limit. */
  policyViolation: 1008,
  /** A frame larger than MAX_SIGNALING_MESSAGE_BYTES. */
  messageTooBig: 1009,
  /** Unexpected server failure. */
  internalError: 1011,
  /** Another connection took over this participant (resume from a new socket). Do not reconnect. */
  replaced: 4000,
  /** The join was refused for good (protocol version mismatch, room gone); see the preceding error. */
  joinRefused: 4002,
  /** A moderator removed this participant; do not reconnect automatically. */
  removed: 4003,
} as const;

const snakeCase = /^[a-z][a-z0-9_]{0,63}$/;
export const Namespace = z.string().regex(snakeCase);
export const Action = z.string().regex(snakeCase);

/** Client → server. Module fields sit next to `action`; the module's own schema checks them. */
export const ClientEnvelope = z
  .object({
    namespace: Namespace,
    payload: z.looseObject({ action: Action }),
  })
  .strict();
export type ClientEnvelope = z.infer<typeof ClientEnvelope>;

/** Server → client, for any module. */
export const ServerEnvelope = z.object({
  namespace: Namespace,
  timestamp: z.iso.datetime(),
  payload: z.looseObject({ message: Action }),
});
export type ServerEnvelope = z.infer<typeof ServerEnvelope>;

/** A typed server envelope for one module's message schema. */
export function serverEnvelope<P extends z.ZodType>(namespace: string, payload: P) {
  return z.object({ namespace: z.literal(namespace), timestamp: z.iso.datetime(), payload });
}

/** The closed set of signaling error codes. Clients branch on these, never on text. */
export const SignalingErrorCode = z.enum([
  /** The frame is not JSON (or not text). */
  'invalid_json',
  /** JSON, but not `{ namespace, payload: { action } }`. */
  'invalid_envelope',
  /** No module with this namespace runs on this server. */
  'unknown_namespace',
  /** The module has no command with this action. */
  'unknown_action',
  /** The action exists but its fields are missing, of the wrong type or not allowed. */
  'invalid_command',
  /** Only control/join is accepted before joining. */
  'not_joined',
  /** control/join was already sent on this connection. */
  'already_joined',
  /** The sender's role or kind does not allow this. */
  'forbidden',
  /** Too many commands; slow down (sustained floods close the socket with 1008). */
  'rate_limited',
  /** control/join carried another protocol version; see `reason`. */
  'protocol_version_mismatch',
  /** The room of the ticket no longer exists. */
  'room_not_found',
  /** The command was understood but failed on the server. */
  'internal_error',
  /** media: no media server can take the room now (none configured or ready); wait for `reconnect`. */
  'media_unavailable',
  /** media: the media server refused or failed the request (e.g. an SDP it cannot use). */
  'media_failed',
  /** media: the named publication, subscription or stream is not there (e.g. unpublish of a source not published, tile_size of a stream not received). */
  'media_not_found',
  /** media: a subscribe_answer without an offer waiting for it. */
  'media_no_offer',
  /** chat: the chat is disabled by a moderator; only moderators can send. */
  'chat_disabled',
  /** chat: the room's chat history has reached its size limit; a moderator can clear it. */
  'chat_full',
  /** hands: raising hands is disabled by a moderator. */
  'hands_disabled',
  /** speaker_queue: the command needs another strategy (e.g. nominate outside `nomination`). */
  'wrong_strategy',
  /** moderation: this account or invite link was banned from the room; the join is refused (close 4002). */
  'banned',
  /** moderation: the room is locked; only moderators can join now (close 4002). */
  'room_locked',
  /** The participant named in the command is not in the room (e.g. the recipient of a private message left). */
  'participant_not_found',
  /** timer: a timer is already running; stop it first. */
  'timer_already_running',
  /** timer: no timer is running (or it has no ready check). */
  'timer_not_running',
  /** polls: a poll is already open; close it first. */
  'poll_already_open',
  /** polls: no open poll with this id (it ended, or never existed). */
  'poll_not_open',
  /** polls: this participant has voted in this poll already. */
  'already_voted',
  /** polls: the choices do not fit the poll (unknown option, several for single choice, more than allowed). */
  'invalid_choice',
  /** breakout: breakout rooms are running already; end them first. */
  'breakout_already_running',
  /** breakout: no breakout rooms are running. */
  'breakout_not_running',
  /** breakout: no breakout room with this id in the running session. */
  'breakout_room_not_found',
  /** agenda: no agenda item with this id, or no item before/after the current one. */
  'agenda_item_not_found',
  /** legal_vote: no vote with this id in this room. */
  'vote_not_found',
  /** legal_vote: the vote is closed or cancelled; it takes no more ballots or commands. */
  'vote_closed',
  /** legal_vote: the sender may not vote in this vote (not on its eligible list, nor its proxy holder), or has no vote to delegate. */
  'not_eligible',
  /** legal_vote: a vote is open already; stop or cancel it first. */
  'vote_in_progress',
  /** legal_vote: the committee is not quorate; start with ignore_quorum to record that it was started anyway. */
  'not_quorate',
  /** legal_vote: nobody would be eligible to vote. */
  'no_eligible_voters',
  /** legal_vote: this proxy cannot be given (to oneself, to someone who gave their vote away, or while holding proxies). */
  'invalid_delegation',
  /** minutes: only the chair and the writers the chair chose may change the minutes. */
  'not_a_writer',
  /** minutes: the minutes are sealed; the chair must amend them before anyone edits. */
  'minutes_sealed',
  /** minutes: the Yjs data could not be read (not a sync message, or a corrupt update). */
  'minutes_invalid_update',
  /** minutes: the document has reached its size limit; nothing more can be added. */
  'minutes_full',
]);
export type SignalingErrorCode = z.infer<typeof SignalingErrorCode>;

export const ProtocolMismatchReason = z.enum(['client_too_old', 'server_too_old']);
export type ProtocolMismatchReason = z.infer<typeof ProtocolMismatchReason>;

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

/** Errors about the envelope itself (invalid_json, invalid_envelope, unknown_namespace, rate_limited) use this namespace. */
export const CORE_NAMESPACE = 'control';
