import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoomsRepository } from '../../storage/rooms.ts';
import { backends, openTestStorage } from '../../storage/testing.ts';
import { newDialInId, newPin, TelephoneRepository } from './storage.ts';

describe('dial-in IDs and PINs', () => {
  it('are 10 and 6 digits from the CSPRNG, the ID never starting with 0, and not sequential', () => {
    const ids = Array.from({ length: 200 }, newDialInId);
    for (const id of ids) expect(id).toMatch(/^[1-9][0-9]{9}$/);
    for (const pin of Array.from({ length: 200 }, newPin)) expect(pin).toMatch(/^[0-9]{6}$/);
    expect(new Set(ids).size).toBe(ids.length);
    const steps = ids.slice(1).map((id, i) => Number(id) - Number(ids[i]));
    expect(new Set(steps).size).toBeGreaterThan(1);
  });
});

describe.each(backends)('telephone dial-in storage on %s', (backend) => {
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

  it('makes a room its ID and PIN on first use and then returns the same ones', async () => {
    const repo = new TelephoneRepository(storage.db);
    const roomId = await newRoom();
    const first = await repo.forRoom(roomId);
    expect(first.dial_in_id).toMatch(/^[1-9][0-9]{9}$/);
    expect(first.pin).toMatch(/^[0-9]{6}$/);
    const again = await repo.forRoom(roomId);
    expect([again.dial_in_id, again.pin]).toEqual([first.dial_in_id, first.pin]);
    expect(await repo.byDialInId(first.dial_in_id)).toEqual({ room_id: roomId, pin: first.pin });
  });

  it('gives two rooms asking at once one row each, and one room asked twice at once one row', async () => {
    const repo = new TelephoneRepository(storage.db);
    const [a, b] = [await newRoom(), await newRoom()];
    const rows = await Promise.all([repo.forRoom(a), repo.forRoom(a), repo.forRoom(b)]);
    expect(rows[0]!.dial_in_id).toBe(rows[1]!.dial_in_id);
    expect(rows[2]!.dial_in_id).not.toBe(rows[0]!.dial_in_id);
    const count = await storage.db.selectFrom('telephone_dial_ins').select((eb) => eb.fn.countAll<string>().as('n')).where('room_id', '=', a).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
  });

  it('draws again when a new ID is already another room\u2019s (the unique index decides)', async () => {
    const taken = await new TelephoneRepository(storage.db).forRoom(await newRoom());
    const drawn = [taken.dial_in_id, taken.dial_in_id, '5550001112'];
    const repo = new TelephoneRepository(storage.db, { id: () => drawn.shift()!, pin: () => '123456' });
    const roomId = await newRoom();
    const row = await repo.forRoom(roomId);
    expect(row.dial_in_id).toBe('5550001112');
    expect(drawn).toEqual([]);
    const regenerated = [taken.dial_in_id, '5550001113'];
    const again = await new TelephoneRepository(storage.db, { id: () => regenerated.shift()!, pin: () => '654321' }).regenerate(roomId);
    expect([again.dial_in_id, again.pin]).toEqual(['5550001113', '654321']);
    // The other room kept its ID.
    expect((await new TelephoneRepository(storage.db).byDialInId(taken.dial_in_id))?.room_id).not.toBe(roomId);
  });

  it('regenerates: the old ID stops working at once, the new one leads to the room', async () => {
    const repo = new TelephoneRepository(storage.db);
    const roomId = await newRoom();
    const old = await repo.forRoom(roomId);
    const fresh = await repo.regenerate(roomId);
    expect(fresh.dial_in_id).not.toBe(old.dial_in_id);
    expect(await repo.byDialInId(old.dial_in_id)).toBeUndefined();
    expect(await repo.byDialInId(fresh.dial_in_id)).toEqual({ room_id: roomId, pin: fresh.pin });
    expect(await repo.forRoom(roomId)).toMatchObject({ dial_in_id: fresh.dial_in_id, pin: fresh.pin });
  });

  it('refuses IDs and PINs that are not digits, and goes with its room', async () => {
    const roomId = await newRoom();
    await expect(storage.db.insertInto('telephone_dial_ins').values({ room_id: roomId, dial_in_id: '12ab', pin: '123456' }).execute()).rejects.toThrow();
    await expect(storage.db.insertInto('telephone_dial_ins').values({ room_id: roomId, dial_in_id: '1234567890', pin: '12 34' }).execute()).rejects.toThrow();
    const row = await new TelephoneRepository(storage.db).forRoom(roomId);
    await storage.db.deleteFrom('rooms').where('id', '=', roomId).execute();
    expect(await new TelephoneRepository(storage.db).byDialInId(row.dial_in_id)).toBeUndefined();
  });
});
