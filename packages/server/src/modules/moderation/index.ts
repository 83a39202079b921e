import { moderationProtocol, type BannedPerson, type ModerationSnapshot, type WaitingParticipant } from '@plenum/protocol';
import { failureCode } from '../../signaling/failure.ts';
import { coreEvents, defineFeature, refusal, type ContextOf, type FeatureRoom, type HooksOf, type Participant } from '../../signaling/feature.ts';
import { forceMute, unmutePolicy } from './events.ts';
import * as m0009 from './migrations/0009_moderation_durable.ts';
import { ModerationRepository, type BanRow, type ModerationLoaded, type ModerationRepos, type ModerationStore } from './storage.ts';
import { moderationPersonalData } from '../../gdpr/features.ts';

/**
 * `moderation`: the chair's powers (as in OpenTalk's moderation module). Every command needs the `moderate`
 * permission. Bans, the lock and the waiting room act at admission (`admit`), before anyone enters; muting is
 * enforced by the media feature through the `force_mute` and `unmute_policy` room events. Removing people
 * and the waiting room itself are the core's (control/removed, control/waiting); moderation decides who and
 * keeps the moderators' waiting list.
 *
 * Bans and the lock are stored (migration 0009, `ModerationRepository`) and loaded in `load` before the room's
 * first task, so they outlast a restart. A ban or lock is written before it is confirmed: the write leaves the
 * room's queue through `spawn`; meanwhile the person (or everyone, for a lock) is already refused at admission;
 * a failed write answers the moderator with `storage_unavailable` / `internal_error` and nothing takes effect.
 * If the load failed, non-moderators are refused (`storage_unavailable`) and the load is retried on each join:
 * a room never admits someone whose ban it could not read. The lock of end_meeting/debrief stays in memory
 * (until the room closes), as before.
 */

type Emits = typeof forceMute | typeof unmutePolicy;

