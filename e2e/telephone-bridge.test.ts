/**
 * What a phone caller is told and what the room does with them, end to end without browsers: baresip dials the
 * SIP gateway, which asks the real Plenum (HTTP service call) and joins over real signaling; the media server is
 * the fake one (the audio path has its own tests with Janus). The chair is a raw signaling client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeMediaService } from '../packages/server/src/modules/media/testing/fake-media.ts';
import { startTestServer, type TestServer } from '../packages/server/src/testing/server.ts';
import { SignalingClient } from '../packages/server/src/testing/signaling-client.ts';
import { press, startBaresip, type BaresipPhone } from '../packages/sip-gateway/src/baresip-phone.ts';
import type { ObservedCallEvent, SipGateway } from '../packages/sip-gateway/src/gateway.ts';
import type { PromptName } from '../packages/sip-gateway/src/ivr/prompts.ts';
import { silentLogger } from '../packages/sip-gateway/src/log.ts';
import { HttpPlenumLink } from '../packages/sip-gateway/src/plenum.ts';
import { roomBridgeHooks } from '../packages/sip-gateway/src/room-bridge.ts';
import { startTestGateway } from '../packages/sip-gateway/src/testing.ts';

const TOKEN = 'e2e-telephone-bridge-service-token-0123456789';

let server: TestServer;
let media: FakeMediaService;
let gateway: { gw: SipGateway; port: number };
let phone: BaresipPhone;
let owner: Awaited<ReturnType<TestServer['loginAs']>>;
const events: ObservedCallEvent[] = [];
const clients: SignalingClient[] = [];

beforeAll(async () => {
  media = new FakeMediaService();
  [server, phone] = await Promise.all([startTestServer({ env: { TELEPHONE_SERVICE_TOKEN: TOKEN }, media }), startBaresip({ user: '+4936120304050' })]);
  gateway = await startTestGateway({ SIP_RTP_PORTS: '41950-41999' }, new HttpPlenumLink(server.url, TOKEN, silentLogger), roomBridgeHooks(silentLogger));
  gateway.gw.onCallEvent((_id, e) => events.push(e));
  owner = await server.loginAs('user', 'Clara Chair');
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await phone?.stop();
  await gateway?.gw.stop();
  await server?.close();
});

/** The caller's leg in the (fake) room audio bridge. */
const legOf = (participantId: string) => media.rooms.map((r) => r.legs.get(participantId)).find((l) => l !== undefined);

/** Resolves once the gateway starts playing this prompt to the caller (from `from` on in the event list). */
async function heard(prompt: PromptName, from: number): Promise<void> {
  await expect.poll(() => events.slice(from).some((e) => e.type === 'prompt' && e.prompt === prompt), { timeout: 15_000 }).toBe(true);
}

async function roomWithChair(waitingRoom: boolean) {
  const room = await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Ortsbeirat', waiting_room: waitingRoom }, owner);
  const dial = await server.api<{ dial_in_id: string; pin: string }>('GET', `/v1/rooms/${room.id}/telephone`, undefined, owner);
  const start = await server.api<{ ticket: string; signaling_url: string }>('POST', `/v1/rooms/${room.id}/start`, {}, owner);
  const chair = await SignalingClient.open(start.signaling_url, start.ticket);
  clients.push(chair);
  chair.join();
  await chair.next('control', 'join_success');
  return { roomId: room.id, dial, chair };
}

async function call(): Promise<number> {
  const from = phone.ctrl.events.length;
  phone.ctrl.send('dial', `sip:plenum@127.0.0.1:${gateway.port}`);
  await phone.ctrl.waitEvent('CALL_ESTABLISHED', from);
  return from;
}

