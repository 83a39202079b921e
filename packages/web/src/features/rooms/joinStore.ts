import type { StartResponse } from '@plenum/protocol';

/**
 * A granted entry to a room: what `start` / `start-invited` returned, plus what the pre-join summary shows.
 * Kept in memory only: the ticket is single-use and short-lived, so it must not outlive the page
 * (after a reload the person simply joins again). The meeting module takes it from here.
 */
export interface GrantedEntry {
  roomId: string;
  roomName: string | null;
  displayName: string;
  kind: 'user' | 'guest';
  start: StartResponse;
  grantedAt: number;
}

let granted: GrantedEntry | null = null;

export function grantEntry(entry: Omit<GrantedEntry, 'grantedAt'>): void {
  granted = { ...entry, grantedAt: Date.now() };
}

/** The entry for this room, if one was granted in this page's lifetime and its ticket has not expired. */
export function grantedEntry(roomId: string): GrantedEntry | null {
  if (!granted || granted.roomId !== roomId) return null;
  if (Date.now() > granted.grantedAt + granted.start.expires_in * 1000) return null;
  return granted;
}
