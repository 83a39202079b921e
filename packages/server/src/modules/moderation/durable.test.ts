import { controlProtocol } from '@plenum/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoomsRepository } from '../../storage/rooms.ts';
import { openStorage } from '../../storage/database.ts';
import { backends, openTestStorage } from '../../storage/testing.ts';
import { ModuleTester, provide, type SimulatedParticipant } from '../../signaling/testing.ts';
import { moderationFeature } from './index.ts';
import { ModerationRepository } from './storage.ts';

/**
 * Bans and the room lock on a real database (PGlite and PostgreSQL): each `server()` is a new hub with a new
 * room actor and a new repository on the same database — what a restart leaves of a room.
 */

const refusals = (p: SimulatedParticipant) => p.messages('control', 'error').map((e) => e.error);
const joined = (p: SimulatedParticipant) => p.messages(controlProtocol, 'join_success').length === 1;

describe.each(backends)('durable moderation on %s', (backend) => {
  let storage: Awaited<ReturnType<typeof openTestStorage>>;
  let ownerId: string;

  beforeAll(async () => {
    storage = await openTestStorage(backend);
    ownerId = crypto.randomUUID();
    await storage.db.insertInto('users').values({ id: ownerId, issuer: 'https://idp', subject: ownerId, display_name: 'Owner', email: null, role: 'user' }).execute();
  }, 60_000);
  afterAll(() => storage?.close());

  async function newRoom(): Promise<string> {
    const id = crypto.randomUUID();
    await new RoomsRepository(storage.db).create({ id, owner_id: ownerId, name: 'Rat', password_hash: null, waiting_room: false, e2e_encryption: false }, new Date());
    return id;
  }
  const server = (roomId: string) =>
    new ModuleTester({ features: [moderationFeature], provide: [provide(moderationFeature, { store: new ModerationRepository(storage.db) })], roomId });

  it('a banned user and a banned guest are still refused after a restart; another guest of the same link gets in', async () => {
    const roomId = await newRoom();
    const before = server(roomId);
    const chair = await before.join({ role: 'moderator', displayName: 'Clara' });
    const anna = await before.join({ userId: 'user-anna', displayName: 'Anna' });
    const eve = await before.join({ kind: 'guest', inviteCode: 'shared-link', guestId: 'browser-of-eve', displayName: 'Eve' });
    await chair.send(moderationFeature, { action: 'ban', target: anna.id });
    await chair.send(moderationFeature, { action: 'ban', target: eve.id });
    expect(anna.messages(controlProtocol, 'removed')).toEqual([{ message: 'removed', reason: 'banned' }]);
    expect(chair.messages(moderationFeature, 'ban_list').at(-1)?.bans.map((b) => [b.display_name, b.kind, b.banned_by])).toEqual([
      ['Anna', 'user', 'Clara'],
      ['Eve', 'guest', 'Clara'],
    ]);

    const after = server(roomId);
    const annaAgain = await after.join({ userId: 'user-anna' });
    expect(refusals(annaAgain)).toEqual(['banned']);
    expect(joined(annaAgain)).toBe(false);
    const eveAgain = await after.join({ kind: 'guest', inviteCode: 'shared-link', guestId: 'browser-of-eve' });
    expect(refusals(eveAgain)).toEqual(['banned']);
    const gina = await after.join({ kind: 'guest', inviteCode: 'shared-link', guestId: 'browser-of-gina' });
    expect(refusals(gina)).toEqual([]);
    expect(joined(gina)).toBe(true);
    // The moderator's snapshot lists them by name, without the account or guest identity.
    const chairAgain = await after.join({ role: 'moderator' });
    const bans = chairAgain.snapshot(moderationFeature).bans ?? [];
    expect(bans.map((b) => b.display_name).sort()).toEqual(['Anna', 'Eve']);
    expect(JSON.stringify(bans)).not.toMatch(/user-anna|browser-of-eve/);
    expect(gina.snapshot(moderationFeature).bans).toBeUndefined();
  });

  it('unban lifts the stored ban: the person can join again, also after a restart', async () => {
    const roomId = await newRoom();
    const first = server(roomId);
    const chair = await first.join({ role: 'moderator' });
    const anna = await first.join({ userId: 'user-anna', displayName: 'Anna' });
    await chair.send(moderationFeature, { action: 'ban', target: anna.id });

    const second = server(roomId);
    const chair2 = await second.join({ role: 'moderator' });
    const [ban] = chair2.snapshot(moderationFeature).bans ?? [];
    expect(ban?.display_name).toBe('Anna');
    await chair2.send(moderationFeature, { action: 'unban', ban_id: ban!.id });
    expect(chair2.messages(moderationFeature, 'ban_list').at(-1)?.bans).toEqual([]);
    expect(joined(await second.join({ userId: 'user-anna' }))).toBe(true);
    await chair2.send(moderationFeature, { action: 'unban', ban_id: ban!.id });
    expect(chair2.errors(moderationFeature).map((e) => e.error)).toEqual(['ban_not_found']);

    const third = server(roomId);
    expect(joined(await third.join({ userId: 'user-anna' }))).toBe(true);
  });

  it('the lock survives a restart until a moderator unlocks', async () => {
    const roomId = await newRoom();
    const first = server(roomId);
    const chair = await first.join({ role: 'moderator' });
    await chair.send(moderationFeature, { action: 'lock_room' });
    expect(chair.messages(moderationFeature, 'room_lock')).toEqual([{ message: 'room_lock', locked: true, by: chair.id }]);

    const second = server(roomId);
    expect(refusals(await second.join())).toEqual(['room_locked']);
    const chair2 = await second.join({ role: 'moderator' });
    expect(chair2.snapshot(moderationFeature).locked).toBe(true);
    await chair2.send(moderationFeature, { action: 'unlock_room' });

    const third = server(roomId);
    expect(joined(await third.join())).toBe(true);
  });

  it('a ban that cannot be stored is answered with an error and not done', async () => {
    // No such room in the database: the write fails (foreign key), the load of no bans does not.
    const t = server(crypto.randomUUID());
    const chair = await t.join({ role: 'moderator' });
    const anna = await t.join({ userId: 'user-anna' });
    await chair.send(moderationFeature, { action: 'ban', target: anna.id });
    expect(chair.errors(moderationFeature)).toMatchObject([{ error: 'internal_error', action: 'ban' }]);
    expect(anna.closedWith).toBeNull();
    expect(chair.messages(moderationFeature, 'ban_list')).toEqual([]);
    await chair.send(moderationFeature, { action: 'lock_room' });
    expect(chair.errors(moderationFeature).at(-1)).toMatchObject({ error: 'internal_error', action: 'lock_room' });
    expect(chair.messages(moderationFeature, 'room_lock')).toEqual([]);
    expect(joined(await t.join())).toBe(true);
  });

  it('a room that cannot read its bans admits moderators only (storage_unavailable) instead of someone it may have banned', async () => {
    const gone = await openStorage({});
    await gone.close();
    const t = new ModuleTester({ features: [moderationFeature], provide: [provide(moderationFeature, { store: new ModerationRepository(gone.db) })] });
    const chair = await t.join({ role: 'moderator' });
    expect(joined(chair)).toBe(true);
    const anna = await t.join({ userId: 'user-anna' });
    expect(refusals(anna)).toEqual(['storage_unavailable']);
    expect(joined(anna)).toBe(false);
    await chair.send(moderationFeature, { action: 'lock_room' });
    expect(chair.errors(moderationFeature).map((e) => e.error)).toEqual(['storage_unavailable']);
  });
});
