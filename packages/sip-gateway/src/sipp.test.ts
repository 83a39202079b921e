// sipp scenarios (packages/sip-gateway/test/sipp/*.xml) against a running gateway, over UDP and TCP.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway } from './testing.ts';

const SCENARIOS = fileURLToPath(new URL('../test/sipp/', import.meta.url));
let main: Awaited<ReturnType<typeof startTestGateway>>;
let ringing: Awaited<ReturnType<typeof startTestGateway>>;
let timers: Awaited<ReturnType<typeof startTestGateway>>;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'plenum-sipp-'));
  main = await startTestGateway({ SIP_RTP_PORTS: '41300-41399', SIP_RTP_TIMEOUT_S: '2' });
  // Answers only after a minute: CANCEL always meets an unanswered INVITE.
  ringing = await startTestGateway({ SIP_RTP_PORTS: '41400-41449', SIP_ANSWER_DELAY_MS: '60000' });
  // RFC 4028 with short intervals: Min-SE 2 s; sipp sends no RTP, so the RTP timeout is long.
  timers = await startTestGateway({ SIP_RTP_PORTS: '41450-41475', SIP_RTP_TIMEOUT_S: '60', SIP_SESSION_MIN_SE_S: '2' });
});
afterAll(async () => {
  await main.gw.stop();
  await ringing.gw.stop();
  await timers.gw.stop();
  await rm(work, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const p = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

async function sipp(scenario: string, port: number, transport: 'u1' | 't1' = 'u1'): Promise<{ code: number | null; out: string }> {
  const args = [`127.0.0.1:${port}`, '-sf', path.join(SCENARIOS, scenario), '-m', '1', '-timeout', '20s', '-timeout_error', '-i', '127.0.0.1',
    '-p', String(await freePort()), '-mp', String(await freePort()), '-t', transport, '-nostdin', '-trace_err', '-nd'];
  const child = spawn('sipp', args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  return { code, out: out.slice(-3000) };
}

/** Every port of the range binds again: no call holds an RTP or RTCP socket. */
async function rtpPortsFree(min: number, max: number): Promise<boolean> {
  for (let port = min; port <= max; port++) {
    const s = dgram.createSocket('udp4');
    const ok = await new Promise<boolean>((r) => {
      s.once('error', () => r(false));
      s.bind(port, '127.0.0.1', () => r(true));
    });
    await new Promise<void>((r) => s.close(() => r()));
    if (!ok) return false;
  }
  return true;
}

describe('sipp scenarios', () => {
  for (const t of ['u1', 't1'] as const) {
    it(`OPTIONS (${t === 'u1' ? 'UDP' : 'TCP'})`, async () => {
      const r = await sipp('options.xml', main.port, t);
      expect(r.code, r.out).toBe(0);
    });
    it(`INVITE → 200 → ACK → BYE from the caller (${t === 'u1' ? 'UDP' : 'TCP'})`, async () => {
      const before = main.gw.ended.length;
      const r = await sipp('call_bye.xml', main.port, t);
      expect(r.code, r.out).toBe(0);
      expect(main.gw.ended.slice(before).map((e) => e.reason)).toEqual(['caller_bye']);
    });
    it(`re-INVITE hold and resume (${t === 'u1' ? 'UDP' : 'TCP'})`, async () => {
      const r = await sipp('hold_resume.xml', main.port, t);
      expect(r.code, r.out).toBe(0);
    });
  }

  it('CANCEL before the answer: 200 + 487', async () => {
    const r = await sipp('cancel.xml', ringing.port);
    expect(r.code, r.out).toBe(0);
    expect(ringing.gw.ended.at(-1)?.reason).toBe('cancelled');
  });

  it('INVITE retransmissions: one call, each copy answered from the transaction', async () => {
    const started = main.gw.stats.callsStarted;
    const r = await sipp('inv_retrans.xml', main.port);
    expect(r.code, r.out).toBe(0);
    expect(main.gw.stats.callsStarted - started).toBe(1);
  });

  for (const t of ['u1', 't1'] as const) {
    it(`session timer: refreshed by UPDATE and re-INVITE, then no refresh → BYE, call ended, RTP port free (${t === 'u1' ? 'UDP' : 'TCP'})`, async () => {
      const before = timers.gw.ended.length;
      const started = Date.now();
      const r = await sipp('session_timer.xml', timers.port, t);
      expect(r.code, r.out).toBe(0);
      // 1.5 s + 1.5 s of refreshes, then the BYE 2 s after the last one (3 s − min(32 s, 3 s / 3)).
      expect(Date.now() - started).toBeGreaterThanOrEqual(4900);
      expect(timers.gw.ended.slice(before).map((e) => e.reason)).toEqual(['session_expired']);
      expect(timers.gw.calls.size).toBe(0);
      expect(await rtpPortsFree(41450, 41475)).toBe(true);
    });
  }

  it('session timer below Min-SE: 422 with Min-SE, then the retry with the minimum is answered', async () => {
    const before = timers.gw.ended.length;
    const r = await sipp('session_422.xml', timers.port);
    expect(r.code, r.out).toBe(0);
    expect(timers.gw.ended.slice(before).map((e) => e.reason)).toEqual(['caller_bye']);
  });

  for (const t of ['u1', 't1'] as const) {
    it(`caller goes silent: the gateway sends BYE (${t === 'u1' ? 'UDP' : 'TCP'})`, async () => {
      const before = main.gw.ended.length;
      const r = await sipp('silent_bye.xml', main.port, t);
      expect(r.code, r.out).toBe(0);
      expect(main.gw.ended.slice(before).map((e) => e.reason)).toEqual(['rtp_timeout']);
    });
  }
});
