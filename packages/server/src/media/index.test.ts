import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { startTestServer } from '../testing/server.ts';
import { createMediaService, MediaUnavailableError, type JanusMediaService, type MediaEvent } from './index.ts';
import { EmbeddedJanus } from './janus/embedded.ts';
import { JanusStartError } from './janus/embedded.ts';

// Real Janus child processes; RTP ports of this file: 42200-42499.
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const tmpDirs: string[] = [];
function tempDataDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-media-'));
  tmpDirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

/** PIDs of processes whose command line mentions `text` (pgrep -f). */
function pgrep(text: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', text], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

async function until(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('media service with the embedded Janus', () => {
  let service: JanusMediaService | undefined;
  afterEach(async () => {
    await service?.close();
    service = undefined;
  });

  it('starts Janus, opens rooms, restarts Janus after kill -9 and leaves no process on close', async () => {
    const dataDir = tempDataDir();
    const janusDir = path.join(dataDir, 'janus');
    const config = loadConfig({ DATA_DIR: dataDir, JANUS_RTP_PORTS: '42200-42299', JANUS_ICE_INTERFACE: 'lo' });
    service = await createMediaService(config, logger);
    const events: MediaEvent[] = [];
    service.subscribe((e) => events.push(e));

    expect(service.isReady()).toBe(true);
    const status = service.status();
    expect(status.ready).toBe(true);
    expect(status.servers).toEqual([{ id: 'embedded', url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+$/), ready: true, rooms: 0 }]);
    const firstPid = service.embeddedPid()!;
    expect(pgrep(janusDir)).toEqual([firstPid]);
    // The configuration is private to this Plenum.
    expect(fs.statSync(janusDir).mode & 0o077).toBe(0);
    expect(fs.statSync(path.join(janusDir, 'janus.jcfg')).mode & 0o077).toBe(0);

    const room = await service.createRoom({ description: 'Gemeinderat' });
    expect(room.server).toBe('embedded');
    expect(await room.participantCount()).toBe(0);
    expect(service.status().servers[0]!.rooms).toBe(1);
    const closedBecause: string[] = [];
    room.onClose((r) => closedBecause.push(r));

    process.kill(firstPid, 'SIGKILL');
    await until('media not ready', () => !service!.isReady(), 5000);
    expect(service.status()).toMatchObject({ ready: false, servers: [{ id: 'embedded', ready: false, rooms: 0 }] });
    expect(room.closed).toBe(true);
    expect(closedBecause).toEqual(['media_server_lost']);
    await expect(service.createRoom()).rejects.toBeInstanceOf(MediaUnavailableError);

    await until('media ready again', () => service!.isReady());
    expect(events[0]).toMatchObject({ type: 'server_lost', server: 'embedded', rooms: [room.id] });
    expect(events[0]!.type === 'server_lost' && events[0]!.reason).toMatch(/SIGKILL|connection/);
    expect(events.at(-1)).toEqual({ type: 'server_ready', server: 'embedded' });
    const secondPid = service.embeddedPid()!;
    expect(secondPid).not.toBe(firstPid);
    expect(pgrep(janusDir)).toEqual([secondPid]);

    // The restarted Janus takes rooms, and closing a room removes it there.
    const again = await service.createRoom();
    expect(service.status().servers[0]!.rooms).toBe(1);
    await again.close();
    expect(again.closed).toBe(true);
    expect(service.status().servers[0]!.rooms).toBe(0);

    await service.close();
    expect(service.isReady()).toBe(false);
    expect(pgrep(janusDir)).toEqual([]);
    await expect(service.createRoom()).rejects.toBeInstanceOf(MediaUnavailableError);
  });

  it('fails to start with an error that names the Janus log', async () => {
    const dataDir = tempDataDir();
    // `false` exits at once with code 1, as a Janus with a broken installation would.
    const config = loadConfig({ DATA_DIR: dataDir, JANUS_BINARY: '/bin/false', JANUS_RTP_PORTS: '42300-42399' });
    const lines: string[] = [];
    const recording = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const err = await createMediaService(config, recording).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JanusStartError);
    expect((err as Error).message).toContain(path.join(dataDir, 'janus', 'janus.log'));
    expect((err as Error).message).toMatch(/exited during start \(code 1\)/);
    // A service that failed to start does not keep restarting Janus behind the caller's back (first retry would come after 250 ms).
    await new Promise((r) => setTimeout(r, 800));
    expect(lines.filter((l) => l.includes('restarting'))).toEqual([]);
  });

  it('a missing binary is a clear start error too', async () => {
    const config = loadConfig({ DATA_DIR: tempDataDir(), JANUS_BINARY: '/nonexistent/janus', JANUS_RTP_PORTS: '42300-42399' });
    await expect(createMediaService(config, logger)).rejects.toThrow(/Janus (could not be started|exited during start)/);
  });
});

describe('no orphaned Janus', () => {
  it('dies with the Node process even when that is killed with SIGKILL', async () => {
    const dataDir = tempDataDir();
    const janusDir = path.join(dataDir, 'janus');
    const ownerScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testing', 'owner-process.ts');
    const owner = spawn(process.execPath, ['--import', 'tsx', ownerScript, dataDir, '42300-42349'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const janusPid = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`owner did not report Janus: ${out}`)), 45_000);
      owner.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /janus-pid (\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      owner.once('exit', () => reject(new Error(`owner exited: ${out}`)));
    });
    expect(pgrep(janusDir)).toEqual([janusPid]);
    owner.kill('SIGKILL');
    await until('Janus gone', () => pgrep(janusDir).length === 0, 5000);
  }, 60_000);
});

