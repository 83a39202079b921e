import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { Logger } from 'pino';
import { JanusConnection } from './client.ts';
import { findJanusFolders, janusConfigFiles, type JanusFolders } from './config.ts';
import { freeLoopbackPort } from '../../free-port.ts';

/**
 * The embedded Janus: a child process with a private configuration in `<dir>`, its WebSocket API
 * on 127.0.0.1 at a port chosen at each start and an API secret generated at each start.
 *
 * Never an orphan: Janus cannot notice its parent going away (it does not read stdin), so it is
 * started through util-linux `setpriv --pdeathsig KILL`, which asks the kernel (prctl
 * PR_SET_PDEATHSIG) to kill it when the Node process dies, even by SIGKILL (strictly: when the
 * thread that spawned it ends; spawn runs on the thread that calls it, Node's main thread in
 * Plenum). Without setpriv, a synchronous kill on Node's 'exit' covers normal exits and
 * exit-by-exception, not SIGKILL.
 */

export interface EmbeddedJanusOptions {
  binary: string;
  /** Private directory for the configuration and the log of the last start. */
  dir: string;
  rtpPorts: { from: number; to: number };
  iceInterface: string | undefined;
  logger: Logger;
  /** How long to wait for the API to answer `info`. */
  startTimeoutMs?: number;
  /** How long Janus may take to stop after SIGTERM before SIGKILL. */
  stopGraceMs?: number;
  debugLevel?: number;
  /** Fixed WebSocket port and API secret (tests that restart a Janus "operated" elsewhere); default: new ones at each start. */
  wsPort?: number;
  apiSecret?: string;
}

export interface RunningJanus {
  url: string;
  apiSecret: string;
  pid: number;
  /** The connection that answered `info`: ready to use. */
  connection: JanusConnection;
}

/** Janus output kept for error messages; the whole output of the current run is in `janus.log`, of the previous one in `janus.log.1`. */
const TAIL_LINES = 30;
/** The log file of one start stops growing here (Janus at level 4 is quiet once running). */
const LOG_FILE_LIMIT = 5 * 1024 * 1024;

function findOnPath(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(path.delimiter)) {
    const full = path.join(dir, cmd);
    try {
      fs.accessSync(full, fs.constants.X_OK);
      return full;
    } catch {
      // not here
    }
  }
  return undefined;
}


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class JanusStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JanusStartError';
  }
}

export class EmbeddedJanus extends EventEmitter<{ exit: [code: number | null, signal: NodeJS.Signals | null] }> {
  private child: ChildProcess | undefined;
  private stopping = false;
  private readonly folders: JanusFolders;
  private readonly setpriv = findOnPath('setpriv');
  private tail: string[] = [];
  readonly logFile: string;

