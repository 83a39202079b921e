import { PROTOCOL_VERSION, SIGNALING_SUBPROTOCOL } from '@plenum/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../testing/server.ts';
import { defaultTimings } from './hub.ts';

interface Msg {
  namespace: string;
  timestamp: string;
  payload: { message: string; [k: string]: unknown };
}

/** A real WebSocket client that records everything it receives. */
class Client {
  readonly received: Msg[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.received.push(JSON.parse(data.toString()) as Msg);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static open(url: string, protocols: string[], options: WebSocket.ClientOptions = {}): Promise<Client> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocols, options);
      const client = new Client(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })));
      });
      ws.once('error', reject);
    });
  }

  send(namespace: string, payload: Record<string, unknown>): void {
    this.ws.send(JSON.stringify({ namespace, payload }));
  }

  join(extra: Record<string, unknown> = {}): Promise<Msg['payload']> {
    this.send('control', { action: 'join', protocol_version: PROTOCOL_VERSION, ...extra });
    return this.next('control', 'join_success');
  }

  all(namespace: string, message: string): Msg['payload'][] {
    return this.received.filter((m) => m.namespace === namespace && m.payload.message === message).map((m) => m.payload);
  }

  /** The first message (from `after` on) matching; waits up to `ms`. */
  async next(namespace: string, message: string, where: (p: Msg['payload']) => boolean = () => true, ms = 3_000): Promise<Msg['payload']> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.all(namespace, message).find(where);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${namespace}/${message} within ${ms} ms; got ${JSON.stringify(this.received.map((m) => m.payload))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /**
   * A round trip through the room's queue: an action the chat feature does not have, which the room answers
   * at once (`unknown_action` on `chat`). When its answer is
   * back, everything the room sent this connection before it has arrived — so absence can be asserted.
   */
  async roundTrip(): Promise<void> {
    const before = this.all('chat', 'error').length;
    this.send('chat', { action: 'round_trip_barrier' });
    await this.next('chat', 'error', () => this.all('chat', 'error').length > before);
  }

  /** Waits for errors until `count` arrived. */
  async errors(count: number, namespace = 'control'): Promise<string[]> {
    await this.next(namespace, 'error', () => this.all(namespace, 'error').length >= count);
    return this.all(namespace, 'error').map((e) => e.error as string);
  }
}


