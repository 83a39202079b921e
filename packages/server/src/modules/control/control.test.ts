import { JoinSuccess, PROTOCOL_VERSION } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import { ModuleTester } from '../../signaling/testing.ts';

describe('control', () => {
  it('join_success carries own identity, the others and each module snapshot; the others see joined', async () => {
    const t = new ModuleTester({ roomName: 'Gemeinderat' });
    const chair = await t.join({ displayName: 'Chair', role: 'moderator' });
    const member = await t.join({ displayName: 'Member' });
    const guest = await t.join({ displayName: 'Ticket name', kind: 'guest', join: { display_name: 'Gast Müller' } });

    const chairJoin = JoinSuccess.parse(chair.messages('control', 'join_success')[0]);
    expect(chairJoin).toMatchObject({ id: chair.id, role: 'moderator', kind: 'user', display_name: 'Chair', room: { name: 'Gemeinderat' }, resumed: false });
    expect(chairJoin.participants).toEqual([]);
    expect(chairJoin.protocol_version).toBe(PROTOCOL_VERSION);

    const guestJoin = JoinSuccess.parse(guest.messages('control', 'join_success')[0]);
    expect(guestJoin).toMatchObject({ role: 'participant', kind: 'guest', display_name: 'Gast Müller' });
    expect(guestJoin.participants.map((p) => [p.id, p.display_name, p.role])).toEqual([
      [chair.id, 'Chair', 'moderator'],
      [member.id, 'Member', 'participant'],
    ]);

    expect(chair.messages('control', 'joined').map((m) => (m.participant as { id: string }).id)).toEqual([member.id, guest.id]);
    expect(member.messages('control', 'joined').map((m) => (m.participant as { display_name: string }).display_name)).toEqual(['Gast Müller']);
    expect(guest.messages('control', 'joined')).toEqual([]);
  });

  it('users keep their account name even if join offers another', async () => {
    const t = new ModuleTester();
    const user = await t.join({ displayName: 'Anna Amt', join: { display_name: 'Bürgermeister' } });
    expect(user.messages('control', 'join_success')[0]).toMatchObject({ display_name: 'Anna Amt' });
  });

  it('refuses anything before join, a second join, and malformed commands — without changing state', async () => {
    const t = new ModuleTester();
    const a = await t.join({ displayName: 'A' });
    const early = t.connect({ ...a.admission, participantId: crypto.randomUUID(), resumption: 'r-early' });
    await early.send('control', { action: 'update_display_name', display_name: 'X' });
    expect(early.messages('control', 'error')).toEqual([{ message: 'error', error: 'not_joined', action: 'update_display_name' }]);

    a.clear();
    await a.send('control', { action: 'join', protocol_version: PROTOCOL_VERSION });
    await a.sendRaw('{not json');
    await a.sendRaw('"just a string"');
    await a.send('nope', { action: 'x' });
    await a.send('control', { action: 'fly' });
    await a.send('control', { action: 'update_display_name', display_name: 42 });
    await a.sendRaw(JSON.stringify({ namespace: 'control', payload: { action: 'leave' }, extra: 1 }));
    expect(a.messages('control', 'error').map((e) => e.error)).toEqual([
      'already_joined',
      'invalid_json',
      'invalid_envelope',
      'unknown_namespace',
      'unknown_action',
      'invalid_command',
      'invalid_envelope',
    ]);
    const invalid = a.messages('control', 'error')[5]!;
    expect(invalid.issues).toEqual([expect.objectContaining({ path: 'display_name' })]);
    expect((await t.room()).members.size).toBe(1);
    expect(a.closedWith).toBeNull();
  });

  it('refuses a payload that names another participant (strict schemas)', async () => {
    const t = new ModuleTester();
    const a = await t.join({ kind: 'guest', displayName: 'A' });
    const b = await t.join({ kind: 'guest', displayName: 'B' });
    await a.send('control', { action: 'update_display_name', display_name: 'Evil', id: b.id });
    await a.send('control', { action: 'leave', participant_id: b.id });
    expect(a.messages('control', 'error').map((e) => e.error)).toEqual(['invalid_command', 'invalid_command']);
    const room = await t.room();
    expect(room.members.get(b.id)?.displayName).toBe('B');
    expect(room.members.size).toBe(2);
    expect(b.messages('control', 'left')).toEqual([]);
  });

  it('guests may rename themselves (everyone sees update); users may not', async () => {
    const t = new ModuleTester();
    const user = await t.join({ displayName: 'User' });
    const guest = await t.join({ kind: 'guest', displayName: 'Gast' });
    await guest.send('control', { action: 'update_display_name', display_name: 'Frau Gast' });
    for (const p of [user, guest]) {
      expect(p.messages('control', 'update').at(-1)).toMatchObject({ participant: { id: guest.id, display_name: 'Frau Gast' } });
    }
    guest.clear();
    await user.send('control', { action: 'update_display_name', display_name: 'Someone Else' });
    expect(user.messages('control', 'error')).toEqual([{ message: 'error', error: 'forbidden', action: 'update_display_name' }]);
    expect(guest.messages('control', 'update')).toEqual([]);
  });

  it('rejects another protocol version with a typed reason and closes', async () => {
    const t = new ModuleTester();
    const old = t.connect({ roomId: t.roomId, participantId: crypto.randomUUID(), kind: 'user', displayName: 'Old', isRoomOwner: false, resumption: 'r1' });
    await old.send('control', { action: 'join', protocol_version: 'one' });
    expect(old.messages('control', 'error')[0]).toMatchObject({ error: 'invalid_command', action: 'join' });
    await old.send('control', { action: 'join', protocol_version: PROTOCOL_VERSION - 1 });
    expect(old.messages('control', 'error')[1]).toEqual({ message: 'error', error: 'protocol_version_mismatch', action: 'join', reason: 'client_too_old' });
    expect(old.closedWith?.code).toBe(4002);
    const newer = t.connect({ ...old.admission, participantId: crypto.randomUUID() });
    await newer.send('control', { action: 'join', protocol_version: PROTOCOL_VERSION + 1 });
    expect(newer.messages('control', 'error')[0]).toEqual({ message: 'error', error: 'protocol_version_mismatch', action: 'join', reason: 'server_too_old' });
    expect(newer.closedWith?.code).toBe(4002);
  });

  it('drop → resume within the window: same participant, nobody sees left', async () => {
    const t = new ModuleTester({ timings: { resumeWindowMs: 30_000 } });
    const a = await t.join({ displayName: 'A' });
    const b = await t.join({ displayName: 'B' });
    await b.drop();
    expect(a.messages('control', 'update').at(-1)).toMatchObject({ participant: { id: b.id, connection: 'disconnected' } });
    await t.advance(29_000);
    await b.resume();
    const again = b.messages('control', 'join_success').at(-1)!;
    expect(again).toMatchObject({ id: b.id, resumed: true });
    expect(a.messages('control', 'update').at(-1)).toMatchObject({ participant: { id: b.id, connection: 'connected' } });
    await t.advance(60_000);
    expect(a.messages('control', 'left')).toEqual([]);
    expect(a.messages('control', 'joined')).toHaveLength(1);
    expect((await t.room()).members.size).toBe(2);
  });

  it('drop without return → left (timeout) after the window; explicit leave → left at once and resumption revoked', async () => {
    const t = new ModuleTester({ timings: { resumeWindowMs: 30_000 } });
    const a = await t.join({ displayName: 'A' });
    const b = await t.join({ displayName: 'B' });
    const c = await t.join({ displayName: 'C' });
    await b.drop();
    await t.advance(29_999);
    expect(a.messages('control', 'left')).toEqual([]);
    await t.advance(1);
    expect(a.messages('control', 'left')).toEqual([{ message: 'left', id: b.id, reason: 'timeout' }]);
    expect(t.revokedResumptions).toEqual([]);

    await c.leave();
    expect(a.messages('control', 'left').at(-1)).toEqual({ message: 'left', id: c.id, reason: 'left' });
    expect(c.closedWith).toEqual({ code: 1000, reason: 'left' });
    expect(t.revokedResumptions).toEqual([c.admission.resumption]);
  });

  it('a second connection for the same participant replaces the first', async () => {
    const t = new ModuleTester();
    const a = await t.join({ displayName: 'A' });
    const b = await t.join({ displayName: 'B' });
    const tab2 = b.duplicate();
    await tab2.send('control', { action: 'join', protocol_version: PROTOCOL_VERSION });
    expect(b.closedWith?.code).toBe(4000);
    expect(tab2.messages('control', 'join_success')[0]).toMatchObject({ id: b.id, resumed: true });
    expect(a.messages('control', 'left')).toEqual([]);
    // The replaced socket's late close event changes nothing.
    await b.drop();
    expect((await t.room()).members.get(b.id)?.connection).toBe('connected');
  });

  it('an empty room closes after the grace period and opens fresh on the next join', async () => {
    const t = new ModuleTester({ timings: { emptyRoomGraceMs: 5_000 } });
    const a = await t.join();
    const firstRoom = await t.room();
    await a.leave();
    await t.advance(4_000);
    expect(firstRoom.closed).toBe(false);
    await t.advance(1_000);
    expect(firstRoom.closed).toBe(true);
    const b = await t.join();
    expect(b.messages('control', 'join_success')).toHaveLength(1);
    expect(await t.room()).not.toBe(firstRoom);
  });

  it('rate limits per connection and closes a sustained flood with 1008', async () => {
    const t = new ModuleTester({ timings: { commandsPerSecond: 10, commandBurst: 5, abuseRejections: 20, abuseWindowMs: 10_000 } });
    const g = await t.join({ kind: 'guest' });
    const other = await t.join();
    g.clear();
    for (let i = 0; i < 10; i++) await g.send('control', { action: 'update_display_name', display_name: `N${i}` });
    const errors = g.messages('control', 'error');
    // join took one token: 4 accepted, 6 refused
    expect(errors.filter((e) => e.error === 'rate_limited')).toHaveLength(6);
    expect(errors[0]!.retry_after_ms).toBeGreaterThan(0);
    await t.advance(1_000);
    await g.send('control', { action: 'update_display_name', display_name: 'Calm' });
    expect(g.messages('control', 'update').at(-1)).toMatchObject({ participant: { display_name: 'Calm' } });
    for (let i = 0; i < 40 && !g.closedWith; i++) await g.send('control', { action: 'update_display_name', display_name: 'Flood' });
    expect(g.closedWith?.code).toBe(1008);
    await t.settle();
    expect(other.messages('control', 'update').at(-1)).toMatchObject({ participant: { id: g.id, connection: 'disconnected' } });
  });

  it('closeRoom ends one room; a joiner who vanished before joining does not keep a room open', async () => {
    const t = new ModuleTester({ timings: { emptyRoomGraceMs: 1_000 } });
    const a = await t.join();
    const room = await t.room();
    await t.hub.closeRoom(t.roomId, 'room deleted');
    expect(a.messages('control', 'closing')).toEqual([{ message: 'closing', reason: 'room deleted' }]);
    expect(a.closedWith?.code).toBe(1001);
    expect(room.closed).toBe(true);

    const ghost = t.connect({ ...a.admission, participantId: crypto.randomUUID() });
    const joining = ghost.send('control', { action: 'join', protocol_version: PROTOCOL_VERSION });
    await ghost.drop();
    await joining;
    const second = await t.room();
    expect(second.members.size).toBe(0);
    await t.advance(1_000);
    expect(second.closed).toBe(true);
  });

  it('hub.close tells every room and closes with 1001', async () => {
    const t = new ModuleTester();
    const a = await t.join();
    const b = await t.join();
    const waiting = t.connect({ ...a.admission, participantId: crypto.randomUUID() });
    await t.hub.close('maintenance');
    for (const p of [a, b, waiting]) {
      expect(p.messages('control', 'closing')).toEqual([{ message: 'closing', reason: 'maintenance' }]);
      expect(p.closedWith?.code).toBe(1001);
    }
    expect(a.messages('control', 'left')).toEqual([]);
  });
});
