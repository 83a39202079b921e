import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../testing/server.ts';
import { SignalingClient as Client } from '../../testing/signaling-client.ts';

const TOKEN = 'telephone-service-token-for-tests-0123456789';

interface CallAnswer {
  ticket: string;
  signaling_url: string;
  participant_display_name: string;
}

interface QuorumMsg {
  quorate: boolean;
  present: number;
  required: number;
  members: number;
  present_member_ids: string[];
}

describe('a caller with a personal phone PIN takes their roster seat: quorum and roll-call vote', () => {
  let server: TestServer;
  const open: Client[] = [];

  beforeAll(async () => {
    server = await startTestServer({ env: { TELEPHONE_SERVICE_TOKEN: TOKEN, TELEPHONE_DIAL_IN_NUMBER: '+49 361 555' } });
  }, 120_000);
  afterAll(async () => {
    for (const c of open) c.close();
    await server?.close();
  });

  it('makes the room quorate, is eligible in the chair\u2019s roll-call vote and casts the seat\u2019s ballot over its own socket', { timeout: 60_000 }, async () => {
    const owner = await server.loginAs('user', 'Olga Owner');
    const room = await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Hauptausschuss', waiting_room: false }, owner);
    const invite = async (label: string) => (await server.api<{ code: string }>('POST', `/v1/rooms/${room.id}/invites`, { label }, owner)).code;
    const [anna, bernd] = [await invite('Anna'), await invite('Bernd')];
    // Three voting members (more than half: 2 needed); only the chair is there at first.
    const roster = await server.api<{ members: { id: string; display_name: string }[] }>('PUT', `/v1/rooms/${room.id}/roster`, {
      members: [
        { display_name: 'Olga Owner', user_id: owner.userId, role: 'member' },
        { display_name: 'Anna Amsel', invite_code: anna, role: 'member' },
        { display_name: 'Bernd Berger', invite_code: bernd, role: 'member' },
      ],
    }, owner);
    const [olgaSeat, annaSeat] = roster.members;
    const dial = await server.api<{ dial_in_id: string }>('GET', `/v1/rooms/${room.id}/telephone`, undefined, owner);
    const pins = await server.api<{ invite_code: string; pin: string }[]>('GET', `/v1/rooms/${room.id}/telephone/personal-pins`, undefined, owner);
    const annaPin = pins.find((p) => p.invite_code === anna)!.pin;

    const start = await server.api<{ ticket: string; signaling_url: string }>('POST', `/v1/rooms/${room.id}/start`, {}, owner);
    const chair = await Client.open(start.signaling_url, start.ticket);
    open.push(chair);
    chair.join();
    const chairJoined = await chair.next('control', 'join_success');
    const before = (chairJoined.modules as { agenda: { quorum: QuorumMsg } }).agenda.quorum;
    expect(before).toMatchObject({ quorate: false, present: 1, required: 2, members: 3, present_member_ids: [olgaSeat!.id] });

    // Not quorate: the chair cannot start a vote yet.
    chair.send('legal_vote', { action: 'start', title: 'Haushalt 2027', kind: 'roll_call', options: { type: 'yes_no' }, auto_close: false });
    expect(await chair.next('legal_vote', 'error')).toMatchObject({ error: 'not_quorate' });

    // The gateway's call: dial-in ID and Anna's personal PIN.
    const res = await fetch(`${server.listenUrl}/v1/service/telephone/calls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ dial_in_id: dial.dial_in_id, pin: annaPin, caller: '+493614711212', source: '203.0.113.9', call_id: crypto.randomUUID() }),
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as CallAnswer;
    expect(answer.participant_display_name).toBe('Anna Amsel');
    const caller = await Client.open(answer.signaling_url, answer.ticket);
    open.push(caller);
    caller.join();
    const callerJoined = await caller.next('control', 'join_success');
    expect(callerJoined).toMatchObject({ kind: 'sip', display_name: 'Anna Amsel' });
    expect((callerJoined.modules as { agenda: { my_member_id: string | null } }).agenda.my_member_id).toBe(annaSeat!.id);

    // Everyone hears the new quorum: two of three present.
    const quorum = (await chair.next('agenda', 'quorum', (q) => q.quorate === true)) as unknown as QuorumMsg;
    expect(quorum).toMatchObject({ quorate: true, present: 2, required: 2, members: 3, present_member_ids: [olgaSeat!.id, annaSeat!.id] });
    expect(await caller.next('agenda', 'quorum', (q) => q.quorate === true)).toMatchObject({ present: 2 });

    chair.send('legal_vote', { action: 'start', title: 'Haushalt 2027', kind: 'roll_call', options: { type: 'yes_no' }, auto_close: false });
    const started = await chair.next('legal_vote', 'started');
    const voteId = (started.vote as { id: string }).id;
    expect((started.eligible as { voter_id: string; display_name: string }[]).map((e) => [e.voter_id, e.display_name])).toEqual([
      [olgaSeat!.id, 'Olga Owner'],
      [annaSeat!.id, 'Anna Amsel'],
    ]);
    const callerStarted = await caller.next('legal_vote', 'started');
    expect(callerStarted.you).toMatchObject({ eligible: true, voter_id: annaSeat!.id });

    // The gateway sends the caller's ballot over the caller's socket.
    caller.send('legal_vote', { action: 'vote', vote_id: voteId, choices: ['yes'] });
    expect(await caller.next('legal_vote', 'voted')).toMatchObject({ vote_id: voteId, voter_id: annaSeat!.id, choices: ['yes'] });
    expect(caller.all('legal_vote', 'error')).toEqual([]);
    // A second ballot for the seat is refused.
    caller.send('legal_vote', { action: 'vote', vote_id: voteId, choices: ['no'] });
    expect(await caller.next('legal_vote', 'error')).toMatchObject({ error: 'already_voted' });

    chair.send('legal_vote', { action: 'stop', vote_id: voteId });
    const final = await chair.next('legal_vote', 'final_results');
    const results = final.results as { tally: Record<string, number>; ballots?: { voter_id: string; choices: string[] }[] };
    expect(results.tally).toMatchObject({ yes: 1, no: 0 });
    expect(results.ballots?.map((b) => [b.voter_id, b.choices])).toEqual([[annaSeat!.id, ['yes']]]);

    // The caller hangs up: the seat is absent again.
    caller.close();
    expect(await chair.next('agenda', 'quorum', (q) => q.quorate === false)).toMatchObject({ present: 1 });
  });
});
