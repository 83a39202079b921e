/**
 * Voting by phone end to end (#12 point 5): a real softphone (Debian's baresip) dials in through the SIP gateway
 * into a room of a real server with the embedded Janus. The chair (a raw signaling client: the web app's vote
 * dialog names no participants) starts a roll-call vote naming the caller eligible; the gateway reads out the
 * title and menu, baresip presses 1 and then # (RFC 4733); the ballot goes through the ordinary legal_vote path,
 * the vote closes because everyone eligible voted, the signed export (REST) holds the ballot under the caller's
 * masked number, and `plenum verify-vote` — the real CLI process — passes on that export. Then a pseudonymous
 * candidate vote: *6 mutes meanwhile (the chair sees it), 2 and # choose the second candidate, the result lists one receipt token with that choice (the
 * gateway read it out to the caller). The phone's own recording holds the spoken menus.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LegalVoteExport, PROTOCOL_VERSION, SIGNALING_SUBPROTOCOL, TICKET_SUBPROTOCOL_PREFIX } from '@plenum/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../packages/server/src/testing/server.ts';
import { readWav, startBaresip, type BaresipPhone } from '../packages/sip-gateway/src/baresip-phone.ts';
import type { SipGateway } from '../packages/sip-gateway/src/gateway.ts';
import type { Logger } from '../packages/sip-gateway/src/log.ts';
import { HttpPlenumLink } from '../packages/sip-gateway/src/plenum.ts';
import { roomBridgeHooks } from '../packages/sip-gateway/src/room-bridge.ts';
import { startTestGateway } from '../packages/sip-gateway/src/testing.ts';

const TOKEN = 'e2e-telephone-vote-service-token-0123456789abcdef';
const CALLER = '+493615559876';
const MASKED = /^\+49 361 ••• 76/;
const root = path.resolve(import.meta.dirname, '..');

interface Received {
  namespace: string;
  payload: { message: string; [k: string]: unknown };
}

/** What the gateway logs, so the test can wait for the voting dialogue's steps (no sleeps). */
const gatewayLog: { msg: string; fields?: Record<string, unknown> }[] = [];
const recordingLogger: Logger = {
  info: (msg, fields) => gatewayLog.push({ msg, fields }),
  warn: (msg, fields) => gatewayLog.push({ msg, fields }),
  error: (msg, fields) => gatewayLog.push({ msg, fields }),
};

let server: TestServer;
let gateway: { gw: SipGateway; port: number };
let phone: BaresipPhone;
let tmp = '';

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-e2e-telephone-vote-'));
  // RTP ports of this file: Janus 46400-46599, the gateway 41800-41899.
  [server, phone] = await Promise.all([
    startTestServer({ env: { MEDIA: 'janus', JANUS_ICE_INTERFACE: 'lo', JANUS_RTP_PORTS: '46400-46599', TELEPHONE_SERVICE_TOKEN: TOKEN } }),
    startBaresip({ user: CALLER, toneHz: 440 }),
  ]);
  gateway = await startTestGateway({ SIP_RTP_PORTS: '41800-41899', SIP_IVR_LANGUAGE: 'en' }, new HttpPlenumLink(server.url, TOKEN, recordingLogger), roomBridgeHooks(recordingLogger));
}, 120_000);

