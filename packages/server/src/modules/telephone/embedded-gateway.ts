import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { Logger } from 'pino';

const GATEWAY_MAIN = path.resolve(import.meta.dirname, '../../../../sip-gateway/src/main.ts');

/**
 * TELEPHONE_GATEWAY=embedded: the SIP gateway as a child process of this Plenum (its own process, as when an
 * operator runs `npm run sip-gateway`), configured by the SIP_* variables of our environment and reaching
 * Plenum on loopback with the service token. The kernel ends it with us (setpriv --pdeathsig), as for Janus.
 */
export class EmbeddedSipGateway {
  private child: ChildProcess | undefined;
  private readonly tail: string[] = [];

  constructor(
    private readonly opts: { plenumUrl: string; serviceToken: string; env: NodeJS.ProcessEnv; logger: Logger },
  ) {}

  /** Spawns the gateway and waits for its "listening" line; rejects with its last output if it exits first. */
  async start(timeoutMs = 30_000): Promise<void> {
    const { env, serviceToken, logger } = this.opts;
    const childEnv: Record<string, string> = { PATH: env.PATH ?? '/usr/bin:/bin', PLENUM_URL: this.opts.plenumUrl, TELEPHONE_SERVICE_TOKEN: serviceToken };
    if (env.HOME) childEnv.HOME = env.HOME;
    for (const [k, v] of Object.entries(env)) if (k.startsWith('SIP_') && v !== undefined) childEnv[k] = v;
    const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p));
    const node = [process.execPath, '--import', 'tsx', GATEWAY_MAIN];
    const child = setpriv
      ? spawn(setpriv, ['--pdeathsig', 'TERM', '--', ...node], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv, cwd: path.resolve(import.meta.dirname, '../../../../..') })
      : spawn(node[0]!, node.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv, cwd: path.resolve(import.meta.dirname, '../../../../..') });
    this.child = child;
    const killOnExit = () => child.kill('SIGKILL');
    process.on('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    let listening: () => void = () => {};
    const started = new Promise<void>((resolve) => (listening = resolve));
    for (const stream of [child.stdout!, child.stderr!]) {
      readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (raw) => {
        // The gateway never prints the token; strip it anyway, whatever a future line might carry.
        const line = raw.split(serviceToken).join('[secret]').trim();
        if (!line) return;
        this.tail.push(line);
        if (this.tail.length > 30) this.tail.shift();
        let parsed: unknown = line;
        try {
          parsed = JSON.parse(line);
        } catch {
          // plain text (e.g. a configuration error)
        }
        logger.info({ sipGateway: parsed }, 'sip gateway');
        if (line.includes('sip gateway listening')) listening();
      });
    }
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) => reject(new Error(`the SIP gateway exited (${signal ?? code}):\n${this.tail.join('\n')}`))),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the SIP gateway did not start within ${timeoutMs} ms:\n${this.tail.join('\n')}`)), timeoutMs);
    });
    try {
      await Promise.race([started, exited, timeout]);
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    } finally {
      clearTimeout(timer);
    }
    exited.catch((err: unknown) => {
      if (this.child) logger.error({ err }, 'the SIP gateway stopped');
    });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** SIGTERM (the gateway ends its calls with BYE), then SIGKILL after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }
}
