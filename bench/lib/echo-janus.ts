/**
 * A Janus for the reference measurement: the same binary and the same generated configuration as
 * Plenum's embedded Janus (janusConfigFiles: loopback WebSocket API with a secret, ICE on the given
 * interface, same debug level), except that the EchoTest plugin is loaded too. The embedded Janus
 * loads only VideoRoom and AudioBridge, so the echo test cannot run on that very process. The pages
 * talk to its WebSocket API directly (loopback, API secret); Node only checks that it is up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { JanusConnection } from '../../packages/server/src/media/janus/client.ts';
import { findJanusFolders, janusConfigFiles } from '../../packages/server/src/media/janus/config.ts';
import { freeLoopbackPort } from './proc.ts';

export const ECHOTEST_PLUGIN = 'janus.plugin.echotest';

export interface EchoJanus {
  pid: number;
  /** WebSocket API on 127.0.0.1 and its secret: the benchmark's pages talk to it directly. */
  url: string;
  apiSecret: string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startEchoJanus(opts: { dir: string; rtpPorts: { from: number; to: number }; iceInterface: string }): Promise<EchoJanus> {
  fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const wsPort = await freeLoopbackPort();
  const apiSecret = randomBytes(24).toString('base64url');
  const files = janusConfigFiles({
    folders: findJanusFolders(),
    wsPort,
    apiSecret,
    adminSecret: randomBytes(24).toString('base64url'),
    rtpPorts: opts.rtpPorts,
    iceInterface: opts.iceInterface,
    debugLevel: 4,
  });
  // Take EchoTest off the list of disabled plugins (a comma-separated string in the `plugins` section).
  const core = files['janus.jcfg']!.replace(/(plugins: \{\s*disable = ")([^"]*)"/, (_all, head: string, list: string) => {
    const kept = list.split(',').filter((m) => m !== 'libjanus_echotest.so');
    return `${head}${kept.join(',')}"`;
  });
  if (core === files['janus.jcfg']) throw new Error('could not enable the EchoTest plugin in the generated configuration');
  files['janus.jcfg'] = core;
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(opts.dir, name), text, { mode: 0o600 });

  const janusArgs = [`--config=${path.join(opts.dir, 'janus.jcfg')}`, `--configs-folder=${opts.dir}`];
  // As Plenum does: the kernel kills Janus if this process dies, so a crashed benchmark leaves no Janus behind.
  const child: ChildProcess = spawn('setpriv', ['--pdeathsig', 'KILL', '--', 'janus', ...janusArgs], {
    cwd: opts.dir,
    stdio: ['ignore', 'ignore', fs.openSync(path.join(opts.dir, 'janus.log'), 'w')],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    if (!(await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]))) {
      child.kill('SIGKILL');
      await exited;
    }
  };

  const url = `ws://127.0.0.1:${wsPort}`;
  const deadline = Date.now() + 20_000;
  let connection: JanusConnection | undefined;
  while (!connection && Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the reference Janus exited during start; see ${opts.dir}/janus.log`);
    try {
      const c = await JanusConnection.open({ url, apiSecret, handshakeTimeoutMs: 2000 });
      const info = await c.info(2000);
      if (!info.plugins?.[ECHOTEST_PLUGIN]) {
        await c.close();
        await stop();
        throw new Error('the reference Janus started without the EchoTest plugin');
      }
      connection = c;
    } catch (err) {
      if (err instanceof Error && err.message.includes('EchoTest')) throw err;
      await sleep(50);
    }
  }
  if (!connection) {
    await stop();
    throw new Error(`the reference Janus did not answer on ${url} within 20 s`);
  }
  // Only the readiness check needs Node's client: the pages negotiate on their own.
  await connection.close();
  return { pid: child.pid!, url, apiSecret, stop };
}
