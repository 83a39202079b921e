import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MinutesVersionContent } from '@plenum/protocol';
import { MinutesRepository } from './storage.ts';
import { RoomsRepository } from '../../storage/rooms.ts';
import { backends, openTestStorage } from '../../storage/testing.ts';

describe.each(backends)('minutes storage on %s', (backend) => {
  let storage: Awaited<ReturnType<typeof openTestStorage>>;
  let repo: MinutesRepository;
  let roomId: string;
  const content = (version: number): MinutesVersionContent => ({
    room_id: roomId,
    version,
    title: 'Niederschrift – Rat',
    sealed_at: '2026-03-02T18:00:00.000Z',
    sealed_by: { participant_id: '6f1c2a52-7a36-4c49-9b1d-2a0c1d1e0c11', display_name: 'Clara', user_id: null },
    blocks: [{ type: 'heading', level: 2, text: 'Tagesordnung' }],
    text: 'Tagesordnung',
    yjs_state_sha256: 'f'.repeat(64),
  });
  const version = (n: number) => ({
    roomId,
    version: n,
    content: content(n),
    prevHash: '0'.repeat(64),
    hash: String(n).repeat(64).slice(0, 64),
    signature: 'c2ln',
    keyFingerprint: 'SHA256:00',
    yjsState: new Uint8Array([1, 2, 3]),
  });

  beforeAll(async () => {
    storage = await openTestStorage(backend);
    repo = new MinutesRepository(storage.db);
    const ownerId = crypto.randomUUID();
    await storage.db.insertInto('users').values({ id: ownerId, issuer: 'https://idp', subject: ownerId, display_name: 'Owner', email: null, role: 'user' }).execute();
    roomId = crypto.randomUUID();
    await new RoomsRepository(storage.db).create({ id: roomId, owner_id: ownerId, name: 'Rat', password_hash: null, waiting_room: false, e2e_encryption: false }, new Date());
  }, 60_000);
  afterAll(() => storage?.close());

  it('saves and loads the live document, overwriting it', async () => {
    expect(await repo.loadDocument(roomId)).toBeUndefined();
    await repo.saveDocument(roomId, { state: new Uint8Array([0, 255, 7]), sealed: false }, new Date());
    await repo.saveDocument(roomId, { state: new Uint8Array([9, 8, 7, 6]), sealed: true }, new Date());
    const doc = await repo.loadDocument(roomId);
    expect([...doc!.state]).toEqual([9, 8, 7, 6]);
    expect(doc!.sealed).toBe(true);
  });

  it('appends versions in order and refuses a second version with the same number', async () => {
    await repo.appendVersion(version(1));
    await repo.appendVersion(version(2));
    await expect(repo.appendVersion(version(2))).rejects.toThrow();
    const rows = await repo.listVersions(roomId);
    expect(rows.map((r) => r.version)).toEqual([1, 2]);
    expect(rows[0]!.content).toEqual(content(1));
    expect((await repo.latestVersion(roomId))?.version).toBe(2);
    expect(Buffer.from(rows[0]!.yjs_state, 'base64')).toEqual(Buffer.from([1, 2, 3]));
  });

  it('refuses UPDATE and DELETE of sealed versions (insert-only trigger), also by plain SQL', async () => {
    await expect(storage.db.updateTable('minutes_versions').set({ hash: 'x' }).where('room_id', '=', roomId).execute()).rejects.toThrow(/insert-only/);
    await expect(storage.db.deleteFrom('minutes_versions').where('room_id', '=', roomId).where('version', '=', 1).execute()).rejects.toThrow(/insert-only/);
    const rows = await repo.listVersions(roomId);
    expect(rows.map((r) => [r.version, r.hash])).toEqual([
      [1, '1'.repeat(64)],
      [2, '2'.repeat(64)],
    ]);
  });
});
