import type { Logger } from 'pino';
import type { SigningKeyring } from './audit/keyring.ts';
import type { Config } from './config.ts';
import { SessionService } from './auth/sessions.ts';
import type { AttemptThrottle } from './auth/attempt-throttle.ts';
import type { Cluster } from './cluster/index.ts';
import { RetentionStatus } from './gdpr/retention.ts';
import { createPasswordThrottle } from './http/password-guard.ts';
import type { MediaService } from './media/types.ts';
import { TicketService } from './signaling/tickets.ts';
import { noTurn, type TurnService } from './turn/index.ts';
import type { Storage } from './storage/database.ts';
import { InvitesRepository } from './storage/invites.ts';
import { RoomsRepository } from './storage/rooms.ts';
import { UsersRepository } from './storage/users.ts';
import { gstLauncher, type RecorderServices } from './modules/recording/pipeline.ts';

/** Everything the HTTP layer and the signaling layer use, built once by the composition root. */
export interface Services {
  config: Config;
  logger: Logger;
  storage: Storage;
  users: UsersRepository;
  sessions: SessionService;
  rooms: RoomsRepository;
  invites: InvitesRepository;
  tickets: TicketService;
  /** Wrong room and invite passwords, per room/invite and per address (in memory, per node). */
  passwordThrottle: AttemptThrottle;
  media: MediaService;
  /** TURN credentials per participant (and the embedded coturn); `enabled: false` without TURN. */
  turn: TurnService;
  cluster: Cluster;
  /** The deployment's Ed25519 keys for votes and sealed minutes: signs with the current one, knows the retired ones. */
  signingKey: SigningKeyring;
  /** The retention periods and this node's last run of the retention job (GET /v1/admin/retention). */
  retention: RetentionStatus;
  /** The recorder (recording feature): a GStreamer pipeline per recording, files in RECORDINGS_DIR; absent without media. */
  recorder: RecorderServices | undefined;
  now: () => Date;
}

export function createServices(
  config: Config,
  logger: Logger,
  storage: Storage,
  media: MediaService,
  cluster: Cluster,
  signingKey: SigningKeyring,
  now: () => Date = () => new Date(),
  turn: TurnService = noTurn(),
): Services {
  return {
    config,
    logger,
    storage,
    users: new UsersRepository(storage.db),
    sessions: new SessionService(storage.db, config.sessionTtlHours * 3600_000, now),
    rooms: new RoomsRepository(storage.db),
    invites: new InvitesRepository(storage.db),
    tickets: new TicketService(now),
    retention: new RetentionStatus(config.retention.periods, config.retention.intervalMinutes),
    passwordThrottle: createPasswordThrottle(now),
    media,
    turn,
    cluster,
    signingKey,
    recorder: media.mode === 'janus' ? { dir: config.recordingsDir, launcher: gstLauncher() } : undefined,
    now,
  };
}

/** Public base URL: what browsers use, and where the OIDC callback points. */
export function publicUrl(config: Config, boundPort?: number): string {
  return config.publicUrl ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${boundPort ?? config.port}`;
}
