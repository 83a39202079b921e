import { controlProtocol, mediaProtocol, SignalingCloseCode, type CommandOf } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import { ModuleTester, provide, type SimulatedJoin, type SimulatedParticipant } from '../../signaling/testing.ts';
import { createMediaFeature } from '../media/index.ts';
import { FakeMediaService, type FakeMediaRoom } from '../media/testing/fake-media.ts';
import { moderationFeature } from './index.ts';
import { MemoryModerationStore } from './storage.ts';

const setup = (opts: { waitingRoom?: boolean } = {}) =>
  new ModuleTester({ features: [moderationFeature], provide: [provide(moderationFeature, { store: new MemoryModerationStore() })], timings: { resumeWindowMs: 30_000 }, ...opts });
const joinSuccess = (p: SimulatedParticipant) => p.messages(controlProtocol, 'join_success').at(-1)!;
const snapshotOf = (p: SimulatedParticipant) => p.snapshot(moderationFeature);
const errors = (p: SimulatedParticipant) => p.errors(moderationFeature).map((e) => e.error);
const mediaErrors = (p: SimulatedParticipant) => p.errors(mediaProtocol).map((e) => e.error);
/** A refused join: the core answers in the control namespace with moderation's code, so read it raw. */
const refusals = (p: SimulatedParticipant) => p.messages('control', 'error').map((e) => e.error);
const present = async (t: ModuleTester) => [...(await t.room()).members.keys()];

describe('moderation: only moderators', () => {
  const commands: [string, (target: string) => CommandOf<typeof moderationFeature>][] = [
    ['kick', (target) => ({ action: 'kick', target })],
    ['ban', (target) => ({ action: 'ban', target })],
    ['lock_room', () => ({ action: 'lock_room' })],
    ['unlock_room', () => ({ action: 'unlock_room' })],
    ['grant_moderator', (target) => ({ action: 'grant_moderator', target })],
    ['revoke_moderator', (target) => ({ action: 'revoke_moderator', target })],
    ['rename', (target) => ({ action: 'rename', target, display_name: 'Someone else' })],
    ['end_meeting', () => ({ action: 'end_meeting' })],
    ['debrief', () => ({ action: 'debrief' })],
    ['mute', (target) => ({ action: 'mute', targets: [target] })],
    ['set_unmute_policy', () => ({ action: 'set_unmute_policy', moderators_only: true })],
    ['enable_waiting_room', () => ({ action: 'enable_waiting_room' })],
    ['disable_waiting_room', () => ({ action: 'disable_waiting_room' })],
    ['accept', (target) => ({ action: 'accept', target })],
    ['accept_all', () => ({ action: 'accept_all' })],
    ['send_to_waiting_room', (target) => ({ action: 'send_to_waiting_room', target })],
  ];

  it.each(commands)('%s from a participant is forbidden and changes nothing', async (action, command) => {
    const t = setup();
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    const guest = await t.join({ displayName: 'Gast', kind: 'guest' });
    const rogue = await t.join({ displayName: 'Rogue' });
    const before = { members: await present(t), snapshot: snapshotOf(await t.join({ role: 'moderator' })) };
    chair.clear();
    guest.clear();
    await rogue.send(moderationFeature, command(action === 'revoke_moderator' ? chair.id : guest.id));
    expect(errors(rogue)).toEqual(['forbidden']);
    expect(chair.received).toEqual([]);
    expect(guest.received).toEqual([]);
    expect(guest.closedWith).toBeNull();
    const after = { members: await present(t), snapshot: snapshotOf(await t.join({ role: 'moderator' })) };
    expect(after.members.slice(0, 3)).toEqual(before.members.slice(0, 3));
    expect(after.snapshot).toEqual(before.snapshot);
    // A late joiner still gets in (no lock, no waiting room set by the refused command).
    const late = await t.join();
    expect(late.messages(controlProtocol, 'join_success')).toHaveLength(1);
  });
});

