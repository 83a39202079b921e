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
let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'plenum-sipp-'));
  main = await startTestGateway({ SIP_RTP_PORTS: '41300-41399', SIP_RTP_TIMEOUT_S: '2' });
  // Answers only after a minute: CANCEL always meets an unanswered INVITE.
  ringing = await startTestGateway({ SIP_RTP_PORTS: '41400-41449', SIP_ANSWER_DELAY_MS: '60000' });
});
afterAll(async () => {
  await main.gw.stop();
  await ringing.gw.stop();
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
    it(`caller goes silent: the gateway sends BYE (${t === 'u1' ? 'UDP' : 'TCP'})`, async () => {
      const before = main.gw.ended.length;
      const r = await sipp('silent_bye.xml', main.port, t);
      expect(r.code, r.out).toBe(0);
      expect(main.gw.ended.slice(before).map((e) => e.reason)).toEqual(['rtp_timeout']);
    });
  }
});
