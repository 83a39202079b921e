import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { allocate, parseTurnUrl } from './client.ts';
import { mintTurnCredentials, type TurnCredentials } from './credentials.ts';
import { EmbeddedTurn } from './embedded.ts';

export type { TurnCredentials } from './credentials.ts';

/** One TURN URL tried by the operator's diagnostic. */
export interface TurnCheck {
  url: string;
  transport: 'udp' | 'tcp' | 'tls';
  ok: boolean;
  /** The relayed address the server allocated. */
  relayed?: string;
  error?: string;
  ms: number;
}

/** TURN for browsers behind restrictive firewalls: credentials per participant, and (optionally) the embedded coturn. */
export interface TurnService {
  readonly enabled: boolean;
  readonly urls: readonly string[];
  /** Fresh credentials for `who` (a participant id, an account or guest identity); undefined without TURN. */
  credentials(who: string, ttlSeconds?: number): TurnCredentials | undefined;
  /** Allocates a relay on each URL with freshly minted credentials (the operator's diagnostic). */
  diagnose(timeoutMs?: number): Promise<TurnCheck[]>;
  close(): Promise<void>;
}

export function noTurn(): TurnService {
  return { enabled: false, urls: [], credentials: () => undefined, diagnose: () => Promise.resolve([]), close: () => Promise.resolve() };
}

/** Addresses of the embedded Janus's ICE candidates, which the relay must reach although private. */
function embeddedJanusAddresses(config: Config): string[] {
  if (config.media.mode !== 'janus' || config.media.janusUrls.length) return [];
  const interfaces = os.networkInterfaces();
  const chosen = config.media.iceInterface ? [interfaces[config.media.iceInterface] ?? []] : Object.values(interfaces);
  return chosen.flatMap((list) => (list ?? []).map((a) => a.address.replace(/%.*$/, '')));
}

export async function createTurnService(config: Config, logger: Logger, now: () => Date = () => new Date()): Promise<TurnService> {
  const t = config.turn;
  if (!t.urls.length) return noTurn();
  const secret = t.secret ?? randomBytes(32).toString('base64url');
  let embedded: EmbeddedTurn | undefined;
  if (t.embedded) {
    const allowedPeers = [...new Set([...t.embedded.allowedPeers, ...embeddedJanusAddresses(config)])];
    embedded = new EmbeddedTurn({ ...t.embedded, allowedPeers, secret, realm: t.realm, dir: path.join(config.dataDir, 'turn'), logger });
    await embedded.start();
  }
  const credentials = (who: string, ttlSeconds = t.credentialTtlSeconds) => mintTurnCredentials({ secret, who, ttlSeconds, urls: t.urls, now: now() });
  return {
    enabled: true,
    urls: t.urls,
    credentials,
    async diagnose(timeoutMs = 3000) {
      const c = credentials('diagnostic', 120);
      return Promise.all(
        t.urls.map(async (url): Promise<TurnCheck> => {
          const started = performance.now();
          const transport = parseTurnUrl(url).transport;
          try {
            const { relayed } = await allocate(url, c.username, c.credential, { timeoutMs });
            return { url, transport, ok: true, relayed, ms: Math.round(performance.now() - started) };
          } catch (err) {
            return { url, transport, ok: false, error: err instanceof Error ? err.message : String(err), ms: Math.round(performance.now() - started) };
          }
        }),
      );
    },
    close: async () => {
      await embedded?.stop();
    },
  };
}
