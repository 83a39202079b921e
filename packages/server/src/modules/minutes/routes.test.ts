import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MinutesVersionExport, MinutesVersionList, PROTOCOL_VERSION, SIGNALING_SUBPROTOCOL } from '@plenum/protocol';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { chainHash, GENESIS_HASH } from '../../audit/chain.ts';
import { verifySignature } from '../../audit/signing.ts';
import { loadConfig } from '../../config.ts';
import { documentBlocks } from '../../modules/minutes/document.ts';
import { createLogger, startPlenum, type Plenum } from '../../server.ts';
import { backends, openTestStorage } from '../../storage/testing.ts';

type Who = { cookie?: string; csrf?: string };
type Received = { namespace: string; payload: { message: string; [k: string]: unknown } };

/**
 * The minutes over a real server: a chair edits over signaling and seals; the server stops and starts again
 * on the same database and the document is still there; the sealed version is served as list, JSON and PDF
 * to the owner and admins only.
 */
describe.each(backends)('minutes over a running server on %s', (backend) => {
  let storage: Awaited<ReturnType<typeof openTestStorage>>;
  let server: Plenum;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenum-minutes-'));
  let owner: Who;
  let other: Who;
  let admin: Who;
  const anonymous: Who = {};
  let roomId: string;

  async function start() {
    const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', MEDIA: 'off' });
    server = await startPlenum(config, { logger: createLogger(config), storage, webDist: null });
  }
  async function login(role: 'user' | 'admin', name: string): Promise<Who> {
    const user = await server.services.users.upsertFromLogin({ issuer: 'urn:plenum:test', subject: `${name}-${crypto.randomUUID()}`, displayName: name, email: null, role });
    const { token } = await server.services.sessions.create(user.id, null);
    const session = (await server.services.sessions.resolve(token))!;
    return { cookie: `plenum_session=${token}`, csrf: session.csrfToken };
  }
  async function call(who: Who, method: string, url: string, body?: unknown) {
    const h: Record<string, string> = {};
    if (who.cookie) h.cookie = who.cookie;
    if (who.csrf && method !== 'GET') h['x-csrf-token'] = who.csrf;
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await fetch(`${server.url}${url}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, type: res.headers.get('content-type') ?? '', bytes: Buffer.from(await res.arrayBuffer()) };
  }
  const json = (r: { bytes: Buffer }) => JSON.parse(r.bytes.toString('utf8'));

  /** Joins the room as the owner and syncs a local Y.Doc from the server. */
  async function joinAsOwner() {
    const startRes = json(await call(owner, 'POST', `/v1/rooms/${roomId}/start`, {}));
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/signaling`, [SIGNALING_SUBPROTOCOL, `ticket.${startRes.ticket}`], { origin: server.url });
    const received: Received[] = [];
    const doc = new Y.Doc();
    ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString()) as Received;
      received.push(m);
      if (m.namespace === 'minutes' && m.payload.message === 'sync') {
        syncProtocol.readSyncMessage(decoding.createDecoder(new Uint8Array(Buffer.from(m.payload.data as string, 'base64'))), encoding.createEncoder(), doc, 'server');
      }
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const send = (payload: Record<string, unknown>) => ws.send(JSON.stringify({ namespace: 'minutes', payload }));
    ws.send(JSON.stringify({ namespace: 'control', payload: { action: 'join', protocol_version: PROTOCOL_VERSION } }));
    await expect.poll(() => received.some((m) => m.payload.message === 'join_success'), { timeout: 10_000 }).toBe(true);
    const e = encoding.createEncoder();
    syncProtocol.writeSyncStep1(e, doc);
    send({ action: 'sync', data: Buffer.from(encoding.toUint8Array(e)).toString('base64') });
    await expect.poll(() => received.some((m) => m.namespace === 'minutes' && m.payload.message === 'sync'), { timeout: 10_000 }).toBe(true);
    return { ws, doc, received, send };
  }

  beforeAll(async () => {
    storage = await openTestStorage(backend);
    await start();
    owner = await login('user', 'Olga Owner');
    other = await login('user', 'Otto Other');
    admin = await login('admin', 'Ada Admin');
    roomId = json(await call(owner, 'POST', '/v1/rooms', { name: 'Gemeinderat' })).id;
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await storage?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps typed minutes across a server restart on the same database, and seals them', async () => {
    const first = await joinAsOwner();
    const update: Uint8Array[] = [];
    first.doc.on('update', (u: Uint8Array, origin: unknown) => origin !== 'server' && update.push(u));
    const p = new Y.XmlElement('paragraph');
    const t = new Y.XmlText();
    t.insert(0, 'Beschluss: Der Haushalt wird angenommen.');
    p.insert(0, [t]);
    first.doc.getXmlFragment('default').insert(0, [p]);
    const e = encoding.createEncoder();
    syncProtocol.writeUpdate(e, Y.mergeUpdates(update));
    first.send({ action: 'sync', data: Buffer.from(encoding.toUint8Array(e)).toString('base64') });
    // A sync step 1 after it: its answer (step 2) comes back only after the room applied the update.
    const answered = first.received.filter((m) => m.namespace === 'minutes' && m.payload.message === 'sync').length;
    const step1 = encoding.createEncoder();
    syncProtocol.writeSyncStep1(step1, new Y.Doc());
    first.send({ action: 'sync', data: Buffer.from(encoding.toUint8Array(step1)).toString('base64') });
    await expect.poll(() => first.received.filter((m) => m.namespace === 'minutes' && m.payload.message === 'sync').length, { timeout: 10_000 }).toBeGreaterThan(answered);
    // The server stops right away (before the save debounce ran out): the shutdown flush keeps the text.
    first.ws.close();
    await server.close();
    await start();

    const second = await joinAsOwner();
    expect(documentBlocks(second.doc).map((b) => b.text)).toEqual(['Beschluss: Der Haushalt wird angenommen.']);
    second.send({ action: 'seal', lang: 'de' });
    await expect.poll(() => second.received.some((m) => m.payload.message === 'sealed'), { timeout: 10_000 }).toBe(true);
    second.ws.close();
  });

  describe('permission matrix', () => {
    const paths: [string, (room: string) => string][] = [
      ['list', (r) => `/v1/rooms/${r}/minutes/versions`],
      ['json', (r) => `/v1/rooms/${r}/minutes/versions/1.json`],
      ['pdf', (r) => `/v1/rooms/${r}/minutes/versions/1.pdf`],
    ];
    const expected = { owner: 200, admin: 200, other: 403, anonymous: 401 } as const;
    for (const [name, url] of paths) {
      for (const [role, status] of Object.entries(expected) as [keyof typeof expected, number][]) {
        it(`${name} as ${role} → ${status}`, async () => {
          const res = await call({ owner, admin, other, anonymous }[role], 'GET', url(roomId));
          expect(res.status).toBe(status);
          if (status !== 200) {
            expect(res.type).toContain('application/problem+json');
            expect(res.bytes.toString()).not.toContain('Haushalt');
          }
        });
      }
    }
    it('answers 404 for a version that does not exist and for an unknown room', async () => {
      expect((await call(owner, 'GET', `/v1/rooms/${roomId}/minutes/versions/2.json`)).status).toBe(404);
      expect((await call(admin, 'GET', `/v1/rooms/${crypto.randomUUID()}/minutes/versions`)).status).toBe(404);
    });
  });

  it('serves a version whose hash chain and signature verify, and its PDF with title, text and hash', async () => {
    const list = MinutesVersionList.parse(json(await call(owner, 'GET', `/v1/rooms/${roomId}/minutes/versions`)));
    expect(list.versions).toHaveLength(1);
    const v = MinutesVersionExport.parse(json(await call(owner, 'GET', `/v1/rooms/${roomId}/minutes/versions/1.json`)));
    expect(v.content.text).toBe('Beschluss: Der Haushalt wird angenommen.');
    expect(v.content.title).toBe('Niederschrift – Gemeinderat');
    expect(v.prev_hash).toBe(GENESIS_HASH);
    expect(chainHash(v.prev_hash, v.content)).toBe(v.hash);
    expect(verifySignature(v.public_key, v.signed_message, v.signature)).toBe(true);
    expect(v.signed_message).toBe(`plenum-minutes:${roomId}:1:${v.hash}`);
    expect(list.versions[0]).toMatchObject({ version: 1, hash: v.hash, key_fingerprint: server.services.signingKey.publicKey.fingerprint });

    const pdf = await call(owner, 'GET', `/v1/rooms/${roomId}/minutes/versions/1.pdf?lang=en`);
    expect(pdf.type).toBe('application/pdf');
    const file = path.join(dataDir, 'v1.pdf');
    fs.writeFileSync(file, pdf.bytes);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('Niederschrift – Gemeinderat');
    expect(text).toContain('Beschluss: Der Haushalt wird angenommen.');
    expect(text).toContain(v.hash);
    expect(text).toContain('Key fingerprint');
    expect(text).toContain(v.key_fingerprint);
    const de = execFileSync('pdftotext', ['-', '-'], { input: (await call(owner, 'GET', `/v1/rooms/${roomId}/minutes/versions/1.pdf?lang=de`)).bytes, encoding: 'utf8' });
    expect(de).toContain('Schlüssel-Fingerabdruck');
  });

  it('is documented in the OpenAPI description', async () => {
    const spec = json(await call(anonymous, 'GET', '/docs/json'));
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/v1/rooms/{id}/minutes/versions', '/v1/rooms/{id}/minutes/versions/{version}.json', '/v1/rooms/{id}/minutes/versions/{version}.pdf']),
    );
  });
});
