import { z } from 'zod';

/**
 * The signaling envelope (architecture: Signaling). Every module's commands and messages travel inside it;
 * each module's own payloads are described in its own file (control.ts, …).
 */

/** Bumped on every incompatible change of the envelope or of a module's messages. Sent in control/join. */
/** 2: `waiting` and `removed` travel on the control namespace (were moderation). */
export const PROTOCOL_VERSION = 2;

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

/**
 * The signaling core's own error codes. Every feature declares its own codes beside its protocol
 * (`defineProtocol({ errors })`); the full closed set of codes is `SignalingErrorCode` in features.ts.
 * Clients branch on these, never on text.
 */
export const CoreErrorCode = z.enum([
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
  /** The room closed (deleted, ended, or the server is stopping) before the command reached it; nothing changed. */
  'room_closed',
  /** The participant named in the command is not in the room (e.g. the recipient of a private message left). */
  'participant_not_found',
  /** The database could not be reached for the moment: nothing changed; the same command may be sent again shortly. */
  'storage_unavailable',
  /** The command was understood but failed on the server. */
  'internal_error',
]);
export type CoreErrorCode = z.infer<typeof CoreErrorCode>;

export const ProtocolMismatchReason = z.enum(['client_too_old', 'server_too_old']);
export type ProtocolMismatchReason = z.infer<typeof ProtocolMismatchReason>;

/** Errors about the envelope itself (invalid_json, invalid_envelope, unknown_namespace, rate_limited) use this namespace. */
export const CORE_NAMESPACE = 'control';