export interface ModerationState {
  /** Kept for the waiting-room event handlers, which run outside any command. */
  room: FeatureRoom<typeof moderationProtocol, Emits>;
  locked: boolean;
  waitingRoom: boolean;
  moderatorsOnlyUnmute: boolean;
  /** Stored bans by key (`user:<userId>` or `guest:<guestId>`): refused at admission. */
  bans: Map<string, BanRow>;
  /** Bans being written: refused at admission already, not yet in the moderators' list. */
  pendingBans: Set<string>;
  /** False until bans and lock were loaded (a failed load is retried at the next join). */
  loaded: boolean;
  loading: boolean;
  /** Lock writes in order, so the last command's state is the stored one. */
  lockWrites: Promise<unknown>;
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

function banList(state: ModerationState): BannedPerson[] {
  return [...state.bans.values()].map((b) => ({
    id: b.id,
    display_name: b.display_name,
    kind: b.ban_key.startsWith('user:') ? 'user' : 'guest',
    banned_by: b.banned_by,
    banned_at: b.banned_at.toISOString(),
  }));
}

function tellModeratorsBans(state: ModerationState): void {
  state.room.sendTo('moderator', { message: 'ban_list', bans: banList(state) });
}

function applyLoaded(state: ModerationState, loaded: ModerationLoaded): void {
  for (const row of loaded.bans) state.bans.set(row.ban_key, row);
  // A lock set while the load was retried wins over the stored "unlocked".
  state.locked = state.locked || loaded.locked;
  state.loaded = true;
}

/** A room whose bans could not be loaded tries again (on joins). */
function retryLoad(state: ModerationState, store: ModerationStore): void {
  if (state.loaded || state.loading) return;
  state.loading = true;
  state.room.spawn(
    store.load(state.room.id),
    (loaded) => {
      state.loading = false;
      if (state.loaded) return;
      applyLoaded(state, loaded);
      tellModeratorsBans(state);
    },
    (err) => {
      state.loading = false;
      state.room.logger.error({ err }, 'moderation: loading bans and lock failed');
    },
  );
}

function tellModerators(state: ModerationState): void {
  state.room.sendTo('moderator', { message: 'waiting_list', waiting: waitingList(state) });
}

function target(ctx: Ctx, id: string): Participant {
  const who = ctx.room.participant(id);
  if (!who) throw refuse('participant_not_found');
  return who;
}

function hooks(store: ModerationStore): HooksOf<typeof moderationProtocol, ModerationState, ModerationLoaded, Emits> {
  const requireLoaded = (state: ModerationState) => {
    if (!state.loaded) {
      retryLoad(state, store);
      throw refuse('storage_unavailable');
    }
  };
  return {
    load: (room) => store.load(room.id),

    init(room, loaded) {
      const state: ModerationState = {
        room,
        locked: false,
        waitingRoom: room.settings.waitingRoom,
        moderatorsOnlyUnmute: false,
        bans: new Map(),
        pendingBans: new Set(),
        loaded: false,
        loading: false,
        lockWrites: Promise.resolve(),
        waitingSince: new Map(),
      };
      if (loaded) applyLoaded(state, loaded);
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
      if (!state.loaded) {
        retryLoad(state, store);
        return who.role === 'moderator' ? 'admit' : { refuse: 'storage_unavailable' };
      }
      const key = banKey(who);
      if (key && (state.bans.has(key) || state.pendingBans.has(key))) return { refuse: 'banned' };
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
          requireLoaded(state);
          const banned = target(ctx, cmd.target);
          const key = banKey(banned);
          if (!key) throw refuse('forbidden');
          if (state.bans.has(key)) {
            room.removeParticipant(banned.id, 'banned');
            return;
          }
          if (state.pendingBans.has(key)) return;
          // Refused at admission from now on; removed and listed once stored.
          state.pendingBans.add(key);
          const write = store.addBan({ id: crypto.randomUUID(), roomId: room.id, banKey: key, displayName: banned.displayName, bannedBy: who.displayName, bannedAt: room.clock.now() });
          ctx.spawn(
            write,
            (row) => {
              state.pendingBans.delete(key);
              state.bans.set(key, row);
              if (room.participant(banned.id)) room.removeParticipant(banned.id, 'banned');
              tellModeratorsBans(state);
            },
            (err) => {
              state.pendingBans.delete(key);
              room.logger.error({ err }, 'moderation: storing a ban failed');
              room.sendError(who, failureCode(err), { action: 'ban' });
            },
          );
          return;
        }
        case 'unban': {
          requireLoaded(state);
          const ban = [...state.bans.values()].find((b) => b.id === cmd.ban_id);
          if (!ban) throw refuse('ban_not_found');
          // Still refused until the removal is stored; a failure is answered to the moderator (ctx.spawn).
          ctx.spawn(store.removeBan(room.id, ban.id), () => {
            if (state.bans.get(ban.ban_key)?.id === ban.id) state.bans.delete(ban.ban_key);
            tellModeratorsBans(state);
          });
          return;
        }
        case 'lock_room':
        case 'unlock_room': {
          requireLoaded(state);
          const locked = cmd.action === 'lock_room';
          if (state.locked === locked) return;
          // Locking refuses joins at once; unlocking only once stored. Confirmed (room_lock) once stored.
          if (locked) state.locked = true;
          const write = state.lockWrites.then(() => store.setLocked(room.id, locked, room.clock.now()));
          state.lockWrites = write.catch(() => undefined);
          ctx.spawn(
            write,
            () => {
              state.locked = locked;
              ctx.broadcast({ message: 'room_lock', locked, by: who.id });
            },
            (err) => {
              if (locked) state.locked = false;
              room.logger.error({ err }, 'moderation: storing the room lock failed');
              room.sendError(who, failureCode(err), { action: cmd.action });
            },
          );
          return;
        }
        case 'grant_moderator':
        case 'revoke_moderator': {
          const subject = target(ctx, cmd.target);
          // Phone callers and recorders have no way to act as moderators.
          if (subject.kind === 'sip' || subject.kind === 'recorder') throw refuse('forbidden');
          room.updateParticipant(subject.id, { role: cmd.action === 'grant_moderator' ? 'moderator' : 'participant' });
          // The new moderator needs the current waiting list.
          if (cmd.action === 'grant_moderator') {
            ctx.send(subject, { message: 'waiting_list', waiting: waitingList(state) });
            ctx.send(subject, { message: 'ban_list', bans: banList(state) });
          }
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
        ...(forWhom.role === 'moderator' ? { waiting: waitingList(state), bans: banList(state) } : {}),
      };
    },
  };
}

export const moderationFeature = defineFeature({
  ...moderationProtocol,
  emits: [forceMute, unmutePolicy],
  repositories: (db): ModerationRepos => ({ store: new ModerationRepository(db) }),
  migrations: { '0009_moderation_durable': m0009 },
  personalData: moderationPersonalData,
  setup: ({ repos }) => hooks(repos.store),
});
