import type { StartResponse } from '@plenum/protocol';
import { ApiError } from '../../app/api.ts';
import { TicketRefusedError, type TicketSource } from '../../meeting/signalingClient.ts';

/**
 * A granted entry to a room: what `start` / `start-invited` returned, plus what the pre-join page needs.
 * Kept in memory only: the ticket is single-use and short-lived, so it must not outlive the page
 * (after a reload the person simply joins again). Guests keep their invite code (and the room password
 * they typed) for this page's lifetime, because every reconnection needs a fresh ticket.
 */
export interface GrantedEntry {
  roomId: string;
  roomName: string | null;
  displayName: string;
  kind: 'user' | 'guest';
  start: StartResponse;
  grantedAt: number;
  /** Guests only: what /start-invited needs for a fresh ticket. */
  invite?: { code: string; password?: string | undefined } | undefined;
}

let granted: GrantedEntry | null = null;

export function grantEntry(entry: Omit<GrantedEntry, 'grantedAt'>): void {
  granted = { ...entry, grantedAt: Date.now() };
}

/**
 * The entry for this room, if one was granted in this page's lifetime and can still be used: a guest's as
 * long as the invite is known (fresh tickets come from it), otherwise while its ticket has not expired.
 */
export function grantedEntry(roomId: string): GrantedEntry | null {
  if (!granted || granted.roomId !== roomId) return null;
  if (granted.kind === 'guest' && granted.invite) return granted;
  if (Date.now() > granted.grantedAt + granted.start.expires_in * 1000) return null;
  return granted;
}

const usedTickets = new WeakSet<StartResponse>();

/**
 * The entry's ticket, once, if it is young enough to still be valid when the socket opens
 * (single-use: a second call, e.g. "join again", gets null and asks for a new one).
 */
export function takeFreshTicket(entry: GrantedEntry): StartResponse | null {
  const ageMs = Date.now() - entry.grantedAt;
  if (usedTickets.has(entry.start) || ageMs >= (entry.start.expires_in - 5) * 1000) return null;
  usedTickets.add(entry.start);
  return entry.start;
}

/** Network trouble, overload and rate limits pass; anything else means asking again will not help. */
function retryable(err: unknown): boolean {
  return !(err instanceof ApiError) || err.status === 0 || err.status === 429 || err.status >= 500;
}

/**
 * Hands out `first` once (the ticket obtained on "Join"), then asks `request` for a fresh one, with the
 * resumption token after the first join so the same participant comes back.
 */
export function ticketSource(first: StartResponse | null, request: (resumption: string | undefined) => Promise<StartResponse>): TicketSource {
  let unused = first;
  return {
    async next(resumption) {
      if (unused && !resumption) {
        const ticket = unused;
        unused = null;
        return ticket;
      }
      unused = null;
      try {
        return await request(resumption);
      } catch (err) {
        throw retryable(err) ? err : new TicketRefusedError(err);
      }
    },
  };
}
