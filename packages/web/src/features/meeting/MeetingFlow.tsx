import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { errorMessage } from '../../app/api.ts';
import { LazyPart, lazyModule } from '../../app/lazy.tsx';
import { Loading } from '../../app/ui.tsx';
import { LocalMedia } from '../../meeting/localMedia.ts';
import type { TicketSource } from '../../meeting/signalingClient.ts';
import { PreJoin } from '../media/PreJoin.tsx';

/**
 * The meeting screen (signaling, media, every feature, the minutes editor) is not part of the pre-join page's
 * script: it is fetched while the person is on the pre-join page, and on "Join" at the latest.
 */
const MeetingScreen = lazyModule(() => import('./MeetingScreen.tsx'), 'Meeting');

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
    // Fetched ahead, so "Join" does not wait for it; a failure shows once the meeting screen is needed.
    MeetingScreen.preload().catch(() => undefined);
  }, []);

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
  return (
    <LazyPart label={t('app.loadingMeeting')}>
      <MeetingScreen.Component local={local} tickets={joined.tickets} displayName={plan.guest ? joined.displayName : undefined} onRestart={onRestart} />
    </LazyPart>
  );
}
