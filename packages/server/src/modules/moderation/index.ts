import { moderationProtocol, type ModerationSnapshot, type WaitingParticipant } from '@plenum/protocol';
import { coreEvents, defineFeature, refusal, type ContextOf, type FeatureRoom, type HooksOf, type Participant } from '../../signaling/feature.ts';
import { forceMute, unmutePolicy } from './events.ts';

/**
 * `moderation`: the chair's powers (as in OpenTalk's moderation module). Every command needs the `moderate`
 * permission. Bans, the lock and the waiting room act at admission (`admit`), before anyone enters; muting is
 * enforced by the media feature through the `force_mute` and `unmute_policy` room events. Removing people
 * and the waiting room itself are the core's (control/removed, control/waiting); moderation decides who and
 * keeps the moderators' waiting list.
 */

type Emits = typeof forceMute | typeof unmutePolicy;

export interface ModerationState {
  /** Kept for the waiting-room event handlers, which run outside any command. */
  room: FeatureRoom<typeof moderationProtocol, Emits>;
  locked: boolean;
  waitingRoom: boolean;
  moderatorsOnlyUnmute: boolean;
  /** `user:<userId>` or `guest:<guestId>`: refused at admission while the room is open. */
  banned: Set<string>;
  /** When each waiting participant came (for the moderators' list). */
  waitingSince: Map<string, Date>;
}

type Ctx = ContextOf<typeof moderationProtocol, ModerationState, Emits>;
const refuse = refusal(moderationProtocol);

/**
 * What a ban refers to: the person. A user's account; a guest's own guest identity — never the invite
 * link, which others may share (banning by link locked every other guest of a shared link out). Taking
 * the link away from everyone is a separate, explicit act: revoking the invite.
 */
function banKey(who: Participant): string | null {
  if (who.kind === 'user' && who.userId) return `user:${who.userId}`;
  if (who.kind === 'guest' && who.guestId) return `guest:${who.guestId}`;
  return null;
}

function waitingList(state: ModerationState): WaitingParticipant[] {
  return state.room.waiting().map((p) => ({
    id: p.id,
    display_name: p.displayName,
    kind: p.kind,
    since: (state.waitingSince.get(p.id) ?? p.joinedAt).toISOString(),
  }));
}

function tellModerators(state: ModerationState): void {
  state.room.sendTo('moderator', { message: 'waiting_list', waiting: waitingList(state) });
}

function target(ctx: Ctx, id: string): Participant {
  const who = ctx.room.participant(id);
  if (!who) throw refuse('participant_not_found');
  return who;
}

