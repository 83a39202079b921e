import { randomBytes } from 'node:crypto';

/** Who a ticket admits, decided by REST before any WebSocket exists. */
export interface Admission {
  roomId: string;
  participantId: string;
  kind: 'user' | 'guest' | 'sip' | 'recorder';
  displayName: string;
  /** users only */
  userId?: string;
  role?: 'admin' | 'user';
  /** The room owner (or an admin) joins as moderator. */
  isRoomOwner: boolean;
  /**
   * guests: the invite that let them in, so revoking or banning can refer to it; phone callers: the personal
   * invite whose phone PIN they typed (their roster seat).
   */
  inviteCode?: string;
  /**
   * guests only: this browser's guest identity (a random id in an HttpOnly cookie). Several people share one
   * invite link; a ban, a rate limit or a resumption refers to the person, so it must not be the link.
   */
  guestId?: string;
  resumption: string;
  /**
   * Who this is, whatever the connection: `user:<account>`, `guest:<guest identity>` (one guest browser, not the
   * invite link several may share), `sip:<caller>`, `invite:<code>` (a caller with a personal phone PIN: the member, whichever call). The signaling rate limit counts per identity. Unset (tests that build
   * an admission by hand): the participant.
   */
  identity?: string;
}

interface Stored<T> {
  value: T;
  expiresAt: number;
}

export const TICKET_TTL_S = 30;
/** A resumption token lets a dropped participant return as the same participant; it outlives the ticket. */
export const RESUMPTION_TTL_S = 12 * 3600;

/**
 * Single-use signaling tickets and resumption tokens (in memory: tickets are consumed by the node
 * that issued the REST answer, which is the room's owner node — see architecture, Cluster).
 */
export class TicketService {
  private readonly tickets = new Map<string, Stored<Admission>>();
  private readonly resumptions = new Map<string, Stored<{ roomId: string; participantId: string; identity: string }>>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  /**
   * Issues a ticket. When `resumption` names an earlier participant of the same room with the same identity,
   * the new ticket admits that same participant again (same id), so the others see no leave/join.
   */
  issue(
    admission: Omit<Admission, 'participantId' | 'resumption'>,
    identity: string,
    resumption?: string,
  ): { ticket: string; resumption: string; participantId: string; expiresIn: number } {
    this.sweep();
    const nowMs = this.now().getTime();
    let participantId: string = crypto.randomUUID();
    let token = randomBytes(24).toString('base64url');
    const previous = resumption ? this.resumptions.get(resumption) : undefined;
    if (previous && previous.expiresAt > nowMs && previous.value.roomId === admission.roomId && previous.value.identity === identity) {
      participantId = previous.value.participantId;
      token = resumption!;
    }
    this.resumptions.set(token, {
      value: { roomId: admission.roomId, participantId, identity },
      expiresAt: nowMs + RESUMPTION_TTL_S * 1000,
    });
    const ticket = randomBytes(24).toString('base64url');
    this.tickets.set(ticket, { value: { ...admission, participantId, resumption: token, identity }, expiresAt: nowMs + TICKET_TTL_S * 1000 });
    return { ticket, resumption: token, participantId, expiresIn: TICKET_TTL_S };
  }

  /** Returns the admission once; a second call with the same ticket (or an expired one) returns null. */
  consume(ticket: string): Admission | null {
    const entry = this.tickets.get(ticket);
    if (!entry) return null;
    this.tickets.delete(ticket);
    return entry.expiresAt > this.now().getTime() ? entry.value : null;
  }

  /** Forget a participant's resumption (kicked, banned, left on purpose). */
  revokeResumption(token: string): void {
    this.resumptions.delete(token);
  }

  private sweep(): void {
    const nowMs = this.now().getTime();
    for (const [k, v] of this.tickets) if (v.expiresAt <= nowMs) this.tickets.delete(k);
    for (const [k, v] of this.resumptions) if (v.expiresAt <= nowMs) this.resumptions.delete(k);
  }
}
