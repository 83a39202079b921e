import { PROTOCOL_VERSION } from '@plenum/protocol';
import type { Role } from '../permissions.ts';
import type { SignalingHub } from '../signaling/hub.ts';
import type { SignalingSession } from '../signaling/session.ts';
import type { Admission } from '../signaling/tickets.ts';
import type { TestServer } from './server.ts';

export interface Received {
  namespace: string;
  payload: { message: string; [field: string]: unknown };
}

/**
 * A signaling connection into a real server's hub, in process (no socket): what the WebSocket endpoint does
 * after the ticket was consumed. `send` resolves after every live room has handled what is queued.
 */
export class HubConnection {
  readonly received: Received[] = [];
  closedWith: { code: number; reason: string } | null = null;
  /** Tests that start guests over REST keep the guest cookie here, to start again from the same browser. */
  browser = '';
  readonly session: SignalingSession;

  constructor(
    private readonly hub: SignalingHub,
    readonly admission: Admission,
  ) {
    this.session = hub.open(admission, {
      send: (text) => this.received.push(JSON.parse(text) as Received),
      close: (code, reason) => {
        this.closedWith = { code, reason };
      },
    });
  }

  get id(): string {
    return this.admission.participantId;
  }

  async sendRaw(text: string): Promise<void> {
    await this.session.receive(text);
    await settleHub(this.hub);
  }

  send(namespace: string, payload: Record<string, unknown>): Promise<void> {
    return this.sendRaw(JSON.stringify({ namespace, payload }));
  }

  join(): Promise<void> {
    return this.send('control', { action: 'join', protocol_version: PROTOCOL_VERSION });
  }

  errors(): Received['payload'][] {
    return this.received.filter((m) => m.payload.message === 'error').map((m) => m.payload);
  }

  joinSuccess(): Received['payload'] | undefined {
    return this.received.filter((m) => m.namespace === 'control' && m.payload.message === 'join_success').at(-1)?.payload;
  }
}

/** The round-trip barrier for a real hub: every live room has nothing queued and nothing spawned still running. */
export async function settleHub(hub: SignalingHub): Promise<void> {
  for (let round = 0; round < 3; round++) {
    for (const room of await hub.liveRooms()) await room.idle();
  }
}

export interface RoleRoom {
  roomId: string;
  inviteCode: string;
  /** A participant of every joined role (anonymous: a connection that has not joined). */
  conns: Record<Role, HubConnection>;
  /** A guest that commands may name as their target (kick, rename, …). */
  target: HubConnection;
  owner: { cookie: string; csrf: string };
}

/**
 * A fresh room on a real server with one participant of every role of the model: the owner, a user the owner
 * made moderator, a roster member (linked by e-mail), a plain user, a guest and a phone caller (kind sip, as the
 * gateway would admit it), plus a target guest. Tickets come from the real REST routes and ticket service.
 */
export async function roomWithEveryRole(server: TestServer, who: { owner: Awaited<ReturnType<TestServer['loginAs']>>; moderator: Awaited<ReturnType<TestServer['loginAs']>>; member: Awaited<ReturnType<TestServer['loginAs']>>; user: Awaited<ReturnType<TestServer['loginAs']>>; memberEmail: string }): Promise<RoleRoom> {
  const hub = server.app.signaling;
  const room = await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Council' }, who.owner);
  await server.api('PUT', `/v1/rooms/${room.id}/roster`, { members: [{ display_name: 'Member', user_email: who.memberEmail, role: 'member', voting: true }] }, who.owner);
  const invite = await server.api<{ code: string }>('POST', `/v1/rooms/${room.id}/invites`, {}, who.owner);
  const userTicket = async (u: { cookie: string; csrf: string }) => (await server.api<{ ticket: string }>('POST', `/v1/rooms/${room.id}/start`, {}, u)).ticket;
  const guestTicket = async (name: string) => (await server.api<{ ticket: string }>('POST', `/v1/rooms/${room.id}/start-invited`, { invite_code: invite.code, display_name: name })).ticket;
  const admit = (ticket: string) => {
    const admission = server.services.tickets.consume(ticket);
    if (!admission) throw new Error('ticket not accepted');
    return admission;
  };
  const connect = async (ticket: string) => {
    const c = new HubConnection(hub, admit(ticket));
    await c.join();
    if (!c.joinSuccess()) throw new Error(`join refused: ${JSON.stringify(c.received)}`);
    return c;
  };
  const owner = await connect(await userTicket(who.owner));
  const moderator = await connect(await userTicket(who.moderator));
  const member = await connect(await userTicket(who.member));
  const seat = (member.joinSuccess()?.modules as { agenda?: { my_member_id?: string | null } } | undefined)?.agenda?.my_member_id;
  if (!seat) throw new Error('the roster member was not recognised as one');
  const user = await connect(await userTicket(who.user));
  const guest = await connect(await guestTicket('Guest'));
  const sipTicket = server.services.tickets.issue({ roomId: room.id, kind: 'sip', displayName: '+49 30 1234', isRoomOwner: false }, `sip:${crypto.randomUUID()}`).ticket;
  const sip = await connect(sipTicket);
  const target = await connect(await guestTicket('Target'));
  const anonymous = new HubConnection(hub, admit(await guestTicket('Anonymous')));
  await owner.send('moderation', { action: 'grant_moderator', target: moderator.id });
  if (owner.errors().length) throw new Error(`grant_moderator refused: ${JSON.stringify(owner.errors())}`);
  for (const c of [owner, moderator, member, user, guest, sip, target]) c.received.length = 0;
  return { roomId: room.id, inviteCode: invite.code, conns: { owner, moderator, roster_member: member, user, guest, sip, anonymous }, target, owner: who.owner };
}
