import { Writable } from 'node:stream';
import { PROTOCOL_VERSION, SIGNALING_SUBPROTOCOL, TICKET_SUBPROTOCOL_PREFIX } from '@plenum/protocol';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { redactUrl } from './logging.ts';
import { backends } from './storage/testing.ts';
import { startTestServer, type TestServer } from './testing/server.ts';

// The real server's log (its own logger, redaction and serializers included), captured line by line.

interface LogLine {
  level: number;
  msg?: string;
  [key: string]: unknown;
}

function captureLog() {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, raw, lines: () => raw.map((l) => JSON.parse(l) as LogLine), text: () => raw.join('\n') };
}

type User = { cookie: string; csrf: string };

async function post(server: TestServer, urlPath: string, body: unknown, user?: User): Promise<Response> {
  return fetch(`${server.url}${urlPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(user ? { cookie: user.cookie, 'x-csrf-token': user.csrf } : {}) },
    body: JSON.stringify(body),
  });
}

function openSocket(server: TestServer, ticket: string): Promise<{ ws: WebSocket; closed: Promise<number>; next: (message: string) => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/signaling`, [SIGNALING_SUBPROTOCOL, `${TICKET_SUBPROTOCOL_PREFIX}${ticket}`]);
    const received: string[] = [];
    const waiters: (() => void)[] = [];
    ws.on('message', (data) => {
      received.push((JSON.parse(String(data)) as { payload: { message: string } }).payload.message);
      for (const w of waiters.splice(0)) w();
    });
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    const next = async (message: string) => {
      while (!received.includes(message)) await new Promise<void>((r) => waiters.push(r));
    };
    ws.once('open', () => resolve({ ws, closed, next }));
    ws.once('error', reject);
  });
}