describe('a caller in the room, through the gateway', () => {
  it('waits to be admitted, hears joins, its own mute, a refused unmute, its hand; the chair removes it and the call ends', { timeout: 90_000 }, async () => {
    const { roomId, dial, chair } = await roomWithChair(true);
    const callFrom = await call();
    const promptsFrom = events.length;
    await press(gateway.gw, phone.ctrl, `${dial.dial_in_id}#`);
    await press(gateway.gw, phone.ctrl, `${dial.pin}#`);

    // The waiting room applies: the caller hears so, the chair sees them waiting under the masked number.
    await heard('please_wait', promptsFrom);
    const waiting = await chair.next('moderation', 'waiting_list', (p) => (p.waiting as unknown[]).length === 1);
    const [caller] = waiting.waiting as { id: string; display_name: string; kind: string }[];
    expect(caller).toMatchObject({ display_name: '+49 361 ••• 50', kind: 'sip' });
    chair.send('moderation', { action: 'accept', target: caller!.id });
    await chair.next('control', 'joined', (p) => (p.participant as { id: string }).id === caller!.id);
    // Admitted: the gateway attaches the call's RTP to the room's audio bridge and says so.
    await heard('in_meeting', promptsFrom);
    expect(!!legOf(caller!.id)).toBe(true);

    // Someone else joins: the caller hears it.
    const joinFrom = events.length;
    const bernd = await server.loginAs('user', 'Bernd');
    const start = await server.api<{ ticket: string; signaling_url: string }>('POST', `/v1/rooms/${roomId}/start`, {}, bernd);
    const other = await SignalingClient.open(start.signaling_url, start.ticket);
    clients.push(other);
    other.join();
    // Bernd waits too; only once the chair admits him is he in the room, and the caller is told.
    const list = await chair.next('moderation', 'waiting_list', (p) => (p.waiting as { display_name: string }[]).some((w) => w.display_name === 'Bernd'));
    chair.send('moderation', { action: 'accept', target: (list.waiting as { id: string; display_name: string }[]).find((w) => w.display_name === 'Bernd')!.id });
    await heard('participant_joined', joinFrom);

    // *9: the hand goes up for everyone, with a beep and a prompt for the caller.
    const handFrom = events.length;
    await press(gateway.gw, phone.ctrl, '*9');
    await chair.next('hands', 'hand_raised', (p) => (p.hand as { participant_id: string }).participant_id === caller!.id);
    await heard('hand_raised', handFrom);

    // The chair mutes the caller and lets only moderators unmute: *6 is refused and the caller is told why.
    const muteFrom = events.length;
    chair.send('moderation', { action: 'set_unmute_policy', moderators_only: true });
    chair.send('moderation', { action: 'mute', targets: [caller!.id] });
    await heard('muted', muteFrom);
    await expect.poll(() => legOf(caller!.id)?.muted, { timeout: 10_000 }).toBe(true);
    const unmuteFrom = events.length;
    await press(gateway.gw, phone.ctrl, '*6');
    await heard('unmute_not_allowed', unmuteFrom);
    expect(legOf(caller!.id)?.muted).toBe(true);

    // Removed by the chair: the caller hears it, the gateway hangs up, the leg is gone.
    const removeFrom = events.length;
    chair.send('moderation', { action: 'kick', target: caller!.id });
    await heard('removed', removeFrom);
    await phone.ctrl.waitEvent('CALL_CLOSED', callFrom);
    await expect.poll(() => !!legOf(caller!.id), { timeout: 10_000 }).toBe(false);
  });

  it('three wrong PINs at the real service call end the call; the hang-up of a caller in the room is a leave for the others', { timeout: 90_000 }, async () => {
    const { dial, chair } = await roomWithChair(false);
    const wrongFrom = await call();
    for (let attempt = 0; attempt < 3; attempt++) {
      await press(gateway.gw, phone.ctrl, `${dial.dial_in_id}#`);
      await press(gateway.gw, phone.ctrl, '000000#');
    }
    await phone.ctrl.waitEvent('CALL_CLOSED', wrongFrom);

    // A good call, then the caller hangs up: the others see a plain leave at once (not a dropped connection).
    await call();
    await press(gateway.gw, phone.ctrl, `${dial.dial_in_id}#`);
    await press(gateway.gw, phone.ctrl, `${dial.pin}#`);
    const joined = await chair.next('control', 'joined', (p) => (p.participant as { kind: string }).kind === 'sip');
    const id = (joined.participant as { id: string }).id;
    const before = phone.ctrl.events.length;
    phone.ctrl.send('hangup');
    await phone.ctrl.waitEvent('CALL_CLOSED', before);
    expect(await chair.next('control', 'left', (p) => p.id === id)).toMatchObject({ reason: 'left' });
  });
});
