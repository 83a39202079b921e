import { describe, expect, it } from 'vitest';
import type { RecorderTarget } from '../../media/types.ts';
import { ModuleTester, provide, type SimulatedParticipant } from '../../signaling/testing.ts';
import type { AnyFeature } from '../../signaling/feature.ts';
import { breakoutFeature } from '../breakout/index.ts';
import { createMediaFeature, mediaFeature } from '../media/index.ts';
import { FakeMediaService, type FakeMediaRoom } from '../media/testing/fake-media.ts';
import { createRecordingFeature } from './index.ts';
import type { PipelineResult, RecorderLauncher, RecorderPipeline } from './pipeline.ts';
import type { RecordedParticipant, RecordingRepos, RecordingRow } from './storage.ts';

class FakePipeline implements RecorderPipeline {
  readonly slots: RecorderTarget[] = [0, 1, 2, 3].map((i) => ({ host: '127.0.0.1', videoPort: 50000 + 2 * i, audioPort: 50001 + 2 * i, videoPt: 96, audioPt: 111 }));
  stopped = 0;
  private failure: ((r: PipelineResult) => void) | null = null;
  constructor(readonly file: string) {}
  stop(): Promise<PipelineResult> {
    this.stopped++;
    return Promise.resolve({ clean: true, sizeBytes: 1234, sha256: 'a'.repeat(64) });
  }
  onFailure(listener: (r: PipelineResult) => void): void {
    this.failure = listener;
  }
  fail(): void {
    this.failure?.({ clean: false, sizeBytes: 10, sha256: 'b'.repeat(64), error: 'No space left on device' });
  }
}

function memoryRepos() {
  const rows = new Map<string, RecordingRow>();
  const repos: RecordingRepos = {
    async create(r) {
      rows.set(r.id, { id: r.id, room_id: r.roomId, started_at: r.startedAt, ended_at: null, status: 'recording', participants: [], file_path: r.filePath, size_bytes: null, sha256: null });
    },
    async finish(id, end) {
      const row = rows.get(id)!;
      rows.set(id, { ...row, ended_at: end.endedAt, status: end.status, participants: end.participants as RecordedParticipant[], size_bytes: end.sizeBytes, sha256: end.sha256 });
    },
    byId: async (id) => rows.get(id),
    forRoom: async (roomId) => [...rows.values()].filter((r) => r.room_id === roomId),
    delete: async () => undefined,
  };
  return { rows, repos };
}

function setup(extra: AnyFeature[] = [], opts: { failStart?: boolean } = {}) {
  const service = new FakeMediaService();
  const pipelines: FakePipeline[] = [];
  const launcher: RecorderLauncher = {
    start: async ({ file }) => {
      if (opts.failStart) throw new Error('gst-launch-1.0: not found');
      const p = new FakePipeline(file);
      pipelines.push(p);
      return p;
    },
  };
  const recording = createRecordingFeature({ dir: '/tmp/plenum-recording-test', launcher });
  const { rows, repos } = memoryRepos();
  const t = new ModuleTester({ features: [...extra, createMediaFeature(service), recording], provide: [provide(recording, repos)] });
  const media = () => service.rooms[0] as FakeMediaRoom;
  const forwarded = () => [...media().recorderForwards.keys()].map((k) => k.split('/')[0]).sort();
  return { t, recording, media, forwarded, pipelines, rows };
}

async function publish(...ps: SimulatedParticipant[]) {
  for (const p of ps) await p.send(mediaFeature, { action: 'publish', source: 'camera', sdp: 'v=0 fake offer sdp' });
}

