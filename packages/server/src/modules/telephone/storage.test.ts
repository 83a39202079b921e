import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoomsRepository } from '../../storage/rooms.ts';
import { backends, openTestStorage } from '../../storage/testing.ts';
import { newDialInId, newPersonalPin, newPin, TelephoneRepository } from './storage.ts';

describe('dial-in IDs and PINs', () => {
  it('are 10 and 6 digits from the CSPRNG, the ID never starting with 0, and not sequential', () => {
    const ids = Array.from({ length: 200 }, newDialInId);
    for (const id of ids) expect(id).toMatch(/^[1-9][0-9]{9}$/);
    for (const pin of Array.from({ length: 200 }, newPin)) expect(pin).toMatch(/^[0-9]{6}$/);
    expect(new Set(ids).size).toBe(ids.length);
    const steps = ids.slice(1).map((id, i) => Number(id) - Number(ids[i]));
    expect(new Set(steps).size).toBeGreaterThan(1);
    for (const pin of Array.from({ length: 200 }, newPersonalPin)) expect(pin).toMatch(/^[0-9]{8}$/);
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

  async function newInvite(roomId: string, label: string | null = null): Promise<string> {
    const code = crypto.randomUUID().replace(/-/g, '').slice(0, 22);
    await storage.db.insertInto('invites').values({ code, room_id: roomId, label, password_hash: null, expires_at: null, revoked_at: null, created_by: ownerId }).execute();
    return code;
  }

  it('makes personal PINs lazily, 8 digits, one per invite of the room, and returns the same ones again', async () => {
    const repo = new TelephoneRepository(storage.db);
    const roomId = await newRoom();
    const [a, b] = [await newInvite(roomId, 'Anna'), await newInvite(roomId)];
    expect(await repo.personalPinsForCall(roomId)).toEqual([]);
    const first = await repo.personalPins(roomId, [a, b]);
    expect([...first.keys()].sort()).toEqual([a, b].sort());
    for (const pin of first.values()) expect(pin).toMatch(/^[0-9]{8}$/);
    expect(await repo.personalPins(roomId, [b, a])).toEqual(first);
    const forCall = await repo.personalPinsForCall(roomId);
    expect(forCall.map((c) => [c.invite_code, c.pin, c.label, c.revoked_at]).sort()).toEqual(
      [
        [a, first.get(a), 'Anna', null],
        [b, first.get(b), null, null],
      ].sort(),
    );
  });

  it('gives an invite of another room no PIN, and two requests at once one PIN per invite', async () => {
    const repo = new TelephoneRepository(storage.db);
    const [roomId, otherRoom] = [await newRoom(), await newRoom()];
    const foreign = await newInvite(otherRoom);
    const own = await newInvite(roomId);
    const [x, y] = await Promise.all([repo.personalPins(roomId, [own, foreign]), repo.personalPins(roomId, [own])]);
    expect([...x.keys()]).toEqual([own]);
    expect(y.get(own)).toBe(x.get(own));
    expect(await repo.personalPinsForCall(otherRoom)).toEqual([]);
  });

  it('draws again when a PIN is another invite\u2019s of the same room; another room may have the same PIN', async () => {
    const [roomId, otherRoom] = [await newRoom(), await newRoom()];
    const [a, b] = [await newInvite(roomId), await newInvite(roomId)];
    const drawn = ['11112222', '11112222', '33334444'];
    const repo = new TelephoneRepository(storage.db, { id: newDialInId, pin: newPin, personalPin: () => drawn.shift()! });
    const pins = await repo.personalPins(roomId, [a, b]);
    expect([pins.get(a), pins.get(b)]).toEqual(['11112222', '33334444']);
    const elsewhere = await new TelephoneRepository(storage.db, { id: newDialInId, pin: newPin, personalPin: () => '11112222' }).personalPins(otherRoom, [await newInvite(otherRoom)]);
    expect([...elsewhere.values()]).toEqual(['11112222']);
  });

  it('regenerates one invite\u2019s PIN or all of the room\u2019s; refuses non-digits; goes with its invite and its room', async () => {
    const repo = new TelephoneRepository(storage.db);
    const roomId = await newRoom();
    const [a, b] = [await newInvite(roomId), await newInvite(roomId)];
    const first = await repo.personalPins(roomId, [a, b]);
    expect(await repo.dropPersonalPins(roomId, a)).toBe(1);
    const second = await repo.personalPins(roomId, [a, b]);
    expect(second.get(b)).toBe(first.get(b));
    expect(second.get(a)).toMatch(/^[0-9]{8}$/);
    expect(await repo.dropPersonalPins(roomId)).toBe(2);
    expect(await repo.personalPinsForCall(roomId)).toEqual([]);
    await repo.personalPins(roomId, [a, b]);
    await expect(storage.db.updateTable('telephone_personal_pins').set({ pin: '123456' }).where('invite_code', '=', a).execute()).rejects.toThrow();
    await expect(storage.db.updateTable('telephone_personal_pins').set({ pin: '1234567a' }).where('invite_code', '=', a).execute()).rejects.toThrow();
    await storage.db.deleteFrom('invites').where('code', '=', a).execute();
    expect((await repo.personalPinsForCall(roomId)).map((c) => c.invite_code)).toEqual([b]);
    await storage.db.deleteFrom('rooms').where('id', '=', roomId).execute();
    expect(await storage.db.selectFrom('telephone_personal_pins').select('invite_code').where('invite_code', '=', b).execute()).toEqual([]);
  });
});
