import { describe, expect, it } from 'vitest';
import { ModuleTester, provide } from '../../signaling/testing.ts';
import { moderationFeature } from '../moderation/index.ts';
import { telephoneFeature } from './index.ts';
import type { DialInRow, TelephoneRepos } from './storage.ts';

/** One room's row in memory, made on first use like the real repository. */
function memoryRepos(): TelephoneRepos & { asked: number } {
  let row: DialInRow | undefined;
  const repos = {
    asked: 0,
    forRoom(roomId: string) {
      repos.asked++;
      row ??= { room_id: roomId, dial_in_id: '4711000042', pin: '080815', created_at: new Date(), updated_at: new Date() };
      return Promise.resolve(row);
    },
    regenerate: () => Promise.reject(new Error('not used')),
    byDialInId: () => Promise.resolve(undefined),
    personalPins: () => Promise.resolve(new Map<string, string>()),
    dropPersonalPins: () => Promise.resolve(0),
    personalPinsForCall: () => Promise.resolve([]),
  };
  return repos;
}

const moderationRepos = {
  store: {
    load: () => Promise.resolve({ bans: [], locked: false }),
    addBan: () => Promise.reject(new Error('not used')),
    removeBan: () => Promise.resolve(),
    setLocked: () => Promise.resolve(),
  },
};

describe('the telephone feature in the room', () => {
  it('answers get_dial_in to moderators, also one promoted during the meeting, and refuses the others', async () => {
    const repos = memoryRepos();
    const t = new ModuleTester({
      features: [moderationFeature, telephoneFeature],
      provide: [provide(telephoneFeature, repos), provide(moderationFeature, moderationRepos as never)],
      services: { telephone: { dialInNumber: '+49 361 555' } },
    });
    const chair = await t.join({ role: 'moderator', displayName: 'Chair' });
    const user = await t.join({ displayName: 'Ulla' });
    const caller = await t.join({ kind: 'sip', displayName: '+49 361 ••• 12' });

    await user.send(telephoneFeature, { action: 'get_dial_in' });
    expect(user.lastError(telephoneFeature)).toBe('forbidden');
    await caller.send(telephoneFeature, { action: 'get_dial_in' });
    expect(caller.lastError(telephoneFeature)).toBe('forbidden');
    expect(repos.asked).toBe(0);

    await chair.send(telephoneFeature, { action: 'get_dial_in' });
    expect(chair.messages(telephoneFeature, 'dial_in')).toEqual([{ message: 'dial_in', dial_in_number: '+49 361 555', dial_in_id: '4711000042', pin: '080815' }]);

    await chair.send(moderationFeature, { action: 'grant_moderator', target: user.id });
    await user.send(telephoneFeature, { action: 'get_dial_in' });
    expect(user.messages(telephoneFeature, 'dial_in')).toHaveLength(1);
    await t.settle();
    expect(caller.messages(telephoneFeature, 'dial_in')).toEqual([]);
  });

  it('does not let a phone caller be made moderator', async () => {
    const t = new ModuleTester({ features: [moderationFeature, telephoneFeature], provide: [provide(telephoneFeature, memoryRepos()), provide(moderationFeature, moderationRepos as never)] });
    const chair = await t.join({ role: 'moderator' });
    const caller = await t.join({ kind: 'sip', displayName: 'Telefon' });
    await chair.send(moderationFeature, { action: 'grant_moderator', target: caller.id });
    expect(chair.lastError(moderationFeature)).toBe('forbidden');
  });
});
