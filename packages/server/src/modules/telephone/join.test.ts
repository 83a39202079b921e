import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../testing/server.ts';
import { SignalingClient as Client } from '../../testing/signaling-client.ts';

const TOKEN = 'telephone-service-token-for-tests-0123456789';

interface CallAnswer {
  ticket: string;
  signaling_url: string;
  participant_display_name: string;
}

describe('a phone caller joins over signaling as kind sip', () => {
  let server: TestServer;
  let owner: Awaited<ReturnType<TestServer['loginAs']>>;
  const open: Client[] = [];

  beforeAll(async () => {
    server = await startTestServer({ env: { TELEPHONE_SERVICE_TOKEN: TOKEN, TELEPHONE_DIAL_IN_NUMBER: '+49 361 555' } });
    owner = await server.loginAs('user', 'Olga Owner');
  }, 120_000);
  afterAll(async () => {
    for (const c of open) c.close();
    await server?.close();
  });

  async function ownerInRoom(waitingRoom: boolean) {
    const room = await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Kreistag', waiting_room: waitingRoom }, owner);
    const dial = await server.api<{ dial_in_id: string; pin: string }>('GET', `/v1/rooms/${room.id}/telephone`, undefined, owner);
    const start = await server.api<{ ticket: string; signaling_url: string }>('POST', `/v1/rooms/${room.id}/start`, {}, owner);
    const chair = await Client.open(start.signaling_url, start.ticket);
    open.push(chair);
    chair.join();
    await chair.next('control', 'join_success');
    return { roomId: room.id, dial, chair };
  }

  async function dialIn(dial: { dial_in_id: string; pin: string }, caller = '+493614711212'): Promise<{ caller: Client; answer: CallAnswer }> {
    const res = await fetch(`${server.listenUrl}/v1/service/telephone/calls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ dial_in_id: dial.dial_in_id, pin: dial.pin, caller, source: '203.0.113.7', call_id: crypto.randomUUID() }),
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as CallAnswer;
    const client = await Client.open(answer.signaling_url, answer.ticket);
    open.push(client);
    client.join();
    return { caller: client, answer };
  }

  it('joins at once without a waiting room: join_success says sip, and the browser sees the masked number', { timeout: 30_000 }, async () => {
    const { dial, chair } = await ownerInRoom(false);
    const { caller } = await dialIn(dial);
    const success = await caller.next('control', 'join_success');
    expect(success).toMatchObject({ kind: 'sip', role: 'participant', display_name: '+49 361 ••• 12' });
    expect(success.participants).toEqual([expect.objectContaining({ display_name: 'Olga Owner', kind: 'user', role: 'moderator' })]);
    const joined = await chair.next('control', 'joined');
    expect(joined.participant).toMatchObject({ id: success.id, kind: 'sip', display_name: '+49 361 ••• 12', role: 'participant' });
  });

  it('waits in the waiting room like a guest until a moderator admits them, and can be renamed and removed', { timeout: 30_000 }, async () => {
    const { dial, chair } = await ownerInRoom(true);
    const { caller } = await dialIn(dial, 'anonymous');
    await caller.next('control', 'waiting');
    const list = await chair.next('moderation', 'waiting_list', (p) => (p.waiting as unknown[]).length === 1);
    const [waiting] = list.waiting as { id: string; kind: string; display_name: string }[];
    expect(waiting).toMatchObject({ kind: 'sip', display_name: 'Telefon' });
    // Nothing but the waiting notice until admitted.
    await caller.roundTrip();
    expect(caller.all('control', 'join_success')).toEqual([]);
    expect(chair.all('control', 'joined')).toEqual([]);

    chair.send('moderation', { action: 'accept', target: waiting!.id });
    expect(await caller.next('control', 'join_success')).toMatchObject({ id: waiting!.id, kind: 'sip', display_name: 'Telefon' });
    expect((await chair.next('control', 'joined')).participant).toMatchObject({ id: waiting!.id, kind: 'sip' });

    chair.send('moderation', { action: 'rename', target: waiting!.id, display_name: 'Frau Berger (Telefon)' });
    expect((await chair.next('control', 'update', (p) => (p.participant as { id: string }).id === waiting!.id)).participant).toMatchObject({ display_name: 'Frau Berger (Telefon)', kind: 'sip' });

    chair.send('moderation', { action: 'kick', target: waiting!.id });
    expect(await caller.next('control', 'removed')).toMatchObject({ reason: 'kicked' });
    expect(await caller.closed).toBe(4003);
  });

  it('gives moderators the dial-in details in the room (get_dial_in) and refuses the caller', { timeout: 30_000 }, async () => {
    const { dial, chair } = await ownerInRoom(false);
    chair.send('telephone', { action: 'get_dial_in' });
    expect(await chair.next('telephone', 'dial_in')).toEqual({ message: 'dial_in', dial_in_number: '+49 361 555', dial_in_id: dial.dial_in_id, pin: dial.pin });
    const { caller } = await dialIn(dial);
    await caller.next('control', 'join_success');
    caller.send('telephone', { action: 'get_dial_in' });
    expect(await caller.next('telephone', 'error')).toMatchObject({ error: 'forbidden', action: 'get_dial_in' });
    expect(caller.all('telephone', 'dial_in')).toEqual([]);
  });
});
