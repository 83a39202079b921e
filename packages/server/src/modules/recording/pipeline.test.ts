import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { gridOf, gstLauncher, type PipelineResult } from './pipeline.ts';

const run = promisify(execFile);

/** What ffprobe says of a file: codec per stream type and the container's duration. */
async function probe(file: string) {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name:format=duration', '-of', 'json', file]);
  const parsed = JSON.parse(stdout) as { streams: { codec_type: string; codec_name: string }[]; format: { duration: string } };
  return { codecs: Object.fromEntries(parsed.streams.map((s) => [s.codec_type, s.codec_name])), duration: Number(parsed.format.duration) };
}

describe('recorder pipeline (gst-launch-1.0)', () => {
  let dir: string;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lays out a grid of even-sized tiles', () => {
    expect(gridOf({ width: 1280, height: 720, framerate: 25, slots: 4, videoBitrateKbps: 1 })).toEqual([
      { x: 0, y: 0, w: 640, h: 360 },
      { x: 640, y: 0, w: 640, h: 360 },
      { x: 0, y: 360, w: 640, h: 360 },
      { x: 640, y: 360, w: 640, h: 360 },
    ]);
    expect(gridOf({ width: 1280, height: 720, framerate: 25, slots: 3, videoBitrateKbps: 1 }).map((t) => [t.w, t.h])).toEqual([
      [640, 360],
      [640, 360],
      [640, 360],
    ]);
  });

  it('records VP8 + Opus RTP of one slot into a playable MP4 (H.264 + AAC) and measures it', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'plenum-rec-'));
    const file = path.join(dir, 'out.mp4');
    const pipeline = await gstLauncher().start({ file, logger: pino({ level: 'silent' }) });
    expect(pipeline.slots).toHaveLength(4);
    const slot = pipeline.slots[0]!;
    // A sender of 3 s of VP8 test pattern and an Opus tone, as Janus's rtp_forward would send them.
    const sender = spawn('gst-launch-1.0', [
      '-e',
      'videotestsrc', 'is-live=true', 'num-buffers=75', '!', 'video/x-raw,width=320,height=240,framerate=25/1', '!', 'vp8enc', 'deadline=1', '!',
      'rtpvp8pay', `pt=${slot.videoPt}`, '!', 'udpsink', `host=${slot.host}`, `port=${slot.videoPort}`,
      'audiotestsrc', 'is-live=true', 'num-buffers=150', 'freq=440', '!', 'audioconvert', '!', 'opusenc', '!',
      'rtpopuspay', `pt=${slot.audioPt}`, '!', 'udpsink', `host=${slot.host}`, `port=${slot.audioPort}`,
    ], { stdio: 'ignore' });
    await new Promise<void>((resolve) => sender.once('exit', () => resolve()));
    const result = await pipeline.stop();
    expect(result.clean).toBe(true);
    const bytes = await readFile(file);
    expect(result.sizeBytes).toBe(bytes.length);
    expect(result.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    const info = await probe(file);
    expect(info.codecs).toEqual({ video: 'h264', audio: 'aac' });
    expect(info.duration).toBeGreaterThan(2);
    // stop is idempotent
    expect(await pipeline.stop()).toBe(result);
  }, 60_000);

  it('a recorder that dies (as on a full disk) reports the failure, and what it wrote still plays', async () => {
    const file = path.join(dir, 'killed.mp4');
    const pipeline = await gstLauncher().start({ file, logger: pino({ level: 'silent' }) });
    const failed = new Promise<PipelineResult>((resolve) => pipeline.onFailure(resolve));
    const slot = pipeline.slots[1]!;
    const sender = spawn('gst-launch-1.0', [
      '-e',
      'videotestsrc', 'is-live=true', 'num-buffers=100', '!', 'video/x-raw,width=320,height=240,framerate=25/1', '!', 'vp8enc', 'deadline=1', '!',
      'rtpvp8pay', `pt=${slot.videoPt}`, '!', 'udpsink', `host=${slot.host}`, `port=${slot.videoPort}`,
    ], { stdio: 'ignore' });
    await new Promise<void>((resolve) => sender.once('exit', () => resolve()));
    process.kill((pipeline as unknown as { pid: number }).pid, 'SIGKILL');
    const result = await failed;
    expect(result.clean).toBe(false);
    expect(result.sizeBytes).toBeGreaterThan(0);
    const info = await probe(file);
    expect(info.codecs.video).toBe('h264');
    expect(info.duration).toBeGreaterThan(1);
    await run('ffmpeg', ['-v', 'error', '-xerror', '-i', file, '-map', '0:v', '-f', 'null', '-']).catch((err: { stderr?: string }) => {
      // A cut-off last fragment is reported but the rest decodes.
      if (!String(err.stderr).includes('partial file')) throw err;
    });
  }, 60_000);
});
