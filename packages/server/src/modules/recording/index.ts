import { recordingProtocol, type RecordingSnapshot } from '@plenum/protocol';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { MediaRoom, RecorderForward } from '../../media/types.ts';
import { defineFeature, refusal, type ContextOf, type FeatureRoom, type HooksOf } from '../../signaling/feature.ts';
import { mediaRoomOpened } from '../media/events.ts';
import { recordingPersonalData } from './personal-data.ts';
import type { PipelineResult, RecorderPipeline, RecorderServices } from './pipeline.ts';
import { recordingRoutes } from './routes.ts';
import * as m0013 from './migrations/0013_recording.ts';
import { RecordingRepository, type RecordedParticipant, type RecordingRepos } from './storage.ts';

/**
 * `recording` (issue #13): lawful recording with consent. A moderator starts a recording; from then on everyone
 * (late joiners too) is asked for consent, and only those who said yes are forwarded to the recorder — the server
 * decides what leaves the media server: a participant who has not answered, declined or withdrew is never
 * forwarded, and a withdrawal stops their forward in the same task. The recorder is a live GStreamer pipeline
 * (pipeline.ts) fed by the media server's RTP forwards of the consenting cameras; its file and metadata (who was
 * recorded, size, SHA-256) are stored (storage.ts) and served to the room's owner and admins (routes.ts).
 *
 * Phone callers answer with the same `consent` command (the gateway maps a key to it). Their audio is in the phone
 * bridge, not in the VideoRoom, and is not recorded in this slice at all.
 */

export type { RecorderServices };

interface Forward {
  slot: number;
  /** Null while the media server is asked. */
  forward: RecorderForward | null;
}

interface ActiveRecording {
  id: string;
  since: Date;
  file: string;
  paused: boolean;
  /** Null until the recorder is up. */
  pipeline: RecorderPipeline | null;
  /** Stop asked for (while the recorder was starting, it is stopped as soon as it is up). */
  stopping: boolean;
  /** Participant id → their forward to a recorder slot. */
  forwards: Map<string, Forward>;
  /** Everyone who was forwarded at least once: the recording's participants. */
  recorded: Map<string, RecordedParticipant>;
}

interface RecordingState {
  room: FeatureRoom<typeof recordingProtocol, never, typeof mediaRoomOpened>;
  media: MediaRoom | null;
  stopWatching: (() => void) | null;
  /** Participant id → their answer for the current recording (absent: not answered). */
  consent: Map<string, boolean>;
  rec: ActiveRecording | null;
}

type Ctx = ContextOf<typeof recordingProtocol, RecordingState, never, typeof mediaRoomOpened>;
const refuse = refusal(recordingProtocol);

const status = (state: RecordingState) => ({
  active: state.rec !== null && !state.rec.stopping,
  paused: state.rec?.paused ?? false,
  since: state.rec && !state.rec.stopping ? state.rec.since.toISOString() : null,
});