afterAll(async () => {
  await phone?.stop();
  await gateway?.gw.stop();
  await server?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Presses keys on the phone one after the other, each once the gateway has seen the previous one. */
async function press(keys: string): Promise<void> {
  for (const k of keys) {
    const seen = new Promise<void>((resolve) => {
      const off = gateway.gw.onCallEvent((_id, e) => {
        if (e.type === 'digit' && e.digit === k) {
          off();
          resolve();
        }
      });
    });
    phone.ctrl.send('sndcode', k);
    await seen;
  }
}

/** Polls (bounded) until `pick` finds something. */
async function until<T>(what: string, pick: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = pick();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', ...args], { cwd: root, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('voting by phone', () => {
  it('a caller named eligible votes yes in a roll-call vote with 1 and #; the signed export verifies', async () => {
    const owner = await server.loginAs('user', 'Clara Chair');
    const room = await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Ortsbeirat' }, owner);
    const dialIn = await server.api<{ dial_in_id: string; pin: string }>('GET', `/v1/rooms/${room.id}/telephone`, undefined, owner);

    // The chair over signaling (the owner: moderator permission).
    const start = await server.api<{ ticket: string }>('POST', `/v1/rooms/${room.id}/start`, {}, owner);
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/signaling`, [SIGNALING_SUBPROTOCOL, `${TICKET_SUBPROTOCOL_PREFIX}${start.ticket}`], { origin: server.url });
    const received: Received[] = [];
    ws.on('message', (data) => received.push(JSON.parse(String(data)) as Received));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const send = (namespace: string, payload: Record<string, unknown>) => ws.send(JSON.stringify({ namespace, payload }));
    const find = (namespace: string, message: string) => received.find((m) => m.namespace === namespace && m.payload.message === message)?.payload;
    try {
      send('control', { action: 'join', protocol_version: PROTOCOL_VERSION });
      await until('join_success', () => find('control', 'join_success'));

      // The phone dials in with the meeting ID and PIN.
      const from = phone.ctrl.events.length;
      phone.ctrl.send('dial', `sip:plenum@127.0.0.1:${gateway.port}`);
      await phone.ctrl.waitEvent('CALL_ESTABLISHED', from);
      await press(`${dialIn.dial_in_id}#`);
      await press(`${dialIn.pin}#`);
      const caller = await until('the caller in the room', () => {
        const joined = received.find((m) => m.namespace === 'control' && m.payload.message === 'joined' && (m.payload.participant as { kind: string }).kind === 'sip');
        return joined?.payload.participant as { id: string; display_name: string } | undefined;
      });
      expect(caller.display_name).toMatch(MASKED);

      // A roll-call vote with only the caller eligible.
      const title = 'Bebauungsplan Nord';
      send('legal_vote', { action: 'start', title, kind: 'roll_call', options: { type: 'yes_no' }, eligible_participant_ids: [caller.id] });
      const started = await until('started', () => find('legal_vote', 'started'));
      const voteId = (started.vote as { id: string }).id;
      const eligible = started.eligible as { voter_id: string; display_name: string }[];
      expect(eligible).toHaveLength(1);
      expect(eligible[0]?.display_name).toMatch(MASKED);

      // The gateway announces the vote to the caller (the test lets the menu play to its end); 1 (yes), then # to confirm.
      const menuAt = await until('the phone menu', () => {
        const i = gatewayLog.findIndex((l) => l.msg === 'phone vote: menu' && l.fields?.voteId === voteId);
        return i >= 0 ? i : undefined;
      });
      await until('the menu played', () => gatewayLog.slice(menuAt).find((l) => l.msg === 'speech played'));
      await press('1');
      await press('#');
      await until('the ballot sent', () => gatewayLog.find((l) => l.msg === 'phone vote: ballot sent' && l.fields?.voteId === voteId));
      // The server's `voted` reached the gateway: the caller hears "your vote was counted".
      await until('counted', () => gatewayLog.find((l) => l.msg === 'phone vote: counted' && l.fields?.voteId === voteId));

      // Everyone eligible voted: the vote closes by itself, signed.
      const final = await until('final_results', () => find('legal_vote', 'final_results'), 30_000);
      const results = final.results as { tally: Record<string, number>; ballots: { voter_id: string; display_name: string; choices: string[] }[]; stop_reason: string };
      expect(results.stop_reason).toBe('all_voted');
      expect(results.tally).toEqual({ yes: 1, no: 0, abstain: 0 });
      expect(results.ballots).toHaveLength(1);
      expect(results.ballots[0]?.choices).toEqual(['yes']);
      expect(results.ballots[0]?.display_name).toMatch(MASKED);
      expect(received.some((m) => m.namespace === 'legal_vote' && m.payload.message === 'error')).toBe(false);

      // The signed export over REST, with the phone's ballot under the masked number.
      const res = await fetch(`${server.url}/v1/votes/${voteId}/export.json`, { headers: { cookie: owner.cookie } });
      expect(res.status).toBe(200);
      const exported = LegalVoteExport.parse(await res.json());
      expect(exported.vote.kind).toBe('roll_call');
      expect(exported.vote.state).toBe('closed');
      const ballots = exported.events.filter((e) => e.type === 'ballot').map((e) => (e.content as { data: { voter_id: string; display_name: string; choices: string[] } }).data);
      expect(ballots).toHaveLength(1);
      expect(ballots[0]?.display_name).toMatch(MASKED);
      expect(ballots[0]?.choices).toEqual(['yes']);
      expect(ballots[0]?.voter_id).toBe(eligible[0]?.voter_id);

      // `plenum verify-vote` (the real CLI process) against the deployment's published key.
      const exportFile = path.join(tmp, 'export.json');
      fs.writeFileSync(exportFile, JSON.stringify(exported, null, 2));
      const keyFile = path.join(tmp, 'plenum-signing-key.json');
      fs.writeFileSync(keyFile, await (await fetch(`${server.url}/.well-known/plenum-signing-key`)).text());
      const out = await cli(['verify-vote', exportFile, '--public-key-file', keyFile]);
      expect(out.stderr).toBe('');
      expect(out.stdout).toMatch(new RegExp(`^OK vote ${voteId} \\(closed\\).*signature valid`));
      expect(out.code).toBe(0);

      // A pseudonymous candidate vote: the menu lists the candidates by number; 2 and # choose the second.
      const firstFinal = received.length;
      send('legal_vote', {
        action: 'start',
        title: 'Wahl der Schriftführung',
        kind: 'pseudonymous',
        options: { type: 'candidates', candidates: ['Anna Albers', 'Bernd Brandt', 'Cem Yilmaz'] },
        eligible_participant_ids: [caller.id],
      });
      const second = await until('the second vote', () => received.slice(firstFinal).find((m) => m.namespace === 'legal_vote' && m.payload.message === 'started')?.payload);
      const secondId = (second.vote as { id: string }).id;
      await until('the phone menu', () => gatewayLog.find((l) => l.msg === 'phone vote: menu' && l.fields?.voteId === secondId));
      // *6 still mutes while the vote's menu runs: the chair sees the caller muted.
      const beforeMute = received.length;
      await press('*6');
      await until('the caller muted', () =>
        received.slice(beforeMute).find((m) => m.namespace === 'media' && m.payload.message === 'media_state' && (m.payload.state as { participant_id: string; audio: boolean }).participant_id === caller.id && !(m.payload.state as { audio: boolean }).audio),
      );
      await press('2');
      await press('#');
      await until('counted', () => gatewayLog.find((l) => l.msg === 'phone vote: counted' && l.fields?.voteId === secondId));
      await press('*0'); // the receipt again
      const secondFinal = await until('final_results', () => received.slice(firstFinal).find((m) => m.namespace === 'legal_vote' && m.payload.message === 'final_results')?.payload, 30_000);
      const secret = secondFinal.results as { tally: Record<string, number>; tokens: { token: string; choices: string[] }[]; ballots?: unknown };
      expect(secret.tally).toEqual({ c1: 0, c2: 1, c3: 0, abstain: 0 });
      expect(secret.tokens).toHaveLength(1);
      expect(secret.tokens[0]?.choices).toEqual(['c2']);
      expect(secret.ballots).toBeUndefined();
      // The token never shows up in the gateway's log.
      expect(JSON.stringify(gatewayLog)).not.toContain(secret.tokens[0]?.token);

      const before = phone.ctrl.events.length;
      phone.ctrl.send('hangup');
      await phone.ctrl.waitEvent('CALL_CLOSED', before);

      // What the phone heard: the room is silent (no browser), so the loud stretches are the gateway's speech —
      // the IVR prompts were cut short by the keys; the first vote's title and menu played in full (≈ 5 s).
      const dump = (await phone.heard()).at(-1);
      expect(dump).toBeDefined();
      const { rate, samples } = await readWav(dump!);
      const win = Math.round(rate / 50);
      let voiced = 0;
      for (let i = 0; i + win <= samples.length; i += win) {
        let sum = 0;
        for (let j = i; j < i + win; j++) sum += (samples[j] ?? 0) ** 2;
        if (Math.sqrt(sum / win) > 300) voiced++;
      }
      console.log(`the phone heard ${(voiced / 50).toFixed(1)} s of speech in ${(samples.length / rate).toFixed(1)} s`);
      expect(voiced / 50).toBeGreaterThan(5);
    } finally {
      ws.close();
    }
  }, 90_000);
});
