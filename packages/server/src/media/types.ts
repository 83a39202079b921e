/** What the rest of the server knows of media: no Janus specifics leak past this interface. */

export interface MediaServerStatus {
  /** Stable name: "embedded" or the configured URL. */
  id: string;
  /** Where the server answers now (the embedded one gets a new port at each start). */
  url: string;
  ready: boolean;
  /** Media rooms open on this server. */
  rooms: number;
}

/** Events for whoever hosts rooms (the meeting core tells its rooms and reopens them elsewhere or later). */
export type MediaEvent =
  /** A media server went away: its rooms (ids listed) are closed; participants' media is gone. */
  | { type: 'server_lost'; server: string; rooms: string[]; reason: string }
  /** A media server (again) accepts rooms. */
  | { type: 'server_ready'; server: string };

export interface MediaRoomOptions {
  /** Shown to operators only. */
  description?: string;
  /** Maximum number of concurrent publishers. */
  publishers?: number;
}

/** One room on one media server. Closing it (or losing its server) releases everything in it. */
export interface MediaRoom {
  /** Opaque, unique per media service. */
  readonly id: string;
  /** The media server's stable name (see MediaServerStatus.id). */
  readonly server: string;
  readonly closed: boolean;
  /** Number of participants the media server sees in the room. */
  participantCount(): Promise<number>;
  /** Called once when the room closes, with the reason (closed by Plenum, server lost, service closed). */
  onClose(listener: (reason: string) => void): void;
  close(): Promise<void>;
}

export interface MediaService {
  /** 'off' when the deployment runs without media (API-only). */
  readonly mode: 'janus' | 'off';
  /** True when at least one media server answers. */
  isReady(): boolean;
  /** Details for /ready and operators. */
  status(): { ready: boolean; servers: MediaServerStatus[] };
  /** Opens a room on the least-loaded ready media server; `MediaUnavailableError` when there is none. */
  createRoom(opts?: MediaRoomOptions): Promise<MediaRoom>;
  /** Returns the function that unsubscribes. */
  subscribe(listener: (event: MediaEvent) => void): () => void;
  close(): Promise<void>;
}

/** No media server can take the request (none configured, none ready, or the service is closed). */
export class MediaUnavailableError extends Error {
  constructor(message = 'no media server is ready') {
    super(message);
    this.name = 'MediaUnavailableError';
  }
}

/** The media service of an API-only deployment (MEDIA=off): nothing to wait for, no rooms. */
export function noMedia(): MediaService {
  return {
    mode: 'off',
    isReady: () => true,
    status: () => ({ ready: true, servers: [] }),
    createRoom: () => Promise.reject(new MediaUnavailableError('media is off in this deployment (MEDIA=off)')),
    subscribe: () => () => {},
    close: async () => {},
  };
}
