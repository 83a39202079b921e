import { MediaCommand, type MediaSnapshot, type MediaSource, type ParticipantMedia, type SubscribedStream } from '@plenum/protocol';
import {
  MediaRequestError,
  MediaStateError,
  MediaUnavailableError,
  type MediaRoom,
  type MediaRoomEvent,
  type MediaService,
  type SubscriptionOffer,
} from '../../media/types.ts';
import { CommandError, defineModule, type Participant, type RoomContext } from '../types.ts';
import type {} from '../moderation/events.ts';
import { sameBreakoutGroup } from '../breakout/events.ts';
import { layerForTile } from './layers.ts';

/**
 * `media`: publishing and subscribing through the media server, negotiated over signaling. The server decides
 * what everyone receives: each participant's subscription carries every other participant's publications
 * (never its own), renegotiated whenever publications come or go. The media room is opened on the first
 * publish or subscribe and closed when the last participant leaves; if its media server is lost, everyone is
 * told to `reconnect` as soon as a media server is ready again, and the next publish opens a fresh room.
 */

interface PeerMedia {
  audio: boolean;
  video: boolean;
  publishing: Set<MediaSource>;
}

export interface MediaState {
  room: RoomContext;
  /** The room on the media server; null until first needed, and again after it was lost. */
  media: MediaRoom | null;
  peers: Map<string, PeerMedia>;
  /** Participants who asked to receive (sent `subscribe`). */
  subscribers: Set<string>;
  /** Who is talking, per source with audio. */
  talking: Map<string, Set<MediaSource>>;
  /** Set while waiting for a media server after a loss: stops listening to the media service. */
  stopWaiting: (() => void) | null;
  /** Moderation's policy (room event `unmute_policy`): only moderators may switch their microphone on. */
  moderatorsOnlyUnmute: boolean;
  /** Participants whose camera audio the media server drops (moderator mute) until they may and do unmute. */
  serverMuted: Set<string>;
  /** Breakout grouping (room event `breakout_groups`): participant → breakout room; absent = main room. */
  groups: ReadonlyMap<string, string>;
}

/** What `id` may receive: the publications of the others in its breakout group (everyone, without breakouts). */
function receivable<P extends { participantId: string }>(state: MediaState, id: string, publications: readonly P[]): P[] {
  return publications.filter((p) => p.participantId !== id && sameBreakoutGroup(state.groups, id, p.participantId));
}

/** Media failures become typed errors for the sender. */
async function mediaCall<T>(fn: () => Promise<T>, notFound: 'media_not_found' | 'media_no_offer' = 'media_not_found'): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof MediaUnavailableError) throw new CommandError('media_unavailable');
    if (err instanceof MediaStateError) throw new CommandError(notFound);
    if (err instanceof MediaRequestError) throw new CommandError('media_failed');
    throw err;
  }
}

function publicMedia(id: string, p: PeerMedia): ParticipantMedia {
  return { participant_id: id, audio: p.audio, video: p.video, publishing: [...p.publishing].sort() };
}

function offerMessage(offer: SubscriptionOffer) {
  const streams: SubscribedStream[] = offer.streams.map((s) => ({ mid: s.mid, participant_id: s.participantId, source: s.source, kind: s.kind }));
  return { message: 'subscribe_offer', sdp: offer.sdp, streams };
}

