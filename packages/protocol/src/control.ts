import { z } from 'zod';
import { defineProtocol } from './feature.ts';
import { DisplayName } from './rooms.ts';

/** The `control` namespace: joining, leaving, presence of participants. */
export const CONTROL_NAMESPACE = 'control';

export const ParticipantKind = z.enum(['user', 'guest', 'sip', 'recorder']);
export type ParticipantKind = z.infer<typeof ParticipantKind>;

/** Role inside a meeting (not the account role). The room owner and admins join as moderators. */
export const ParticipantRole = z.enum(['moderator', 'participant']);
export type ParticipantRole = z.infer<typeof ParticipantRole>;

/** `disconnected`: the socket dropped and the participant may still come back (resume window). */
export const ConnectionState = z.enum(['connected', 'disconnected']);
export type ConnectionState = z.infer<typeof ConnectionState>;

// ── client → server ────────────────────────────────────────────────────────────

export const ControlJoin = z
  .object({
    action: z.literal('join'),
    protocol_version: z.number().int().min(0).max(1_000_000),
    /** Guests may choose their name here (it replaces the one given at /start-invited); ignored for users. */
    display_name: DisplayName.optional(),
  })
  .strict();

/** Leave on purpose: the others see `left` at once and the resumption token stops working. */
export const ControlLeave = z.object({ action: z.literal('leave') }).strict();

/** Guests only: users carry the name of their account. */
export const ControlUpdateDisplayName = z
  .object({ action: z.literal('update_display_name'), display_name: DisplayName })
  .strict();

export const ControlCommand = z.discriminatedUnion('action', [ControlJoin, ControlLeave, ControlUpdateDisplayName]);
export type ControlCommand = z.infer<typeof ControlCommand>;

// ── server → client ────────────────────────────────────────────────────────────

/** What every participant may see of another one. */
export const ParticipantPublic = z.object({
  id: z.uuid(),
  display_name: z.string(),
  role: ParticipantRole,
  kind: ParticipantKind,
  connection: ConnectionState,
  joined_at: z.iso.datetime(),
});
export type ParticipantPublic = z.infer<typeof ParticipantPublic>;

export const JoinSuccess = z.object({
  message: z.literal('join_success'),
  protocol_version: z.number().int(),
  /** The receiver's own participant id (stays the same after a resume). */
  id: z.uuid(),
  display_name: z.string(),
  role: ParticipantRole,
  kind: ParticipantKind,
  room: z.object({ id: z.uuid(), name: z.string() }),
  /** Every other participant, including those whose connection dropped and who may come back. */
  participants: z.array(ParticipantPublic),
  /** Each module's part of the snapshot under its namespace; each module's protocol file describes its shape. */
  modules: z.record(z.string(), z.unknown()),
  /** True when this join took over an existing participant (resume): nothing was missed on purpose, state is fresh. */
  resumed: z.boolean(),
});
export type JoinSuccess = z.infer<typeof JoinSuccess>;

export const Joined = z.object({ message: z.literal('joined'), participant: ParticipantPublic });
export const LeftReason = z.enum(['left', 'timeout', 'removed', 'closed']);
export type LeftReason = z.infer<typeof LeftReason>;
export const Left = z.object({ message: z.literal('left'), id: z.uuid(), reason: LeftReason });
/** A participant's public state changed (name, role, connection). */
export const Update = z.object({ message: z.literal('update'), participant: ParticipantPublic });
/** The server is going down; the socket closes with 1001 right after. */
export const Closing = z.object({ message: z.literal('closing'), reason: z.string() });

/**
 * To a participant held in the waiting room (after their join, or when a moderator sent them back): no
 * join_success until they are admitted. Decided by the core (a feature's `admit` said `wait`).
 */
export const Waiting = z.object({ message: z.literal('waiting') });

/** Why a participant was removed; the first four are a moderator's doing. */
export const RemovedReason = z.enum(['kicked', 'banned', 'meeting_ended', 'debriefing']);
export type RemovedReason = z.infer<typeof RemovedReason>;
/** To the participant, just before their socket closes with 4003: do not reconnect. */
export const Removed = z.object({ message: z.literal('removed'), reason: RemovedReason });

export const ControlMessage = z.discriminatedUnion('message', [JoinSuccess, Joined, Left, Update, Closing, Waiting, Removed]);
export type ControlMessage = z.infer<typeof ControlMessage>;

/** control has no part of its own in join_success: join_success is its message. */
export const ControlSnapshot = z.object({}).strict();

export const controlProtocol = defineProtocol({
  namespace: CONTROL_NAMESPACE,
  commands: ControlCommand,
  messages: ControlMessage,
  snapshot: ControlSnapshot,
});
