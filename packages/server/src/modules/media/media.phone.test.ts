/**
 * Phone callers in the media module (with the fake media server): who may attach and mute phone audio, the
 * phone mix announced to everyone and received over its own offer/answer, moderator mute and talking.
 */
import { MediaCommand, mediaProtocol } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import { ModuleTester, provide } from '../../signaling/testing.ts';
import { breakoutFeature } from '../breakout/index.ts';
import { moderationFeature } from '../moderation/index.ts';
import { MemoryModerationStore } from '../moderation/storage.ts';
import { createMediaFeature } from './index.ts';
import { FakeMediaService, type FakeMediaRoom } from './testing/fake-media.ts';

const RTP = { ip: '127.0.0.1', port: 40_000 };

function setup() {
  const service = new FakeMediaService();
  const t = new ModuleTester({ features: [createMediaFeature(service), moderationFeature], provide: [provide(moderationFeature, { store: new MemoryModerationStore() })] });
  return { service, t, room: () => service.rooms[0] as FakeMediaRoom };
}

describe('phone commands: schema', () => {
  it('takes pcmu, pcma and opus with an IPv4 or IPv6 address and a port; refuses anything else', () => {
    for (const codec of ['pcmu', 'pcma', 'opus']) {
      expect(MediaCommand.safeParse({ action: 'attach_phone_audio', codec, rtp: RTP }).success).toBe(true);
    }
    expect(MediaCommand.safeParse({ action: 'attach_phone_audio', codec: 'pcmu', rtp: { ip: '::1', port: 5004 } }).success).toBe(true);
    const bad = [
      { action: 'attach_phone_audio', codec: 'g722', rtp: RTP },
      { action: 'attach_phone_audio', codec: 'pcmu', rtp: { ip: 'example.org', port: 5004 } },
      { action: 'attach_phone_audio', codec: 'pcmu', rtp: { ip: '127.0.0.1', port: 0 } },
      { action: 'attach_phone_audio', codec: 'pcmu', rtp: { ip: '127.0.0.1', port: 65536 } },
      { action: 'attach_phone_audio', codec: 'pcmu', rtp: { ip: '127.0.0.1', port: 5004, extra: 1 } },
      { action: 'attach_phone_audio', codec: 'pcmu' },
      { action: 'phone_mute' },
      { action: 'phone_mute', muted: 'yes' },
      { action: 'phone_mix_answer', sdp: '' },
      { action: 'subscribe_phone_mix', extra: true },
    ];
    for (const cmd of bad) expect(MediaCommand.safeParse(cmd).success, JSON.stringify(cmd)).toBe(false);
  });
});

