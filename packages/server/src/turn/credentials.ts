import { createHmac } from 'node:crypto';

/** What a browser puts into `RTCPeerConnection`'s `iceServers` (and when it stops working). */
export interface TurnCredentials {
  urls: string[];
  username: string;
  credential: string;
  /** When the TURN server stops accepting them (RFC 3339). */
  expires_at: string;
}

/**
 * Time-limited TURN credentials of the "REST API for TURN services" draft (draft-uberti-behave-turn-rest),
 * which coturn checks with `use-auth-secret` / `static-auth-secret`: the username is
 * `<expiry in Unix seconds>:<who>`, the password base64(HMAC-SHA1(secret, username)). Nothing is stored:
 * the TURN server recomputes the password and refuses it after the expiry.
 *
 * `who` names the participant (their id), so the TURN server's log says whose relay it is; a colon in it
 * would be read as a second field by some servers, so it is replaced.
 */
export function mintTurnCredentials(opts: { secret: string; who: string; ttlSeconds: number; urls: string[]; now: Date }): TurnCredentials {
  const expiry = Math.floor(opts.now.getTime() / 1000) + opts.ttlSeconds;
  const username = `${expiry}:${opts.who.replace(/:/g, '_')}`;
  return {
    urls: opts.urls,
    username,
    credential: turnPassword(opts.secret, username),
    expires_at: new Date(expiry * 1000).toISOString(),
  };
}

/** base64(HMAC-SHA1(secret, username)) */
export function turnPassword(secret: string, username: string): string {
  return createHmac('sha1', secret).update(username, 'utf8').digest('base64');
}