describe('moderation: kick and ban', () => {
  it('kick removes the participant now (4003); they may join again', async () => {
    const t = setup();
    const chair = await t.join({ role: 'moderator' });
    const a = await t.join({ displayName: 'Anna', userId: 'user-anna' });
    await chair.send(moderationFeature, { action: 'kick', target: a.id });
    // The core tells them why (control/removed); moderation only decided.
    expect(a.messages(controlProtocol, 'removed')).toEqual([{ message: 'removed', reason: 'kicked' }]);
    expect(a.messages('moderation')).toEqual([]);
    expect(a.closedWith?.code).toBe(SignalingCloseCode.removed);
    expect(chair.messages(controlProtocol, 'left')).toEqual([{ message: 'left', id: a.id, reason: 'removed' }]);
    expect(t.revokedResumptions).toContain(a.admission.resumption);
    const again = await t.join({ userId: 'user-anna' });
    expect(again.messages(controlProtocol, 'join_success')).toHaveLength(1);
  });

  it('a banned user cannot rejoin; a banned guest cannot rejoin from their browser, others of the same shared link can', async () => {
    const t = setup();
    const chair = await t.join({ role: 'moderator' });
    const user = await t.join({ userId: 'user-u' });
    const guest = await t.join({ kind: 'guest', inviteCode: 'shared-link', guestId: 'browser-of-eve', displayName: 'Eve' });
    const sameLink = await t.join({ kind: 'guest', inviteCode: 'shared-link', guestId: 'browser-of-gina', displayName: 'Gina' });
    await chair.send(moderationFeature, { action: 'ban', target: user.id });
    await chair.send(moderationFeature, { action: 'ban', target: guest.id });
    expect(user.messages(controlProtocol, 'removed')).toEqual([{ message: 'removed', reason: 'banned' }]);
    expect(guest.closedWith?.code).toBe(SignalingCloseCode.removed);
    expect(sameLink.closedWith).toBeNull();

    const userAgain = await t.join({ userId: 'user-u' });
    expect(refusals(userAgain)).toEqual(['banned']);
    expect(userAgain.messages(controlProtocol, 'join_success')).toEqual([]);
    expect(userAgain.closedWith?.code).toBe(SignalingCloseCode.joinRefused);
    const guestAgain = await t.join({ kind: 'guest', inviteCode: 'shared-link', guestId: 'browser-of-eve' });
    expect(refusals(guestAgain)).toEqual(['banned']);
    expect(guestAgain.closedWith?.code).toBe(SignalingCloseCode.joinRefused);
    // Nobody saw them come back.
    expect(chair.messages(controlProtocol, 'joined').map((m) => m.participant.id)).not.toContain(userAgain.id);

    // The ban is on Eve, not on the link others share (#15 defect 9): a new guest of the same link gets in.
    const newcomer = await t.join({ kind: 'guest', inviteCode: 'shared-link', guestId: 'browser-of-hans' });
    expect(refusals(newcomer)).toEqual([]);
    expect(newcomer.messages(controlProtocol, 'join_success')).toHaveLength(1);
  });

  it('unknown targets are refused', async () => {
    const t = setup();
    const chair = await t.join({ role: 'moderator' });
    await chair.send(moderationFeature, { action: 'kick', target: crypto.randomUUID() });
    expect(errors(chair)).toEqual(['participant_not_found']);
  });
});

