import type { StartResponse } from '@plenum/protocol';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../app/api.ts';
import { TicketRefusedError } from '../../meeting/signalingClient.ts';
import { grantEntry, grantedEntry, takeFreshTicket, ticketSource } from './joinStore.ts';

const start = (ticket: string): StartResponse => ({ ticket, resumption: 'r', signaling_url: 'ws://x/signaling', expires_in: 30 });
const roomId = '9f1d3b1e-2c4a-4c1e-8f57-2a9c1b0e6d11';

describe('join store', () => {
  it('hands out the first ticket once, then fresh ones with the resumption token', async () => {
    const asked: (string | undefined)[] = [];
    const source = ticketSource(start('first'), async (resumption) => {
      asked.push(resumption);
      return start(`fresh-${asked.length}`);
    });
    expect((await source.next(undefined)).ticket).toBe('first');
    expect((await source.next('r')).ticket).toBe('fresh-1');
    expect((await source.next(undefined)).ticket).toBe('fresh-2');
    expect(asked).toEqual(['r', undefined]);
  });

  it('passes network trouble on for a retry but refuses for good on a client error', async () => {
    const offline = ticketSource(null, () => Promise.reject(new ApiError(0, null)));
    await expect(offline.next('r')).rejects.toBeInstanceOf(ApiError);
    const revoked = ticketSource(null, () => Promise.reject(new ApiError(410, null)));
    await expect(revoked.next('r')).rejects.toBeInstanceOf(TicketRefusedError);
  });

  it('keeps a guest entry (with its invite) for this page, and its ticket usable once', () => {
    grantEntry({ roomId, roomName: 'Council', displayName: 'Anna', kind: 'guest', start: start('t'), invite: { code: 'c'.repeat(22) } });
    const entry = grantedEntry(roomId)!;
    expect(entry.displayName).toBe('Anna');
    expect(grantedEntry('00000000-0000-4000-8000-000000000000')).toBeNull();
    expect(takeFreshTicket(entry)?.ticket).toBe('t');
    expect(takeFreshTicket(entry)).toBeNull();
  });
});
