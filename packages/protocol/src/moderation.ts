import { z } from 'zod';
import { ParticipantKind } from './control.ts';
import { defineProtocol } from './feature.ts';
import { DisplayName } from './rooms.ts';

/**
 * The `moderation` namespace: what the chair does to the meeting. Every command is for moderators only
 * (others get `forbidden` and nothing changes): remove (kick) or ban a participant, lock the room, grant or
 * revoke the moderator role, rename a guest or phone caller, end the meeting for everyone or for all but the
 * moderators (debrief), mute one or all, forbid unmuting to non-moderators, and run the waiting room.
 *
 * Waiting room: while it is on, a non-moderator's control/join is answered with control/`waiting` (not
 * join_success) and they get no media; moderators see who waits and `accept` them (join_success follows), or
 * send an admitted participant back (`send_to_waiting_room`). A participant who resumes after a dropped
 * connection stays admitted. Whoever is removed (kick, ban, end, debrief) gets control/`removed` with the
 * reason before the socket closes with 4003.
 */
export const MODERATION_NAMESPACE = 'moderation';

const Target = z.uuid();

// ── client → server ────────────────────────────────────────────────────────────

/** Removes the participant now; they may join again. */
export const ModerationKick = z.object({ action: z.literal('kick'), target: Target }).strict();
/**
 * Removes the participant and refuses the person from now on: their account (user) or their own guest identity
 * (guest; never the invite link, which others may share). The ban is stored before it is confirmed (the
 * moderators' `ban_list`); it outlasts the room's closing and a server restart until a moderator lifts it (`unban`).
 */
export const ModerationBan = z.object({ action: z.literal('ban'), target: Target }).strict();
/** Lifts a ban (an `id` of the moderators' ban list); the person may join again. */
export const ModerationUnban = z.object({ action: z.literal('unban'), ban_id: z.uuid() }).strict();
/** Locked: nobody but moderators can join (waiting participants stay waiting). Stored: it outlasts a restart until unlocked. */
export const ModerationLock = z.object({ action: z.literal('lock_room') }).strict();
export const ModerationUnlock = z.object({ action: z.literal('unlock_room') }).strict();
export const ModerationGrant = z.object({ action: z.literal('grant_moderator'), target: Target }).strict();
export const ModerationRevoke = z.object({ action: z.literal('revoke_moderator'), target: Target }).strict();
/** Guests and phone callers only (users carry the name of their account). */
export const ModerationRename = z.object({ action: z.literal('rename'), target: Target, display_name: DisplayName }).strict();
/** Everyone leaves (moderators too); the room stays locked until it closes. */
export const ModerationEndMeeting = z.object({ action: z.literal('end_meeting') }).strict();
/** Everyone but the moderators leaves (waiting ones too); the room is locked for the debriefing. */
export const ModerationDebrief = z.object({ action: z.literal('debrief') }).strict();
/** Mutes the named participants, or every non-moderator when `targets` is absent. They may unmute again unless the policy forbids it. */
export const ModerationMute = z.object({ action: z.literal('mute'), targets: z.array(Target).min(1).max(1000).optional() }).strict();
/** `moderators_only: true` mutes every non-moderator and lets only moderators switch their microphone on. */
export const ModerationUnmutePolicy = z.object({ action: z.literal('set_unmute_policy'), moderators_only: z.boolean() }).strict();
export const ModerationEnableWaitingRoom = z.object({ action: z.literal('enable_waiting_room') }).strict();
/** Turning the waiting room off does not let the waiting in; accept them (accept_all) for that. */
export const ModerationDisableWaitingRoom = z.object({ action: z.literal('disable_waiting_room') }).strict();
export const ModerationAccept = z.object({ action: z.literal('accept'), target: Target }).strict();
export const ModerationAcceptAll = z.object({ action: z.literal('accept_all') }).strict();
export const ModerationSendToWaitingRoom = z.object({ action: z.literal('send_to_waiting_room'), target: Target }).strict();

export const ModerationCommand = z.discriminatedUnion('action', [
  ModerationKick,
  ModerationBan,
  ModerationUnban,
  ModerationLock,
  ModerationUnlock,
  ModerationGrant,
  ModerationRevoke,
  ModerationRename,
  ModerationEndMeeting,
  ModerationDebrief,
  ModerationMute,
  ModerationUnmutePolicy,
  ModerationEnableWaitingRoom,
  ModerationDisableWaitingRoom,
  ModerationAccept,
  ModerationAcceptAll,
  ModerationSendToWaitingRoom,
]);
export type ModerationCommand = z.infer<typeof ModerationCommand>;

// ── server → client ────────────────────────────────────────────────────────────

/** Someone in the waiting room, as moderators see them. */
export const WaitingParticipant = z.object({
  id: z.uuid(),
  display_name: z.string(),
  kind: ParticipantKind,
  since: z.iso.datetime(),
});
export type WaitingParticipant = z.infer<typeof WaitingParticipant>;

/** A stored ban, as moderators see it: a name, never the raw account or guest identity. */
export const BannedPerson = z.object({
  id: z.uuid(),
  display_name: z.string(),
  kind: z.enum(['user', 'guest']),
  banned_by: z.string(),
  banned_at: z.iso.datetime(),
});
export type BannedPerson = z.infer<typeof BannedPerson>;

/** To moderators: who waits now (the whole list, after every change). */
export const ModerationWaitingList = z.object({ message: z.literal('waiting_list'), waiting: z.array(WaitingParticipant) });
/** To moderators: the room's bans (the whole list, after a ban or unban was stored). */
export const ModerationBanList = z.object({ message: z.literal('ban_list'), bans: z.array(BannedPerson) });
export const ModerationRoomLock = z.object({ message: z.literal('room_lock'), locked: z.boolean(), by: z.uuid() });
export const ModerationWaitingRoomState = z.object({ message: z.literal('waiting_room'), enabled: z.boolean(), by: z.uuid() });
export const ModerationUnmutePolicyChanged = z.object({ message: z.literal('unmute_policy'), moderators_only: z.boolean(), by: z.uuid() });

export const ModerationMessage = z.discriminatedUnion('message', [
  ModerationWaitingList,
  ModerationBanList,
  ModerationRoomLock,
  ModerationWaitingRoomState,
  ModerationUnmutePolicyChanged,
]);
export type ModerationMessage = z.infer<typeof ModerationMessage>;

/** The `moderation` part of join_success; `waiting` and `bans` only for moderators. */
export const ModerationSnapshot = z.object({
  locked: z.boolean(),
  waiting_room: z.boolean(),
  moderators_only_unmute: z.boolean(),
  waiting: z.array(WaitingParticipant).optional(),
  bans: z.array(BannedPerson).optional(),
});
export type ModerationSnapshot = z.infer<typeof ModerationSnapshot>;

export const moderationProtocol = defineProtocol({
  namespace: MODERATION_NAMESPACE,
  commands: ModerationCommand,
  messages: ModerationMessage,
  snapshot: ModerationSnapshot,
  errors: [
    /** This account or guest identity was banned from the room; the join is refused (close 4002). */
    'banned',
    /** `unban` named no ban of this room (already lifted?); nothing changed. */
    'ban_not_found',
    /** The room is locked; only moderators can join now (close 4002). */
    'room_locked',
  ],
});