describe('moderation: lock, roles, names, ending', () => {
  it('a locked room refuses non-moderators (4002) but lets moderators in; unlocking opens it again', async () => {
    const t = setup();
    const chair = await t.join({ role: 'moderator' });
    await chair.send(moderationFeature, { action: 'lock_room' });
    expect(chair.messages(moderationFeature, 'room_lock')).toEqual([{ message: 'room_lock', locked: true, by: chair.id }]);
    const refused = await t.join();
    expect(refusals(refused)).toEqual(['room_locked']);
    expect(refused.closedWith?.code).toBe(SignalingCloseCode.joinRefused);
    const coChair = await t.join({ role: 'moderator' });
    expect(snapshotOf(coChair).locked).toBe(true);
    await chair.send(moderationFeature, { action: 'unlock_room' });
    expect((await t.join()).messages(controlProtocol, 'join_success')).toHaveLength(1);
  });

  it('grant and revoke moderator change the role for everyone; the new moderator may moderate', async () => {
    const t = setup();
    const chair = await t.join({ role: 'moderator' });
    const a = await t.join({ displayName: 'Anna' });
    const b = await t.join({ displayName: 'Ben' });
    await chair.send(moderationFeature, { action: 'grant_moderator', target: a.id });
    expect(b.messages(controlProtocol, 'update').at(-1)).toMatchObject({ participant: { id: a.id, role: 'moderator' } });
    await a.send(moderationFeature, { action: 'lock_room' });
    expect(errors(a)).toEqual([]);
    await chair.send(moderationFeature, { action: 'revoke_moderator', target: a.id });
    await a.send(moderationFeature, { action: 'unlock_room' });
    expect(errors(a)).toEqual(['forbidden']);
  });

  it('renames guests and phone callers, not users', async () => {
    const t = setup();
    const chair = await t.join({ role: 'moderator' });
    const guest = await t.join({ kind: 'guest', displayName: 'xx' });
    const caller = await t.join({ kind: 'sip', displayName: '+49 30 1234' });
    const user = await t.join({ displayName: 'Dr. Weber' });
    await chair.send(moderationFeature, { action: 'rename', target: guest.id, display_name: 'Frau Schulz' });
    await chair.send(moderationFeature, { action: 'rename', target: caller.id, display_name: 'Herr Meier (Telefon)' });
    await chair.send(moderationFeature, { action: 'rename', target: user.id, display_name: 'Someone' });
    expect(errors(chair)).toEqual(['forbidden']);
    const names = joinSuccess(await t.join()).participants.map((p) => p.display_name);
    expect(names).toEqual(expect.arrayContaining(['Frau Schulz', 'Herr Meier (Telefon)', 'Dr. Weber']));
  });

  it('end_meeting removes everyone, waiting ones too, and locks the room', async () => {
    const t = setup({ waitingRoom: true });
    const chair = await t.join({ role: 'moderator' });
    const co = await t.join({ role: 'moderator' });
    await chair.send(moderationFeature, { action: 'disable_waiting_room' });
    const a = await t.join();
    await chair.send(moderationFeature, { action: 'enable_waiting_room' });
    const w = await t.join();
    await chair.send(moderationFeature, { action: 'end_meeting' });
    for (const p of [chair, co, a, w]) {
      expect(p.messages(controlProtocol, 'removed')).toEqual([{ message: 'removed', reason: 'meeting_ended' }]);
      expect(p.closedWith?.code).toBe(SignalingCloseCode.removed);
    }
    expect(await present(t)).toEqual([]);
  });

  it('debrief removes all but the moderators and locks the room', async () => {
    const t = setup();
    const chair = await t.join({ role: 'moderator' });
    const co = await t.join({ role: 'moderator' });
    const a = await t.join();
    await chair.send(moderationFeature, { action: 'debrief' });
    expect(a.messages(controlProtocol, 'removed')).toEqual([{ message: 'removed', reason: 'debriefing' }]);
    expect(co.closedWith).toBeNull();
    expect(await present(t)).toEqual([chair.id, co.id]);
    expect(refusals(await t.join())).toEqual(['room_locked']);
  });
});

