import { mediaProtocol, type MediaSnapshot, type MediaSource, type ParticipantMedia, type SubscribedStream } from '@plenum/protocol';
import {
  MediaRequestError,
  MediaStateError,
  MediaUnavailableError,
  type MediaRoom,
  type MediaRoomEvent,
  type MediaService,
  type PublicationRef,
  type SubscriptionOffer,
} from '../../media/types.ts';
import { CommandError, defineFeature, refusal, type ContextOf, type FeatureRoom, type FeatureServices, type HooksOf, type Participant } from '../../signaling/feature.ts';
import { forceMute, unmutePolicy } from '../moderation/events.ts';
import { mediaRoomOpened } from './events.ts';
import { layerForTile } from './layers.ts';

/**
 * `media`: publishing and subscribing through the media server, negotiated over signaling. The server decides
 * what everyone receives: each participant's subscription carries the publications of everyone else in their
 * group (never their own), renegotiated whenever publications or groups change. The media room is opened on
 * the first publish or subscribe and closed when the last participant leaves; if its media server is lost,
 * everyone is told to `reconnect` as soon as a media server is ready again, and the next publish opens a
 * fresh room.
 *
 * The room's queue never waits for the media server: every request leaves through `spawn`, and the
 * requests of one participant run one after another (`chain`), so a trickle or an answer never overtakes
 * the publish or offer it belongs to. Subscription updates are coalesced: however many publications go live
 * together, each subscriber gets one update (computed when it runs, from the state then), never two at once.
 */

interface PeerMedia {
  audio: boolean;
  video: boolean;
  publishing: Set<MediaSource>;
}

export interface MediaState {
  room: FeatureRoom<typeof mediaProtocol, typeof mediaRoomOpened>;
  /** The room on the media server; null until first needed, and again after it was lost. */
  media: MediaRoom | null;
  /** The media room being created (single flight: the first publishes of a meeting share it). */
  opening: Promise<MediaRoom> | null;
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
  /** Media-server requests per participant, one after another. */
  chains: Map<string, Promise<unknown>>;
  /** Subscribers whose update is running, and those that need another one after it. */
  updating: Set<string>;
  stale: Set<string>;
  /** An update of every subscriber is scheduled for the next task. */
  updateAllScheduled: boolean;
  /** Per participant: cancels the timer that sends fresh TURN credentials before theirs expire. */
  turnRefresh: Map<string, () => void>;
  /** Phone callers (kind `sip`) whose audio is attached to the room's phone bridge. */
  callers: Set<string>;
  /** Whether the callers' mix exists (as the media room last said). */
  phoneMix: boolean;
  /** Participants receiving the callers' mix (sent `subscribe_phone_mix`). */
  phoneWatchers: Set<string>;
}

type TurnSource = NonNullable<FeatureServices['turn']>;

/** When to send fresh credentials: at 80 % of their remaining lifetime (at least a second from now). */
export function turnRefreshDelayMs(expiresAt: string, now: Date): number {
  return Math.max(1000, Math.floor((Date.parse(expiresAt) - now.getTime()) * 0.8));
}

type Ctx = ContextOf<typeof mediaProtocol, MediaState, typeof mediaRoomOpened, typeof forceMute | typeof unmutePolicy>;
const refuse = refusal(mediaProtocol);

type NotFound = 'media_not_found' | 'media_no_offer' | 'media_no_phone';

/** Media failures become typed refusals for the sender. */
function mediaError(err: unknown, notFound: NotFound = 'media_not_found'): unknown {
  if (err instanceof MediaUnavailableError) return refuse('media_unavailable');
  if (err instanceof MediaStateError) return refuse(notFound);
  if (err instanceof MediaRequestError) return refuse('media_failed');
  return err;
}
async function mediaCall<T>(fn: () => Promise<T>, notFound: NotFound = 'media_not_found'): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw mediaError(err, notFound);
  }
}

function publicMedia(id: string, p: PeerMedia): ParticipantMedia {
  return { participant_id: id, audio: p.audio, video: p.video, publishing: [...p.publishing].sort() };
}

