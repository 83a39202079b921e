// RoomSession's legal_vote part against a scripted signaling server on loopback: the join snapshot's open vote
// arrives as `started`, vote messages are passed on typed, a refused `vote` is told apart from other errors,
// and `vote()` sends the ballot in the protocol's shape.
import { LegalVoteCommand, SIGNALING_SUBPROTOCOL, type LegalVoteMessage } from '@plenum/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { RoomSession, type RoomSessionEvents } from './room-session.ts';

const VOTE_ID = '5d7a3c0e-1f1b-4a43-9d1e-0c8b7a6f5e4d';
const SELF = '8f0e1b2c-3d4e-4f50-8a6b-7c8d9e0f1a2b';
const at = '2026-12-04T19:00:00.000Z';
const info = {
  id: VOTE_ID,
  title: 'Haushalt',
  agenda_item_id: null,
  kind: 'pseudonymous',
  options: [{ id: 'yes', label: 'Yes' }, { id: 'no', label: 'No' }],
  max_choices: 1,
  allow_abstain: false,
  duration_s: null,
  auto_close: true,
  started_at: at,
  ends_at: null,
  quorum: null,
  chair: { participant_id: 'chair', display_name: 'Clara' },
};
const you = { eligible: true, voter_id: `participant:${SELF}`, proxy_for: [], voted: [] };

let wss: WebSocketServer | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (wss ? wss.close(() => r()) : r()));
  wss = undefined;
});

describe('RoomSession and legal_vote', () => {
  it('passes the open vote of the join snapshot, vote messages and refusals of a ballot on; sends the ballot', async () => {
    const fromClient: unknown[] = [];
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => SIGNALING_SUBPROTOCOL });
    wss = server;
    await new Promise<void>((r) => server.once('listening', () => r()));
    let socket: ServerSocket | undefined;
    const push = (namespace: string, payload: Record<string, unknown>) => socket?.send(JSON.stringify({ namespace, timestamp: at, payload }));
    server.on('connection', (ws) => {
      socket = ws;
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as { namespace: string; payload: { action: string } };
        fromClient.push(msg);
        if (msg.namespace === 'control' && msg.payload.action === 'join') {
          push('control', {
            message: 'join_success',
            protocol_version: 1,
            id: SELF,
            display_name: '+49 361 ••• 34',
            role: 'guest',
            kind: 'sip',
            room: { id: VOTE_ID, name: 'Rat' },
            participants: [],
            modules: { legal_vote: { open: { vote: info, eligible: [], you, cast: 0 }, last: null, delegations: [], can_delegate: false } },
            resumed: false,
          });
        }
        if (msg.namespace === 'legal_vote') {
          push('legal_vote', { message: 'error', error: 'already_voted', action: 'vote' });
          push('legal_vote', { message: 'error', error: 'forbidden', action: 'start' });
          push('legal_vote', { message: 'voted', vote_id: VOTE_ID, voter_id: you.voter_id, choices: ['yes'], receipt_token: 'tok', seq: null });
          push('legal_vote', { message: 'stopped', vote_id: VOTE_ID, reason: 'all_voted', stopped_at: at });
          push('legal_vote', { message: 'bogus' });
        }
      });
    });
    const port = (server.address() as { port: number }).port;

    const votes: LegalVoteMessage[] = [];
    const refusals: string[] = [];
    const other: string[] = [];
    let done: () => void = () => undefined;
    const finished = new Promise<void>((r) => (done = r));
    const noop = () => undefined;
    const events: RoomSessionEvents = {
      waiting: noop,
      joined: noop,
      audioAttached: noop,
      otherJoined: noop,
      otherLeft: noop,
      muteChanged: noop,
      handChanged: noop,
      removed: noop,
      closed: noop,
      refused: (action, code) => other.push(`${action}/${code}`),
      legalVote: (m) => {
        votes.push(m);
        if (m.message === 'started') room.vote({ action: 'vote', vote_id: VOTE_ID, choices: ['yes'] });
        if (m.message === 'stopped') done();
      },
      voteRefused: (code) => refusals.push(code),
    };
    const room = new RoomSession({ ticket: 't', signalingUrl: `ws://127.0.0.1:${port}/signaling` }, { codec: 'pcmu', local: { ip: '127.0.0.1', port: 4000 } }, events);
    room.connect();
    await finished;
    room.leave();

    expect(votes.map((m) => m.message)).toEqual(['started', 'voted', 'stopped']);
    const started = votes[0] as Extract<LegalVoteMessage, { message: 'started' }>;
    expect(started.vote.title).toBe('Haushalt');
    expect(started.you.voter_id).toBe(you.voter_id);
    expect((votes[1] as { receipt_token?: string }).receipt_token).toBe('tok');
    expect(refusals).toEqual(['already_voted']);
    expect(other).toEqual([]); // another legal_vote error is not the ballot's, nor a media refusal
    const ballot = fromClient.find((m) => (m as { namespace: string }).namespace === 'legal_vote') as { payload: unknown };
    expect(LegalVoteCommand.parse(ballot.payload)).toEqual({ action: 'vote', vote_id: VOTE_ID, choices: ['yes'] });
  });
});

