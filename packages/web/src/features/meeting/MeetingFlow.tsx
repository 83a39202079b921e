import { useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { errorMessage } from '../../app/api.ts';
import { Loading } from '../../app/ui.tsx';
import { LocalMedia } from '../../meeting/localMedia.ts';
import { MeetingSession } from '../../meeting/meetingSession.ts';
import type { TicketSource } from '../../meeting/signalingClient.ts';
import { PreJoin } from '../media/PreJoin.tsx';
import { MeetingView } from './MeetingView.tsx';

/** How this person gets into the room: shown on the pre-join page, tickets fetched on "Join". */
export interface JoinPlan {
  roomName: string;
  guest: boolean;
  displayName: string;
  needsPassword: boolean;
  /** Called on "Join"; errors (wrong password, invite withdrawn) are shown on the pre-join page. */
  getTickets(choice: { displayName: string; password: string }): Promise<TicketSource>;
  footer?: ReactNode;
}

/** Pre-join → meeting → left; "join again" starts over with fresh devices. */
export function MeetingFlow({ plan }: { plan: JoinPlan }) {
  const [generation, setGeneration] = useState(0);
  return <Flow key={generation} plan={plan} onRestart={() => setGeneration((g) => g + 1)} />;
}

function Flow({ plan, onRestart }: { plan: JoinPlan; onRestart(): void }) {
  const { t } = useTranslation();
  const [local, setLocal] = useState<LocalMedia | null>(null);
  const [joined, setJoined] = useState<{ tickets: TicketSource; displayName: string } | null>(null);

  useEffect(() => {
    const media = new LocalMedia();
    setLocal(media);
    void media.acquire();
    return () => media.close();
  }, []);

  if (!local) return <Loading label={t('app.loading')} />;
  if (!joined) {
    return (
      <PreJoin
        roomName={plan.roomName}
        local={local}
        guest={plan.guest}
        initialName={plan.displayName}
        needsPassword={plan.needsPassword}
        footer={plan.footer}
        onJoin={async (choice) => {
          try {
            setJoined({ tickets: await plan.getTickets(choice), displayName: choice.displayName });
          } catch (err) {
            throw new Error(errorMessage(t, err));
          }
        }}
      />
    );
  }
  return <Meeting local={local} tickets={joined.tickets} displayName={plan.guest ? joined.displayName : undefined} onRestart={onRestart} />;
}

function Meeting({ local, tickets, displayName, onRestart }: { local: LocalMedia; tickets: TicketSource; displayName: string | undefined; onRestart(): void }) {
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
