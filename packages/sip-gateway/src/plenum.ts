// The seam to Plenum: authorize a caller, then (integrator) join the room over signaling + media.
import { z } from 'zod';
import type { Logger } from './log.ts';

export interface AuthorizeRequest {
  /** Meeting ID digits as entered (without `#`). */
  readonly dialInId: string;
  readonly pin: string;
  /** Caller identity from the From header (user part or URI), as the trunk sent it. */
  readonly caller: string;
  /** Signaling source address of the trunk, `ip:port`. */
  readonly source: string;
  /** SIP Call-ID. */
  readonly callId: string;
}

export interface PlenumSession {
  readonly ticket: string;
  readonly resumption: string;
  readonly signalingUrl: string;
  readonly roomId: string;
  readonly participantDisplayName: string;
  readonly language: 'de' | 'en' | undefined;
}

export type AuthorizeResult =
  | { readonly ok: true; readonly session: PlenumSession }
  | { readonly ok: false; readonly reason: 'wrong_credentials' | 'locked'; readonly retryAfterS?: number };

export interface PlenumLink {
  /** Rejects (throws) on transport or server errors; the caller then hears goodbye. */
  authorize(req: AuthorizeRequest): Promise<AuthorizeResult>;
}

export class PlenumLinkError extends Error {}

/** The trunk's IP address of an `ip:port` or `[v6]:port` source: Plenum throttles per address, not per port. */
export function sourceAddress(source: string): string {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(source);
  if (v6) return v6[1]!;
  const colon = source.lastIndexOf(':');
  return colon > 0 && source.indexOf(':') === colon ? source.slice(0, colon) : source;
}

const CallResponse = z.object({
  ticket: z.string().min(1),
  resumption: z.string().min(1),
  signaling_url: z.string().min(1),
  room_id: z.string().min(1),
  participant_display_name: z.string(),
  language: z.enum(['de', 'en']).optional().catch(undefined),
});

/** POST {PLENUM_URL}/v1/service/telephone/calls with the telephone service token. */
export class HttpPlenumLink implements PlenumLink {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly log: Logger,
    private readonly timeoutMs = 10_000,
  ) {}

  async authorize(req: AuthorizeRequest): Promise<AuthorizeResult> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}/v1/service/telephone/calls`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ dial_in_id: req.dialInId, pin: req.pin, caller: req.caller, source: sourceAddress(req.source), call_id: req.callId }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      this.log.error('plenum authorize failed', { callId: req.callId, error: (err as Error).name });
      throw new PlenumLinkError('plenum unreachable');
    }
    if (res.status === 200) {
      const parsed = CallResponse.safeParse(await res.json().catch(() => undefined));
      if (!parsed.success) {
        this.log.error('plenum authorize: unexpected response body', { callId: req.callId });
        throw new PlenumLinkError('bad response');
      }
      const b = parsed.data;
      return {
        ok: true,
        session: { ticket: b.ticket, resumption: b.resumption, signalingUrl: b.signaling_url, roomId: b.room_id, participantDisplayName: b.participant_display_name, language: b.language },
      };
    }
    await res.body?.cancel().catch(() => undefined);
    if (res.status === 403) return { ok: false, reason: 'wrong_credentials' };
    if (res.status === 429) {
      const ra = Number(res.headers.get('retry-after'));
      return { ok: false, reason: 'locked', ...(Number.isFinite(ra) && ra >= 0 ? { retryAfterS: ra } : {}) };
    }
    // 401 (bad service token), 5xx, anything else: logged without the token or the PIN.
    this.log.error('plenum authorize refused', { callId: req.callId, status: res.status });
    throw new PlenumLinkError(`plenum answered ${res.status}`);
  }
}