describe('phone callers in the media module', () => {
  it('only a participant of kind sip may attach phone audio or mute it; others get forbidden and nothing happens', async () => {
    const { t, service } = setup();
    const user = await t.join({ displayName: 'Anna' });
    const guest = await t.join({ kind: 'guest', displayName: 'Gast' });
    for (const p of [user, guest]) {
      await p.send(mediaProtocol, { action: 'attach_phone_audio', codec: 'pcmu', rtp: RTP });
      await p.send(mediaProtocol, { action: 'phone_mute', muted: true });
      expect(p.errors(mediaProtocol).map((e) => [e.action, e.error])).toEqual([
        ['attach_phone_audio', 'forbidden'],
        ['phone_mute', 'forbidden'],
      ]);
    }
    expect(service.rooms).toEqual([]);
  });

  it('a caller attaches: gets the media server’s RTP address; everyone learns the phone mix exists and receives it on request', async () => {
    const { t, room } = setup();
    const anna = await t.join({ displayName: 'Anna' });
    const caller = await t.join({ kind: 'sip', displayName: '+49 30 1234' });
    await caller.send(mediaProtocol, { action: 'attach_phone_audio', codec: 'pcmu', rtp: RTP });
    expect(caller.messages(mediaProtocol, 'phone_audio_attached')).toEqual([{ message: 'phone_audio_attached', rtp: { ip: '127.0.0.1', port: 40_002 }, payload_type: 0 }]);
    expect(room().calls).toContain(`attach phone ${caller.id} pcmu 127.0.0.1:40000`);
    for (const p of [anna, caller]) {
      expect(p.messages(mediaProtocol, 'phone_mix')).toEqual([{ message: 'phone_mix', available: true }]);
      expect(p.messages(mediaProtocol, 'media_state').at(-1)).toEqual({ message: 'media_state', state: { participant_id: caller.id, audio: true, video: false, publishing: [] } });
    }
    const late = await t.join({ displayName: 'Bernd' });
    expect(late.snapshot(mediaProtocol).phone_mix).toBe(true);

    // The mix: offer, answer; an answer without an offer is refused.
    await anna.send(mediaProtocol, { action: 'phone_mix_answer', sdp: 'v=0 too early' });
    expect(anna.errors(mediaProtocol).at(-1)).toMatchObject({ action: 'phone_mix_answer', error: 'media_no_offer' });
    await anna.send(mediaProtocol, { action: 'subscribe_phone_mix' });
    expect(anna.messages(mediaProtocol, 'phone_mix_offer')).toEqual([{ message: 'phone_mix_offer', sdp: `phone mix offer for ${anna.id}` }]);
    await anna.send(mediaProtocol, { action: 'phone_mix_answer', sdp: 'v=0 answer sdp' });
    expect(room().calls).toContain(`answer phone mix ${anna.id} v=0 answer sdp`);
    await anna.send(mediaProtocol, { action: 'unsubscribe_phone_mix' });
    expect(room().calls).toContain(`unwatch ${anna.id}`);

    // The last caller leaves: the mix goes, and asking for it is refused.
    caller.leave();
    await t.settle();
    expect(room().calls).toContain(`detach phone ${caller.id}`);
    for (const p of [anna, late]) expect(p.messages(mediaProtocol, 'phone_mix').at(-1)).toEqual({ message: 'phone_mix', available: false });
    await late.send(mediaProtocol, { action: 'subscribe_phone_mix' });
    expect(late.errors(mediaProtocol).at(-1)).toMatchObject({ action: 'subscribe_phone_mix', error: 'media_no_phone' });
    expect((await t.join()).snapshot(mediaProtocol).phone_mix).toBe(false);
  });

  it('subscribe_phone_mix without callers and phone_mute before attaching are typed errors', async () => {
    const { t } = setup();
    const anna = await t.join();
    await anna.send(mediaProtocol, { action: 'subscribe_phone_mix' });
    expect(anna.errors(mediaProtocol).at(-1)).toMatchObject({ action: 'subscribe_phone_mix', error: 'media_no_phone' });
    const caller = await t.join({ kind: 'sip' });
    await caller.send(mediaProtocol, { action: 'phone_mute', muted: true });
    expect(caller.errors(mediaProtocol).at(-1)).toMatchObject({ action: 'phone_mute', error: 'media_no_phone' });
  });

  it('the caller’s own mute mutes them in the mix and shows them muted, like a browser’s microphone', async () => {
    const { t, room } = setup();
    const anna = await t.join();
    const caller = await t.join({ kind: 'sip' });
    await caller.send(mediaProtocol, { action: 'attach_phone_audio', codec: 'pcma', rtp: RTP });
    await caller.send(mediaProtocol, { action: 'phone_mute', muted: true });
    expect(room().phoneMutes).toEqual([{ participantId: caller.id, muted: true }]);
    expect(anna.messages(mediaProtocol, 'media_state').at(-1)).toMatchObject({ state: { participant_id: caller.id, audio: false } });
    await caller.send(mediaProtocol, { action: 'phone_mute', muted: false });
    expect(room().phoneMutes.at(-1)).toEqual({ participantId: caller.id, muted: false });
    expect(anna.messages(mediaProtocol, 'media_state').at(-1)).toMatchObject({ state: { participant_id: caller.id, audio: true } });
  });

  it('a moderator’s mute mutes the caller in the mix; under the moderators-only policy the caller cannot unmute', async () => {
    const { t, room } = setup();
    const chair = await t.join({ role: 'moderator' });
    const caller = await t.join({ kind: 'sip' });
    await caller.send(mediaProtocol, { action: 'attach_phone_audio', codec: 'pcmu', rtp: RTP });
    await chair.send(moderationFeature, { action: 'mute', targets: [caller.id] });
    expect(caller.messages(mediaProtocol, 'force_muted')).toEqual([{ message: 'force_muted', by: chair.id }]);
    expect(room().phoneMutes).toEqual([{ participantId: caller.id, muted: true }]);
    expect(chair.messages(mediaProtocol, 'media_state').at(-1)).toMatchObject({ state: { participant_id: caller.id, audio: false } });

    await chair.send(moderationFeature, { action: 'set_unmute_policy', moderators_only: true });
    await caller.send(mediaProtocol, { action: 'phone_mute', muted: false });
    expect(caller.errors(mediaProtocol).at(-1)).toMatchObject({ action: 'phone_mute', error: 'forbidden' });
    // (the policy itself mutes everyone who is not a moderator once more)
    expect(room().phoneMutes.every((m) => m.muted)).toBe(true);

    // A new leg (the gateway re-attaches) stays muted.
    await caller.send(mediaProtocol, { action: 'attach_phone_audio', codec: 'pcmu', rtp: { ip: '127.0.0.1', port: 40_010 } });
    expect(room().phoneMutes.at(-1)).toEqual({ participantId: caller.id, muted: true });
    expect(chair.messages(mediaProtocol, 'media_state').at(-1)).toMatchObject({ state: { participant_id: caller.id, audio: false } });

    // Policy off: the caller may unmute, which lifts the moderator mute in the mix.
    await chair.send(moderationFeature, { action: 'set_unmute_policy', moderators_only: false });
    await caller.send(mediaProtocol, { action: 'phone_mute', muted: false });
    expect(room().phoneMutes.at(-1)).toEqual({ participantId: caller.id, muted: false });
    expect(chair.messages(mediaProtocol, 'media_state').at(-1)).toMatchObject({ state: { participant_id: caller.id, audio: true } });
  });

  it('a caller’s talking (from the gateway) is broadcast like a browser’s, never while muted; the end of the media room ends the mix', async () => {
    const { t, room, service } = setup();
    const anna = await t.join({ role: 'moderator' });
    const caller = await t.join({ kind: 'sip' });
    await caller.send(mediaProtocol, { action: 'phone_talking', talking: true });
    expect(caller.errors(mediaProtocol).at(-1)).toMatchObject({ action: 'phone_talking', error: 'media_no_phone' });
    await anna.send(mediaProtocol, { action: 'phone_talking', talking: true });
    expect(anna.errors(mediaProtocol).at(-1)).toMatchObject({ action: 'phone_talking', error: 'forbidden' });

    await caller.send(mediaProtocol, { action: 'attach_phone_audio', codec: 'opus', rtp: RTP });
    expect(caller.messages(mediaProtocol, 'phone_audio_attached').at(-1)?.payload_type).toBe(111);
    await caller.send(mediaProtocol, { action: 'phone_talking', talking: true });
    expect(anna.messages(mediaProtocol, 'talking')).toEqual([{ message: 'talking', participant_id: caller.id, talking: true }]);
    expect((await t.join()).snapshot(mediaProtocol).talking).toEqual([caller.id]);
    await caller.send(mediaProtocol, { action: 'phone_talking', talking: true });
    expect(anna.messages(mediaProtocol, 'talking')).toHaveLength(1);

    // Muted by a moderator: no longer talking, and talking reports are ignored until unmuted.
    await anna.send(moderationFeature, { action: 'mute', targets: [caller.id] });
    expect(anna.messages(mediaProtocol, 'talking').at(-1)).toEqual({ message: 'talking', participant_id: caller.id, talking: false });
    await caller.send(mediaProtocol, { action: 'phone_talking', talking: true });
    expect(anna.messages(mediaProtocol, 'talking')).toHaveLength(2);
    await caller.send(mediaProtocol, { action: 'phone_mute', muted: false });
    await caller.send(mediaProtocol, { action: 'phone_talking', talking: true });
    expect(anna.messages(mediaProtocol, 'talking').at(-1)).toEqual({ message: 'talking', participant_id: caller.id, talking: true });

    room().lose();
    await t.settle();
    expect(anna.messages(mediaProtocol, 'talking').at(-1)).toEqual({ message: 'talking', participant_id: caller.id, talking: false });
    expect(anna.messages(mediaProtocol, 'phone_mix').at(-1)).toEqual({ message: 'phone_mix', available: false });
    expect(caller.messages(mediaProtocol, 'reconnect')).toHaveLength(1);
    expect(service.rooms).toHaveLength(1);
  });
});

