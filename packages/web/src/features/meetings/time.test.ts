import { describe, expect, it } from 'vitest';
import { joinState, parseInvitees, splitByDay } from './time.ts';

const at = (s: string) => new Date(s).getTime();

describe('dashboard times', () => {
  it('opens the join button ten minutes before the start and closes it at the end', () => {
    const o = { starts_at: new Date(2026, 2, 17, 18, 0).toISOString(), ends_at: new Date(2026, 2, 17, 20, 0).toISOString() };
    expect(joinState(o, new Date(2026, 2, 17, 17, 49).getTime())).toBe('early');
    expect(joinState(o, new Date(2026, 2, 17, 17, 50).getTime())).toBe('open');
    expect(joinState(o, new Date(2026, 2, 17, 19, 59).getTime())).toBe('open');
    expect(joinState(o, new Date(2026, 2, 17, 20, 0).getTime())).toBe('ended');
  });

  it('puts today’s meetings first and leaves out the ended ones', () => {
    const now = new Date(2026, 2, 17, 12, 0).getTime();
    const mk = (d: number, h: number) => ({ starts_at: new Date(2026, 2, d, h).toISOString(), ends_at: new Date(2026, 2, d, h + 1).toISOString() });
    const { today, later } = splitByDay([mk(17, 9), mk(17, 18), mk(18, 9), mk(24, 9)], now);
    expect(today).toEqual([mk(17, 18)]);
    expect(later).toEqual([mk(18, 9), mk(24, 9)]);
    expect(at(later[0]!.starts_at)).toBeGreaterThan(now);
  });

  it('reads invitees one per line, commas and semicolons too, and names the wrong ones', () => {
    expect(parseInvitees('Anna@Example.org\n guest@extern.example; anna@example.org,\nnot-an-address')).toEqual({
      emails: ['anna@example.org', 'guest@extern.example'],
      invalid: ['not-an-address'],
    });
  });
});
