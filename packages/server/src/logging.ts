import pino from 'pino';

/**
 * What must not reach a log line beyond pino's `redact` paths (server.ts): credentials inside request URLs and
 * the values a failed database query carried.
 *
 * - URLs: the path segment after `invite`/`invites` is an invite code (a guest credential: `/invite/{code}`,
 *   `/v1/invites/{code}/verify`, `/v1/rooms/{id}/invites/{code}`), and query parameters such as `code`, `state`,
 *   `ticket`, `token`, `resumption` are one-time credentials (the OpenID callback, signaling). Both are replaced
 *   by `[redacted]`; the rest of the URL stays for debugging.
 * - Database errors: PGlite attaches the statement's parameters (`params`, `queryOptions`) to the error it
 *   throws, and PostgreSQL's `detail` repeats row values ("Key (code)=(…) already exists", "Failing row contains
 *   (…)"); those would put password hashes and fresh invite codes in the log. `scrubDatabaseError` removes them
 *   where the error is thrown (storage/database.ts), and the error serializer drops them again from anything
 *   logged, so what remains is the SQL error code, the message and the statement text without its values.
 */

export const REDACTED = '[redacted]';

/** Path segments whose next segment is a credential (invite codes, `personal-pins/<code>`: a personal invite's, calendar feed tokens). */
const SECRET_AFTER_SEGMENT = new Set(['invite', 'invites', 'personal-pins', 'calendar']);
/** Query parameter names whose value is a credential (compared case-insensitively, after decoding). */
const SECRET_PARAM = /^(?:code|state|nonce|ticket|resumption|session|password|secret|invite|invite_code|.*token)$/i;

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** The URL with invite codes in the path and credential-like query values replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const pathPart = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? null : url.slice(q + 1);
  const segments = pathPart.split('/');
  for (let i = 1; i < segments.length; i++) {
    if (segments[i] !== '' && SECRET_AFTER_SEGMENT.has(decoded(segments[i - 1]!).toLowerCase())) segments[i] = REDACTED;
  }
  let out = segments.join('/');
  if (query !== null) {
    out +=
      '?' +
      query
        .split('&')
        .map((pair) => {
          const eq = pair.indexOf('=');
          const name = eq === -1 ? pair : pair.slice(0, eq);
          return eq !== -1 && SECRET_PARAM.test(decoded(name)) ? `${name}=${REDACTED}` : pair;
        })
        .join('&');
  }
  return out;
}

/** Properties of database errors that carry the statement's values. */
const DATABASE_VALUE_KEYS = ['params', 'parameters', 'queryOptions', 'detail', 'internalQuery'] as const;

/** Removes the values a failed statement carried from a database error (and its causes), in place. */
export function scrubDatabaseError(err: unknown, depth = 0): void {
  if (typeof err !== 'object' || err === null || depth > 5) return;
  for (const key of DATABASE_VALUE_KEYS) {
    if (key in err) {
      try {
        delete (err as Record<string, unknown>)[key];
      } catch {
        // A frozen error keeps its fields; the serializer below still leaves them out.
      }
    }
  }
  scrubDatabaseError((err as { cause?: unknown }).cause, depth + 1);
}

function withoutValues(serialized: Record<string, unknown>, depth = 0): Record<string, unknown> {
  for (const key of DATABASE_VALUE_KEYS) delete serialized[key];
  const cause = serialized.cause;
  if (typeof cause === 'object' && cause !== null && depth < 5) withoutValues(cause as Record<string, unknown>, depth + 1);
  return serialized;
}

interface RequestLike {
  method?: string;
  url?: string;
  host?: string;
  hostname?: string;
  ip?: string;
  headers?: Record<string, unknown>;
  socket?: { remotePort?: number } | null;
}

/** Fastify's request serializer (method, url, host, address, port) with the URL redacted. */
export function requestSerializer(req: RequestLike): Record<string, unknown> {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? redactUrl(req.url) : req.url,
    version: req.headers?.['accept-version'],
    host: req.host ?? req.hostname,
    remoteAddress: req.ip,
    remotePort: req.socket ? req.socket.remotePort : undefined,
  };
}

/** pino's error serializer without the values of failed statements. */
export function errorSerializer(err: unknown): unknown {
  const serialized = pino.stdSerializers.err(err as Error) as unknown;
  return typeof serialized === 'object' && serialized !== null ? withoutValues(serialized as Record<string, unknown>) : serialized;
}

export const logSerializers = { req: requestSerializer, err: errorSerializer };
