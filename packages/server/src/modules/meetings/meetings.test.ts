import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../signaling/clock.ts';
import { ModuleTester, provide } from '../../signaling/testing.ts';
import { telephoneFeature } from '../telephone/index.ts';
import { meetingsFeature } from './index.ts';
import type { MeetingRecord, MeetingsRepos } from './storage.ts';

const meeting = (over: Partial<MeetingRecord>): MeetingRecord => ({
  id: crypto.randomUUID(),
  room_id: 'r',
  organizer_id: crypto.randomUUID(),
  title: 'Rat',
  description: '',
  start_local: '2026-01-06T18:00',
  end_local: '2026-01-06T20:00',
  time_zone: 'Europe/Berlin',
  rrule: 'FREQ=WEEKLY;COUNT=3',
  exceptions: [],
  overrides: [],
  starts_at: new Date('2026-01-06T17:00:00Z'),
  ends_at: new Date('2026-01-06T19:00:00Z'),
  series_ends_at: new Date('2026-01-20T19:00:00Z'),
  waiting_room: false,
  password_required: false,
  sequence: 0,
  cancelled_at: null,
  created_at: new Date(),
  updated_at: new Date(),
  room_name: 'Ratssaal',
  room_owner_id: crypto.randomUUID(),
  organizer_name: 'Clerk',
  organizer_email: null,
  ...over,
});

describe('the meetings feature in the room', () => {
  it('tells anyone in the room the planned meeting running now or next, null when none', async () => {
    const list: MeetingRecord[] = [meeting({ title: 'Rat' }), meeting({ title: 'Ausschuss', rrule: null, start_local: '2026-01-14T09:00', end_local: '2026-01-14T10:00', starts_at: new Date('2026-01-14T08:00:00Z'), ends_at: new Date('2026-01-14T09:00:00Z'), series_ends_at: new Date('2026-01-14T09:00:00Z') })];
    const repos = { activeInRoom: () => Promise.resolve(list) } as unknown as MeetingsRepos;
    const clock = new ManualClock(new Date('2026-01-13T12:00:00Z'));
    const telephoneRepos = { forRoom: () => Promise.reject(new Error('not used')), regenerate: () => Promise.reject(new Error('not used')), byDialInId: () => Promise.resolve(undefined), personalPins: () => Promise.reject(new Error('not used')), dropPersonalPins: () => Promise.reject(new Error('not used')), personalPinsForCall: () => Promise.resolve([]) };
    const t = new ModuleTester({ features: [telephoneFeature, meetingsFeature], provide: [provide(meetingsFeature, repos), provide(telephoneFeature, telephoneRepos)], clock });
    const guest = await t.join({ kind: 'guest', displayName: 'Gast' });
    await guest.send(meetingsFeature, { action: 'get_planned' });
    // The weekly series' second occurrence (13 Jan, 18:00 Berlin) comes before the single one on 14 Jan.
    expect(guest.messages(meetingsFeature, 'planned')).toEqual([
      { message: 'planned', occurrence: { meeting_id: list[0]!.id, title: 'Rat', starts_at: '2026-01-13T17:00:00.000Z', ends_at: '2026-01-13T19:00:00.000Z' } },
    ]);
    list.length = 0;
    await guest.send(meetingsFeature, { action: 'get_planned' });
    expect(guest.messages(meetingsFeature, 'planned').at(-1)).toEqual({ message: 'planned', occurrence: null });
  });
});