function offerMessage(offer: SubscriptionOffer) {
  const streams: SubscribedStream[] = offer.streams.map((s) => ({ mid: s.mid, participant_id: s.participantId, source: s.source, kind: s.kind }));
  return { message: 'subscribe_offer' as const, sdp: offer.sdp, streams };
}

function hooks(service: MediaService, turn: TurnSource | undefined): HooksOf<typeof mediaProtocol, MediaState, undefined, typeof mediaRoomOpened, typeof forceMute | typeof unmutePolicy> {
  const peer = (state: MediaState, id: string): PeerMedia => {
    let p = state.peers.get(id);
    if (!p) {
      p = { audio: false, video: false, publishing: new Set() };
      state.peers.set(id, p);
    }
    return p;
  };

  const isTalking = (state: MediaState, id: string) => (state.talking.get(id)?.size ?? 0) > 0;

  /**
   * Phone audio belongs to the main room (one phone bridge per room): only the main room's browsers feed it and
   * receive the mix, and a caller moved into a breakout room is muted in it. (Not yet: a bridge per breakout room;
   * until then such a caller still hears the main room.)
   */
  const inMainRoom = (state: MediaState, id: string) => state.room.groups.of(id) === null;

  /** What `id` may receive: the publications of the others in its group (everyone, without breakouts). */
  const receivable = (state: MediaState, id: string, publications: readonly PublicationRef[]) =>
    publications.filter((p) => p.participantId !== id && state.room.groups.same(id, p.participantId));

  /**
   * Runs `op` after the participant's earlier media-server requests of the same lane (whatever their
   * outcome). Publishing and receiving are separate lanes (separate Janus handles), so a subscription never
   * waits for the participant's own publish; leaving (`both`) waits for both.
   */
  const chain = <T>(state: MediaState, id: string, op: () => Promise<T>, lane: 'publisher' | 'subscriber' | 'phone' | 'both'): Promise<T> => {
    const keys = lane === 'both' ? [`${id}:publisher`, `${id}:subscriber`, `${id}:phone`] : [`${id}:${lane}`];
    const before = Promise.all(keys.map((k) => state.chains.get(k) ?? Promise.resolve()));
    const run = before.then(op, op);
    const tail = run.catch(() => undefined);
    for (const k of keys) state.chains.set(k, tail);
    void tail.then(() => {
      for (const k of keys) if (state.chains.get(k) === tail) state.chains.delete(k);
    });
    return run;
  };

  /** A task of the room from an event outside it (the media server's). */
  const post = (state: MediaState, fn: () => void) => state.room.spawn(Promise.resolve(), fn);

  /** The media room, opened on first use (one creation however many ask at once). */
  const ensureRoom = (state: MediaState): Promise<MediaRoom> => {
    if (state.media && !state.media.closed) return Promise.resolve(state.media);
    state.opening ??= service.createRoom({ description: `Plenum ${state.room.id}` }).then(
      (media) => {
        state.opening = null;
        state.media = media;
        media.phoneFeedsFrom((id) => inMainRoom(state, id));
        // Media events arrive outside the room's queue: handle them as room tasks, in order with commands.
        media.onEvent((event) => post(state, () => onMediaEvent(state, media, event)));
        media.onClose((reason) => {
          if (reason !== 'closed') post(state, () => onMediaLost(state, media, reason));
        });
        post(state, () => {
          if (state.media === media && !media.closed) state.room.emit(mediaRoomOpened, { media });
        });
        return media;
      },
      (err: unknown) => {
        state.opening = null;
        state.room.logger.warn({ err }, 'no media room');
        throw new MediaUnavailableError();
      },
    );
    return state.opening;
  };

  /** Brings one subscription up to date with what it may receive; at most one update per subscriber runs at a time. */
  const updateSubscription = (state: MediaState, id: string): void => {
    if (!state.subscribers.has(id)) return;
    if (state.updating.has(id)) {
      state.stale.add(id);
      return;
    }
    const media = state.media;
    if (!media || media.closed) return;
    state.updating.add(id);
    const done = () => {
      state.updating.delete(id);
      if (state.stale.delete(id)) updateSubscription(state, id);
    };
    state.room.spawn(
      // The wanted set is read when the request runs, so a burst of changes costs one update.
      chain(state, id, () => (media.closed ? Promise.resolve(null) : media.updateSubscription(id, receivable(state, id, media.publications()))), 'subscriber'),
      (offer) => {
        if (offer && state.media === media && state.subscribers.has(id)) state.room.send(id, offerMessage(offer));
        done();
      },
      (err) => {
        done();
        // A lost media room is handled by onMediaLost (everyone reconnects), not subscription by subscription.
        if (err instanceof MediaUnavailableError || media.closed) return;
        state.room.logger.warn({ err, participantId: id }, 'subscription update failed');
        state.room.sendError(id, 'media_failed', { action: 'subscribe' });
      },
    );
  };

  /** Every subscription, once, in the next task: publications that go live together cost one update each. */
  const updateAll = (state: MediaState): void => {
    if (state.updateAllScheduled) return;
    state.updateAllScheduled = true;
    post(state, () => {
      state.updateAllScheduled = false;
      for (const id of state.subscribers) updateSubscription(state, id);
    });
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

  const onMediaEvent = (state: MediaState, media: MediaRoom, event: MediaRoomEvent): void => {
    // Connections end with their media server before the room learns it is lost: those endings are no news.
    if (state.media !== media || media.closed) return;
    switch (event.type) {
      case 'talking':
        if (state.peers.get(event.participantId)?.publishing.has(event.source)) setTalking(state, event.participantId, event.source, event.talking);
        return;
      case 'publication_live':
        updateAll(state);
        return;
      case 'publication_ended':
        state.room.logger.info({ participantId: event.participantId, source: event.source, reason: event.reason }, 'publication ended by the media server');
        publicationGone(state, event.participantId, event.source);
        updateAll(state);
        return;
      case 'subscription_ended':
        // Handled as a later room task: if the client has subscribed afresh meanwhile (it closes its old
        // connection right before asking, e.g. after a resume), the ending is of the old subscription and must
        // not drop the new one — that left a resumed participant receiving nothing now and then.
        if (media.hasSubscription(event.participantId) || state.updating.has(event.participantId)) {
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
      case 'phone_mix':
        if (state.phoneMix === event.available) return;
        state.phoneMix = event.available;
        if (!event.available) state.phoneWatchers.clear();
        state.room.broadcast({ message: 'phone_mix', available: event.available }, { group: null });
        return;
      case 'phone_mix_ended':
        state.phoneWatchers.delete(event.participantId);
        return;
    }
  };

  const onMediaLost = (state: MediaState, media: MediaRoom, reason: string): void => {
    if (state.media !== media) return;
    state.room.logger.warn({ reason }, 'media room lost');
    state.media = null;
    state.subscribers.clear();
    state.updating.clear();
    state.stale.clear();
    // Callers attach again after `reconnect`, like browsers publish again.
    for (const id of state.callers) setTalking(state, id, 'camera', false);
    state.callers.clear();
    state.phoneWatchers.clear();
    if (state.phoneMix) {
      state.phoneMix = false;
      state.room.broadcast({ message: 'phone_mix', available: false });
    }
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
      post(state, tellReconnect);
    });
    state.stopWaiting = stop;
  };

  /** Stops (or resumes) a participant's camera audio at the media server; a failure is logged, the state stays. */
  const muteAtServer = (state: MediaState, id: string, muted: boolean): void => {
    const media = state.media;
    if (!media || media.closed) return;
    if (state.callers.has(id)) {
      // A caller is muted in the phone bridge: nobody (browser or caller) hears them. Outside the main room too.
      const bridgeMuted = muted || !inMainRoom(state, id);
      state.room.spawn(
        chain(state, id, () => media.mutePhone(id, bridgeMuted), 'phone'),
        undefined,
        (err) => state.room.logger.warn({ err, participantId: id, muted }, 'moderator mute in the phone bridge failed'),
      );
      return;
    }
    if (!state.peers.get(id)?.publishing.has('camera')) return;
    state.room.spawn(
      chain(state, id, () => media.muteAudio(id, 'camera', muted), 'publisher'),
      undefined,
      (err) => state.room.logger.warn({ err, participantId: id, muted }, 'moderator mute at the media server failed'),
    );
  };

  /** Moderator mute (room event `force_mute`): the client is told to mute, the media server drops the audio. */
  const forceMuted = (state: MediaState, ids: readonly string[], by: string | undefined): void => {
    for (const id of ids) {
      const p = state.peers.get(id);
      if (!p) continue;
      state.serverMuted.add(id);
      state.room.send(id, { message: 'force_muted', ...(by ? { by } : {}) });
      if (p.audio) {
        p.audio = false;
        state.room.broadcast({ message: 'media_state', state: publicMedia(id, p) });
      }
      if (state.callers.has(id)) setTalking(state, id, 'camera', false);
      muteAtServer(state, id, true);
    }
  };

  /** The refusal for a media failure, sent to the sender with the command's action. */
  const failed =
    (ctx: Ctx, who: Participant, action: string, notFound: NotFound = 'media_not_found') =>
    (err: unknown) => {
      const e = mediaError(err, notFound);
      if (e instanceof CommandError) ctx.room.sendError(who, e.code as 'media_failed', { action, ...e.extra });
      else {
        ctx.room.logger.error({ err, action }, 'media request failed');
        ctx.room.sendError(who, 'internal_error', { action });
      }
    };

  /**
   * TURN credentials live for TURN_CREDENTIAL_TTL; a meeting may last longer, and a browser needs valid ones
   * for every ICE restart and new connection. So each participant gets fresh ones at 80 % of the lifetime,
   * while they stay (join_success, also after a resume, mints new ones anyway).
   */
  const scheduleTurnRefresh = (state: MediaState, participantId: string) => {
    state.turnRefresh.get(participantId)?.();
    const current = turn?.credentials(participantId);
    if (!current) return;
    const cancel = state.room.setTimer(turnRefreshDelayMs(current.expires_at, state.room.clock.now()), () => {
      const fresh = turn?.credentials(participantId);
      if (!fresh || !state.room.participant(participantId)) return;
      state.room.send(participantId, { message: 'turn_credentials', turn: fresh });
      scheduleTurnRefresh(state, participantId);
    });
    state.turnRefresh.set(participantId, cancel);
  };

  return {
    init(room) {
      const state: MediaState = {
        room,
        media: null,
        opening: null,
        peers: new Map(),
        subscribers: new Set(),
        talking: new Map(),
        stopWaiting: null,
        moderatorsOnlyUnmute: false,
        serverMuted: new Set(),
        chains: new Map(),
        updating: new Set(),
        stale: new Set(),
        updateAllScheduled: false,
        turnRefresh: new Map(),
        callers: new Set(),
        phoneMix: false,
        phoneWatchers: new Set(),
      };
      room.on(forceMute, ({ participantIds, by }) => forceMuted(state, participantIds, by));
      room.on(unmutePolicy, ({ moderatorsOnly }) => {
        state.moderatorsOnlyUnmute = moderatorsOnly;
      });
      return state;
    },

    onJoin(ctx, who) {
      peer(ctx.state, who.id);
      scheduleTurnRefresh(ctx.state, who.id);
    },

    // Breakout rooms: everyone's subscription is brought in line with the new grouping, and phone audio stays in the main room.
    onGroupsChanged(ctx, change) {
      const state = ctx.state;
      updateAll(state);
      const media = state.media;
      if (!media || media.closed) return;
      media.phoneFeedsFrom((id) => inMainRoom(state, id));
      for (const id of change.moved) {
        if (!ctx.room.participant(id)) continue;
        const main = inMainRoom(state, id);
        if (state.callers.has(id)) {
          if (!main) setTalking(state, id, 'camera', false);
          muteAtServer(state, id, !state.peers.get(id)?.audio);
        }
        if (!state.phoneMix) continue;
        if (!main && state.phoneWatchers.delete(id)) {
          ctx.spawn(
            chain(state, id, () => media.unwatchPhoneMix(id), 'phone'),
            undefined,
            (err) => ctx.room.logger.warn({ err, participantId: id }, 'ending the phone mix of a participant failed'),
          );
        }
        ctx.room.send(id, { message: 'phone_mix', available: main });
      }
    },

    onLeave(ctx, who) {
      const state = ctx.state;
      const published = state.peers.get(who.id)?.publishing.size ?? 0;
      state.turnRefresh.get(who.id)?.();
      state.turnRefresh.delete(who.id);
      state.peers.delete(who.id);
      state.subscribers.delete(who.id);
      state.stale.delete(who.id);
      state.talking.delete(who.id);
      state.serverMuted.delete(who.id);
      state.callers.delete(who.id);
      state.phoneWatchers.delete(who.id);
      const media = state.media;
      if (!media) return;
      if (ctx.room.participants().length === 0) {
        // The last one left: the media room goes with them.
        state.media = null;
        state.stopWaiting?.();
        state.stopWaiting = null;
        ctx.spawn(media.close(), undefined, (err) => ctx.room.logger.warn({ err }, 'closing the media room failed'));
        return;
      }
      ctx.spawn(
        chain(state, who.id, () => media.removeParticipant(who.id), 'both'),
        () => {
          if (published) updateAll(state);
        },
        (err) => ctx.room.logger.warn({ err }, 'removing a participant from the media room failed'),
      );
    },

    onCommand(ctx, who, cmd) {
      const state = ctx.state;
      switch (cmd.action) {
        case 'publish': {
          ctx.spawn(
            chain(state, who.id, async () => {
              const media = await ensureRoom(state);
              return { media, answer: await mediaCall(() => media.publish(who.id, cmd.source, cmd.sdp)) };
            }, 'publisher'),
            ({ media, answer }) => {
              if (state.media !== media || !ctx.room.participant(who.id)) {
                if (ctx.room.participant(who.id)) ctx.room.sendError(who, 'media_unavailable', { action: 'publish' });
                return;
              }
              ctx.send(who, { message: 'publish_answer', source: cmd.source, sdp: answer });
              const p = peer(state, who.id);
              p.publishing.add(cmd.source);
              if (cmd.source === 'camera') {
                // A new publication is a new stream at the media server: a moderator mute must hold for it too.
                const policyMutes = state.moderatorsOnlyUnmute && !ctx.room.permissionsOf(who).has('moderate');
                if (policyMutes && !state.serverMuted.has(who.id)) {
                  state.serverMuted.add(who.id);
                  p.audio = false;
                  ctx.send(who, { message: 'force_muted' });
                }
                if (state.serverMuted.has(who.id)) muteAtServer(state, who.id, true);
              }
              ctx.broadcast({ message: 'media_state', state: publicMedia(who.id, p) });
              // A replaced publication left the others' subscriptions; the new one joins them when it is live.
              updateAll(state);
            },
            failed(ctx, who, 'publish'),
          );
          return;
        }
        case 'unpublish': {
          ctx.spawn(
            // Checked when its turn comes: a publish still on its way is answered first.
            chain(state, who.id, async () => {
              const media = state.media;
              if (!media || !state.peers.get(who.id)?.publishing.has(cmd.source)) throw refuse('media_not_found');
              await mediaCall(() => media.unpublish(who.id, cmd.source));
            }, 'publisher'),
            () => {
              publicationGone(state, who.id, cmd.source);
              updateAll(state);
            },
            failed(ctx, who, 'unpublish'),
          );
          return;
        }
        case 'update_state': {
          const p = peer(state, who.id);
          if (cmd.audio && !p.audio && state.moderatorsOnlyUnmute && !ctx.permissions.has('moderate')) throw refuse('forbidden');
          if (cmd.audio && state.serverMuted.delete(who.id)) muteAtServer(state, who.id, false);
          p.audio = cmd.audio;
          p.video = cmd.video;
          ctx.broadcast({ message: 'media_state', state: publicMedia(who.id, p) });
          return;
        }
        case 'subscribe': {
          // A new subscribe starts over (e.g. after a reconnect the browser has a fresh connection). The client
          // may send it before its own publish is answered: the two are independent requests.
          state.subscribers.add(who.id);
          state.stale.delete(who.id);
          state.updating.add(who.id);
          const done = () => {
            state.updating.delete(who.id);
            if (state.stale.delete(who.id)) updateSubscription(state, who.id);
          };
          ctx.spawn(
            chain(state, who.id, async () => {
              const media = await ensureRoom(state);
              await mediaCall(() => media.resetSubscription(who.id));
              return { media, offer: await mediaCall(() => media.updateSubscription(who.id, receivable(state, who.id, media.publications()))) };
            }, 'subscriber'),
            ({ media, offer }) => {
              done();
              if (offer && state.media === media && state.subscribers.has(who.id)) ctx.send(who, offerMessage(offer));
            },
            (err) => {
              done();
              state.subscribers.delete(who.id);
              failed(ctx, who, 'subscribe')(err);
            },
          );
          return;
        }
        case 'subscribe_answer': {
          const media = state.media;
          if (!media || !state.subscribers.has(who.id)) throw refuse('media_no_offer');
          ctx.spawn(
            chain(state, who.id, () => mediaCall(() => media.answerSubscription(who.id, cmd.sdp), 'media_no_offer'), 'subscriber'),
            (next) => {
              if (next && state.media === media) ctx.send(who, offerMessage(next));
            },
            failed(ctx, who, 'subscribe_answer', 'media_no_offer'),
          );
          return;
        }
        case 'tile_size': {
          const media = state.media;
          const streams =
            media && state.subscribers.has(who.id)
              ? media.subscribedStreams(who.id).filter((s) => s.kind === 'video' && s.participantId === cmd.participant_id && s.source === cmd.source)
              : [];
          if (!media || !streams.length) throw refuse('media_not_found');
          const layer = layerForTile(cmd.width, cmd.height);
          ctx.spawn(
            chain(state, who.id, async () => {
              for (const s of streams) await mediaCall(() => media.setVideoLayer(who.id, s.mid, layer));
            }, 'subscriber'),
            undefined,
            failed(ctx, who, 'tile_size'),
          );
          return;
        }
        case 'attach_phone_audio': {
          if (who.kind !== 'sip') throw refuse('forbidden');
          ctx.spawn(
            chain(state, who.id, async () => {
              const media = await ensureRoom(state);
              return { media, leg: await mediaCall(() => media.attachPhone(who.id, { codec: cmd.codec, ip: cmd.rtp.ip, port: cmd.rtp.port })) };
            }, 'phone'),
            ({ media, leg }) => {
              if (state.media !== media || !ctx.room.participant(who.id)) {
                if (ctx.room.participant(who.id)) ctx.room.sendError(who, 'media_unavailable', { action: 'attach_phone_audio' });
                return;
              }
              state.callers.add(who.id);
              ctx.send(who, { message: 'phone_audio_attached', rtp: { ip: leg.ip, port: leg.port }, payload_type: leg.payloadType });
              const p = peer(state, who.id);
              // As for a browser's new publication: a moderator mute (or the policy) holds for the new leg too.
              const policyMutes = state.moderatorsOnlyUnmute && !ctx.room.permissionsOf(who).has('moderate');
              if (policyMutes && !state.serverMuted.has(who.id)) {
                state.serverMuted.add(who.id);
                ctx.send(who, { message: 'force_muted' });
              }
              if (state.serverMuted.has(who.id) || !inMainRoom(state, who.id)) muteAtServer(state, who.id, state.serverMuted.has(who.id));
              p.audio = !state.serverMuted.has(who.id);
              ctx.broadcast({ message: 'media_state', state: publicMedia(who.id, p) });
            },
            failed(ctx, who, 'attach_phone_audio'),
          );
          return;
        }
        case 'phone_mute': {
          if (who.kind !== 'sip') throw refuse('forbidden');
          const media = state.media;
          if (!media || !state.callers.has(who.id)) throw refuse('media_no_phone');
          const p = peer(state, who.id);
          if (!cmd.muted && !p.audio && state.moderatorsOnlyUnmute && !ctx.permissions.has('moderate')) throw refuse('forbidden');
          if (!cmd.muted) state.serverMuted.delete(who.id);
          ctx.spawn(
            chain(state, who.id, () => mediaCall(() => media.mutePhone(who.id, cmd.muted || !inMainRoom(state, who.id))), 'phone'),
            () => {
              if (state.media !== media || !state.callers.has(who.id)) return;
              // A moderator mute that came meanwhile wins over the caller's unmute.
              if (!cmd.muted && state.serverMuted.has(who.id)) return;
              p.audio = !cmd.muted;
              if (cmd.muted) setTalking(state, who.id, 'camera', false);
              ctx.broadcast({ message: 'media_state', state: publicMedia(who.id, p) });
            },
            failed(ctx, who, 'phone_mute', 'media_no_phone'),
          );
          return;
        }
        case 'phone_talking': {
          if (who.kind !== 'sip') throw refuse('forbidden');
          if (!state.media || !state.callers.has(who.id)) throw refuse('media_no_phone');
          // Nobody hears a muted caller: nobody sees them talk either.
          setTalking(state, who.id, 'camera', cmd.talking && !!state.peers.get(who.id)?.audio && inMainRoom(state, who.id));
          return;
        }
        case 'subscribe_phone_mix': {
          const media = state.media;
          if (!media || !state.phoneMix || !inMainRoom(state, who.id)) throw refuse('media_no_phone');
          state.phoneWatchers.add(who.id);
          ctx.spawn(
            chain(state, who.id, () => mediaCall(() => media.watchPhoneMix(who.id), 'media_no_phone'), 'phone'),
            (sdp) => {
              if (state.media === media && state.phoneWatchers.has(who.id)) ctx.send(who, { message: 'phone_mix_offer', sdp });
            },
            (err) => {
              state.phoneWatchers.delete(who.id);
              failed(ctx, who, 'subscribe_phone_mix', 'media_no_phone')(err);
            },
          );
          return;
        }
        case 'phone_mix_answer': {
          const media = state.media;
          if (!media || !state.phoneWatchers.has(who.id)) throw refuse('media_no_offer');
          ctx.spawn(
            chain(state, who.id, () => mediaCall(() => media.answerPhoneMix(who.id, cmd.sdp), 'media_no_offer'), 'phone'),
            undefined,
            failed(ctx, who, 'phone_mix_answer', 'media_no_offer'),
          );
          return;
        }
        case 'unsubscribe_phone_mix': {
          const media = state.media;
          state.phoneWatchers.delete(who.id);
          if (!media) return;
          ctx.spawn(
            chain(state, who.id, () => mediaCall(() => media.unwatchPhoneMix(who.id)), 'phone'),
            undefined,
            failed(ctx, who, 'unsubscribe_phone_mix'),
          );
          return;
        }
        case 'trickle': {
          // After the publish or subscribe it belongs to, which may still be on its way to the media server.
          ctx.spawn(
            chain(state, who.id, async () => {
              const media = state.media;
              const known = cmd.target === 'subscriber' ? state.subscribers.has(who.id) : !!state.peers.get(who.id)?.publishing.has(cmd.target);
              if (!media || !known) throw refuse('media_not_found');
              await mediaCall(() => media.trickle(who.id, cmd.target, cmd.candidate));
            }, cmd.target === 'subscriber' ? 'subscriber' : 'publisher'),
            undefined,
            failed(ctx, who, 'trickle'),
          );
          return;
        }
      }
    },

    snapshot(ctx, who): MediaSnapshot {
      const state = ctx.state;
      const present = new Set(ctx.room.participants().map((p) => p.id));
      return {
        participants: [...state.peers].filter(([id]) => present.has(id)).map(([id, p]) => publicMedia(id, p)),
        talking: [...state.talking.keys()].filter((id) => isTalking(state, id)),
        available: state.media ? !state.media.closed : service.mode === 'janus' && service.isReady(),
        turn: turn?.credentials(who.id) ?? null,
        phone_mix: state.phoneMix && inMainRoom(state, who.id),
      };
    },

    onClose(state) {
      state.stopWaiting?.();
    },
  };
}

/** `media` on this media service (tests pass a fake one). */
export function createMediaFeature(service?: MediaService) {
  return defineFeature({
    ...mediaProtocol,
    consumes: [forceMute, unmutePolicy],
    emits: [mediaRoomOpened],
    setup: ({ services }) => hooks(service ?? services.media, services.turn),
  });
}

export const mediaFeature = createMediaFeature();