  constructor(private readonly opts: EmbeddedJanusOptions) {
    super();
    this.folders = findJanusFolders();
    this.logFile = path.join(opts.dir, 'janus.log');
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Writes a fresh configuration, spawns Janus and waits until its API answers `info`. */
  async start(): Promise<RunningJanus> {
    if (this.running) throw new Error('embedded Janus is already running');
    this.stopping = false;
    const { dir, logger } = this.opts;
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const wsPort = this.opts.wsPort ?? (await freeLoopbackPort());
    const apiSecret = this.opts.apiSecret ?? randomBytes(24).toString('base64url');
    const files = janusConfigFiles({
      folders: this.folders,
      wsPort,
      apiSecret,
      adminSecret: randomBytes(24).toString('base64url'),
      rtpPorts: this.opts.rtpPorts,
      iceInterface: this.opts.iceInterface,
      debugLevel: this.opts.debugLevel ?? 4,
    });
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text, { mode: 0o600 });

    const janusArgs = [`--config=${path.join(dir, 'janus.jcfg')}`, `--configs-folder=${dir}`];
    const [cmd, args] = this.setpriv
      ? [this.setpriv, ['--pdeathsig', 'KILL', '--', this.opts.binary, ...janusArgs]]
      : [this.opts.binary, janusArgs];
    const spawnedAt = performance.now();
    const child = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    this.child = child;
    this.tail = [];
    this.captureOutput(child);

    const killOnExit = () => child.kill('SIGKILL');
    process.on('exit', killOnExit);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    // Only a Janus that was up can exit "unexpectedly"; a failed start is reported by start() itself.
    let up = false;
    void exited.then(({ code, signal }) => {
      process.off('exit', killOnExit);
      if (this.child === child) this.child = undefined;
      if (up && !this.stopping) this.emit('exit', code, signal);
    });

    const url = `ws://127.0.0.1:${wsPort}`;
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 20_000);
    let lastError = 'no answer';
    while (Date.now() < deadline) {
      const outcome = await Promise.race([exited.then((e) => ({ exited: e })), sleep(50).then(() => null)]);
      if (outcome) {
        const { code, signal, error } = outcome.exited;
        const why = error ? `could not be started (${error.message})` : `exited during start (${signal ?? `code ${code}`})`;
        throw new JanusStartError(`Janus ${why}; its output is in ${this.logFile}:\n${this.tail.join('\n')}`);
      }
      try {
        const connection = await JanusConnection.open({ url, apiSecret, logger, handshakeTimeoutMs: 2000 });
        try {
          const info = await connection.info(2000);
          const missing = ['janus.plugin.videoroom', 'janus.plugin.audiobridge', 'janus.plugin.streaming'].filter((p) => !info.plugins?.[p]);
          if (missing.length) {
            await connection.close();
            await this.stop();
            throw new JanusStartError(`Janus started without ${missing.join(', ')}; its output is in ${this.logFile}`);
          }
          logger.info(
            { url, janusPid: child.pid, version: info.version_string, startMs: Math.round(performance.now() - spawnedAt) },
            'embedded Janus is ready',
          );
          up = true;
          return { url, apiSecret, pid: child.pid!, connection };
        } catch (err) {
          await connection.close();
          throw err;
        }
      } catch (err) {
        if (err instanceof JanusStartError) throw err;
        lastError = err instanceof Error ? err.message : String(err);
      }
    }
    await this.stop();
    throw new JanusStartError(
      `Janus did not answer on ${url} within ${this.opts.startTimeoutMs ?? 20_000} ms (${lastError}); its output is in ${this.logFile}:\n${this.tail.join('\n')}`,
    );
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves when the process is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    this.stopping = true;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const grace = this.opts.stopGraceMs ?? 5000;
    const inTime = await Promise.race([gone.then(() => true), sleep(grace).then(() => false)]);
    if (!inTime) {
      this.opts.logger.warn({ janusPid: child.pid, graceMs: grace }, 'Janus did not stop in time, killing it');
      child.kill('SIGKILL');
      await gone;
    }
  }

  private captureOutput(child: ChildProcess): void {
    const log = this.opts.logger;
    let written = 0;
    // The previous run's output (e.g. of a crash) is kept one start long.
    try {
      fs.renameSync(this.logFile, `${this.logFile}.1`);
    } catch {
      // first start
    }
    const file = fs.createWriteStream(this.logFile, { flags: 'w', mode: 0o600 });
    file.on('error', () => {});
    let open = 2;
    for (const stream of [child.stdout!, child.stderr!]) {
      const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
      rl.on('line', (line) => {
        if (!line.trim()) return;
        log.debug({ janus: line }, 'janus output');
        this.tail.push(line);
        if (this.tail.length > TAIL_LINES) this.tail.shift();
        if (written < LOG_FILE_LIMIT) {
          written += line.length + 1;
          file.write(written < LOG_FILE_LIMIT ? `${line}\n` : `${line}\n[log truncated at ${LOG_FILE_LIMIT} bytes]\n`);
        }
      });
      rl.on('close', () => {
        if (--open === 0) file.end();
      });
    }
  }
}