describe('media service with operated Janus instances (JANUS_URL)', () => {
  const operated: EmbeddedJanus[] = [];
  let service: JanusMediaService | undefined;
  afterEach(async () => {
    await service?.close();
    service = undefined;
    for (const j of operated.splice(0)) await j.stop();
  });

  async function operatedJanus(from: number): Promise<{ url: string; apiSecret: string; janus: EmbeddedJanus }> {
    const janus = new EmbeddedJanus({ binary: 'janus', dir: path.join(tempDataDir(), 'janus'), rtpPorts: { from, to: from + 49 }, iceInterface: 'lo', logger });
    operated.push(janus);
    const r = await janus.start();
    await r.connection.close();
    return { url: r.url, apiSecret: r.apiSecret, janus };
  }

  it('connects to each, places rooms on the least-loaded one and notices one going away', async () => {
    const a = await operatedJanus(42300);
    const b = await operatedJanus(42350);
    const config = loadConfig({ DATA_DIR: tempDataDir(), JANUS_URL: `${a.url},${b.url}`, JANUS_API_SECRET: a.apiSecret });
    service = await createMediaService(config, logger);
    // b has an API secret of its own: it refuses us and stays not ready.
    await until('a ready', () => service!.status().servers[0]!.ready);
    expect(service.status()).toMatchObject({ ready: true, servers: [{ id: a.url, ready: true }, { id: b.url, ready: false }] });
    const r1 = await service.createRoom();
    expect(r1.server).toBe(a.url);

    const events: MediaEvent[] = [];
    service.subscribe((e) => events.push(e));
    await a.janus.stop();
    await until('a lost', () => !service!.isReady(), 5000);
    expect(r1.closed).toBe(true);
    expect(events).toEqual([{ type: 'server_lost', server: a.url, rooms: [r1.id], reason: expect.any(String) }]);
  });

  it('reconnects when the operated Janus comes back', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const apiSecret = 'operated-secret';
    const janus = new EmbeddedJanus({
      binary: 'janus',
      dir: path.join(tempDataDir(), 'janus'),
      rtpPorts: { from: 42400, to: 42449 },
      iceInterface: 'lo',
      logger,
      wsPort: port,
      apiSecret,
    });
    operated.push(janus);
    await (await janus.start()).connection.close();
    const url = `ws://127.0.0.1:${port}`;
    service = await createMediaService(loadConfig({ DATA_DIR: tempDataDir(), JANUS_URL: url, JANUS_API_SECRET: apiSecret }), logger);
    await until('ready', () => service!.isReady());
    const events: MediaEvent[] = [];
    service.subscribe((e) => events.push(e));
    await janus.stop();
    await until('not ready', () => !service!.isReady(), 5000);
    await (await janus.start()).connection.close();
    await until('ready again', () => service!.isReady());
    expect(events.map((e) => e.type)).toEqual(['server_lost', 'server_ready']);
    expect((await service.createRoom()).server).toBe(url);
  });

  it('balances rooms across instances that share the API secret', async () => {
    const a = await operatedJanus(42400);
    // Two connections to the same Janus behave as two instances for placement.
    const config = loadConfig({ DATA_DIR: tempDataDir(), JANUS_URL: `${a.url},${a.url.replace('127.0.0.1', 'localhost')}`, JANUS_API_SECRET: a.apiSecret });
    service = await createMediaService(config, logger);
    await until('both ready', () => service!.status().servers.every((s) => s.ready));
    const rooms = await Promise.all([1, 2, 3, 4].map(() => service!.createRoom()));
    expect(service.status().servers.map((s) => s.rooms)).toEqual([2, 2]);
    const [first, second] = service.status().servers.map((s) => s.id);
    expect(rooms.map((r) => r.server)).toEqual([first, second, first, second]);
    await rooms[0]!.close();
    await rooms[2]!.close();
    expect(service.status().servers.map((s) => s.rooms)).toEqual([0, 2]);
    expect((await service.createRoom()).server).toBe(first);
  });
});

describe('/ready with the embedded Janus', () => {
  it('returns 200 with the media server listed (to the metrics token), and no Janus is left after close', async () => {
    const token = 'media-test-metrics-token';
    const server = await startTestServer({ env: { MEDIA: 'janus', JANUS_RTP_PORTS: '42450-42499', JANUS_ICE_INTERFACE: 'lo', METRICS_TOKEN: token } });
    const janusDir = path.join(server.services.config.dataDir, 'janus');
    try {
      const res = await fetch(`${server.url}/ready`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { media: { mode: string; servers: { url: string; ready: boolean }[] } };
      expect(body.media.mode).toBe('janus');
      expect(body.media.servers).toEqual([{ url: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+$/), ready: true }]);
      expect(pgrep(janusDir)).toHaveLength(1);
    } finally {
      await server.close();
    }
    expect(pgrep(janusDir)).toEqual([]);
    // Creating the in-memory PGlite of the test server takes seconds on a busy machine.
  }, 90_000);
});