describe('RoomSession and recording', () => {
  it('tells of a recording running at the join, each change once, a consent request; answers consent', async () => {
    const fromClient: { namespace: string; payload: Record<string, unknown> }[] = [];
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => SIGNALING_SUBPROTOCOL });
    wss = server;
    await new Promise<void>((r) => server.once('listening', () => r()));
    server.on('connection', (ws) => {
      const push = (namespace: string, payload: Record<string, unknown>) => ws.send(JSON.stringify({ namespace, timestamp: at, payload }));
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as { namespace: string; payload: { action: string } };
        fromClient.push(msg);
        if (msg.namespace === 'control' && msg.payload.action === 'join') {
          push('control', {
            message: 'join_success', protocol_version: 1, id: SELF, display_name: 'Telefon', role: 'participant', kind: 'sip',
            room: { id: VOTE_ID, name: 'Rat' }, participants: [], resumed: false,
            modules: { recording: { active: true, paused: false, since: at, consent: null } },
          });
          push('recording', { message: 'consent_request' });
          // The same state again is no news; a pause and the stop are.
          push('recording', { message: 'recording_state', active: true, paused: false, since: at });
          push('recording', { message: 'recording_state', active: true, paused: true, since: at });
          push('recording', { message: 'recording_state', active: false, paused: false, since: null });
        }
      });
    });
    const port = (server.address() as { port: number }).port;
    const states: string[] = [];
    let requests = 0;
    let done: () => void = () => undefined;
    const finished = new Promise<void>((r) => (done = r));
    const noop = () => undefined;
    const room = new RoomSession({ ticket: 't', signalingUrl: `ws://127.0.0.1:${port}/signaling` }, { codec: 'pcmu', local: { ip: '127.0.0.1', port: 4000 } }, {
      waiting: noop, joined: noop, audioAttached: noop, otherJoined: noop, otherLeft: noop, muteChanged: noop, handChanged: noop, removed: noop, closed: noop, refused: noop,
      recording: ({ active, paused }) => {
        states.push(!active ? 'stopped' : paused ? 'paused' : 'running');
        if (!active) done();
      },
      consentRequested: () => {
        requests++;
        room.consent(false);
      },
    });
    room.connect();
    await finished;
    await expect.poll(() => fromClient.some((m) => m.namespace === 'recording')).toBe(true);
    room.leave();
    expect(states).toEqual(['running', 'paused', 'stopped']);
    expect(requests).toBe(1);
    expect(fromClient.find((m) => m.namespace === 'recording')?.payload).toEqual({ action: 'consent', given: false });
  });
});
