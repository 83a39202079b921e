import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from './log.ts';
import { HttpPlenumLink, PlenumLinkError } from './plenum.ts';

const TOKEN = 'service-token-0123456789';
let server: http.Server;
let base: string;
let reply: { status: number; body?: unknown; headers?: Record<string, string> } = { status: 200 };
const seen: { auth?: string; body: unknown }[] = [];
const logged: string[] = [];
const log: Logger = { info: () => undefined, warn: () => undefined, error: (m, f) => logged.push(`${m} ${JSON.stringify(f)}`) };

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (d: Buffer) => (data += d.toString()));
    req.on('end', () => {
      seen.push({ ...(req.headers.authorization ? { auth: req.headers.authorization } : {}), body: JSON.parse(data) });
      expect(req.url).toBe('/v1/service/telephone/calls');
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(JSON.stringify(reply.body ?? {}));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const req = { dialInId: '4711', pin: '0815', caller: '+4930111', source: '127.0.0.1:5060', callId: 'c-1' };

describe('HttpPlenumLink', () => {
  it('sends the request with the service token and maps 200 to a session', async () => {
    reply = { status: 200, body: { ticket: 'tk', resumption: 'rs', signaling_url: 'wss://p/signaling', room_id: 'r1', participant_display_name: 'Telefon …111', language: 'de' } };
    const link = new HttpPlenumLink(base, TOKEN, log);
    const r = await link.authorize(req);
    expect(r).toEqual({ ok: true, session: { ticket: 'tk', resumption: 'rs', signalingUrl: 'wss://p/signaling', roomId: 'r1', participantDisplayName: 'Telefon …111', language: 'de' } });
    expect(seen.at(-1)).toEqual({ auth: `Bearer ${TOKEN}`, body: { dial_in_id: '4711', pin: '0815', caller: '+4930111', source: '127.0.0.1', call_id: 'c-1' } });
  });

  it('403 → wrong_credentials, 429 → locked with Retry-After', async () => {
    const link = new HttpPlenumLink(base, TOKEN, log);
    reply = { status: 403 };
    expect(await link.authorize(req)).toEqual({ ok: false, reason: 'wrong_credentials' });
    reply = { status: 429, headers: { 'retry-after': '120' } };
    expect(await link.authorize(req)).toEqual({ ok: false, reason: 'locked', retryAfterS: 120 });
  });

  it('401, 5xx and bad bodies reject and are logged without the token or the PIN', async () => {
    const link = new HttpPlenumLink(base, TOKEN, log);
    for (const r of [{ status: 401 }, { status: 500 }, { status: 503 }, { status: 200, body: { ticket: 1 } }]) {
      reply = r;
      await expect(link.authorize(req)).rejects.toThrow(PlenumLinkError);
    }
    await expect(new HttpPlenumLink('http://127.0.0.1:1', TOKEN, log).authorize(req)).rejects.toThrow(PlenumLinkError);
    expect(logged.length).toBe(5);
    expect(logged.join('\n')).not.toContain(TOKEN);
    expect(logged.join('\n')).not.toContain('0815');
  });
});

describe('the trunk address sent to Plenum', () => {
  it('is the IP of the signaling source, without its port', async () => {
    const { sourceAddress } = await import('./plenum.ts');
    expect(sourceAddress('192.0.2.7:5060')).toBe('192.0.2.7');
    expect(sourceAddress('[2001:db8::1]:5061')).toBe('2001:db8::1');
    expect(sourceAddress('2001:db8::1')).toBe('2001:db8::1');
    expect(sourceAddress('127.0.0.1')).toBe('127.0.0.1');
  });
});
