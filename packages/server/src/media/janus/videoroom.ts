import { randomBytes, randomInt } from 'node:crypto';
import type { JanusHandle, JanusSession } from './client.ts';
import { JanusPluginError, VideoRoomErrorCode } from './errors.ts';

export const VIDEOROOM_PLUGIN = 'janus.plugin.videoroom';

/** Janus room ids are 64-bit; JavaScript numbers stay exact below 2^53, and randomInt reaches 2^48. */
const ROOM_ID_LIMIT = 2 ** 48;

export interface VideoRoomOptions {
  /** Room id; omitted: a random one (retried if taken). */
  room?: number;
  description?: string;
  /** Password for managing the room; omitted: a random one. */
  secret?: string;
  /** Maximum number of concurrent publishers. */
  publishers?: number;
  /** Per-publisher bitrate cap (bit/s) announced in REMB; high enough for three VP8 simulcast layers. */
  bitrate?: number;
  /** Whether subscriptions must name the subscriber's private id (the server always does). */
  requirePrivateId?: boolean;
}

export interface VideoRoomParticipant {
  id: number;
  display?: string;
  publisher: boolean;
  talking?: boolean;
}

export interface CreatedVideoRoom {
  room: number;
  secret: string;
}

/**
 * Room management through one VideoRoom handle (it needs no PeerConnection). Rooms are created
 * non-permanent (they live as long as the Janus process), private (not listed to anyone), with
 * VP8 + Opus, audio-level events on (active speaker), FEC and DTX for Opus.
 */
export class VideoRoomAdmin {
  private constructor(readonly handle: JanusHandle) {}

  static async attach(session: JanusSession): Promise<VideoRoomAdmin> {
    return new VideoRoomAdmin(await session.attach(VIDEOROOM_PLUGIN));
  }

  get closed(): boolean {
    return this.handle.closed;
  }

  async create(opts: VideoRoomOptions = {}): Promise<CreatedVideoRoom> {
    const secret = opts.secret ?? randomBytes(18).toString('base64url');
    const body = {
      request: 'create',
      description: opts.description ?? 'Plenum room',
      secret,
      is_private: true,
      permanent: false,
      publishers: opts.publishers ?? 100,
      bitrate: opts.bitrate ?? 2_500_000,
      bitrate_cap: false,
      fir_freq: 10,
      audiocodec: 'opus',
      videocodec: 'vp8',
      opus_fec: true,
      opus_dtx: true,
      audiolevel_ext: true,
      audiolevel_event: true,
      audio_active_packets: 50,
      audio_level_average: 40,
      videoorient_ext: true,
      playoutdelay_ext: true,
      transport_wide_cc_ext: true,
      notify_joining: true,
      require_pvtid: opts.requirePrivateId ?? false,
    };
    for (let attempt = 0; ; attempt++) {
      const room = opts.room ?? randomInt(1, ROOM_ID_LIMIT);
      try {
        const res = await this.handle.message<{ videoroom: string; room: number }>({ ...body, room });
        return { room: res.data.room, secret };
      } catch (err) {
        const taken = err instanceof JanusPluginError && err.code === VideoRoomErrorCode.ROOM_EXISTS;
        if (!taken || opts.room !== undefined || attempt >= 4) throw err;
      }
    }
  }

  async destroy(room: number, secret: string): Promise<void> {
    await this.handle.message({ request: 'destroy', room, secret, permanent: false });
  }

  async exists(room: number): Promise<boolean> {
    const res = await this.handle.message<{ exists: boolean }>({ request: 'exists', room });
    return res.data.exists === true;
  }

  async listParticipants(room: number): Promise<VideoRoomParticipant[]> {
    const res = await this.handle.message<{ participants: VideoRoomParticipant[] }>({ request: 'listparticipants', room });
    return res.data.participants ?? [];
  }

  /** Room ids Janus knows (only public ones unless `admin_key` is given; ours are private). */
  async list(): Promise<number[]> {
    const res = await this.handle.message<{ list: { room: number }[] }>({ request: 'list' });
    return (res.data.list ?? []).map((r) => r.room);
  }
}