describe('phone audio stays in the main room during breakouts', () => {
  it('breakout rooms neither feed the callers nor receive the mix; a caller moved out is muted in it, and all comes back', async () => {
    const service = new FakeMediaService();
    const t = new ModuleTester({ features: [breakoutFeature, createMediaFeature(service)] });
    const room = () => service.rooms[0] as FakeMediaRoom;
    const chair = await t.join({ role: 'moderator', displayName: 'Chair' });
    const anna = await t.join({ displayName: 'Anna' });
    const caller = await t.join({ kind: 'sip', displayName: '+49 30 1234' });
    await caller.send(mediaProtocol, { action: 'attach_phone_audio', codec: 'pcmu', rtp: RTP });
    await anna.send(mediaProtocol, { action: 'subscribe_phone_mix' });
    expect(room().watchers.has(anna.id)).toBe(true);
    expect(room().feedAllowed(anna.id)).toBe(true);
    const feedUpdates = room().feedUpdates;

    // Anna goes to room 1: her audio no longer reaches the callers, and she no longer receives the mix.
    await chair.send(breakoutFeature, { action: 'start', rooms: [{ name: 'Room 1' }, { name: 'Room 2' }], distribution: 'manual', assignments: [{ participant_id: anna.id, room: 0 }] });
    await t.settle();
    expect(room().feedAllowed(anna.id)).toBe(false);
    expect(room().feedAllowed(chair.id)).toBe(true);
    expect(room().feedUpdates).toBe(feedUpdates + 1);
    expect(room().watchers.has(anna.id)).toBe(false);
    expect(anna.messages(mediaProtocol, 'phone_mix').at(-1)).toEqual({ message: 'phone_mix', available: false });
    await anna.send(mediaProtocol, { action: 'subscribe_phone_mix' });
    expect(anna.errors(mediaProtocol).at(-1)).toMatchObject({ action: 'subscribe_phone_mix', error: 'media_no_phone' });

    // The caller goes to room 2: muted in the mix (room 2's talk must not reach the main room), not talking.
    await chair.send(breakoutFeature, { action: 'move', participant_id: caller.id, room_id: '1-2' });
    await t.settle();
    expect(room().phoneMutes.at(-1)).toEqual({ participantId: caller.id, muted: true });
    await caller.send(mediaProtocol, { action: 'phone_talking', talking: true });
    await caller.send(mediaProtocol, { action: 'phone_mute', muted: false });
    expect(room().phoneMutes.at(-1)).toEqual({ participantId: caller.id, muted: true });
    expect(chair.messages(mediaProtocol, 'talking').filter((m) => m.participant_id === caller.id)).toEqual([]);

    // The end: everyone is back in the main room, fed, offered the mix, and the caller is heard again.
    await chair.send(breakoutFeature, { action: 'stop' });
    await t.settle();
    expect(room().feedAllowed(anna.id)).toBe(true);
    expect(anna.messages(mediaProtocol, 'phone_mix').at(-1)).toEqual({ message: 'phone_mix', available: true });
    expect(room().phoneMutes.at(-1)).toEqual({ participantId: caller.id, muted: false });
    await anna.send(mediaProtocol, { action: 'subscribe_phone_mix' });
    expect(anna.messages(mediaProtocol, 'phone_mix_offer')).toHaveLength(2); // one before the breakout, one after
  });
});