describe('moderation: waiting room', () => {
  it('non-moderators wait (no join_success) until admitted; moderators see the list; admit one, admit all', async () => {
    const t = setup({ waitingRoom: true });
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    const a = await t.join({ displayName: 'Anna' });
    const b = await t.join({ displayName: 'Ben', kind: 'guest' });
    for (const p of [a, b]) {
      expect(p.messages(controlProtocol, 'join_success')).toEqual([]);
      // The core puts them in the waiting room (control/waiting); moderation sends them nothing.
      expect(p.messages(controlProtocol, 'waiting')).toEqual([{ message: 'waiting' }]);
      expect(p.messages('moderation')).toEqual([]);
    }
    expect(chair.messages(controlProtocol, 'joined')).toEqual([]);
    expect(chair.messages(moderationFeature, 'waiting_list').at(-1)?.waiting).toMatchObject([
      { id: a.id, display_name: 'Anna', kind: 'user' },
      { id: b.id, display_name: 'Ben', kind: 'guest' },
    ]);
    // Waiting: no commands but leave.
    await a.send(moderationFeature, { action: 'lock_room' });
    expect(errors(a)).toEqual(['not_joined']);

    const co = await t.join({ role: 'moderator' });
    expect(snapshotOf(co).waiting?.map((w) => w.id)).toEqual([a.id, b.id]);
    expect(snapshotOf(co).waiting_room).toBe(true);

    await chair.send(moderationFeature, { action: 'accept', target: a.id });
    expect(joinSuccess(a).participants.map((p) => p.id)).toEqual([chair.id, co.id]);
    expect(chair.messages(controlProtocol, 'joined').map((m) => m.participant.id)).toEqual([co.id, a.id]);
    expect(chair.messages(moderationFeature, 'waiting_list').at(-1)?.waiting).toMatchObject([{ id: b.id }]);
    expect(snapshotOf(a).waiting).toBeUndefined();

    await chair.send(moderationFeature, { action: 'accept_all' });
    expect(b.messages(controlProtocol, 'join_success')).toHaveLength(1);
    expect(chair.messages(moderationFeature, 'waiting_list').at(-1)?.waiting).toEqual([]);
  });

  it('an admitted participant who resumes stays admitted; one sent back waits again', async () => {
    const t = setup({ waitingRoom: true });
    const chair = await t.join({ role: 'moderator' });
    const a = await t.join();
    await chair.send(moderationFeature, { action: 'accept', target: a.id });
    await a.drop();
    a.clear();
    await a.resume();
    expect(joinSuccess(a).resumed).toBe(true);

    await chair.send(moderationFeature, { action: 'send_to_waiting_room', target: a.id });
    expect(a.messages(controlProtocol, 'waiting')).toHaveLength(1);
    expect(a.closedWith).toBeNull();
    expect(chair.messages(controlProtocol, 'left').at(-1)).toEqual({ message: 'left', id: a.id, reason: 'removed' });
    expect(chair.messages(moderationFeature, 'waiting_list').at(-1)?.waiting).toMatchObject([{ id: a.id }]);
    a.clear();
    await chair.send(moderationFeature, { action: 'accept', target: a.id });
    expect(joinSuccess(a).resumed).toBe(false);
  });

  it('a waiting participant whose connection drops leaves the list; switching the room off lets new people straight in', async () => {
    const t = setup({ waitingRoom: true });
    const chair = await t.join({ role: 'moderator' });
    const a = await t.join();
    await a.drop();
    expect(chair.messages(moderationFeature, 'waiting_list').at(-1)?.waiting).toEqual([]);
    await chair.send(moderationFeature, { action: 'disable_waiting_room' });
    expect(chair.messages(moderationFeature, 'waiting_room')).toEqual([{ message: 'waiting_room', enabled: false, by: chair.id }]);
    expect((await t.join()).messages(controlProtocol, 'join_success')).toHaveLength(1);
    await chair.send(moderationFeature, { action: 'enable_waiting_room' });
    expect((await t.join()).messages(controlProtocol, 'join_success')).toEqual([]);
  });
});

