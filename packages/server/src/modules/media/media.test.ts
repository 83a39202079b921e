import { type MessageName, mediaProtocol } from '@plenum/protocol';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.ts';
import { ManualClock } from '../../signaling/clock.ts';
import { createTurnService } from '../../turn/index.ts';
import { turnPassword } from '../../turn/credentials.ts';
import { ModuleTester, type SimulatedParticipant } from '../../signaling/testing.ts';
import { createMediaFeature, mediaFeature } from './index.ts';
import { layerForTile } from './layers.ts';
import { FakeMediaService, type FakeMediaRoom } from './testing/fake-media.ts';

const SDP = 'v=0 fake offer sdp';

function setup() {
  const service = new FakeMediaService();
  const t = new ModuleTester({ features: [createMediaFeature(service)] });
  const room = (i = 0) => service.rooms[i] as FakeMediaRoom;
  return { service, t, room };
}

/** Media payloads received, each checked against the protocol's schema. */
function media(p: SimulatedParticipant, message?: MessageName<typeof mediaProtocol>) {
  return message ? p.messages(mediaFeature, message) : p.messages(mediaFeature);
}

function offers(p: SimulatedParticipant) {
  return p.messages(mediaFeature, 'subscribe_offer');
}

async function publishAndSubscribe(...ps: SimulatedParticipant[]) {
  for (const p of ps) await p.send(mediaFeature, { action: 'publish', source: 'camera', sdp: SDP });
  for (const p of ps) await p.send(mediaFeature, { action: 'subscribe' });
}

describe('layer policy', () => {
  it('picks the smallest simulcast layer that fills the tile, and nothing for a hidden tile', () => {
    expect(layerForTile(1280, 720)).toBe(2);
    expect(layerForTile(960, 540)).toBe(2);
    expect(layerForTile(960, 539)).toBe(1);
    expect(layerForTile(640, 360)).toBe(1);
    expect(layerForTile(480, 270)).toBe(1);
    expect(layerForTile(480, 269)).toBe(0);
    expect(layerForTile(160, 90)).toBe(0);
    expect(layerForTile(0, 0)).toBe('paused');
    expect(layerForTile(320, 0)).toBe('paused');
  });
});

