// The embedded coturn with the credentials Plenum mints: coturn's own client (turnutils_uclient) relays
// through it, and Plenum's diagnostic client allocates over UDP, TCP and TLS.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocate, TurnError } from './client.ts';
import { mintTurnCredentials } from './credentials.ts';
import { EmbeddedTurn } from './embedded.ts';
import { freeLoopbackPort } from '../free-port.ts';

const secret = 'embedded-test-secret-0123456789';
let dir: string;
let turn: EmbeddedTurn;
let port: number;
let tlsPort: number;
const logLines: string[] = [];


function uclient(username: string, password: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    // -t: TCP to the server, -y: client-to-client through two relays, 3 messages of 100 bytes.
    execFile('turnutils_uclient', ['-t', '-y', '-n', '3', '-m', '1', '-c', '-u', username, '-w', password, '-p', String(port), '127.0.0.1'], { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-turn-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  port = await freeLoopbackPort();
  tlsPort = await freeLoopbackPort();
  const logger = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _e, cb) => (logLines.push(chunk.toString()), cb()) }));
  turn = new EmbeddedTurn({
    binary: 'turnserver',
    listenIp: '127.0.0.1',
    port,
    tls: { port: tlsPort, cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') },
    relayPorts: { from: 49152, to: 49999 },
    allowedPeers: ['127.0.0.1'],
    secret,
    realm: 'plenum-test',
    dir: path.join(dir, 'turn'),
    logger,
  });
  await turn.start();
}, 30_000);

afterAll(async () => {
  await turn?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const mint = (ttlSeconds = 600, now = new Date()) => mintTurnCredentials({ secret, who: crypto.randomUUID(), ttlSeconds, urls: [], now });

describe('embedded coturn', () => {
  it('relays for coturn’s own client with minted credentials, and not with a wrong password', async () => {
    const c = mint();
    const good = await uclient(c.username, c.credential);
    expect(good.out).toMatch(/tot_recv_msgs=[1-9]/);
    const bad = await uclient(c.username, mint().credential);
    expect(bad.out).not.toMatch(/tot_recv_msgs=[1-9]/);
  }, 60_000);

  it.each(['udp', 'tcp', 'tls'] as const)('allocates a relay over %s with minted credentials', async (transport) => {
    const c = mint();
    const url = transport === 'tls' ? `turns:127.0.0.1:${tlsPort}?transport=tcp` : `turn:127.0.0.1:${port}?transport=${transport}`;
    // The test's certificate is self-signed for "localhost": trusted as its own CA.
    const { relayed } = await allocate(url, c.username, c.credential, { ca: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'), servername: 'localhost' });
    expect(relayed).toMatch(/^127\.0\.0\.1:\d+$/);
    const relayPort = Number(relayed.split(':')[1]);
    expect(relayPort).toBeGreaterThanOrEqual(49152);
    expect(relayPort).toBeLessThanOrEqual(49999);
  });

  it('refuses expired credentials and a wrong password with 401', async () => {
    const expired = mint(60, new Date(Date.now() - 3600_000));
    await expect(allocate(`turn:127.0.0.1:${port}?transport=udp`, expired.username, expired.credential)).rejects.toMatchObject({ code: 401 });
    const c = mint();
    const err = await allocate(`turn:127.0.0.1:${port}?transport=tcp`, c.username, 'wrong').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TurnError);
    expect((err as TurnError).code).toBe(401);
  });

  it('keeps the secret out of the log and its configuration private', () => {
    const conf = path.join(dir, 'turn', 'turnserver.conf');
    expect(fs.statSync(conf).mode & 0o077).toBe(0);
    const text = fs.readFileSync(conf, 'utf8');
    expect(text).toContain('use-auth-secret');
    expect(text).toContain('denied-peer-ip=10.0.0.0-10.255.255.255');
    expect(text).toContain('allowed-peer-ip=127.0.0.1');
    expect(text).toContain('no-cli');
    expect(logLines.join('')).toContain('coturn output');
    expect(logLines.join('')).not.toContain(secret);
  });
});
