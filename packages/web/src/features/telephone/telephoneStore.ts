import { TelephoneDialIn, telephoneProtocol, type ErrorPayloadOf, type JoinSuccess, type MessageOf } from '@plenum/protocol';
import { ApiError, apiRequest } from '../../app/api.ts';
import { FeatureStore, type FeatureConnection } from '../../meeting/featureStore.ts';

/** What moderators see of the room's phone dial-in. */
export interface TelephoneView {
  roomId: string | null;
  /**
   * `hidden`: nothing to show (not asked yet, dial-in switched off, or refused); `loading`; `ready` with
   * `dialIn`; `error`: it could not be loaded.
   */
  status: 'hidden' | 'loading' | 'ready' | 'error';
  dialIn: TelephoneDialIn | null;
  /** The room's owner or an admin (REST answered): may give the room a new ID and PIN. */
  canRegenerate: boolean;
  busy: boolean;
  /** After a new PIN: what changed, for the status line (screen readers hear it). */
  renewed: boolean;
  /** A new PIN was refused or failed (the server's problem, worded by the UI). */
  renewError: unknown;
}

export type TelephoneEvent = never;

/** REST, injectable for tests. */
export interface TelephoneApi {
  get(roomId: string, signal?: AbortSignal): Promise<TelephoneDialIn>;
  regenerate(roomId: string, csrfToken: string | undefined): Promise<TelephoneDialIn>;
}

const path = (roomId: string) => `/v1/rooms/${encodeURIComponent(roomId)}/telephone`;

export const restTelephoneApi: TelephoneApi = {
  get: (roomId, signal) => apiRequest(path(roomId), TelephoneDialIn, signal ? { signal } : {}),
  regenerate: (roomId, csrfToken) => apiRequest(`${path(roomId)}/regenerate`, TelephoneDialIn, { method: 'POST', csrfToken }),
};

const initial: TelephoneView = { roomId: null, status: 'hidden', dialIn: null, canRegenerate: false, busy: false, renewed: false, renewError: null };

/**
 * The dial-in details for moderators: from `GET /v1/rooms/{id}/telephone` (the owner and admins, who may also
 * give a new PIN); a moderator promoted during the meeting, whom REST refuses, asks the room (`get_dial_in`).
 */
export class TelephoneStore extends FeatureStore<typeof telephoneProtocol, TelephoneView, TelephoneEvent> {
  /** Feature switched off on this server (join_success without its part). */
  private off = false;
  private generation = 0;

  constructor(
    connection: FeatureConnection,
    private readonly api: TelephoneApi = restTelephoneApi,
  ) {
    super(connection, telephoneProtocol, initial);
  }

  protected joined(_snapshot: unknown, join: JoinSuccess): void {
    this.off = false;
    if (this.view.roomId !== join.room.id) this.set({ ...initial, roomId: join.room.id });
  }

  protected override joinedWithout(join: JoinSuccess): void {
    this.off = true;
    this.set({ ...initial, roomId: join.room.id });
  }

  protected handle(message: MessageOf<typeof telephoneProtocol>): void {
    const { dial_in_number, dial_in_id, pin } = message;
    // A REST answer (the owner's) is as fresh and says more (may regenerate); the room's answer fills in otherwise.
    if (this.view.canRegenerate) return;
    this.set({ status: 'ready', dialIn: { dial_in_number, dial_in_id, pin } });
  }

  protected override refused(_error: ErrorPayloadOf<typeof telephoneProtocol>): void {
    if (this.view.status === 'loading') this.set({ status: 'hidden' });
  }

  /** Loads the details (the section calls it when a moderator sees it); aborting leaves the view as it was. */
  async load(signal?: AbortSignal): Promise<void> {
    const roomId = this.view.roomId;
    if (!roomId || this.off) return;
    const generation = ++this.generation;
    // Shown details stay on screen while they are read again (the panel reopened).
    if (!this.view.dialIn) this.set({ status: 'loading' });
    try {
      const dialIn = await this.api.get(roomId, signal);
      if (generation === this.generation) this.set({ status: 'ready', dialIn, canRegenerate: true });
    } catch (err) {
      if (signal?.aborted || generation !== this.generation) return;
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        // Not the owner: a moderator all the same, whom the room answers.
        if (!this.send({ action: 'get_dial_in' })) this.set({ status: 'hidden' });
      } else if (err instanceof ApiError && err.status === 404) {
        this.set({ status: 'hidden' });
      } else {
        this.set({ status: 'error' });
      }
    }
  }

  /** A new ID and PIN (owner or admin); the old ones stop working. */
  async regenerate(csrfToken: string | undefined): Promise<void> {
    const roomId = this.view.roomId;
    if (!roomId || !this.view.canRegenerate || this.view.busy) return;
    this.set({ busy: true, renewed: false, renewError: null });
    try {
      const dialIn = await this.api.regenerate(roomId, csrfToken);
      this.generation++;
      this.set({ busy: false, status: 'ready', dialIn, renewed: true });
    } catch (err) {
      this.set({ busy: false, renewError: err });
    }
  }
}