describe('the server log (PGlite)', () => {
  const log = captureLog();
  let server: TestServer;
  let owner: User & { userId: string };
  let roomId: string;

  beforeAll(async () => {
    server = await startTestServer({ logStream: log.stream });
    owner = await server.loginAs('user', 'Olga Owner');
    roomId = (await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Gemeinderat' }, owner)).id;
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  it('holds no invite code, ticket, resumption token or OpenID code while a guest opens, checks and uses an invite link', { timeout: 60_000 }, async () => {
    const password = 'guest-password-4711';
    const invite = await server.api<{ code: string }>('POST', `/v1/rooms/${roomId}/invites`, { label: 'Gäste', password }, owner);
    const code = invite.code;
    // The landing page, the check with the password, the ticket, the socket and the join.
    await fetch(`${server.url}/invite/${code}`);
    expect((await post(server, `/v1/invites/${code}/verify`, { password })).status).toBe(200);
    const start = await post(server, `/v1/rooms/${roomId}/start-invited`, { invite_code: code, password, display_name: 'Gast' });
    expect(start.status).toBe(200);
    const { ticket, resumption } = (await start.json()) as { ticket: string; resumption: string };
    const guest = await openSocket(server, ticket);
    guest.ws.send(JSON.stringify({ namespace: 'control', payload: { action: 'join', protocol_version: PROTOCOL_VERSION } }));
    await guest.next('join_success');
    guest.ws.close();
    await guest.closed;
    // Credentials in query strings: the OpenID callback and a ticket offered the wrong way.
    const oidcCode = `oidc-code-${crypto.randomUUID()}`;
    const oidcState = `oidc-state-${crypto.randomUUID()}`;
    await fetch(`${server.url}/auth/callback?code=${oidcCode}&state=${oidcState}`, { redirect: 'manual' });
    await fetch(`${server.url}/signaling?ticket=${ticket}&lang=de`);
    // The owner revokes it: the code is in that URL too.
    const revoke = await fetch(`${server.url}/v1/rooms/${roomId}/invites/${code}`, { method: 'DELETE', headers: { cookie: owner.cookie, 'x-csrf-token': owner.csrf } });
    expect(revoke.status).toBe(204);

    const text = log.text();
    for (const secret of [code, ticket, resumption, oidcCode, oidcState, password]) expect(text).not.toContain(secret);
    // The requests are logged, only without their credentials.
    const urls = log.lines().flatMap((l) => (typeof (l.req as { url?: unknown } | undefined)?.url === 'string' ? [(l.req as { url: string }).url] : []));
    expect(urls).toEqual(
      expect.arrayContaining([
        '/invite/[redacted]',
        '/v1/invites/[redacted]/verify',
        `/v1/rooms/${roomId}/start-invited`,
        '/auth/callback',
        '/signaling?ticket=[redacted]&lang=de',
        `/v1/rooms/${roomId}/invites/[redacted]`,
      ]),
    );
  });

  it('an oversized signaling frame is a warning without a stack trace; the connection is closed with 1009', { timeout: 60_000 }, async () => {
    const { ticket } = await server.api<{ ticket: string }>('POST', `/v1/rooms/${roomId}/start`, {}, owner);
    const client = await openSocket(server, ticket);
    client.ws.send(JSON.stringify({ namespace: 'control', payload: { action: 'join', protocol_version: PROTOCOL_VERSION } }));
    await client.next('join_success');
    client.ws.send(JSON.stringify({ namespace: 'control', payload: { action: 'update_display_name', display_name: 'x'.repeat(70_000) } }));
    expect(await client.closed).toBe(1009);
    const about = () => log.lines().filter((l) => /payload|1009|too large/i.test(`${l.msg ?? ''} ${JSON.stringify(l.err ?? '')}`));
    await vi.waitFor(() => expect(about().length).toBeGreaterThan(0), { timeout: 10_000 });
    const lines = about();
    expect(lines).toEqual([expect.objectContaining({ level: 40, closeCode: 1009, code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' })]);
    expect(JSON.stringify(lines)).not.toContain('stack');
  });
});

describe.each(backends)('a failed query in the server log (%s)', (backend) => {
  const log = captureLog();
  let server: TestServer;
  let owner: User;
  let roomId: string;

  beforeAll(async () => {
    server = await startTestServer({ backend, logStream: log.stream });
    owner = await server.loginAs('user', 'Olga Owner');
    roomId = (await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Ausschuss' }, owner)).id;
    // A constraint the second invite below violates, so the insert (with a password hash and a fresh code) fails.
    await sql`create unique index log_test_invite_label on invites (label)`.execute(server.services.storage.db);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  it('names the SQL error, never the values of the statement (label, argon2 hash, invite code)', { timeout: 60_000 }, async () => {
    const marker = `SECRET-MARKER-${crypto.randomUUID()}`;
    const password = `pw-${crypto.randomUUID()}`;
    expect((await post(server, `/v1/rooms/${roomId}/invites`, { label: marker, password }, owner)).status).toBe(201);
    const failed = await post(server, `/v1/rooms/${roomId}/invites`, { label: marker, password }, owner);
    expect(failed.status).toBe(500);

    const text = log.text();
    expect(text).not.toContain(marker);
    expect(text).not.toContain(password);
    expect(text).not.toContain('$argon2');
    expect(text).not.toMatch(/"(params|parameters|queryOptions|detail)"/);
    const invites = (await (await fetch(`${server.url}/v1/rooms/${roomId}/invites`, { headers: { cookie: owner.cookie } })).json()) as { invites: { code: string }[] };
    for (const invite of invites.invites) expect(text).not.toContain(invite.code);
    // What is logged is enough to see what went wrong.
    const error = log.lines().find((l) => l.msg === 'unhandled error');
    expect(error?.err).toMatchObject({ code: '23505', message: expect.stringContaining('log_test_invite_label') });
  });
});

describe('redactUrl', () => {
  it.each([
    ['/v1/invites/AbCdEfGhIjKlMnOpQrStUv/verify', '/v1/invites/[redacted]/verify'],
    ['/invite/AbCdEfGhIjKlMnOpQrStUv?lang=de', '/invite/[redacted]?lang=de'],
    ['/v1/rooms/r1/invites', '/v1/rooms/r1/invites'],
    ['/auth/callback?state=s&code=c&iss=https%3A%2F%2Fidp', '/auth/callback?state=[redacted]&code=[redacted]&iss=https%3A%2F%2Fidp'],
    ['/x?access_token=a&Resumption=b&id_token=c&page=2', '/x?access_token=[redacted]&Resumption=[redacted]&id_token=[redacted]&page=2'],
    ['/v1/rooms/r1/votes', '/v1/rooms/r1/votes'],
    ['/v1/rooms/r1/telephone/personal-pins/AbCdEfGhIjKlMnOpQrStUv/regenerate', '/v1/rooms/r1/telephone/personal-pins/[redacted]/regenerate'],
    ['/v1/calendar/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde.ics', '/v1/calendar/[redacted]'],
  ])('%s → %s', (url, expected) => expect(redactUrl(url)).toBe(expected));
});