export function createMediaModule(service: MediaService) {
  const peer = (state: MediaState, id: string): PeerMedia => {
    let p = state.peers.get(id);
    if (!p) {
      p = { audio: false, video: false, publishing: new Set() };
      state.peers.set(id, p);
    }
    return p;
  };

  const isTalking = (state: MediaState, id: string) => (state.talking.get(id)?.size ?? 0) > 0;

  /** The media room, opened on first use. */
  const ensureRoom = async (state: MediaState): Promise<MediaRoom> => {
    // Lost, but the task telling everyone is still queued: tell them now, before a fresh room replaces it.
    if (state.media?.closed) onMediaLost(state, state.media, 'media_server_lost');
    if (state.media) return state.media;
    let media: MediaRoom;
    try {
      media = await service.createRoom({ description: `Plenum ${state.room.id}` });
    } catch (err) {
      state.room.logger.warn({ err }, 'no media room');
      throw new CommandError('media_unavailable');
    }
    state.media = media;
    // Media events arrive outside the room's queue: handle them as room tasks, in order with commands.
    media.onEvent((event) => void state.room.setTimer(0, () => onMediaEvent(state, media, event)));
    media.onClose((reason) => {
      if (reason !== 'closed') void state.room.setTimer(0, () => onMediaLost(state, media, reason));
    });
    return media;
  };

  /**
   * Brings every subscription (but `except`'s) up to date with the publications and sends the offers.
   * Subscribers are updated concurrently: each has its own Janus handle (whose renegotiations the adapter
   * serializes), and one round trip after another made a join of N people cost N² sequential requests.
   */
  const renegotiate = async (state: MediaState, except?: string): Promise<void> => {
    const media = state.media;
    if (!media) return;
    const publications = media.publications();
    await Promise.all(
      [...state.subscribers]
        .filter((id) => id !== except)
        .map(async (id) => {
          // A lost media room is handled by onMediaLost (everyone reconnects), not subscription by subscription.
          if (media.closed) return;
          const wanted = receivable(state, id, publications);
          try {
            const offer = await media.updateSubscription(id, wanted);
            if (offer && state.media === media) state.room.send(id, offerMessage(offer));
          } catch (err) {
            if (err instanceof MediaUnavailableError || media.closed) return;
            state.room.logger.warn({ err, participantId: id }, 'subscription update failed');
            state.room.sendError(id, 'media_failed', { action: 'subscribe' });
          }
        }),
    );
  };

  const setTalking = (state: MediaState, id: string, source: MediaSource, talking: boolean): void => {
    const before = isTalking(state, id);
    const sources = state.talking.get(id) ?? new Set<MediaSource>();
    if (talking) sources.add(source);
    else sources.delete(source);
    if (sources.size) state.talking.set(id, sources);
    else state.talking.delete(id);
    const after = isTalking(state, id);
    if (before !== after) state.room.broadcast({ message: 'talking', participant_id: id, talking: after });
  };

  const publicationGone = (state: MediaState, id: string, source: MediaSource): void => {
    const p = state.peers.get(id);
    if (!p?.publishing.delete(source)) return;
    setTalking(state, id, source, false);
    state.room.broadcast({ message: 'media_state', state: publicMedia(id, p) });
  };

  const onMediaEvent = async (state: MediaState, media: MediaRoom, event: MediaRoomEvent): Promise<void> => {
    // Connections end with their media server before the room learns it is lost: those endings are no news.
    if (state.media !== media || media.closed) return;
    switch (event.type) {
      case 'talking':
        if (state.peers.get(event.participantId)?.publishing.has(event.source)) setTalking(state, event.participantId, event.source, event.talking);
        return;
      case 'publication_live':
        await renegotiate(state, event.participantId);
        return;
      case 'publication_ended':
        state.room.logger.info({ participantId: event.participantId, source: event.source, reason: event.reason }, 'publication ended by the media server');
        publicationGone(state, event.participantId, event.source);
        await renegotiate(state, event.participantId);
        return;
      case 'subscription_ended':
        // The event is handled as a later room task: if the client has subscribed afresh meanwhile (it closes
        // its old connection right before asking, e.g. after a resume), the ending is of the old subscription
        // and must not drop the new one — that left a resumed participant receiving nothing now and then.
        if (media.hasSubscription(event.participantId)) {
          state.room.logger.debug({ participantId: event.participantId, reason: event.reason }, 'an earlier subscription ended; the current one stays');
          return;
        }
        // The client's receiving connection is gone; it subscribes again when it wants to receive.
        state.room.logger.info({ participantId: event.participantId, reason: event.reason }, 'subscription ended by the media server');
        state.subscribers.delete(event.participantId);
        return;
      case 'subscription_offer':
        state.room.send(event.participantId, offerMessage(event.offer));
        return;
    }
  };

  const onMediaLost = (state: MediaState, media: MediaRoom, reason: string): void => {
    if (state.media !== media) return;
    state.room.logger.warn({ reason }, 'media room lost');
    state.media = null;
    state.subscribers.clear();
    for (const [id, p] of state.peers) {
      for (const source of [...p.publishing]) publicationGone(state, id, source);
    }
    const tellReconnect = () => state.room.broadcast({ message: 'reconnect', reason });
    if (service.isReady()) {
      tellReconnect();
      return;
    }
    // Clients retry when it can work: as soon as a media server (this one restarted, or another) is ready.
    state.stopWaiting?.();
    const stop = service.subscribe((event) => {
      if (event.type !== 'server_ready') return;
      stop();
      state.stopWaiting = null;
      void state.room.setTimer(0, tellReconnect);
    });
    state.stopWaiting = stop;
  };

  /** Stops (or resumes) a participant's camera audio at the media server; a failure is logged, the state stays. */
  const muteAtServer = async (state: MediaState, id: string, muted: boolean): Promise<void> => {
    const media = state.media;
    if (!media || media.closed || !state.peers.get(id)?.publishing.has('camera')) return;
    await media.muteAudio(id, 'camera', muted).catch((err: unknown) => state.room.logger.warn({ err, participantId: id, muted }, 'moderator mute at the media server failed'));
  };

  /** Moderator mute (room event `force_mute`): the client is told to mute, the media server drops the audio. */
  const forceMute = (state: MediaState, ids: readonly string[], by: string | undefined): void => {
    for (const id of ids) {
      const p = state.peers.get(id);
      if (!p) continue;
      state.serverMuted.add(id);
      state.room.send(id, { message: 'force_muted', ...(by ? { by } : {}) });
      if (p.audio) {
        p.audio = false;
        state.room.broadcast({ message: 'media_state', state: publicMedia(id, p) });
      }
    }
    // The media server request runs as the next room task; an unmute allowed meanwhile wins (serverMuted is checked).
    state.room.setTimer(0, async () => {
      for (const id of ids) if (state.serverMuted.has(id)) await muteAtServer(state, id, true);
    });
  };

  const publishing = (state: MediaState, who: Participant, source: MediaSource): MediaRoom => {
    if (!state.media || !state.peers.get(who.id)?.publishing.has(source)) throw new CommandError('media_not_found');
    return state.media;
  };

  return defineModule<MediaCommand, MediaState>({
    namespace: 'media',
    commands: MediaCommand,

    init(room) {
      const state: MediaState = {
        room,
        media: null,
        peers: new Map(),
        subscribers: new Set(),
        talking: new Map(),
        stopWaiting: null,
        moderatorsOnlyUnmute: false,
        serverMuted: new Set(),
        groups: new Map(),
      };
      room.on('force_mute', ({ participantIds, by }) => forceMute(state, participantIds, by));
      // Breakout rooms: everyone's subscription is brought in line with the new grouping, as the next room task.
      room.on('breakout_groups', ({ groups }) => {
        state.groups = groups;
        room.setTimer(0, () => renegotiate(state));
      });
      room.on('unmute_policy', ({ moderatorsOnly }) => {
        state.moderatorsOnlyUnmute = moderatorsOnly;
      });
      return state;
    },

    onJoin(ctx, who) {
      peer(ctx.state, who.id);
    },

    async onLeave(ctx, who) {
      const state = ctx.state;
      const published = state.peers.get(who.id)?.publishing.size ?? 0;
      state.peers.delete(who.id);
      state.subscribers.delete(who.id);
      state.talking.delete(who.id);
      state.serverMuted.delete(who.id);
      const media = state.media;
      if (!media) return;
      if (ctx.room.participants().length === 0) {
        // The last one left: the media room goes with them.
        state.media = null;
        state.stopWaiting?.();
        state.stopWaiting = null;
        await media.close().catch((err: unknown) => ctx.room.logger.warn({ err }, 'closing the media room failed'));
        return;
      }
      await media.removeParticipant(who.id).catch((err: unknown) => ctx.room.logger.warn({ err }, 'removing a participant from the media room failed'));
      if (published) await renegotiate(state);
    },

    async onCommand(ctx, who, cmd) {
      const state = ctx.state;
      switch (cmd.action) {
        case 'publish': {
          const media = await ensureRoom(state);
          const answer = await mediaCall(() => media.publish(who.id, cmd.source, cmd.sdp));
          if (state.media !== media) throw new CommandError('media_unavailable');
          ctx.send(who, { message: 'publish_answer', source: cmd.source, sdp: answer });
          const p = peer(state, who.id);
          p.publishing.add(cmd.source);
          if (cmd.source === 'camera') {
            // A new publication is a new stream at the media server: a moderator mute must hold for it too.
            const policyMutes = state.moderatorsOnlyUnmute && !ctx.permissions.has('moderate');
            if (policyMutes && !state.serverMuted.has(who.id)) {
              state.serverMuted.add(who.id);
              p.audio = false;
              ctx.send(who, { message: 'force_muted' });
            }
            if (state.serverMuted.has(who.id)) await muteAtServer(state, who.id, true);
          }
          ctx.broadcast({ message: 'media_state', state: publicMedia(who.id, p) });
          await renegotiate(state, who.id);
          return;
        }
        case 'unpublish': {
          const media = publishing(state, who, cmd.source);
          await mediaCall(() => media.unpublish(who.id, cmd.source));
          publicationGone(state, who.id, cmd.source);
          await renegotiate(state, who.id);
          return;
        }
        case 'update_state': {
          const p = peer(state, who.id);
          if (cmd.audio && !p.audio && state.moderatorsOnlyUnmute && !ctx.permissions.has('moderate')) throw new CommandError('forbidden');
          if (cmd.audio && state.serverMuted.delete(who.id)) await muteAtServer(state, who.id, false);
          p.audio = cmd.audio;
          p.video = cmd.video;
          ctx.broadcast({ message: 'media_state', state: publicMedia(who.id, p) });
          return;
        }
        case 'subscribe': {
          const media = await ensureRoom(state);
          // A new subscribe starts over (e.g. after a reconnect the browser has a fresh connection).
          await mediaCall(() => media.resetSubscription(who.id));
          state.subscribers.add(who.id);
          const wanted = receivable(state, who.id, media.publications());
          const offer = await mediaCall(() => media.updateSubscription(who.id, wanted));
          if (offer) ctx.send(who, offerMessage(offer));
          return;
        }
        case 'subscribe_answer': {
          const media = state.media;
          if (!media || !state.subscribers.has(who.id)) throw new CommandError('media_no_offer');
          const next = await mediaCall(() => media.answerSubscription(who.id, cmd.sdp), 'media_no_offer');
          if (next) ctx.send(who, offerMessage(next));
          return;
        }
        case 'tile_size': {
          const media = state.media;
          const streams =
            media && state.subscribers.has(who.id)
              ? media.subscribedStreams(who.id).filter((s) => s.kind === 'video' && s.participantId === cmd.participant_id && s.source === cmd.source)
              : [];
          if (!media || !streams.length) throw new CommandError('media_not_found');
          const layer = layerForTile(cmd.width, cmd.height);
          for (const s of streams) await mediaCall(() => media.setVideoLayer(who.id, s.mid, layer));
          return;
        }
        case 'trickle': {
          const media = cmd.target === 'subscriber' ? state.media : publishing(state, who, cmd.target);
          if (!media || (cmd.target === 'subscriber' && !state.subscribers.has(who.id))) throw new CommandError('media_not_found');
          await mediaCall(() => media.trickle(who.id, cmd.target, cmd.candidate));
          return;
        }
      }
    },

    snapshot(ctx): MediaSnapshot {
      const state = ctx.state;
      const present = new Set(ctx.room.participants().map((p) => p.id));
      return {
        participants: [...state.peers].filter(([id]) => present.has(id)).map(([id, p]) => publicMedia(id, p)),
        talking: [...state.talking.keys()].filter((id) => isTalking(state, id)),
        available: state.media ? !state.media.closed : service.mode === 'janus' && service.isReady(),
      };
    },
  });
}
