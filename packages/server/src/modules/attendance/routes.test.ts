import { execFileSync } from 'node:child_process';
import { MeetingList, PROTOCOL_VERSION, SIGNALING_SUBPROTOCOL } from '@plenum/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { backends } from '../../storage/testing.ts';
import { startTestServer, type TestServer } from '../../testing/server.ts';
import { AttendanceRepository } from './storage.ts';

type Who = { cookie?: string; csrf?: string };

describe.each(backends)('attendance API on %s', (backend) => {
  let server: TestServer;
  let owner: Who & { userId: string };
  let other: Who & { userId: string };
  let admin: Who & { userId: string };
  const anonymous: Who = {};
  let roomId: string;
  let otherRoomId: string;
  let meetingId: string;
  let foreignMeetingId: string;

  async function call(who: Who, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const h: Record<string, string> = { ...headers };
    if (who.cookie) h.cookie = who.cookie;
    if (who.csrf && method !== 'GET') h['x-csrf-token'] = who.csrf;
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await fetch(`${server.url}${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, type: res.headers.get('content-type') ?? '', disposition: res.headers.get('content-disposition'), bytes: Buffer.from(await res.arrayBuffer()) };
  }
  const json = (r: { bytes: Buffer }) => JSON.parse(r.bytes.toString('utf8'));

  beforeAll(async () => {
    server = await startTestServer({ backend });
    owner = await server.loginAs('user', 'Olga Owner');
    other = await server.loginAs('user', 'Otto Other');
    admin = await server.loginAs('admin', 'Ada Admin');
    roomId = json(await call(owner, 'POST', '/v1/rooms', { name: 'Bauausschuss' })).id;
    otherRoomId = json(await call(other, 'POST', '/v1/rooms', { name: 'Elsewhere' })).id;
    const repo = new AttendanceRepository(server.services.storage.db);
    meetingId = await repo.startMeeting(roomId, new Date('2026-03-02T17:00:00Z'));
    await repo.recordJoin(meetingId, { participantId: crypto.randomUUID(), displayName: 'Olga Owner', kind: 'user', at: new Date('2026-03-02T17:00:00Z') });
    await repo.recordJoin(meetingId, { participantId: crypto.randomUUID(), displayName: '@Gast Günther', kind: 'guest', at: new Date('2026-03-02T17:02:00Z') });
    await repo.endMeeting(meetingId, new Date('2026-03-02T17:45:00Z'));
    foreignMeetingId = await repo.startMeeting(otherRoomId, new Date('2026-03-02T09:00:00Z'));
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  describe('permission matrix', () => {
    const paths: [string, (room: string, meeting: string) => string][] = [
      ['list', (r) => `/v1/rooms/${r}/attendance`],
      ['csv', (r, m) => `/v1/rooms/${r}/attendance/${m}.csv`],
      ['pdf', (r, m) => `/v1/rooms/${r}/attendance/${m}.pdf`],
    ];
    const expected = { owner: 200, admin: 200, other: 403, anonymous: 401 } as const;
    for (const [name, path] of paths) {
      for (const [role, status] of Object.entries(expected) as [keyof typeof expected, number][]) {
        it(`${name} as ${role} → ${status}`, async () => {
          const who = { owner, admin, other, anonymous }[role];
          const res = await call(who, 'GET', path(roomId, meetingId));
          expect(res.status).toBe(status);
          if (status !== 200) {
            expect(res.type).toContain('application/problem+json');
            expect(json(res)).toMatchObject({ status, code: status === 401 ? 'PLENUM_ERR_UNAUTHENTICATED' : 'PLENUM_ERR_FORBIDDEN' });
            // Nothing of the report leaks into a refusal.
            expect(res.bytes.toString()).not.toContain('Günther');
          }
        });
      }
    }
  });

  it('lists the meetings of the room with their counts', async () => {
    const res = await call(owner, 'GET', `/v1/rooms/${roomId}/attendance`);
    expect(MeetingList.parse(json(res))).toEqual({
      meetings: [{ id: meetingId, room_id: roomId, started_at: '2026-03-02T17:00:00.000Z', ended_at: '2026-03-02T17:45:00.000Z', participant_count: 2 }],
    });
  });

  it('CSV: a file download with the people of the meeting, formula cells neutralised, language by header', async () => {
    const res = await call(owner, 'GET', `/v1/rooms/${roomId}/attendance/${meetingId}.csv`, undefined, { 'accept-language': 'de-DE,de;q=0.9' });
    expect(res.type).toBe('text/csv; charset=utf-8');
    expect(res.disposition).toBe(`attachment; filename="anwesenheit-2026-03-02-${meetingId.slice(0, 8)}.csv"`);
    expect(res.bytes.toString('utf8').replace(/^\uFEFF/, '').split('\r\n')).toEqual([
      'Name,Art,Beigetreten,Verlassen,Dauer (Minuten)',
      'Olga Owner,Benutzer,2026-03-02T17:00:00.000Z,2026-03-02T17:45:00.000Z,45.0',
      "'@Gast Günther,Gast,2026-03-02T17:02:00.000Z,2026-03-02T17:45:00.000Z,43.0",
      '',
    ]);
  });

  it('PDF: a real PDF whose text names the room and the people (?lang= and ?tz=)', async () => {
    const res = await call(admin, 'GET', `/v1/rooms/${roomId}/attendance/${meetingId}.pdf?lang=en&tz=Europe/Berlin`, undefined, { 'accept-language': 'de' });
    expect(res.type).toBe('application/pdf');
    const text = execFileSync('pdftotext', ['-layout', '-', '-'], { input: res.bytes, encoding: 'utf8', timeout: 20_000 });
    expect(text).toContain('Attendance report');
    expect(text).toContain('Bauausschuss');
    expect(text).toMatch(/@Gast Günther\s+Guest\s+2 Mar 2026, 18:02:00\s+2 Mar 2026, 18:45:00\s+0:43:00/);
  });

  it('refuses a meeting of another room, unknown meetings, bad ids and bad time zones', async () => {
    expect((await call(owner, 'GET', `/v1/rooms/${roomId}/attendance/${foreignMeetingId}.csv`)).status).toBe(404);
    expect((await call(owner, 'GET', `/v1/rooms/${roomId}/attendance/${crypto.randomUUID()}.pdf`)).status).toBe(404);
    expect((await call(owner, 'GET', `/v1/rooms/${crypto.randomUUID()}/attendance`)).status).toBe(404);
    expect((await call(owner, 'GET', `/v1/rooms/${roomId}/attendance/not-a-uuid.csv`)).status).toBe(400);
    expect((await call(owner, 'GET', `/v1/rooms/${roomId}/attendance/${meetingId}.csv?tz=Mars/Olympus`)).status).toBe(400);
    expect((await call(owner, 'GET', `/v1/rooms/${roomId}/attendance/${meetingId}.csv?lang=fr`)).status).toBe(400);
    // Another user's room: 403 even for a meeting that exists there.
    expect((await call(owner, 'GET', `/v1/rooms/${otherRoomId}/attendance/${foreignMeetingId}.csv`)).status).toBe(403);
  });

  it('the running server records a real join and leave over signaling; the moderator learns the meeting id', async () => {
    const roomOfChair = json(await call(owner, 'POST', '/v1/rooms', { name: 'Live' })).id as string;
    const start = json(await call(owner, 'POST', `/v1/rooms/${roomOfChair}/start`, {}));
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/signaling`, [SIGNALING_SUBPROTOCOL, `ticket.${start.ticket}`], { origin: server.url });
    const received: { namespace: string; payload: { message: string; [k: string]: unknown } }[] = [];
    ws.on('message', (data: Buffer) => received.push(JSON.parse(data.toString())));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ namespace: 'control', payload: { action: 'join', protocol_version: PROTOCOL_VERSION } }));
    await expect.poll(() => received.some((m) => m.payload.message === 'join_success'), { timeout: 10_000 }).toBe(true);
    const join = received.find((m) => m.payload.message === 'join_success')!.payload as unknown as { modules: { attendance: { meeting_id: string } } };
    const live = join.modules.attendance.meeting_id;
    // The room chose the id and writes the meeting behind join_success: it is in the list very soon after.
    await expect
      .poll(async () => MeetingList.parse(json(await call(owner, 'GET', `/v1/rooms/${roomOfChair}/attendance`))).meetings, { timeout: 10_000 })
      .toEqual([expect.objectContaining({ id: live, ended_at: null, participant_count: 1 })]);
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    ws.send(JSON.stringify({ namespace: 'control', payload: { action: 'leave' } }));
    await closed;
    await expect
      .poll(async () => MeetingList.parse(json(await call(owner, 'GET', `/v1/rooms/${roomOfChair}/attendance`))).meetings[0]?.ended_at, { timeout: 10_000 })
      .not.toBeNull();
    const csv = (await call(owner, 'GET', `/v1/rooms/${roomOfChair}/attendance/${live}.csv`)).bytes.toString('utf8');
    expect(csv).toMatch(/\r\nOlga Owner,User,\d{4}-.+Z,\d{4}-.+Z,\d+\.\d\r\n$/);
  });

  it('is documented in the OpenAPI description', async () => {
    const spec = json(await call(anonymous, 'GET', '/docs/json'));
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/v1/rooms/{id}/attendance', '/v1/rooms/{id}/attendance/{meetingId}.csv', '/v1/rooms/{id}/attendance/{meetingId}.pdf']),
    );
  });
});
