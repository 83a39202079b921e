import { useEffect, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import type { LocalMedia } from '../../meeting/localMedia.ts';
import { MeetingSession } from '../../meeting/meetingSession.ts';
import type { TicketSource } from '../../meeting/signalingClient.ts';
import { MeetingView } from './MeetingView.tsx';

/** The meeting itself, after "Join": its own chunk, loaded by MeetingFlow (see there). */
export function Meeting({ local, tickets, displayName, onRestart }: { local: LocalMedia; tickets: TicketSource; displayName: string | undefined; onRestart(): void }) {
  const [session, setSession] = useState<MeetingSession | null>(null);
  useEffect(() => {
    const created = new MeetingSession({ tickets, displayName }, local);
    setSession(created);
    created.start();
    // Closing the tab is leaving: the others should not wait for the resume window to see it.
    const leaveOnPageHide = (event: PageTransitionEvent) => {
      if (!event.persisted) created.leave();
    };
    window.addEventListener('pagehide', leaveOnPageHide);
    return () => {
      window.removeEventListener('pagehide', leaveOnPageHide);
      created.close();
    };
  }, [local, tickets, displayName]);
  if (!session) return null;
  return <SessionView session={session} local={local} onRestart={onRestart} />;
}

function SessionView({ session, local, onRestart }: { session: MeetingSession; local: LocalMedia; onRestart(): void }) {
  const { t } = useTranslation();
  const status = useSyncExternalStore(session.subscribe, () => session.snapshot.connection.status);
  useEffect(() => {
    // Leaving releases camera and microphone at once.
    if (status === 'left') local.close();
  }, [status, local]);
  if (status === 'left') {
    return (
      <section className="panel narrow left-panel" aria-labelledby="left-title">
        <h1 id="left-title">{t('call.leftTitle')}</h1>
        <p>{t('call.leftBody')}</p>
        <button type="button" className="button button-primary" onClick={onRestart}>
          {t('call.rejoin')}
        </button>
      </section>
    );
  }
  return <MeetingView session={session} local={local} onRejoin={onRestart} />;
}