describe('media module', () => {
  it('publishing answers the publisher, tells everyone, and offers the stream to every other subscriber (never one’s own)', async () => {
    const { t, room } = setup();
    const a = await t.join({ displayName: 'A' });
    const b = await t.join({ displayName: 'B' });
    await b.send(mediaFeature, { action: 'subscribe' });
    expect(media(b)).toEqual([]); // nothing to receive yet
    await a.send(mediaFeature, { action: 'publish', source: 'camera', sdp: SDP });

    expect(media(a, 'publish_answer')).toEqual([{ message: 'publish_answer', source: 'camera', sdp: `answer for ${a.id}/camera` }]);
    for (const p of [a, b]) {
      expect(media(p, 'media_state')).toEqual([{ message: 'media_state', state: { participant_id: a.id, audio: false, video: false, publishing: ['camera'] } }]);
    }
    expect(offers(b)).toHaveLength(1);
    expect(offers(b)[0]!.streams.map((s) => [s.participant_id, s.kind])).toEqual([
      [a.id, 'audio'],
      [a.id, 'video'],
    ]);
    await a.send(mediaFeature, { action: 'subscribe' });
    expect(offers(a)).toEqual([]); // only its own stream exists
    expect(room().calls).toEqual([`publish ${a.id} camera`]);
  });

  it('renegotiations never overlap: a change while an offer is unanswered comes after the answer', async () => {
    const { t, room } = setup();
    const a = await t.join();
    const b = await t.join();
    const c = await t.join();
    await a.send(mediaFeature, { action: 'publish', source: 'camera', sdp: SDP });
    await c.send(mediaFeature, { action: 'subscribe' });
    expect(offers(c)).toHaveLength(1);
    await b.send(mediaFeature, { action: 'publish', source: 'camera', sdp: SDP });
    expect(offers(c)).toHaveLength(1); // waits for c's answer
    await c.send(mediaFeature, { action: 'subscribe_answer', sdp: 'answer 1 sdp' });
    expect(room().calls).toContain(`answer ${c.id} answer 1 sdp`);
    expect(offers(c)).toHaveLength(2);
    expect(new Set(offers(c)[1]!.streams.map((s) => s.participant_id))).toEqual(new Set([a.id, b.id]));
  });

  it('publications that go live together cost each subscriber one update; subscribe need not wait for the own publish_answer', async () => {
    const { t, room } = setup();
    const ps = [await t.join(), await t.join(), await t.join(), await t.join(), await t.join(), await t.join()];
    // Everyone publishes and subscribes at once, as browsers joining together do: no waiting for answers.
    await Promise.all(ps.flatMap((p) => [p.send(mediaFeature, { action: 'publish', source: 'camera', sdp: SDP }), p.send(mediaFeature, { action: 'subscribe' })]));
    for (const p of ps) {
      expect(media(p, 'publish_answer')).toHaveLength(1);
      // One offer, carrying all five others (later changes wait for the answer).
      expect(offers(p)).toHaveLength(1);
      expect(new Set(offers(p)[0]!.streams.map((s) => s.participant_id)).size).toBe(5);
      // The subscribe's own update, plus at most one coalesced update for the burst of publications.
      expect(room().updateCalls.get(p.id)).toBeLessThanOrEqual(2);
    }
  });

  it('refuses commands about streams that are not the sender’s, with a typed error, changing nothing', async () => {
    const { t, room } = setup();
    const a = await t.join();
    const b = await t.join();
    await publishAndSubscribe(a, b);
    const callsBefore = [...room().calls];
    a.clear();
    b.clear();

    // b does not publish a screen; only a's camera is in b's subscription; b's own camera is not.
    await b.send(mediaFeature, { action: 'unpublish', source: 'screen' });
    await b.send(mediaFeature, { action: 'tile_size', participant_id: b.id, source: 'camera', width: 100, height: 100 });
    await b.send(mediaFeature, { action: 'tile_size', participant_id: a.id, source: 'screen', width: 100, height: 100 });
    await b.send(mediaFeature, { action: 'tile_size', participant_id: crypto.randomUUID(), source: 'camera', width: 100, height: 100 });
    await b.send(mediaFeature, { action: 'trickle', target: 'screen', candidate: null });
    await b.send(mediaFeature, { action: 'subscribe_answer', sdp: 'answer to nothing' }); // b answered already? no: b has one offer open
    await b.send(mediaFeature, { action: 'subscribe_answer', sdp: 'a second answer' }); // nothing open any more
    const errors = b.errors(mediaFeature).map((e) => [e.error, e.action]);
    expect(errors).toEqual([
      ['media_not_found', 'unpublish'],
      ['media_not_found', 'tile_size'],
      ['media_not_found', 'tile_size'],
      ['media_not_found', 'tile_size'],
      ['media_not_found', 'trickle'],
      ['media_no_offer', 'subscribe_answer'],
    ]);
    // The first answer was legitimate (b had a's offer open); nothing else reached the media room or anyone.
    expect(room().calls).toEqual([...callsBefore, `answer ${b.id} answer to nothing`]);
    expect(room().layers).toEqual([]);
    expect(room().trickled).toEqual([]);
    expect(media(a)).toEqual([]);

    // Someone who never subscribed cannot answer or size tiles.
    const c = await t.join();
    await c.send(mediaFeature, { action: 'subscribe_answer', sdp: 'answer sdp x' });
    await c.send(mediaFeature, { action: 'tile_size', participant_id: a.id, source: 'camera', width: 100, height: 100 });
    expect(c.errors(mediaFeature).map((e) => e.error)).toEqual(['media_no_offer', 'media_not_found']);
  });

  it('tile sizes set the layer of the video stream only when it changes', async () => {
    const { t, room } = setup();
    const a = await t.join();
    const b = await t.join();
    await publishAndSubscribe(a, b);
    const video = offers(b)[0]!.streams.find((s) => s.kind === 'video')!;
    await b.send(mediaFeature, { action: 'tile_size', participant_id: a.id, source: 'camera', width: 1280, height: 720 });
    await b.send(mediaFeature, { action: 'tile_size', participant_id: a.id, source: 'camera', width: 320, height: 180 });
    await b.send(mediaFeature, { action: 'tile_size', participant_id: a.id, source: 'camera', width: 0, height: 0 });
    expect(room().layers).toEqual([
      { participantId: b.id, mid: video.mid, layer: 2 },
      { participantId: b.id, mid: video.mid, layer: 0 },
      { participantId: b.id, mid: video.mid, layer: 'paused' },
    ]);
    expect(b.errors(mediaFeature)).toEqual([]);
  });

  it('relays ICE candidates to the sender’s own connections only', async () => {
    const { t, room } = setup();
    const a = await t.join();
    const b = await t.join();
    await publishAndSubscribe(a, b);
    const candidate = { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
    await a.send(mediaFeature, { action: 'trickle', target: 'camera', candidate });
    await a.send(mediaFeature, { action: 'trickle', target: 'subscriber', candidate: null });
    expect(room().trickled).toEqual([
      { participantId: a.id, target: 'camera', candidate },
      { participantId: a.id, target: 'subscriber', candidate: null },
    ]);
    const c = await t.join();
    await c.send(mediaFeature, { action: 'trickle', target: 'subscriber', candidate });
    expect(c.errors(mediaFeature).map((e) => e.error)).toEqual(['media_not_found']);
    expect(room().trickled).toHaveLength(2);
  });

  it('unpublish and leaving renegotiate the others; the last one out closes the media room', async () => {
    const { t, room } = setup();
    const a = await t.join();
    const b = await t.join();
    const c = await t.join();
    await publishAndSubscribe(a, b, c);
    // Answer until nobody has an offer open.
    for (let round = 0; round < 3; round++) {
      for (const p of [a, b, c]) if (room().awaiting(p.id)) await p.send(mediaFeature, { action: 'subscribe_answer', sdp: `answer ${p.id}` });
    }
    for (const p of [a, b, c]) expect(p.errors(mediaFeature)).toEqual([]);
    const seen = (p: SimulatedParticipant) => new Set(offers(p).at(-1)!.streams.map((s) => s.participant_id));
    expect(seen(a)).toEqual(new Set([b.id, c.id]));

    await c.send(mediaFeature, { action: 'unpublish', source: 'camera' });
    expect(media(a, 'media_state').at(-1)).toEqual({ message: 'media_state', state: { participant_id: c.id, audio: false, video: false, publishing: [] } });
    expect(seen(a)).toEqual(new Set([b.id]));
    expect(seen(b)).toEqual(new Set([a.id]));
    await a.send(mediaFeature, { action: 'subscribe_answer', sdp: 'answer sdp of a' });
    await b.send(mediaFeature, { action: 'subscribe_answer', sdp: 'answer sdp of b' });

    await b.leave();
    expect(room().calls).toContain(`remove ${b.id}`);
    expect(offers(a).at(-1)!.streams).toEqual([]);
    await a.leave();
    await c.leave();
    expect(room().calls.at(-1)).toBe('close');
    expect(room().closed).toBe(true);
  });

  it('update_state is broadcast and kept for the snapshot of late joiners, with publications and talking', async () => {
    const { t, room } = setup();
    const a = await t.join();
    const b = await t.join();
    await a.send(mediaFeature, { action: 'publish', source: 'camera', sdp: SDP });
    await a.send(mediaFeature, { action: 'update_state', audio: true, video: true });
    expect(media(b, 'media_state').at(-1)).toEqual({ message: 'media_state', state: { participant_id: a.id, audio: true, video: true, publishing: ['camera'] } });

    room().emit({ type: 'talking', participantId: a.id, source: 'camera', talking: true });
    room().emit({ type: 'talking', participantId: a.id, source: 'camera', talking: true }); // told once
    await t.advance(0);
    expect(media(b, 'talking')).toEqual([{ message: 'talking', participant_id: a.id, talking: true }]);
    // Talking of someone who does not publish that source is ignored.
    room().emit({ type: 'talking', participantId: b.id, source: 'camera', talking: true });
    await t.advance(0);
    expect(media(b, 'talking')).toHaveLength(1);

    const late = await t.join();
    const snapshot = late.snapshot(mediaFeature);
    expect(snapshot).toEqual({
      participants: [
        { participant_id: a.id, audio: true, video: true, publishing: ['camera'] },
        { participant_id: b.id, audio: false, video: false, publishing: [] },
        { participant_id: late.id, audio: false, video: false, publishing: [] },
      ],
      talking: [a.id],
      available: true,
      turn: null,
      phone_mix: false,
    });
  });

  it('a publication the media server ends is gone for everyone; a live one is offered to the others', async () => {
    const { t, room } = setup();
    const a = await t.join();
    const b = await t.join();
    await publishAndSubscribe(a, b);
    await b.send(mediaFeature, { action: 'subscribe_answer', sdp: 'answer sdp of b' });
    room().emit({ type: 'publication_ended', participantId: a.id, source: 'camera', reason: 'ICE failed' });
    await room().unpublish(a.id, 'camera'); // the real room forgets it itself
    await t.advance(0);
    expect(media(b, 'media_state').at(-1)).toMatchObject({ state: { participant_id: a.id, publishing: [] } });
    expect(offers(b).at(-1)!.streams).toEqual([]);
  });

  it('a resumed participant publishes and subscribes again: its old media is replaced', async () => {
    const { t, room } = setup();
    const a = await t.join();
    const b = await t.join();
    await publishAndSubscribe(a, b);
    await a.drop();
    await a.resume();
    const snapshot = a.snapshot(mediaFeature);
    expect(snapshot.participants.find((p) => p.participant_id === b.id)?.publishing).toEqual(['camera']);
    a.clear();
    await a.send(mediaFeature, { action: 'publish', source: 'camera', sdp: SDP });
    await a.send(mediaFeature, { action: 'subscribe' });
    expect(room().calls.filter((c) => c === `publish ${a.id} camera`)).toHaveLength(2);
    expect(room().calls).toContain(`reset ${a.id}`);
    expect(offers(a)).toHaveLength(1);
    expect(offers(a)[0]!.streams.map((s) => s.participant_id)).toEqual([b.id, b.id]);
    expect(media(a, 'publish_answer')).toHaveLength(1);
  });

  it('the end of an old subscription, noticed just before a fresh subscribe, does not drop the fresh one', async () => {
    // After a resume the client closes its receiving connection and subscribes again at once; the media
    // server reports the old connection's hangup, and that report is handled as a room task after the
    // new subscribe. It must not make the server forget the new subscription.
    const { t, room } = setup();
    const a = await t.join();
    const b = await t.join();
    await publishAndSubscribe(a, b);
    await a.send(mediaFeature, { action: 'subscribe_answer', sdp: 'v=0 answer 1' });
    await a.drop();
    await a.resume();
    a.clear();
    room().endSubscription(a.id);
    await a.send(mediaFeature, { action: 'subscribe' });
    await t.advance(0);
    expect(offers(a)).toHaveLength(1);
    await a.send(mediaFeature, { action: 'subscribe_answer', sdp: 'v=0 answer 2' });
    expect(a.errors(mediaFeature)).toEqual([]);
    expect(room().calls).toContain(`answer ${a.id} v=0 answer 2`);
    // And it still follows the room: a new publication reaches the resumed participant.
    const c = await t.join();
    await c.send(mediaFeature, { action: 'publish', source: 'camera', sdp: SDP });
    expect(offers(a).at(-1)!.streams.map((s) => s.participant_id)).toContain(c.id);
  });

  it('a subscription the media server ended for good is forgotten until the client subscribes again', async () => {
    const { t, room } = setup();
    const a = await t.join();
    const b = await t.join();
    await publishAndSubscribe(a, b);
    await a.send(mediaFeature, { action: 'subscribe_answer', sdp: 'v=0 answer 1' });
    room().endSubscription(a.id);
    await t.advance(0);
    a.clear();
    await a.send(mediaFeature, { action: 'subscribe_answer', sdp: 'v=0 late answer' });
    expect(a.errors(mediaFeature)).toEqual([{ message: 'error', error: 'media_no_offer', action: 'subscribe_answer' }]);
  });

  it('media failures are typed errors', async () => {
    const { t, service } = setup();
    const a = await t.join();
    await a.send(mediaFeature, { action: 'publish', source: 'camera', sdp: 'v=0 broken sdp' });
    expect(a.errors(mediaFeature)).toEqual([{ message: 'error', error: 'media_failed', action: 'publish' }]);
    expect(media(a, 'media_state')).toEqual([]);

    const { t: t2, service: s2 } = setup();
    s2.ready = false;
    const b = await t2.join();
    expect(b.snapshot(mediaFeature).available).toBe(false);
    await b.send(mediaFeature, { action: 'subscribe' });
    expect(b.errors(mediaFeature)).toEqual([{ message: 'error', error: 'media_unavailable', action: 'subscribe' }]);
    expect(service.rooms).toHaveLength(1);
  });

  it('when the media server is lost, everyone is told to reconnect once a server is ready, and a fresh room opens', async () => {
    const { t, room, service } = setup();
    const a = await t.join();
    const b = await t.join();
    await publishAndSubscribe(a, b);
    room(0).emit({ type: 'talking', participantId: a.id, source: 'camera', talking: true });
    await t.advance(0);

    service.ready = false;
    room(0).lose();
    await t.advance(0);
    for (const p of [a, b]) {
      expect(media(p, 'reconnect')).toEqual([]);
      expect(media(p, 'talking').at(-1)).toEqual({ message: 'talking', participant_id: a.id, talking: false });
      expect(media(p, 'media_state').slice(-2).map((m) => (m as { state: { publishing: string[] } }).state.publishing)).toEqual([[], []]);
    }
    // While no server is ready, publishing is refused.
    await a.send(mediaFeature, { action: 'publish', source: 'camera', sdp: SDP });
    expect(a.errors(mediaFeature).at(-1)).toMatchObject({ error: 'media_unavailable' });

    service.ready = true;
    service.emit({ type: 'server_ready', server: 'fake' });
    await t.advance(0);
    for (const p of [a, b]) expect(media(p, 'reconnect')).toEqual([{ message: 'reconnect', reason: 'media_server_lost' }]);
    expect(service.listenerCount).toBe(0);

    a.clear();
    b.clear();
    await publishAndSubscribe(a, b);
    expect(service.rooms).toHaveLength(2);
    expect(room(1).calls).toEqual([`publish ${a.id} camera`, `publish ${b.id} camera`]);
    expect(offers(a)[0]!.streams.map((s) => s.participant_id)).toEqual([b.id, b.id]);
  });

  it('a publish racing the news of a lost room still gets everyone told to reconnect', async () => {
    const { t, room, service } = setup();
    const a = await t.join();
    const b = await t.join();
    await publishAndSubscribe(a, b);
    room(0).lose(); // its task is queued, not run yet
    await a.send(mediaFeature, { action: 'publish', source: 'camera', sdp: SDP });
    await t.advance(0);
    expect(media(b, 'reconnect')).toEqual([{ message: 'reconnect', reason: 'media_server_lost' }]);
    expect(media(a, 'publish_answer')).toHaveLength(2);
    expect(service.rooms).toHaveLength(2);
  });

  it('when another server is ready already, reconnect is immediate', async () => {
    const { t, room } = setup();
    const a = await t.join();
    await a.send(mediaFeature, { action: 'subscribe' });
    room().lose();
    await t.advance(0);
    expect(media(a, 'reconnect')).toEqual([{ message: 'reconnect', reason: 'media_server_lost' }]);
  });
});

describe('TURN credentials per participant', () => {
  const secret = 'north-wind-shared-secret';
  const urls = ['turn:turn.example:3478?transport=udp', 'turn:turn.example:3478?transport=tcp', 'turns:turn.example:443?transport=tcp'];

  async function withTurn() {
    const clock = new ManualClock();
    const config = loadConfig({ TURN_URLS: urls.join(','), TURN_SECRET: secret, TURN_CREDENTIAL_TTL: '600' });
    const turn = await createTurnService(config, pino({ level: 'silent' }), () => clock.now());
    const t = new ModuleTester({ clock, features: [createMediaFeature(new FakeMediaService())], services: { turn } });
    return { t, clock };
  }

  it('puts the receiver’s own credentials into join_success, valid for the configured lifetime', async () => {
    const { t, clock } = await withTurn();
    const a = await t.join({ displayName: 'A' });
    const turn = a.snapshot(mediaFeature).turn!;
    const expiry = Math.floor(clock.now().getTime() / 1000) + 600;
    expect(turn).toEqual({ urls, username: `${expiry}:${a.id}`, credential: turnPassword(secret, `${expiry}:${a.id}`), expires_at: new Date(expiry * 1000).toISOString() });
  });

  it('sends fresh credentials before the old ones expire, and stops when the participant left', async () => {
    const { t } = await withTurn();
    const a = await t.join({ displayName: 'A' });
    const b = await t.join({ displayName: 'B' });
    const first = a.snapshot(mediaFeature).turn!;
    await t.advance(470_000); // 78 % of 600 s
    expect(a.messages(mediaFeature, 'turn_credentials')).toEqual([]);
    await t.advance(10_000);
    const [fresh] = a.messages(mediaFeature, 'turn_credentials');
    expect(fresh!.turn.username).toMatch(new RegExp(`^\\d+:${a.id}$`));
    expect(Date.parse(fresh!.turn.expires_at) - Date.parse(first.expires_at)).toBe(480_000);
    expect(fresh!.turn.credential).toBe(turnPassword(secret, fresh!.turn.username));
    // Each participant gets only their own.
    expect(b.messages(mediaFeature, 'turn_credentials').map((m) => m.turn.username)).toEqual([expect.stringMatching(new RegExp(`:${b.id}$`))]);
    await b.leave();
    await t.advance(480_000);
    expect(a.messages(mediaFeature, 'turn_credentials')).toHaveLength(2);
    expect(b.messages(mediaFeature, 'turn_credentials')).toHaveLength(1);
  });

  it('has no credentials without TURN', async () => {
    const { t } = setup();
    const a = await t.join({ displayName: 'A' });
    expect(a.snapshot(mediaFeature).turn).toBeNull();
    await t.advance(3_600_000);
    expect(a.messages(mediaFeature, 'turn_credentials')).toEqual([]);
  });
});
