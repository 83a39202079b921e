// The real entry point as an operator runs it: `node … main.ts` with environment variables only.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freeLoopbackPort } from '../packages/server/src/free-port.ts';
import { request, UdpProbe } from '../packages/sip-gateway/src/testing.ts';
import { startPlenumProcess } from './support/plenum-process.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** The process still runs (a zombie waiting for init to reap it counts as gone). */
function alive(pid: string): boolean {
  try {
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function startMain(env: Record<string, string>) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-main-'));
  dirs.push(dataDir);
  return startPlenumProcess({ DATA_DIR: dataDir, ...env });
}

describe('main.ts', () => {
  it('refuses a bad configuration with a message naming the variable', async () => {
    const { exited, lines } = startMain({ PORT: 'eighty', DATABASE_URL: 'mysql://nope' });
    expect(await exited).toBe(2);
    const out = lines.join('\n');
    expect(out).toContain('PORT');
    expect(out).toContain('DATABASE_URL');
  });

  it('starts the embedded default (PGlite + private Janus), becomes ready, and stops cleanly on SIGTERM', { timeout: 120_000 }, async () => {
    const admin = 'Sehr-geheimes-Passwort-1';
    const metricsToken = 'process-test-metrics-token';
    const { proc, listening, exited, lines } = startMain({ JANUS_RTP_PORTS: '43000-43099', ADMIN_USERNAME: 'admin', ADMIN_PASSWORD: admin, METRICS_TOKEN: metricsToken });
    const url = await listening;
    const ready = await (await fetch(`${url}/ready`, { headers: { authorization: `Bearer ${metricsToken}` } })).json();
    expect(ready).toMatchObject({ status: 'ready', database: 'pglite', cluster: 'in-process', media: { mode: 'janus' } });
    // Anonymous callers (load balancers) learn only that it is ready, never the internal Janus URL.
    expect(await (await fetch(`${url}/ready`)).json()).toEqual({ status: 'ready' });
    // Children of the server are Janus and tsx's esbuild service: keep only Janus.
    const children = execFileSync('pgrep', ['-P', String(proc.pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
    const janusPids = children.filter((pid) => fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'janus');
    expect(janusPids).toHaveLength(1);

    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    // The Janus child went with it.
    await expect.poll(() => janusPids.filter(alive), { timeout: 5000 }).toEqual([]);
    const log = lines.join('\n');
    expect(log).toContain('shutting down');
    // Secrets from the environment never reach the log.
    expect(log).not.toContain(admin);
  });

  it('TELEPHONE_GATEWAY=embedded runs the SIP gateway beside it, which answers SIP and goes when Plenum stops', { timeout: 60_000 }, async () => {
    const token = 'process-test-telephone-service-token-0123456789';
    const sipPort = await freeLoopbackPort();
    const { proc, listening, exited, lines } = startMain({ MEDIA: 'off', TELEPHONE_GATEWAY: 'embedded', TELEPHONE_SERVICE_TOKEN: token, SIP_LISTEN: `127.0.0.1:${sipPort}`, SIP_RTP_PORTS: '41900-41949' });
    await listening;
    // Plenum says it listens before its gateway does.
    await expect.poll(() => lines.some((l) => l.includes('sip gateway listening')), { timeout: 30_000 }).toBe(true);
    const probe = await new UdpProbe(sipPort).open();
    try {
      const callId = `process-options-${process.pid}`;
      probe.send(request({ method: 'OPTIONS', callId, localPort: probe.port }));
      const answer = await probe.responseTo(callId);
      expect(answer.status).toBe(200);
    } finally {
      probe.close();
    }
    const gatewayPids = execFileSync('pgrep', ['-P', String(proc.pid), '-f', 'sip-gateway/src/main.ts'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
    expect(gatewayPids.length).toBeGreaterThanOrEqual(1);
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect.poll(() => gatewayPids.filter(alive), { timeout: 10_000 }).toEqual([]);
    // Its log lines came through Plenum's log, and the token never did.
    const log = lines.join('\n');
    expect(log).toContain('sip gateway listening');
    expect(log).not.toContain(token);
  });
});