describe('signaling over real WebSockets', () => {
  let server: TestServer;
  let wsUrl: string;

  beforeAll(async () => {
    server = await startTestServer();
    wsUrl = `${server.url.replace(/^http/, 'ws')}/signaling`;
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(() => {
    Object.assign(server.app.signaling.timings, defaultTimings);
  });

  async function api(path: string, init: { method?: string; body?: unknown; user?: { cookie: string; csrf: string } } = {}) {
    const res = await fetch(`${server.url}${path}`, {
      method: init.method ?? 'POST',
      headers: {
        'content-type': 'application/json',
        ...(init.user ? { cookie: init.user.cookie, 'x-csrf-token': init.user.csrf } : {}),
      },
      body: JSON.stringify(init.body ?? {}),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  async function newRoom() {
    const owner = await server.loginAs('user', 'Chair');
    const room = (await api('/v1/rooms', { body: { name: 'Ausschuss' }, user: owner })) as { id: string };
    return { owner, roomId: room.id };
  }

  async function start(roomId: string, user: { cookie: string; csrf: string }, resumption?: string) {
    return (await api(`/v1/rooms/${roomId}/start`, { body: resumption ? { resumption } : {}, user })) as { ticket: string; resumption: string; signaling_url: string };
  }

  async function startGuest(roomId: string, code: string, displayName: string) {
    return (await api(`/v1/rooms/${roomId}/start-invited`, { body: { invite_code: code, display_name: displayName } })) as { ticket: string; resumption: string };
  }

  const connect = (ticket: string, options?: WebSocket.ClientOptions) => Client.open(wsUrl, [SIGNALING_SUBPROTOCOL, `ticket.${ticket}`], options);

  it('participants join, see each other, and see who leaves', async () => {
    const { owner, roomId } = await newRoom();
    const member = await server.loginAs('user', 'Ratsmitglied');
    const invite = (await api(`/v1/rooms/${roomId}/invites`, { body: {}, user: owner })) as { code: string };

    const chairTicket = await start(roomId, owner);
    expect(chairTicket.signaling_url).toBe(wsUrl);
    const chair = await connect(chairTicket.ticket);
    expect(chair.ws.protocol).toBe(SIGNALING_SUBPROTOCOL);
    const chairJoin = await chair.join();
    expect(chairJoin).toMatchObject({ role: 'moderator', kind: 'user', display_name: 'Chair', participants: [], room: { id: roomId, name: 'Ausschuss' } });
    expect(Date.parse(chair.received[0]!.timestamp)).not.toBeNaN();

    const m = await connect((await start(roomId, member)).ticket);
    const mJoin = await m.join();
    expect(mJoin).toMatchObject({ role: 'participant', display_name: 'Ratsmitglied' });
    expect((mJoin.participants as { id: string }[]).map((p) => p.id)).toEqual([chairJoin.id]);

    const g = await connect((await startGuest(roomId, invite.code, 'Gast')).ticket);
    const gJoin = await g.join({ display_name: 'Frau Gast' });
    expect(gJoin).toMatchObject({ kind: 'guest', display_name: 'Frau Gast', role: 'participant' });
    expect((gJoin.participants as { display_name: string }[]).map((p) => p.display_name).sort()).toEqual(['Chair', 'Ratsmitglied']);

    await chair.next('control', 'joined', (p) => (p.participant as { id: string }).id === gJoin.id);
    await m.next('control', 'joined', (p) => (p.participant as { display_name: string }).display_name === 'Frau Gast');
    expect(chair.all('control', 'joined')).toHaveLength(2);

    m.send('control', { action: 'leave' });
    expect((await m.closed).code).toBe(1000);
    await chair.next('control', 'left', (p) => p.id === mJoin.id && p.reason === 'left');
    await g.next('control', 'left', (p) => p.id === mJoin.id);
    for (const c of [chair, g]) c.ws.close();
  });

  it('refuses the upgrade without a valid ticket (HTTP 401), and a reused one', async () => {
    const { owner, roomId } = await newRoom();
    await expect(Client.open(wsUrl, [SIGNALING_SUBPROTOCOL])).rejects.toMatchObject({ status: 401 });
    await expect(connect('made-up-ticket')).rejects.toMatchObject({ status: 401 });
    const { ticket } = await start(roomId, owner);
    // Without our subprotocol the request is malformed and the ticket stays unused.
    await expect(Client.open(wsUrl, [`ticket.${ticket}`])).rejects.toMatchObject({ status: 400 });
    const first = await connect(ticket);
    await expect(connect(ticket)).rejects.toMatchObject({ status: 401, body: expect.stringContaining('PLENUM_ERR_UNAUTHENTICATED') });
    // The ticket is never echoed.
    expect(first.ws.protocol).toBe(SIGNALING_SUBPROTOCOL);
    const plain = await fetch(`${server.url}/signaling`);
    expect(plain.status).toBe(400);
    first.ws.close();
  });

  it('answers malformed and unauthorised input with typed errors and keeps serving everyone', async () => {
    const { owner, roomId } = await newRoom();
    const invite = (await api(`/v1/rooms/${roomId}/invites`, { body: {}, user: owner })) as { code: string };
    const chair = await connect((await start(roomId, owner)).ticket);
    const chairJoin = await chair.join();
    const attacker = await connect((await startGuest(roomId, invite.code, 'Mallory')).ticket);

    attacker.send('control', { action: 'update_display_name', display_name: 'x' });
    expect(await attacker.errors(1)).toEqual(['not_joined']);
    await attacker.join();
    attacker.ws.send('{"namespace":');
    attacker.ws.send(Buffer.from([1, 2, 3]));
    attacker.ws.send(JSON.stringify({ namespace: 'Control!', payload: { action: 'join' } }));
    attacker.send('no_such_module', { action: 'send_message', text: 'hi' });
    attacker.send('control', { action: 'self_destruct' });
    attacker.send('control', { action: 'update_display_name', display_name: ['not', 'a', 'string'] });
    attacker.send('control', { action: 'join', protocol_version: PROTOCOL_VERSION });
    attacker.send('control', { action: 'update_display_name', display_name: 'Chair', id: chairJoin.id });
    attacker.send('control', { action: 'leave', participant_id: chairJoin.id });
    expect(await attacker.errors(10)).toEqual([
      'not_joined',
      'invalid_json',
      'invalid_json',
      'invalid_envelope',
      'unknown_namespace',
      'unknown_action',
      'invalid_command',
      'already_joined',
      'invalid_command',
      'invalid_command',
    ]);
    // Nothing changed for the chair: no update, no left, still connected and served.
    await chair.roundTrip();
    expect(chair.all('control', 'update')).toEqual([]);
    expect(chair.all('control', 'left')).toEqual([]);
    attacker.send('control', { action: 'update_display_name', display_name: 'Mallory M.' });
    await chair.next('control', 'update', (p) => (p.participant as { display_name: string }).display_name === 'Mallory M.');

    // A user (not a guest) may not rename: forbidden.
    chair.send('control', { action: 'update_display_name', display_name: 'Someone' });
    expect(await chair.errors(1)).toEqual(['forbidden']);

    // Oversized frame: closed with 1009, the others are unaffected.
    attacker.ws.send(JSON.stringify({ namespace: 'control', payload: { action: 'update_display_name', display_name: 'x'.repeat(70_000) } }));
    expect((await attacker.closed).code).toBe(1009);
    await chair.next('control', 'update', (p) => (p.participant as { connection: string }).connection === 'disconnected');
    const late = await connect((await start(roomId, await server.loginAs('user', 'Late'))).ticket);
    await late.join();
    await chair.next('control', 'joined', (p) => (p.participant as { display_name: string }).display_name === 'Late');
    for (const c of [chair, late]) c.ws.close();
  });

  it('a cut connection resumed within the window keeps its participant; the others see no left', async () => {
    const { owner, roomId } = await newRoom();
    const member = await server.loginAs('user', 'Wackelig');
    const chair = await connect((await start(roomId, owner)).ticket);
    await chair.join();
    const first = await start(roomId, member);
    const m = await connect(first.ticket);
    const mJoin = await m.join();
    m.ws.terminate();
    await chair.next('control', 'update', (p) => (p.participant as { id: string; connection: string }).connection === 'disconnected');

    const again = await start(roomId, member, first.resumption);
    expect(again.resumption).toBe(first.resumption);
    const m2 = await connect(again.ticket);
    const resumed = await m2.join();
    expect(resumed).toMatchObject({ id: mJoin.id, resumed: true });
    await chair.next('control', 'update', (p) => (p.participant as { id: string; connection: string }).id === mJoin.id && (p.participant as { connection: string }).connection === 'connected');
    await chair.roundTrip();
    expect(chair.all('control', 'left')).toEqual([]);
    expect(chair.all('control', 'joined')).toHaveLength(1);

    // An explicit leave revokes the resumption: the same token now yields a new participant.
    m2.send('control', { action: 'leave' });
    await chair.next('control', 'left', (p) => p.id === mJoin.id);
    const fresh = await connect((await start(roomId, member, first.resumption)).ticket);
    const freshJoin = await fresh.join();
    expect(freshJoin.id).not.toBe(mJoin.id);
    expect(freshJoin.resumed).toBe(false);
    for (const c of [chair, fresh]) c.ws.close();
  });

  it('a cut connection that does not come back is reported as left after the (short) window', async () => {
    server.app.signaling.timings.resumeWindowMs = 300;
    const { owner, roomId } = await newRoom();
    const chair = await connect((await start(roomId, owner)).ticket);
    await chair.join();
    const m = await connect((await start(roomId, await server.loginAs())).ticket);
    const mJoin = await m.join();
    const cutAt = Date.now();
    m.ws.terminate();
    const left = await chair.next('control', 'left', (p) => p.id === mJoin.id);
    expect(left.reason).toBe('timeout');
    expect(Date.now() - cutAt).toBeGreaterThanOrEqual(250);
    chair.ws.close();
  });

  it('rate limits commands, then closes a sustained flood with 1008', async () => {
    Object.assign(server.app.signaling.timings, { commandsPerSecond: 5, commandBurst: 10, abuseRejections: 30 });
    const { owner, roomId } = await newRoom();
    const invite = (await api(`/v1/rooms/${roomId}/invites`, { body: {}, user: owner })) as { code: string };
    const chair = await connect((await start(roomId, owner)).ticket);
    await chair.join();
    const g = await connect((await startGuest(roomId, invite.code, 'Flood')).ticket);
    await g.join();
    for (let i = 0; i < 200; i++) g.send('control', { action: 'update_display_name', display_name: `N${i}` });
    const closed = await g.closed;
    expect(closed.code).toBe(1008);
    const errors = g.all('control', 'error').map((e) => e.error);
    expect(errors.length).toBe(30);
    expect(new Set(errors)).toEqual(new Set(['rate_limited']));
    // Only what the bucket let through reached the others.
    expect(chair.all('control', 'update').filter((u) => (u.participant as { connection: string }).connection === 'connected').length).toBeLessThanOrEqual(10);
    chair.send('control', { action: 'leave' });
    expect((await chair.closed).code).toBe(1000);
  });

  it('heartbeat drops a client that stops answering pings', async () => {
    Object.assign(server.app.signaling.timings, { pingIntervalMs: 100, maxMissedPongs: 2 });
    const { owner, roomId } = await newRoom();
    const chair = await connect((await start(roomId, owner)).ticket);
    await chair.join();
    const silent = await connect((await start(roomId, await server.loginAs())).ticket, { autoPong: false });
    const silentJoin = await silent.join();
    const closed = await silent.closed;
    expect(closed.code).toBe(1006);
    await chair.next('control', 'update', (p) => (p.participant as { id: string }).id === silentJoin.id && (p.participant as { connection: string }).connection === 'disconnected');
    // The chair answers pings (ws does by default) and stays, and is still served.
    await chair.roundTrip();
    expect(chair.ws.readyState).toBe(WebSocket.OPEN);
    chair.ws.close();
  });

  // Last: it closes the shared server.
  it('server close sends control/closing and closes every socket with 1001', async () => {
    const { owner, roomId } = await newRoom();
    const joined = await connect((await start(roomId, owner)).ticket);
    await joined.join();
    const joined2 = await connect((await start(roomId, await server.loginAs())).ticket);
    await joined2.join();
    const lobby = await connect((await start(roomId, owner)).ticket);
    await server.close();
    // 1001 (not 1006) shows each socket got the closing handshake rather than being cut after the grace period.
    for (const c of [joined, joined2, lobby]) {
      expect((await c.closed).code).toBe(1001);
      expect(c.all('control', 'closing')).toEqual([{ message: 'closing', reason: 'server shutting down' }]);
    }
    expect(joined.all('control', 'left')).toEqual([]);
    await expect(connect((await start(roomId, owner).catch(() => ({ ticket: 'x' }))).ticket)).rejects.toThrow();
  });
});
