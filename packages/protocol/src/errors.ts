import { z } from 'zod';

/**
 * One registry of error codes. Each code maps to a stable problem `type` URI and an HTTP status,
 * so clients can branch on `type` and never on the human-readable `title`.
 */
export const errorRegistry = {
  PLENUM_ERR_VALIDATION: { status: 400, title: 'The request is malformed' },
  PLENUM_ERR_UNAUTHENTICATED: { status: 401, title: 'Login required' },
  PLENUM_ERR_WRONG_PASSWORD: { status: 401, title: 'The password is wrong' },
  PLENUM_ERR_LOGIN_FAILED: { status: 400, title: 'The login could not be completed' },
  PLENUM_ERR_FORBIDDEN: { status: 403, title: 'Not allowed' },
  PLENUM_ERR_DIAL_IN_REFUSED: { status: 403, title: 'Unknown dial-in ID or wrong PIN' },
  PLENUM_ERR_CSRF: { status: 403, title: 'Missing or invalid CSRF token' },
  PLENUM_ERR_NOT_FOUND: { status: 404, title: 'Not found' },
  PLENUM_ERR_ROOM_NOT_FOUND: { status: 404, title: 'Room not found' },
  PLENUM_ERR_INVITE_NOT_FOUND: { status: 404, title: 'Invite not found' },
  PLENUM_ERR_INVITE_EXPIRED: { status: 410, title: 'The invite has expired' },
  PLENUM_ERR_INVITE_REVOKED: { status: 410, title: 'The invite has been revoked' },
  PLENUM_ERR_CONFLICT: { status: 409, title: 'Conflict' },
  PLENUM_ERR_REQUEST_TIMEOUT: { status: 408, title: 'The request took too long' },
  PLENUM_ERR_PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  PLENUM_ERR_URI_TOO_LONG: { status: 414, title: 'The URL is too long' },
  PLENUM_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  PLENUM_ERR_RATE_LIMITED: { status: 429, title: 'Too many requests' },
  PLENUM_ERR_HEADERS_TOO_LARGE: { status: 431, title: 'The request headers are too large' },
  PLENUM_ERR_NOT_READY: { status: 503, title: 'Service not ready' },
  PLENUM_ERR_STORAGE_UNAVAILABLE: { status: 503, title: 'The database is not reachable at the moment; nothing was changed, try again shortly' },
  PLENUM_ERR_IDP_UNAVAILABLE: { status: 502, title: 'The identity provider is not reachable' },
  PLENUM_ERR_INTERNAL: { status: 500, title: 'Internal error' },
} as const;

export type ErrorCode = keyof typeof errorRegistry;

export function problemType(code: ErrorCode): string {
  return `urn:plenum:problem:${code.slice('PLENUM_ERR_'.length).toLowerCase().replaceAll('_', '-')}`;
}

/** RFC 9457 problem details as Plenum sends them. */
export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    code: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });
export type Problem = z.infer<typeof Problem>;
