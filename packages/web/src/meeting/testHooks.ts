import type { MeetingSession } from './meetingSession.ts';

/**
 * A deliberate, minimal hook for the end-to-end tests (e2e/meeting-*.test.ts): they read WebRTC statistics
 * (decoded frames, audio energy) that no person can see, and cut the signaling connection as a network
 * failure would. It is installed only when the page already has `window.__plenumTestHooks` (the test
 * defines it with an init script before the app loads), so ordinary pages expose nothing; and it exposes
 * nothing a person could not reach through the browser's developer tools anyway.
 */
export interface PlenumTestHooks {
  meeting?: {
    connections: MeetingSession['media']['connections'];
    dropSignaling(): void;
    participantId(): string | null;
  };
}

declare global {
  interface Window {
    __plenumTestHooks?: PlenumTestHooks;
  }
}

export function registerTestHooks(session: MeetingSession): () => void {
  const hooks = typeof window === 'undefined' ? undefined : window.__plenumTestHooks;
  if (!hooks || typeof hooks !== 'object') return () => {};
  const entry = {
    connections: () => session.media.connections(),
    dropSignaling: () => session.signaling.dropConnection(),
    participantId: () => session.snapshot.self?.id ?? null,
  };
  hooks.meeting = entry;
  return () => {
    if (hooks.meeting === entry) delete hooks.meeting;
  };
}