describe('moderation: muting, enforced by the media module', () => {
  const withMedia = () => {
    const service = new FakeMediaService();
    const t = new ModuleTester({ features: [createMediaFeature(service), moderationFeature], provide: [provide(moderationFeature, { store: new MemoryModerationStore() })] });
    return { t, room: () => service.rooms[0] as FakeMediaRoom };
  };
  const publishing = async (t: ModuleTester, who: SimulatedJoin) => {
    const p = await t.join(who);
    await p.send(mediaProtocol, { action: 'publish', source: 'camera', sdp: 'v=0 offer sdp' });
    await p.send(mediaProtocol, { action: 'update_state', audio: true, video: true });
    return p;
  };

  it('mute one: the client is told, everyone sees the mic off, the media server drops the audio; they may unmute again', async () => {
    const { t, room } = withMedia();
    const chair = await publishing(t, { role: 'moderator' });
    const a = await publishing(t, {});
    await chair.send(moderationFeature, { action: 'mute', targets: [a.id] });
    expect(a.messages(mediaProtocol, 'force_muted')).toEqual([{ message: 'force_muted', by: chair.id }]);
    expect(chair.messages(mediaProtocol, 'media_state').at(-1)).toMatchObject({ state: { participant_id: a.id, audio: false } });
    expect(room().audioMutes).toEqual([{ participantId: a.id, source: 'camera', muted: true }]);
    await a.send(mediaProtocol, { action: 'update_state', audio: true, video: true });
    expect(mediaErrors(a)).toEqual([]);
    expect(room().audioMutes.at(-1)).toEqual({ participantId: a.id, source: 'camera', muted: false });
  });

  it('mute all mutes every non-moderator', async () => {
    const { t, room } = withMedia();
    const chair = await publishing(t, { role: 'moderator' });
    const a = await publishing(t, {});
    const b = await publishing(t, {});
    await chair.send(moderationFeature, { action: 'mute' });
    expect(room().audioMutes.map((m) => m.participantId).sort()).toEqual([a.id, b.id].sort());
    expect(chair.messages(mediaProtocol, 'force_muted')).toEqual([]);
  });

  it('"only moderators may unmute": update_state audio:true is refused, republishing stays muted; moderators may', async () => {
    const { t, room } = withMedia();
    const chair = await publishing(t, { role: 'moderator' });
    const a = await publishing(t, {});
    await chair.send(moderationFeature, { action: 'set_unmute_policy', moderators_only: true });
    expect(a.messages(moderationFeature, 'unmute_policy')).toEqual([{ message: 'unmute_policy', moderators_only: true, by: chair.id }]);
    expect(room().audioMutes).toEqual([{ participantId: a.id, source: 'camera', muted: true }]);
    a.clear();
    await a.send(mediaProtocol, { action: 'update_state', audio: true, video: true });
    expect(mediaErrors(a)).toEqual(['forbidden']);
    expect(chair.messages(mediaProtocol, 'media_state').at(-1)).toMatchObject({ state: { participant_id: a.id, audio: false } });
    await a.send(mediaProtocol, { action: 'publish', source: 'camera', sdp: 'v=0 another offer' });
    expect(room().audioMutes.at(-1)).toEqual({ participantId: a.id, source: 'camera', muted: true });
    // A newcomer starts muted.
    const late = await publishing(t, {});
    expect(late.messages(mediaProtocol, 'force_muted')).toEqual([{ message: 'force_muted' }]);
    expect(mediaErrors(late)).toEqual(['forbidden']);
    await chair.send(mediaProtocol, { action: 'update_state', audio: true, video: false });
    expect(mediaErrors(chair)).toEqual([]);
    // Policy off: they may unmute themselves again.
    await chair.send(moderationFeature, { action: 'set_unmute_policy', moderators_only: false });
    await a.send(mediaProtocol, { action: 'update_state', audio: true, video: true });
    expect(mediaErrors(a)).toEqual(['forbidden']);
    expect(room().audioMutes.at(-1)).toEqual({ participantId: a.id, source: 'camera', muted: false });
    expect(snapshotOf(await t.join()).moderators_only_unmute).toBe(false);
  });
});

describe('moderation: leaving the waiting room', () => {
  it('a waiting participant who leaves on purpose is gone from the list and their connection closes', async () => {
    const t = setup({ waitingRoom: true });
    const chair = await t.join({ role: 'moderator' });
    const a = await t.join();
    await a.leave();
    expect(a.closedWith?.code).toBe(SignalingCloseCode.normal);
    expect(chair.messages(moderationFeature, 'waiting_list').at(-1)?.waiting).toEqual([]);
    await chair.send(moderationFeature, { action: 'accept', target: a.id });
    expect(errors(chair)).toEqual(['participant_not_found']);
    expect(chair.messages(controlProtocol, 'joined')).toEqual([]);
  });
});
