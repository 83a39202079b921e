import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import type { Logger } from 'pino';
import type { TurnConfig } from '../config.ts';

/**
 * The embedded coturn (`TURN_EMBEDDED=true`): Debian's `turnserver` as a child process with a configuration
 * written at each start into `<dir>/turnserver.conf` (mode 0600: it holds the shared secret). It checks the
 * time-limited credentials Plenum mints (`use-auth-secret`), relays only to public addresses and to the
 * media servers it is told about (private ranges are denied, so a relay cannot be used to reach the
 * intranet), and has no CLI. Its output goes to Plenum's log at debug level, with the secret cut out.
 */

export type EmbeddedTurnOptions = NonNullable<TurnConfig['embedded']> & {
  secret: string;
  realm: string;
  dir: string;
  logger: Logger;
  startTimeoutMs?: number;
};

/** Private and special ranges a relay must not reach unless allowed (coturn's recommended denials). */
export const DENIED_PEER_RANGES = [
  '0.0.0.0-0.255.255.255',
  '10.0.0.0-10.255.255.255',
  '100.64.0.0-100.127.255.255',
  '127.0.0.0-127.255.255.255',
  '169.254.0.0-169.254.255.255',
  '172.16.0.0-172.31.255.255',
  '192.0.0.0-192.0.0.255',
  '192.0.2.0-192.0.2.255',
  '192.88.99.0-192.88.99.255',
  '192.168.0.0-192.168.255.255',
  '198.18.0.0-198.19.255.255',
  '198.51.100.0-198.51.100.255',
  '203.0.113.0-203.0.113.255',
  '240.0.0.0-255.255.255.255',
  '::1',
  '64:ff9b::-64:ff9b::ffff:ffff',
  '::ffff:0.0.0.0-::ffff:255.255.255.255',
  '100::-100::ffff:ffff:ffff:ffff',
  '2001::-2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff',
  '2002::-2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
  'fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
  'fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
];

export function coturnConfig(o: EmbeddedTurnOptions): string {
  const loopbackAllowed = o.allowedPeers.some((p) => p.startsWith('127.') || p === '::1');
  const lines = [
    '# Written by Plenum at each start; changes are lost.',
    `listening-ip=${o.listenIp}`,
    `relay-ip=${o.listenIp}`,
    `listening-port=${o.port}`,
    ...(o.tls ? [`tls-listening-port=${o.tls.port}`, `cert=${o.tls.cert}`, `pkey=${o.tls.key}`, 'no-tlsv1', 'no-tlsv1_1'] : ['no-tls']),
    'no-dtls',
    `min-port=${o.relayPorts.from}`,
    `max-port=${o.relayPorts.to}`,
    'use-auth-secret',
    `static-auth-secret=${o.secret}`,
    `realm=${o.realm}`,
    'fingerprint',
    'no-cli',
    'no-multicast-peers',
    'no-software-attribute',
    'no-rfc5780',
    'stale-nonce=600',
    ...(loopbackAllowed ? ['allow-loopback-peers'] : []),
    ...DENIED_PEER_RANGES.map((r) => `denied-peer-ip=${r}`),
    ...o.allowedPeers.map((r) => `allowed-peer-ip=${r}`),
    `userdb=${path.join(o.dir, 'turndb')}`,
    `pidfile=${path.join(o.dir, 'turnserver.pid')}`,
    'log-file=stdout',
    'simple-log',
    'new-log-timestamp',
  ];
  return `${lines.join('\n')}\n`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export class TurnStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TurnStartError';
  }
}

export class EmbeddedTurn {
  private child: ChildProcess | undefined;
  private tail: string[] = [];

  constructor(private readonly opts: EmbeddedTurnOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Writes the configuration, spawns coturn and waits until its TCP listener accepts. */
  async start(): Promise<void> {
    const o = this.opts;
    fs.mkdirSync(o.dir, { recursive: true, mode: 0o700 });
    const file = path.join(o.dir, 'turnserver.conf');
    fs.writeFileSync(file, coturnConfig(o), { mode: 0o600 });
    fs.chmodSync(file, 0o600);
    // setpriv --pdeathsig: the kernel kills coturn when Plenum dies, even by SIGKILL (as for the embedded Janus).
    const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p));
    const args = ['-c', file];
    const child = setpriv
      ? spawn(setpriv, ['--pdeathsig', 'KILL', '--', o.binary, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } })
      : spawn(o.binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    this.child = child;
    const killOnExit = () => child.kill('SIGKILL');
    process.on('exit', killOnExit);
    for (const stream of [child.stdout!, child.stderr!]) {
      readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (raw) => {
        const line = raw.split(o.secret).join('[secret]').trim();
        if (!line) return;
        o.logger.debug({ coturn: line }, 'coturn output');
        this.tail.push(line);
        if (this.tail.length > 30) this.tail.shift();
      });
    }
    let exited: string | undefined;
    child.once('error', (err) => (exited = err.message));
    child.once('exit', (code, signal) => {
      process.off('exit', killOnExit);
      exited ??= signal ?? `code ${code}`;
      if (this.child === child) this.child = undefined;
    });
    const deadline = Date.now() + (o.startTimeoutMs ?? 10_000);
    while (Date.now() < deadline) {
      if (exited) throw new TurnStartError(`coturn (${o.binary}) could not be started (${exited}):\n${this.tail.join('\n')}`);
      if (await canConnect(o.listenIp, o.port)) {
        o.logger.info({ coturnPid: child.pid, listen: `${o.listenIp}:${o.port}`, tlsPort: o.tls?.port, relayPorts: `${o.relayPorts.from}-${o.relayPorts.to}`, allowedPeers: o.allowedPeers }, 'embedded coturn is ready');
        return;
      }
      await sleep(50);
    }
    await this.stop();
    throw new TurnStartError(`coturn did not listen on ${o.listenIp}:${o.port} within ${o.startTimeoutMs ?? 10_000} ms:\n${this.tail.join('\n')}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    if (!(await Promise.race([gone.then(() => true), sleep(3000).then(() => false)]))) {
      child.kill('SIGKILL');
      await gone;
    }
  }
}
