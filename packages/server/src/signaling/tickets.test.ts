import { describe, expect, it } from 'vitest';
import { TICKET_TTL_S, TicketService } from './tickets.ts';

const admission = { roomId: 'r1', kind: 'guest' as const, displayName: 'Gast', isRoomOwner: false };

describe('TicketService', () => {
  it('admits exactly once', () => {
    const t = new TicketService();
    const { ticket } = t.issue(admission, 'guest:a');
    expect(t.consume(ticket)?.displayName).toBe('Gast');
    expect(t.consume(ticket)).toBeNull();
    expect(t.consume('made-up')).toBeNull();
  });

  it('refuses an expired ticket', () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const t = new TicketService(() => now);
    const { ticket } = t.issue(admission, 'guest:a');
    now = new Date(now.getTime() + (TICKET_TTL_S + 1) * 1000);
    expect(t.consume(ticket)).toBeNull();
  });

  it('resumes the same participant only for the same room and identity', () => {
    const t = new TicketService();
    const first = t.issue(admission, 'user:1');
    const again = t.issue(admission, 'user:1', first.resumption);
    expect(again.participantId).toBe(first.participantId);
    expect(again.resumption).toBe(first.resumption);
    const stranger = t.issue(admission, 'user:2', first.resumption);
    expect(stranger.participantId).not.toBe(first.participantId);
    const otherRoom = t.issue({ ...admission, roomId: 'r2' }, 'user:1', first.resumption);
    expect(otherRoom.participantId).not.toBe(first.participantId);
  });
});