describe('recording with consent', () => {
  it('asks everyone, forwards only those who said yes, and un-forwards a withdrawal at once', async () => {
    const { t, recording, forwarded, pipelines, rows } = setup();
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    const anna = await t.join({ displayName: 'Anna' });
    const bert = await t.join({ displayName: 'Bert' });
    await publish(chair, anna, bert);
    expect(chair.snapshot(recording)).toEqual({ active: false, paused: false, since: null, consent: null });

    await chair.send(recording, { action: 'start' });
    for (const p of [chair, anna, bert]) {
      expect(p.messages(recording, 'recording_state')).toEqual([{ message: 'recording_state', active: true, paused: false, since: t.clock.now().toISOString() }]);
      expect(p.messages(recording, 'consent_request')).toHaveLength(1);
    }
    expect(pipelines).toHaveLength(1);
    // Nobody answered yet: nobody is forwarded.
    expect(forwarded()).toEqual([]);

    await chair.send(recording, { action: 'consent', given: true });
    await anna.send(recording, { action: 'consent', given: true });
    await bert.send(recording, { action: 'consent', given: false });
    expect(anna.messages(recording, 'consent_state')).toEqual([{ message: 'consent_state', given: true }]);
    expect(forwarded()).toEqual([chair.id, anna.id].sort());

    // Anna withdraws: her forward is stopped.
    await anna.send(recording, { action: 'consent', given: false });
    expect(forwarded()).toEqual([chair.id]);

    // A late joiner is asked too, and not forwarded before answering.
    const cora = await t.join({ displayName: 'Cora' });
    await t.settle();
    expect(cora.snapshot(recording)).toMatchObject({ active: true, consent: null });
    expect(cora.messages(recording, 'consent_request')).toHaveLength(1);
    await publish(cora);
    expect(forwarded()).toEqual([chair.id]);
    await cora.send(recording, { action: 'consent', given: true });
    expect(forwarded()).toEqual([chair.id, cora.id].sort());

    await chair.send(recording, { action: 'stop' });
    expect(forwarded()).toEqual([]);
    expect(pipelines[0]!.stopped).toBe(1);
    expect(anna.messages(recording, 'recording_state').at(-1)).toEqual({ message: 'recording_state', active: false, paused: false, since: null });
    const [row] = [...rows.values()];
    expect(row).toMatchObject({ status: 'complete', size_bytes: 1234, sha256: 'a'.repeat(64) });
    // Anna was recorded before she withdrew; Bert never.
    expect(row!.participants.map((p) => p.display_name).sort()).toEqual(['Anna', 'Chair', 'Cora']);
  });

  it('only moderators start, pause and stop; pause forwards nobody; phone callers answer too', async () => {
    const { t, recording, forwarded } = setup();
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    const anna = await t.join({ displayName: 'Anna' });
    const caller = await t.join({ displayName: 'Telefon', kind: 'sip' });

    await publish(chair, anna);
    for (const action of ['start', 'stop', 'pause', 'resume'] as const) {
      await anna.send(recording, { action });
      expect(anna.errors(recording).at(-1)).toMatchObject({ error: 'forbidden', action });
    }
    await chair.send(recording, { action: 'stop' });
    expect(chair.errors(recording).at(-1)).toMatchObject({ error: 'recording_not_active' });
    await chair.send(recording, { action: 'start' });
    await chair.send(recording, { action: 'start' });
    expect(chair.errors(recording).at(-1)).toMatchObject({ error: 'recording_active' });

    await caller.send(recording, { action: 'consent', given: true });
    expect(caller.messages(recording, 'consent_state')).toEqual([{ message: 'consent_state', given: true }]);
    await anna.send(recording, { action: 'consent', given: true });
    expect(forwarded()).toEqual([anna.id]);
    await chair.send(recording, { action: 'pause' });
    expect(forwarded()).toEqual([]);
    expect(anna.messages(recording, 'recording_state').at(-1)).toMatchObject({ active: true, paused: true });
    await chair.send(recording, { action: 'resume' });
    expect(forwarded()).toEqual([anna.id]);
  });

  it('a publication that goes live after the consent is forwarded once it is live', async () => {
    const { t, recording, media, forwarded } = setup();
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    await publish(chair);
    media().notLive.add(`${chair.id}/camera`);
    await chair.send(recording, { action: 'start' });
    await chair.send(recording, { action: 'consent', given: true });
    expect(forwarded()).toEqual([]);
    media().notLive.clear();
    media().emit({ type: 'publication_live', participantId: chair.id, source: 'camera' });
    await t.settle();
    expect(forwarded()).toEqual([chair.id]);
  });

  it('records the main room only: someone moved into a breakout room is un-forwarded, and forwarded again when back', async () => {
    const { t, recording, forwarded } = setup([breakoutFeature]);
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    const anna = await t.join({ displayName: 'Anna' });
    await publish(chair, anna);
    await chair.send(recording, { action: 'start' });
    await chair.send(recording, { action: 'consent', given: true });
    await anna.send(recording, { action: 'consent', given: true });
    expect(forwarded()).toEqual([chair.id, anna.id].sort());
    await chair.send(breakoutFeature, { action: 'start', rooms: [{ name: 'Room 1' }], distribution: 'manual', assignments: [{ participant_id: anna.id, room: 0 }] });
    expect(forwarded()).toEqual([chair.id]);
    await chair.send(breakoutFeature, { action: 'stop' });
    expect(forwarded()).toEqual([chair.id, anna.id].sort());
  });

  it('a recorder that does not start: the indicator goes off, moderators are told, the row says failed', async () => {
    const { t, recording, rows } = setup([], { failStart: true });
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    await chair.send(recording, { action: 'start' });
    expect(chair.messages(recording, 'recording_state').map((m) => m.active)).toEqual([true, false]);
    expect(chair.messages(recording, 'recording_failed')).toEqual([{ message: 'recording_failed', reason: 'the recorder did not start' }]);
    expect([...rows.values()][0]).toMatchObject({ status: 'failed' });
    // A new attempt is possible.
    await chair.send(recording, { action: 'start' });
    expect(chair.errors(recording)).toEqual([]);
  });

  it('tells the moderators when the recorder fails, and the indicator goes off', async () => {
    const { t, recording, pipelines, rows } = setup();
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    const anna = await t.join({ displayName: 'Anna' });
    await chair.send(recording, { action: 'start' });
    pipelines[0]!.fail();
    await t.settle();
    expect(chair.messages(recording, 'recording_failed')).toEqual([{ message: 'recording_failed', reason: 'No space left on device' }]);
    expect(anna.messages(recording, 'recording_failed')).toEqual([]);
    expect(anna.messages(recording, 'recording_state').at(-1)).toMatchObject({ active: false });
    expect([...rows.values()][0]).toMatchObject({ status: 'failed', size_bytes: 10 });
  });
});