function hooks(repos: RecordingRepos, recorderOf: () => RecorderServices | undefined): HooksOf<typeof recordingProtocol, RecordingState, undefined, never, typeof mediaRoomOpened> {
  const post = (state: RecordingState, fn: () => void) => state.room.spawn(Promise.resolve(), fn);

  const broadcastState = (state: RecordingState) => state.room.broadcast({ message: 'recording_state', ...status(state) });

  /** Whom the recorder should receive now: consenting participants with a camera publication, unless paused or stopping. */
  const wanted = (state: RecordingState): Set<string> => {
    const rec = state.rec;
    const media = state.media;
    if (!rec?.pipeline || rec.paused || rec.stopping || !media || media.closed) return new Set();
    const publishing = new Set(media.publications().filter((p) => p.source === 'camera').map((p) => p.participantId));
    return new Set(
      state.room
        .participants()
        // The main room's only: a breakout room is not part of the recorded meeting.
        .filter((p) => state.consent.get(p.id) === true && publishing.has(p.id) && state.room.groups.of(p.id) === null)
        .map((p) => p.id),
    );
  };

  const stopForward = (state: RecordingState, media: MediaRoom, f: RecorderForward) =>
    state.room.spawn(media.stopRecorderForward(f), undefined, (err) => state.room.logger.warn({ err }, 'stopping a recorder forward failed'));

  /**
   * Brings the forwards in line with `wanted`, in this task: un-forwarding is asked for at once (a forward still
   * being set up is stopped as soon as it exists), new forwards get a free slot of the recorder.
   */
  const reconcile = (state: RecordingState): void => {
    const rec = state.rec;
    if (!rec) return;
    const want = wanted(state);
    const media = state.media;
    for (const [id, f] of [...rec.forwards]) {
      if (want.has(id)) continue;
      rec.forwards.delete(id);
      if (f.forward && media) stopForward(state, media, f.forward);
    }
    const pipeline = rec.pipeline;
    if (!pipeline || !media) return;
    for (const id of want) {
      if (rec.forwards.has(id)) continue;
      const taken = new Set([...rec.forwards.values()].map((f) => f.slot));
      const slot = pipeline.slots.findIndex((_, i) => !taken.has(i));
      if (slot < 0) {
        state.room.logger.warn({ participantId: id }, 'recorder has no free slot; participant not recorded');
        continue;
      }
      const entry: Forward = { slot, forward: null };
      rec.forwards.set(id, entry);
      state.room.spawn(
        media.forwardToRecorder({ participantId: id, source: 'camera' }, pipeline.slots[slot]!),
        (forward) => {
          const current = state.rec === rec && rec.forwards.get(id) === entry;
          if (!forward) {
            // Not live yet: tried again when it is (publication_live).
            if (current) rec.forwards.delete(id);
            return;
          }
          if (!current) {
            // Withdrawn (or stopped) meanwhile: the forward must not stay.
            stopForward(state, media, forward);
            return;
          }
          entry.forward = forward;
          const who = state.room.participant(id);
          if (who) rec.recorded.set(id, { display_name: who.displayName, user_id: who.userId ?? null });
        },
        (err) => {
          state.room.logger.warn({ err, participantId: id }, 'forwarding to the recorder failed');
          if (state.rec === rec && rec.forwards.get(id) === entry) rec.forwards.delete(id);
        },
      );
    }
  };

  /** The media server's forwards of this participant died with their publication: forget them, forward afresh. */
  const publicationChanged = (state: RecordingState, participantId: string) => {
    state.rec?.forwards.delete(participantId);
    reconcile(state);
  };

  const watchMedia = (state: RecordingState, media: MediaRoom) => {
    state.stopWatching?.();
    state.media = media;
    // A new media room: the forwards of the old one are gone.
    state.rec?.forwards.clear();
    const stop = media.onEvent((event) => {
      if (event.type !== 'publication_live' && event.type !== 'publication_ended') return;
      if (event.source !== 'camera') return;
      post(state, () => {
        if (state.media === media) publicationChanged(state, event.participantId);
      });
    });
    state.stopWatching = stop;
    media.onClose(() =>
      post(state, () => {
        if (state.media !== media) return;
        stop();
        state.media = null;
        state.stopWatching = null;
        state.rec?.forwards.clear();
      }),
    );
    reconcile(state);
  };

  /** Ends the recording: forwards stop now, the recorder drains, the row gets its size and hash. */
  const finish = (state: RecordingState, rec: ActiveRecording, failure?: PipelineResult): void => {
    const media = state.media;
    for (const f of rec.forwards.values()) if (f.forward && media) stopForward(state, media, f.forward);
    rec.forwards.clear();
    if (state.rec === rec) state.rec = null;
    const participants = [...rec.recorded.values()];
    const pipeline = rec.pipeline;
    const result: Promise<PipelineResult | null> = failure ? Promise.resolve(failure) : pipeline ? pipeline.stop() : Promise.resolve(null);
    state.room.spawn(
      result.then(async (r) => {
        const ok = !!r?.clean;
        await repos.finish(rec.id, { endedAt: state.room.clock.now(), status: ok ? 'complete' : 'failed', participants, sizeBytes: r?.sizeBytes ?? 0, sha256: r && r.sizeBytes > 0 ? r.sha256 : null });
        return r;
      }),
      (r) => {
        if (!r?.clean) state.room.sendTo('moderator', { message: 'recording_failed', reason: r?.error ?? 'the recorder did not start' });
        state.room.logger.info({ recordingId: rec.id, clean: !!r?.clean, sizeBytes: r?.sizeBytes ?? 0 }, 'recording ended');
      },
      (err) => state.room.logger.error({ err, recordingId: rec.id }, 'finishing the recording failed'),
    );
  };

  const askConsent = (state: RecordingState, ids: readonly string[]) => {
    for (const id of ids) if (!state.consent.has(id)) state.room.send(id, { message: 'consent_request' });
  };

  const start = (ctx: Ctx, by: string) => {
    const state = ctx.state;
    const recorder = recorderOf();
    if (!recorder) throw refuse('recording_unavailable');
    if (state.rec) throw refuse('recording_active');
    const id = crypto.randomUUID();
    const since = ctx.clock.now();
    const rec: ActiveRecording = { id, since, file: path.join(recorder.dir, `${id}.mp4`), paused: false, pipeline: null, stopping: false, forwards: new Map(), recorded: new Map() };
    state.rec = rec;
    // Consent is asked afresh for every recording.
    state.consent.clear();
    broadcastState(state);
    askConsent(
      state,
      ctx.room.participants().map((p) => p.id),
    );
    ctx.room.logger.info({ recordingId: id, by }, 'recording started');
    ctx.spawn(
      (async () => {
        await mkdir(recorder.dir, { recursive: true });
        await repos.create({ id, roomId: ctx.room.id, startedAt: since, filePath: rec.file });
        return recorder.launcher.start({ file: rec.file, logger: ctx.room.logger.child({ recordingId: id }) });
      })(),
      (pipeline) => {
        rec.pipeline = pipeline;
        pipeline.onFailure((result) =>
          post(state, () => {
            if (state.rec !== rec) return;
            finish(state, rec, result);
            broadcastState(state);
          }),
        );
        if (state.rec !== rec || rec.stopping) {
          finish(state, rec);
          return;
        }
        reconcile(state);
      },
      (err) => {
        ctx.room.logger.error({ err, recordingId: id }, 'the recorder did not start');
        if (state.rec === rec) {
          state.rec = null;
          broadcastState(state);
        }
        void repos.finish(id, { endedAt: ctx.clock.now(), status: 'failed', participants: [], sizeBytes: 0, sha256: null }).catch(() => undefined);
        ctx.room.sendTo('moderator', { message: 'recording_failed', reason: 'the recorder did not start' });
      },
    );
  };

  return {
    init(room) {
      const state: RecordingState = { room, media: null, stopWatching: null, consent: new Map(), rec: null };
      room.on(mediaRoomOpened, ({ media }) => watchMedia(state, media));
      return state;
    },

    onJoin(ctx, who) {
      // After their join_success (a later task), so the prompt is not lost before the client knows the room.
      if (ctx.state.rec && !ctx.state.rec.stopping) post(ctx.state, () => askConsent(ctx.state, [who.id]));
    },

    onLeave(ctx, who) {
      ctx.state.consent.delete(who.id);
      reconcile(ctx.state);
    },

    // Someone moved into a breakout room stops being recorded, and is recorded again when back (if they consented).
    onGroupsChanged(ctx) {
      reconcile(ctx.state);
    },

    onCommand(ctx, who, cmd) {
      const state = ctx.state;
      switch (cmd.action) {
        case 'consent': {
          state.consent.set(who.id, cmd.given);
          // A withdrawal is enforced in this task: the forward is stopped before anything else runs.
          reconcile(state);
          ctx.send(who, { message: 'consent_state', given: cmd.given });
          ctx.room.logger.info({ participantId: who.id, given: cmd.given }, 'recording consent');
          return;
        }
        case 'start':
          if (!ctx.permissions.has('moderate')) throw refuse('forbidden');
          start(ctx, who.id);
          return;
        case 'stop': {
          if (!ctx.permissions.has('moderate')) throw refuse('forbidden');
          const rec = state.rec;
          if (!rec || rec.stopping) throw refuse('recording_not_active');
          rec.stopping = true;
          if (rec.pipeline) finish(state, rec);
          else state.rec = null; // finished when the recorder is up (start's continuation)
          broadcastState(state);
          return;
        }
        case 'pause':
        case 'resume': {
          if (!ctx.permissions.has('moderate')) throw refuse('forbidden');
          const rec = state.rec;
          if (!rec || rec.stopping) throw refuse('recording_not_active');
          const paused = cmd.action === 'pause';
          if (rec.paused === paused) return;
          rec.paused = paused;
          reconcile(state);
          broadcastState(state);
          return;
        }
      }
    },

    snapshot(ctx, who): RecordingSnapshot {
      return { ...status(ctx.state), consent: ctx.state.consent.get(who.id) ?? null };
    },

    async onClose(state) {
      state.stopWatching?.();
      const rec = state.rec;
      state.rec = null;
      if (!rec?.pipeline) return;
      const result = await rec.pipeline.stop().catch(() => null);
      await repos
        .finish(rec.id, { endedAt: state.room.clock.now(), status: result?.clean ? 'complete' : 'failed', participants: [...rec.recorded.values()], sizeBytes: result?.sizeBytes ?? 0, sha256: result && result.sizeBytes > 0 ? result.sha256 : null })
        .catch((err: unknown) => state.room.logger.error({ err }, 'finishing the recording at room close failed'));
    },
  };
}

/** `recording` with this recorder (tests pass a fake one; absent: the deployment's, from FeatureServices). */
export function createRecordingFeature(recorder?: RecorderServices) {
  return defineFeature({
    ...recordingProtocol,
    requires: ['media'],
    consumes: [mediaRoomOpened],
    repositories: (db): RecordingRepos => new RecordingRepository(db),
    migrations: { '0013_recording': m0013 },
    personalData: recordingPersonalData,
    routes: recordingRoutes,
    setup: ({ repos, services }) => hooks(repos, () => recorder ?? services.recorder),
  });
}

export const recordingFeature = createRecordingFeature();
