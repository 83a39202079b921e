import { PROTOCOL_VERSION, chatProtocol, mediaProtocol, type RemovedReason, type StartResponse } from '@plenum/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { exponentialBackoff } from './reconnectPolicy.ts';
import { SignalingClient, TicketRefusedError, type ConnectionState, type TicketSource, type WebSocketLike } from './signalingClient.ts';

class FakeSocket implements WebSocketLike {
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  sent: { namespace: string; payload: Record<string, unknown> }[] = [];
  closedWith: number | undefined;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {}
  send(data: string) {
    this.sent.push(JSON.parse(data) as { namespace: string; payload: Record<string, unknown> });
  }
  close(code?: number) {
    this.closedWith = code;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(namespace: string, payload: Record<string, unknown>) {
    this.onmessage?.({ data: JSON.stringify({ namespace, timestamp: new Date().toISOString(), payload }) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

const participantId = '5b0c2a4e-8d55-4c49-9a43-3d7d4c1b7a01';
const roomId = '9f1d3b1e-2c4a-4c1e-8f57-2a9c1b0e6d11';

function joinSuccess(resumed: boolean) {
  return {
    message: 'join_success',
    protocol_version: PROTOCOL_VERSION,
    id: participantId,
    display_name: 'Anna',
    role: 'participant',
    kind: 'guest',
    room: { id: roomId, name: 'Council' },
    participants: [],
    modules: {},
    resumed,
  };
}

function setup(tickets?: TicketSource) {
  const sockets: FakeSocket[] = [];
  const asked: (string | undefined)[] = [];
  let n = 0;
  const source: TicketSource = tickets ?? {
    next: async (resumption) => {
      asked.push(resumption);
      n++;
      return { ticket: `t${n}`, resumption: 'resume-1', signaling_url: 'ws://x/signaling', expires_in: 30 } satisfies StartResponse;
    },
  };
  const states: ConnectionState['status'][] = [];
  const client = new SignalingClient({
    tickets: source,
    displayName: 'Anna',
    policy: exponentialBackoff({ initialMs: 100, maxMs: 1_000, giveUpAfterMs: 5_000, jitter: 0 }),
    createSocket: (url, protocols) => {
      const s = new FakeSocket(url, protocols);
      sockets.push(s);
      return s;
    },
  });
  client.onState((s) => states.push(s.status));
  return { client, sockets, asked, states };
}

describe('SignalingClient', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('joins with a ticket in the subprotocols and the protocol version in control/join', async () => {
    const { client, sockets, states } = setup();
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(sockets[0]!.protocols).toEqual(['plenum-signaling-v1', 'ticket.t1']);
    sockets[0]!.open();
    expect(sockets[0]!.sent).toEqual([{ namespace: 'control', payload: { action: 'join', protocol_version: PROTOCOL_VERSION, display_name: 'Anna' } }]);
    sockets[0]!.receive('control', joinSuccess(false));
    expect(client.state.status).toBe('joined');
    expect(states).toEqual(['joined']);
    expect(client.send(mediaProtocol, { action: 'subscribe' })).toBe(true);
    expect(sockets[0]!.sent.at(-1)).toEqual({ namespace: 'media', payload: { action: 'subscribe' } });
  });

  it('waits in the waiting room until join_success; a ban or lock refusal fails with its reason', async () => {
    const { client, sockets, states } = setup();
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]!.open();
    sockets[0]!.receive('control', { message: 'waiting' });
    expect(client.state.status).toBe('waiting');
    expect(client.send(chatProtocol, { action: 'send_message', text: 'Hello', to: { scope: 'room' } })).toBe(false);
    sockets[0]!.receive('control', joinSuccess(false));
    expect(states).toEqual(['waiting', 'joined']);
    // Removed with the reason told just before the close.
    sockets[0]!.receive('control', { message: 'removed', reason: 'banned' });
    expect(client.state.status).toBe('joined');
    sockets[0]!.drop(4003);
    expect(client.state).toEqual({ status: 'failed', reason: 'banned' });

    const locked = setup();
    locked.client.start();
    await vi.advanceTimersByTimeAsync(0);
    locked.sockets[0]!.open();
    locked.sockets[0]!.receive('control', { message: 'error', error: 'room_locked', action: 'join' });
    expect(locked.client.state).toEqual({ status: 'failed', reason: 'room_locked' });
  });

  it('goes back to the waiting room when a moderator sends this participant there (control/waiting after joining)', async () => {
    const { client, sockets, states } = setup();
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]!.open();
    sockets[0]!.receive('control', joinSuccess(false));
    sockets[0]!.receive('control', { message: 'waiting' });
    expect(states).toEqual(['joined', 'waiting']);
    expect(client.send(mediaProtocol, { action: 'subscribe' })).toBe(false);
    // Only control speaks for the connection: the same message in another namespace changes nothing.
    sockets[0]!.receive('control', joinSuccess(false));
    sockets[0]!.receive('moderation', { message: 'waiting' });
    expect(client.state.status).toBe('joined');
  });

  it('fails with the reason control/removed told once the socket closes with 4003', async () => {
    const cases: [RemovedReason | null, string][] = [
      ['kicked', 'removed'],
      ['banned', 'banned'],
      ['meeting_ended', 'meeting_ended'],
      ['debriefing', 'meeting_ended'],
      // No (valid) reason told: removed.
      [null, 'removed'],
    ];
    for (const [reason, failed] of cases) {
      const { client, sockets } = setup();
      client.start();
      await vi.advanceTimersByTimeAsync(0);
      sockets[0]!.open();
      sockets[0]!.receive('control', joinSuccess(false));
      if (reason) sockets[0]!.receive('control', { message: 'removed', reason });
      else sockets[0]!.receive('control', { message: 'removed', reason: 'vanished' });
      // A removal in another namespace is not the connection's.
      sockets[0]!.receive('moderation', { message: 'removed', reason: 'banned' });
      sockets[0]!.drop(4003);
      await vi.advanceTimersByTimeAsync(5_000);
      expect(client.state, String(reason)).toEqual({ status: 'failed', reason: failed });
      expect(sockets).toHaveLength(1);
    }
  });

  it('reconnects after a drop with a fresh ticket and the resumption token', async () => {
    const { client, sockets, asked, states } = setup();
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]!.open();
    sockets[0]!.receive('control', joinSuccess(false));
    sockets[0]!.drop();
    expect(client.state).toEqual({ status: 'reconnecting', attempt: 1 });
    expect(client.send(mediaProtocol, { action: 'subscribe' })).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(asked).toEqual([undefined, 'resume-1']);
    expect(sockets[1]!.protocols).toEqual(['plenum-signaling-v1', 'ticket.t2']);
    sockets[1]!.open();
    sockets[1]!.receive('control', joinSuccess(true));
    expect(client.state.status === 'joined' && client.state.join.resumed).toBe(true);
    expect(states).toEqual(['joined', 'reconnecting', 'joined']);
  });

  it('keeps trying while tickets cannot be fetched, then gives up when the resume window is over', async () => {
    let calls = 0;
    const { client, sockets, states } = setup({
      next: async () => {
        calls++;
        if (calls === 1) return { ticket: 't', resumption: 'r', signaling_url: 'ws://x', expires_in: 30 };
        throw new Error('offline');
      },
    });
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]!.open();
    sockets[0]!.receive('control', joinSuccess(false));
    sockets[0]!.drop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(client.state).toEqual({ status: 'failed', reason: 'gave_up' });
    expect(calls).toBeGreaterThan(3);
    expect(states.at(-1)).toBe('failed');
  });

  it('does not reconnect when removed, replaced or refused', async () => {
    for (const [code, reason] of [
      [4003, 'removed'],
      [4000, 'replaced'],
      [4002, 'join_refused'],
    ] as const) {
      const { client, sockets } = setup();
      client.start();
      await vi.advanceTimersByTimeAsync(0);
      sockets[0]!.open();
      sockets[0]!.receive('control', joinSuccess(false));
      sockets[0]!.drop(code);
      await vi.advanceTimersByTimeAsync(5_000);
      expect(client.state).toEqual({ status: 'failed', reason });
      expect(sockets).toHaveLength(1);
    }
    const refused = setup({ next: () => Promise.reject(new TicketRefusedError(new Error('410'))) });
    refused.client.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(refused.client.state).toEqual({ status: 'failed', reason: 'refused' });
  });

  it('explains a protocol version mismatch', async () => {
    const { client, sockets } = setup();
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]!.open();
    sockets[0]!.receive('control', { message: 'error', error: 'protocol_version_mismatch', reason: 'server_too_old' });
    expect(client.state).toEqual({ status: 'failed', reason: 'server_too_old' });
  });

  it('leaves on purpose: control/leave, then no reconnection', async () => {
    const { client, sockets } = setup();
    client.start();
    await vi.advanceTimersByTimeAsync(0);
    sockets[0]!.open();
    sockets[0]!.receive('control', joinSuccess(false));
    client.leave();
    expect(sockets[0]!.sent.at(-1)).toEqual({ namespace: 'control', payload: { action: 'leave' } });
    expect(client.state.status).toBe('left');
    sockets[0]!.drop(1000);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sockets).toHaveLength(1);
    expect(client.state.status).toBe('left');
  });
});

describe('exponentialBackoff', () => {
  it('doubles up to the maximum and gives up after the window', () => {
    const policy = exponentialBackoff({ initialMs: 500, maxMs: 4_000, giveUpAfterMs: 30_000, jitter: 0 });
    expect([1, 2, 3, 4, 5].map((a) => policy.nextDelayMs(a, 0))).toEqual([500, 1_000, 2_000, 4_000, 4_000]);
    expect(policy.nextDelayMs(9, 27_000)).toBeNull();
  });
});
