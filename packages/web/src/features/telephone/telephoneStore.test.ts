import type { TelephoneDialIn } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../app/api.ts';
import { FeatureConnection } from '../../meeting/featureStore.ts';
import { FakeSignaling } from '../../meeting/testing/fakeSignaling.ts';
import { TelephoneStore, type TelephoneApi } from './telephoneStore.ts';

const ROOM = '00000000-0000-4000-8000-0000000000aa';
const dialIn: TelephoneDialIn = { dial_in_number: '+49 361 555', dial_in_id: '4711000042', pin: '080815' };
const renewed: TelephoneDialIn = { dial_in_number: '+49 361 555', dial_in_id: '5822111153', pin: '191926' };
const problem = (status: number, code: string) => new ApiError(status, { type: `urn:plenum:problem:${code}`, title: code, status, code });

/** A REST side that answers as told and records what it was asked. */
function fakeApi(answers: { get: () => Promise<TelephoneDialIn>; regenerate?: () => Promise<TelephoneDialIn> }): TelephoneApi & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    get(roomId) {
      calls.push(`get ${roomId}`);
      return answers.get();
    },
    regenerate(roomId, csrf) {
      calls.push(`regenerate ${roomId} ${csrf}`);
      return (answers.regenerate ?? (() => Promise.reject(new Error('not expected'))))();
    },
  };
}

function setUp(api: TelephoneApi) {
  const signaling = new FakeSignaling({ namespace: 'telephone', role: 'moderator', kind: 'user', room: { id: ROOM, name: 'Rat' } });
  const store = new TelephoneStore(new FeatureConnection(signaling), api);
  store.connect();
  signaling.join({});
  return { signaling, store };
}

describe('telephone store', () => {
  it('shows the owner the room\u2019s dial-in from REST and lets them give it a new ID and PIN', async () => {
    const api = fakeApi({ get: () => Promise.resolve(dialIn), regenerate: () => Promise.resolve(renewed) });
    const { store, signaling } = setUp(api);
    expect(store.getSnapshot().status).toBe('hidden');
    await store.load();
    expect(store.getSnapshot()).toMatchObject({ status: 'ready', dialIn, canRegenerate: true, renewed: false });
    expect(signaling.sent).toEqual([]);

    await store.regenerate('csrf-1');
    expect(api.calls).toEqual([`get ${ROOM}`, `regenerate ${ROOM} csrf-1`]);
    expect(store.getSnapshot()).toMatchObject({ status: 'ready', dialIn: renewed, renewed: true, busy: false, renewError: null });
  });

  it('keeps showing the details while it reads them again', async () => {
    let answer: (d: TelephoneDialIn) => void = () => {};
    const pending: Promise<TelephoneDialIn>[] = [Promise.resolve(dialIn), new Promise<TelephoneDialIn>((resolve) => (answer = resolve))];
    const { store } = setUp(fakeApi({ get: () => pending.shift()! }));
    await store.load();
    const statuses: string[] = [];
    store.subscribe(() => statuses.push(store.getSnapshot().status));
    const again = store.load();
    expect(store.getSnapshot()).toMatchObject({ status: 'ready', dialIn });
    answer(renewed);
    await again;
    expect(statuses).not.toContain('loading');
    expect(store.getSnapshot().dialIn).toEqual(renewed);
  });

  it('asks the room when REST refuses (a moderator promoted in the meeting): no new-PIN button', async () => {
    const { store, signaling } = setUp(fakeApi({ get: () => Promise.reject(problem(403, 'PLENUM_ERR_FORBIDDEN')) }));
    await store.load();
    expect(signaling.payloads).toEqual([{ action: 'get_dial_in' }]);
    expect(store.getSnapshot().status).toBe('loading');
    signaling.deliver({ message: 'dial_in', ...dialIn });
    expect(store.getSnapshot()).toMatchObject({ status: 'ready', dialIn, canRegenerate: false });
    await store.regenerate('csrf-1');
    expect(store.getSnapshot().dialIn).toEqual(dialIn);
  });

  it('shows nothing when the room refuses too, or the server has no dial-in', async () => {
    const refused = setUp(fakeApi({ get: () => Promise.reject(problem(403, 'PLENUM_ERR_FORBIDDEN')) }));
    await refused.store.load();
    refused.signaling.deliver({ message: 'error', error: 'forbidden', action: 'get_dial_in' });
    expect(refused.store.getSnapshot()).toMatchObject({ status: 'hidden', dialIn: null });

    const off = setUp(fakeApi({ get: () => Promise.reject(problem(404, 'PLENUM_ERR_NOT_FOUND')) }));
    await off.store.load();
    expect(off.store.getSnapshot()).toMatchObject({ status: 'hidden', dialIn: null });
    expect(off.signaling.sent).toEqual([]);
  });

  it('says when loading failed, and keeps the old details when a new PIN fails', async () => {
    const broken = setUp(fakeApi({ get: () => Promise.reject(new ApiError(0, null)) }));
    await broken.store.load();
    expect(broken.store.getSnapshot().status).toBe('error');

    const failure = problem(403, 'PLENUM_ERR_CSRF');
    const { store } = setUp(fakeApi({ get: () => Promise.resolve(dialIn), regenerate: () => Promise.reject(failure) }));
    await store.load();
    await store.regenerate(undefined);
    expect(store.getSnapshot()).toMatchObject({ status: 'ready', dialIn, renewed: false, busy: false, renewError: failure });
  });

  it('ignores a malformed dial_in message', async () => {
    const { store, signaling } = setUp(fakeApi({ get: () => Promise.reject(problem(403, 'PLENUM_ERR_FORBIDDEN')) }));
    await store.load();
    signaling.deliver({ message: 'dial_in', dial_in_id: 4711 });
    expect(store.getSnapshot()).toMatchObject({ status: 'loading', dialIn: null });
  });
});