function hooks(): HooksOf<typeof moderationProtocol, ModerationState, undefined, Emits> {
  return {
    init(room) {
      const state: ModerationState = {
        room,
        locked: false,
        waitingRoom: room.settings.waitingRoom,
        moderatorsOnlyUnmute: false,
        banned: new Set(),
        waitingSince: new Map(),
      };
      // The core tells the waiting participant (control/waiting); the moderators' list is ours.
      room.on(coreEvents.waitingJoined, ({ participant }) => {
        state.waitingSince.set(participant.id, room.clock.now());
        tellModerators(state);
      });
      room.on(coreEvents.waitingLeft, ({ participant }) => {
        state.waitingSince.delete(participant.id);
        tellModerators(state);
      });
      return state;
    },

    admit(ctx, who) {
      const { state } = ctx;
      const key = banKey(who);
      if (key && state.banned.has(key)) return { refuse: 'banned' };
      if (who.role === 'moderator') return 'admit';
      if (state.locked) return { refuse: 'room_locked' };
      return state.waitingRoom ? 'wait' : 'admit';
    },

    onCommand(ctx, who, cmd) {
      if (!ctx.permissions.has('moderate')) throw refuse('forbidden');
      const { state, room } = ctx;
      switch (cmd.action) {
        case 'kick':
          room.removeParticipant(target(ctx, cmd.target).id, 'kicked');
          return;
        case 'ban': {
          const banned = target(ctx, cmd.target);
          const key = banKey(banned);
          if (!key) throw refuse('forbidden');
          state.banned.add(key);
          room.removeParticipant(banned.id, 'banned');
          return;
        }
        case 'lock_room':
        case 'unlock_room': {
          const locked = cmd.action === 'lock_room';
          if (state.locked === locked) return;
          state.locked = locked;
          ctx.broadcast({ message: 'room_lock', locked, by: who.id });
          return;
        }
        case 'grant_moderator':
        case 'revoke_moderator': {
          const subject = target(ctx, cmd.target);
          // Phone callers and recorders have no way to act as moderators.
          if (subject.kind === 'sip' || subject.kind === 'recorder') throw refuse('forbidden');
          room.updateParticipant(subject.id, { role: cmd.action === 'grant_moderator' ? 'moderator' : 'participant' });
          // The new moderator needs the current waiting list.
          if (cmd.action === 'grant_moderator') ctx.send(subject, { message: 'waiting_list', waiting: waitingList(state) });
          return;
        }
        case 'rename': {
          const subject = target(ctx, cmd.target);
          // Users carry the name of their account.
          if (subject.kind !== 'guest' && subject.kind !== 'sip') throw refuse('forbidden');
          room.updateParticipant(subject.id, { displayName: cmd.display_name });
          return;
        }
        case 'end_meeting':
        case 'debrief': {
          const moderatorsStay = cmd.action === 'debrief';
          const reason = moderatorsStay ? 'debriefing' : 'meeting_ended';
          if (!state.locked) {
            state.locked = true;
            ctx.broadcast({ message: 'room_lock', locked: true, by: who.id });
          }
          for (const p of room.waiting()) room.removeParticipant(p.id, reason);
          for (const p of room.participants()) {
            if (moderatorsStay && p.role === 'moderator') continue;
            room.removeParticipant(p.id, reason);
          }
          return;
        }
        case 'mute': {
          const ids = cmd.targets ?? room.participants().filter((p) => p.role !== 'moderator' && p.id !== who.id).map((p) => p.id);
          for (const id of ids) target(ctx, id);
          if (ids.length) ctx.emit(forceMute, { participantIds: ids, by: who.id });
          return;
        }
        case 'set_unmute_policy': {
          if (state.moderatorsOnlyUnmute === cmd.moderators_only) return;
          state.moderatorsOnlyUnmute = cmd.moderators_only;
          ctx.emit(unmutePolicy, { moderatorsOnly: cmd.moderators_only, by: who.id });
          if (cmd.moderators_only) {
            const ids = room.participants().filter((p) => p.role !== 'moderator').map((p) => p.id);
            if (ids.length) ctx.emit(forceMute, { participantIds: ids, by: who.id });
          }
          ctx.broadcast({ message: 'unmute_policy', moderators_only: cmd.moderators_only, by: who.id });
          return;
        }
        case 'enable_waiting_room':
        case 'disable_waiting_room': {
          const enabled = cmd.action === 'enable_waiting_room';
          if (state.waitingRoom === enabled) return;
          state.waitingRoom = enabled;
          ctx.broadcast({ message: 'waiting_room', enabled, by: who.id });
          return;
        }
        case 'accept':
          if (!room.waiting().some((p) => p.id === cmd.target)) throw refuse('participant_not_found');
          room.admit(cmd.target);
          return;
        case 'accept_all':
          for (const p of room.waiting()) room.admit(p.id);
          return;
        case 'send_to_waiting_room': {
          const subject = target(ctx, cmd.target);
          if (subject.role === 'moderator') throw refuse('forbidden');
          room.moveToWaiting(subject.id);
          return;
        }
      }
    },

    snapshot(ctx, forWhom): ModerationSnapshot {
      const { state } = ctx;
      return {
        locked: state.locked,
        waiting_room: state.waitingRoom,
        moderators_only_unmute: state.moderatorsOnlyUnmute,
        ...(forWhom.role === 'moderator' ? { waiting: waitingList(state) } : {}),
      };
    },
  };
}

export const moderationFeature = defineFeature({ ...moderationProtocol, emits: [forceMute, unmutePolicy], setup: hooks });
