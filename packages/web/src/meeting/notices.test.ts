import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Notices } from './notices.ts';

describe('notices', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows each notice for a while, at most three at once, and can be dismissed or closed', () => {
    const notices = new Notices(8_000);
    let changes = 0;
    notices.subscribe(() => changes++);
    notices.post('call.noticeMuted');
    vi.advanceTimersByTime(4_000);
    notices.post('breakout.noticeMoved', { name: 'Room 2' });
    expect(notices.getSnapshot().map((n) => [n.key, n.values])).toEqual([
      ['call.noticeMuted', {}],
      ['breakout.noticeMoved', { name: 'Room 2' }],
    ]);
    vi.advanceTimersByTime(4_000);
    expect(notices.getSnapshot().map((n) => n.key)).toEqual(['breakout.noticeMoved']);
    notices.post('call.noticeMadeModerator');
    notices.post('call.noticeModeratorRemoved');
    notices.post('speakerQueue.noticeFloor');
    expect(notices.getSnapshot().map((n) => n.key)).toEqual(['call.noticeMadeModerator', 'call.noticeModeratorRemoved', 'speakerQueue.noticeFloor']);
    const [first] = notices.getSnapshot();
    notices.dismiss(first!.id);
    expect(notices.getSnapshot()).toHaveLength(2);
    notices.close();
    expect(notices.getSnapshot()).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
    expect(changes).toBe(8);
  });
});
