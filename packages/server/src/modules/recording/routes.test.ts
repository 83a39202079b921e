import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditEntries } from '../../audit/admin-log-verify.ts';
import { readAdminAudit } from '../../audit/admin-log.ts';
import { featureCatalogue } from '../../features.ts';
import { runRetention } from '../../gdpr/retention.ts';
import { startTestServer, type TestServer } from '../../testing/server.ts';
import { recordingPersonalData } from './personal-data.ts';
import { RecordingRepository } from './storage.ts';

type Login = Awaited<ReturnType<TestServer['loginAs']>>;
const DAY = 86_400_000;

describe('recording routes', () => {
  let server: TestServer;
  let owner: Login;
  let admin: Login;
  let other: Login;
  let repo: RecordingRepository;
  let dir: string;

  beforeAll(async () => {
    server = await startTestServer();
    owner = await server.loginAs('user', 'Olga Owner');
    admin = await server.loginAs('admin', 'Ada Admin');
    other = await server.loginAs('user', 'Udo User');
    repo = new RecordingRepository(server.services.storage.db);
    dir = server.services.config.recordingsDir;
    await mkdir(dir, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  /** A finished recording of a new room of the owner's, with a file on disk. */
  async function recorded(endedAt = new Date()) {
    const roomId = (await server.api<{ id: string }>('POST', '/v1/rooms', { name: 'Stadtrat' }, owner)).id;
    const id = crypto.randomUUID();
    const file = path.join(dir, `${id}.mp4`);
    const bytes = Buffer.from(`not really an mp4 ${id}`);
    await writeFile(file, bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    await repo.create({ id, roomId, startedAt: new Date(endedAt.getTime() - 60_000), filePath: file });
    await repo.finish(id, { endedAt, status: 'complete', participants: [{ display_name: 'Olga Owner', user_id: owner.userId }], sizeBytes: bytes.length, sha256 });
    return { roomId, id, file, bytes, sha256 };
  }

  const req = (method: 'GET' | 'DELETE', url: string, who?: Login) =>
    server.app.inject({ method, url, headers: who ? { cookie: who.cookie, ...(method === 'DELETE' ? { 'x-csrf-token': who.csrf } : {}) } : {} });

  it('lists, downloads and deletes for the owner and admins only; each access is in the audit log, which verifies', async () => {
    const r = await recorded();
    const list = await req('GET', `/v1/rooms/${r.roomId}/recordings`, owner);
    expect(list.statusCode).toBe(200);
    expect(list.headers['cache-control']).toBe('no-store');
    expect(list.json()).toEqual({
      recordings: [{ id: r.id, room_id: r.roomId, started_at: expect.any(String), ended_at: expect.any(String), participants: ['Olga Owner'], status: 'complete', size_bytes: r.bytes.length, sha256: r.sha256 }],
    });
    expect((await req('GET', `/v1/rooms/${r.roomId}/recordings`, admin)).statusCode).toBe(200);

    // Others: 403 (problem+json), anonymous 401, an unknown recording 404.
    for (const [url, method] of [
      [`/v1/rooms/${r.roomId}/recordings`, 'GET'],
      [`/v1/recordings/${r.id}/file`, 'GET'],
      [`/v1/recordings/${r.id}`, 'DELETE'],
    ] as const) {
      const res = await req(method, url, other);
      expect(res.statusCode).toBe(403);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect((await req(method, url)).statusCode).toBe(401);
    }
    // A recording still running is neither downloaded nor deleted.
    const running = crypto.randomUUID();
    await repo.create({ id: running, roomId: r.roomId, startedAt: new Date(), filePath: path.join(dir, `${running}.mp4`) });
    expect((await req('GET', `/v1/recordings/${running}/file`, owner)).statusCode).toBe(409);
    expect((await req('DELETE', `/v1/recordings/${running}`, owner)).statusCode).toBe(409);
    const unknown = await req('GET', `/v1/recordings/${crypto.randomUUID()}/file`, owner);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);

    const file = await req('GET', `/v1/recordings/${r.id}/file`, owner);
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('video/mp4');
    expect(file.rawPayload.equals(r.bytes)).toBe(true);

    const del = await req('DELETE', `/v1/recordings/${r.id}`, admin);
    expect(del.statusCode).toBe(204);
    expect(existsSync(r.file)).toBe(false);
    expect(await repo.byId(r.id)).toBeUndefined();
    expect((await req('GET', `/v1/recordings/${r.id}/file`, owner)).statusCode).toBe(404);

    const entries = await readAdminAudit(server.services.storage.db, 0, 10_000);
    const mine = entries.filter((e) => e.action.startsWith('recording.') && (e.target === r.id || e.target === r.roomId));
    expect(mine.map((e) => [e.action, e.actor])).toEqual([
      ['recording.listed', `user:${owner.userId}`],
      ['recording.listed', `user:${admin.userId}`],
      ['recording.downloaded', `user:${owner.userId}`],
      ['recording.deleted', `user:${admin.userId}`],
    ]);
    expect(verifyAuditEntries(entries)).toMatchObject({ ok: true });
  });

  it('GDPR: export lists the recordings a user consented to; pseudonymisation replaces their name in the metadata', async () => {
    const r = await recorded();
    const subject = { userId: owner.userId, displayName: 'Olga Owner', email: null, pseudonym: 'Person 7f3a' };
    const exported = await recordingPersonalData.export(server.services.storage.db, subject);
    expect(exported.recordings).toEqual(expect.arrayContaining([expect.objectContaining({ id: r.id, recorded_as: ['Olga Owner'] })]));
    const other = await recordingPersonalData.export(server.services.storage.db, { ...subject, userId: crypto.randomUUID() });
    expect(other.recordings).toEqual([]);
    const changed = await server.services.storage.db.transaction().execute((trx) => recordingPersonalData.pseudonymise(trx, subject));
    expect(changed).toBeGreaterThanOrEqual(1);
    expect((await repo.byId(r.id))!.participants).toEqual([{ display_name: 'Person 7f3a', user_id: owner.userId }]);
  });

  it('the retention rule deletes file and row once RETENTION_RECORDINGS_DAYS have passed since the end (injected clock)', async () => {
    const now = new Date('2027-03-01T10:00:00Z');
    const old = await recorded(new Date(now.getTime() - 31 * DAY));
    const recent = await recorded(new Date(now.getTime() - 29 * DAY));
    // One that never ended (its server died): its start counts.
    const orphan = crypto.randomUUID();
    await repo.create({ id: orphan, roomId: recent.roomId, startedAt: new Date(now.getTime() - 40 * DAY), filePath: path.join(dir, `${orphan}.mp4`) });
    const periods = { attendance: 0, minutes_drafts: 0, invites: 0, recordings: 30 };
    const run = await runRetention(server.services.storage.db, featureCatalogue, periods, now, { isLive: () => Promise.resolve(false) });
    expect(run.deleted.recordings).toBeGreaterThanOrEqual(1);
    expect(await repo.byId(old.id)).toBeUndefined();
    expect(await repo.byId(orphan)).toBeUndefined();
    expect(existsSync(old.file)).toBe(false);
    expect(await repo.byId(recent.id)).toBeDefined();
    expect(existsSync(recent.file)).toBe(true);
  });
});
