import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JanusConnection, type JanusSession } from './client.ts';
import { EmbeddedJanus, type RunningJanus } from './embedded.ts';
import { JanusApiError, JanusClosedError, JanusErrorCode, JanusPluginError, JanusTimeoutError, VideoRoomErrorCode } from './errors.ts';
import { VideoRoomAdmin } from './videoroom.ts';

/** SIGSTOP, and wait until the kernel reports the process stopped (the signal takes effect asynchronously). */
async function freeze(pid: number): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  const deadline = Date.now() + 5000;
  // Field 3 of /proc/<pid>/stat is the state; T = stopped. The command name (field 2) is in parentheses.
  while (!/\) T /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))) {
    if (Date.now() > deadline) throw new Error(`process ${pid} did not stop`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

// A real Janus child process; RTP ports of this file: 42000-42149.
describe('Janus WebSocket client against a real Janus', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-janus-client-'));
  const janus = new EmbeddedJanus({
    binary: 'janus',
    dir: path.join(dir, 'janus'),
    rtpPorts: { from: 42000, to: 42099 },
    iceInterface: 'lo',
    logger: pino({ level: 'silent' }),
  });
  let running: RunningJanus;
  let session: JanusSession;

  beforeAll(async () => {
    running = await janus.start();
    session = await running.connection.createSession();
  });
  afterAll(async () => {
    await running?.connection.close();
    await janus.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers info with the three enabled plugins only', async () => {
    const info = await running.connection.info();
    expect(info['server-name']).toBe('Plenum embedded Janus');
    expect(Object.keys(info.plugins).sort()).toEqual(['janus.plugin.audiobridge', 'janus.plugin.streaming', 'janus.plugin.videoroom']);
    expect(Object.keys(info.transports)).toEqual(['janus.transport.websockets']);
  });

  it('creates, finds, lists and destroys a VideoRoom', async () => {
    const vr = await VideoRoomAdmin.attach(session);
    const { room, secret } = await vr.create({ description: 'Ausschuss', publishers: 4 });
    expect(Number.isSafeInteger(room)).toBe(true);
    expect(await vr.exists(room)).toBe(true);
    expect(await vr.listParticipants(room)).toEqual([]);
    // Private rooms are not listed.
    expect(await vr.list()).not.toContain(room);

    const wrongSecret = await vr.destroy(room, 'not-the-secret').catch((e: unknown) => e);
    expect(wrongSecret).toBeInstanceOf(JanusPluginError);
    expect((wrongSecret as JanusPluginError).code).toBe(VideoRoomErrorCode.UNAUTHORIZED);
    expect(await vr.exists(room)).toBe(true);

    await vr.destroy(room, secret);
    expect(await vr.exists(room)).toBe(false);
    await vr.handle.detach();
    expect(vr.closed).toBe(true);
  });

  it('refuses a room id that is taken, and a room that does not exist, with typed plugin errors', async () => {
    const vr = await VideoRoomAdmin.attach(session);
    const { room, secret } = await vr.create();
    const again = await vr.create({ room }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(JanusPluginError);
    expect((again as JanusPluginError).code).toBe(VideoRoomErrorCode.ROOM_EXISTS);
    const missing = await vr.listParticipants(room + 1).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(JanusPluginError);
    expect((missing as JanusPluginError).code).toBe(VideoRoomErrorCode.NO_SUCH_ROOM);
    const bad = await vr.handle.message({ request: 'no-such-request' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(JanusPluginError);
    expect((bad as JanusPluginError).code).toBe(VideoRoomErrorCode.INVALID_REQUEST);
    await vr.destroy(room, secret);
    await vr.handle.detach();
  });

  it('turns core errors into JanusApiError with the Janus code', async () => {
    const noPlugin = await session.attach('janus.plugin.sip').catch((e: unknown) => e);
    expect(noPlugin).toBeInstanceOf(JanusApiError);
    expect((noPlugin as JanusApiError).code).toBe(JanusErrorCode.PLUGIN_NOT_FOUND);

    const wrong = await JanusConnection.open({ url: running.url, apiSecret: 'wrong' });
    const unauthorized = await wrong.createSession().catch((e: unknown) => e);
    expect(unauthorized).toBeInstanceOf(JanusApiError);
    expect((unauthorized as JanusApiError).code).toBe(JanusErrorCode.UNAUTHORIZED);
    await wrong.close();

    const none = await JanusConnection.open({ url: running.url });
    expect((await none.createSession().catch((e: unknown) => e)) as JanusApiError).toMatchObject({ code: JanusErrorCode.UNAUTHORIZED });
    await none.close();
  });

  it('times out a request Janus does not answer', async () => {
    const conn = await JanusConnection.open({ url: running.url, apiSecret: running.apiSecret, requestTimeoutMs: 500 });
    // A stopped process accepts nothing: the request must fail by the timeout, not hang.
    await freeze(running.pid);
    try {
      const err = await conn.createSession().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JanusTimeoutError);
    } finally {
      process.kill(running.pid, 'SIGCONT');
    }
    await conn.close();
  });

  it('closes a session whose keepalive Janus does not answer', async () => {
    const conn = await JanusConnection.open({ url: running.url, apiSecret: running.apiSecret, keepaliveMs: 200, requestTimeoutMs: 300 });
    const s = await conn.createSession();
    const closed = new Promise<string>((resolve) => s.once('closed', resolve));
    await freeze(running.pid);
    try {
      expect(await closed).toBe('keepalive not answered');
    } finally {
      process.kill(running.pid, 'SIGCONT');
    }
    await conn.close();
  });

  it('closes sessions and handles with the connection and rejects what is pending', async () => {
    const conn = await JanusConnection.open({ url: running.url, apiSecret: running.apiSecret });
    const s = await conn.createSession();
    const h = await s.attach('janus.plugin.videoroom');
    const closedReasons: string[] = [];
    s.on('closed', (r) => closedReasons.push(`session: ${r}`));
    h.on('closed', (r) => closedReasons.push(`handle: ${r}`));
    const pending = h.message({ request: 'list' }).catch((e: unknown) => e);
    await conn.close();
    expect(await pending).toBeInstanceOf(JanusClosedError);
    expect(conn.closed && s.closed && h.closed).toBe(true);
    expect(closedReasons).toEqual(['handle: closed by Plenum', 'session: closed by Plenum']);
    await expect(s.attach('janus.plugin.videoroom')).rejects.toBeInstanceOf(JanusClosedError);
    await expect(h.message({ request: 'list' })).rejects.toBeInstanceOf(JanusClosedError);
  });

  it('detaching a handle and destroying a session close them in Janus too', async () => {
    const conn = await JanusConnection.open({ url: running.url, apiSecret: running.apiSecret });
    const s = await conn.createSession();
    const h = await s.attach('janus.plugin.videoroom');
    await h.detach();
    expect(h.closed).toBe(true);
    const h2 = await s.attach('janus.plugin.videoroom');
    await s.destroy();
    expect(h2.closed).toBe(true);
    // Janus no longer knows the session.
    const gone = await conn.request({ janus: 'attach', plugin: 'janus.plugin.videoroom' }, 'success', { session: s.id }).catch((e: unknown) => e);
    expect(gone).toMatchObject({ code: JanusErrorCode.SESSION_NOT_FOUND });
    await conn.close();
  });

  it('emits disconnected when Janus goes away', async () => {
    const other = new EmbeddedJanus({
      binary: 'janus',
      dir: path.join(dir, 'janus-2'),
      rtpPorts: { from: 42100, to: 42149 },
      iceInterface: 'lo',
      logger: pino({ level: 'silent' }),
    });
    const r = await other.start();
    const s = await r.connection.createSession();
    const disconnected = new Promise<string>((resolve) => r.connection.once('disconnected', resolve));
    const exited = new Promise((resolve) => other.once('exit', (code, signal) => resolve(signal)));
    process.kill(r.pid, 'SIGKILL');
    expect(await disconnected).toMatch(/connection (closed|error)/);
    expect(await exited).toBe('SIGKILL');
    expect(r.connection.closed && s.closed).toBe(true);
    await other.stop();
  });
});
