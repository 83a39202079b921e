import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { csrfMatches, SESSION_COOKIE, type ActiveSession, type SessionService } from '../auth/sessions.ts';
import type { RoomsRepository } from '../storage/rooms.ts';
import { PlenumError } from './errors.ts';

const sessionCache = new WeakMap<FastifyRequest, Promise<ActiveSession | null>>();

/** The caller's login session, looked up once per request. */
export function sessionOf(request: FastifyRequest, sessions: SessionService): Promise<ActiveSession | null> {
  let cached = sessionCache.get(request);
  if (!cached) {
    cached = sessions.resolve(request.cookies[SESSION_COOKIE]);
    sessionCache.set(request, cached);
  }
  return cached;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A logged-in user, or 401. For state-changing methods the session's CSRF token must come back
 * in X-CSRF-Token (the SameSite cookie alone is not enough for old browsers and same-site attackers).
 */
export async function requireUser(request: FastifyRequest, sessions: SessionService): Promise<ActiveSession> {
  const session = await sessionOf(request, sessions);
  if (!session) throw new PlenumError('PLENUM_ERR_UNAUTHENTICATED');
  if (!SAFE_METHODS.has(request.method)) {
    const given = request.headers['x-csrf-token'];
    if (!csrfMatches(session.csrfToken, typeof given === 'string' ? given : undefined)) {
      throw new PlenumError('PLENUM_ERR_CSRF');
    }
  }
  return session;
}

/**
 * A room that the signed-in user manages: its owner or an admin (room settings, committee, attendance,
 * minutes). 401 without a session, 404 for an unknown room, 403 otherwise; `what` ends the refusal's sentence.
 */
export async function requireManagedRoom(
  request: FastifyRequest,
  services: { sessions: SessionService; rooms: RoomsRepository },
  roomId: string,
  what: string,
) {
  const session = await requireUser(request, services.sessions);
  const room = await services.rooms.byId(roomId);
  if (!room) throw new PlenumError('PLENUM_ERR_ROOM_NOT_FOUND');
  if (room.owner_id !== session.user.id && session.user.role !== 'admin') {
    throw new PlenumError('PLENUM_ERR_FORBIDDEN', `Only the room's owner or an admin may ${what}`);
  }
  return { room, session };
}

export function sessionCookieOptions(secure: boolean, expires?: Date) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure,
    ...(expires ? { expires } : {}),
  };
}

/**
 * A guest's identity in this browser: a random id in an HttpOnly cookie, made on the first guest start.
 * Bans, per-identity limits and resumption refer to it, because an invite link may be shared by many.
 * It is kept 30 days (a ban lasts as long as the room's meeting; a new link is the moderator's remedy for a
 * guest who clears cookies) and says nothing about the person.
 */
export const GUEST_COOKIE = 'plenum_guest';
const GUEST_ID = /^[A-Za-z0-9_-]{22}$/;
const GUEST_COOKIE_DAYS = 30;

export function guestIdentity(request: FastifyRequest, reply: FastifyReply, secure: boolean): string {
  const existing = request.cookies[GUEST_COOKIE];
  const id = existing && GUEST_ID.test(existing) ? existing : randomBytes(16).toString('base64url');
  void reply.setCookie(GUEST_COOKIE, id, { path: '/v1/', httpOnly: true, sameSite: 'lax', secure, maxAge: GUEST_COOKIE_DAYS * 24 * 3600 });
  return id;
}

export type Reply = FastifyReply;
