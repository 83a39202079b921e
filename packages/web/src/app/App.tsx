import { useTranslation } from 'react-i18next';
import { BrowserRouter, Route, Routes } from 'react-router-dom';
import { InviteLandingPage } from '../features/invite/InviteLandingPage.tsx';
import { RoomPage } from '../features/rooms/RoomPage.tsx';
import { LazyPart, lazyModule } from './lazy.tsx';
import { Layout } from './Layout.tsx';
import { NotFoundPage } from './NotFoundPage.tsx';
import { SessionProvider, useSession } from './session.tsx';
import { StartPage } from './StartPage.tsx';
import { Loading, Notice } from './ui.tsx';

// Loaded on first use: the first page (start, invite, pre-join) carries no room list and no committee code.
const MyRooms = lazyModule(() => import('../features/rooms/MyRoomsPage.tsx'), 'MyRoomsPage');
const Committee = lazyModule(() => import('../features/agenda/CommitteePage.tsx'), 'CommitteePage');
const Dashboard = lazyModule(() => import('../features/meetings/DashboardPage.tsx'), 'DashboardPage');
const PlanMeeting = lazyModule(() => import('../features/meetings/PlanMeetingPage.tsx'), 'PlanMeetingPage');
const MeetingDetails = lazyModule(() => import('../features/meetings/MeetingPage.tsx'), 'MeetingPage');

/** `/`: the start page for visitors, the room list for logged-in users. */
function Home() {
  const { t } = useTranslation();
  const { session, reload } = useSession();
  switch (session.status) {
    case 'loading':
      return <Loading label={t('app.loading')} />;
    case 'anonymous':
      return <StartPage />;
    case 'user':
      return (
        <LazyPart label={t('app.loadingRooms')}>
          <MyRooms.Component me={session.me} />
        </LazyPart>
      );
    case 'error':
      return (
        <section className="panel narrow">
          <h1>{t('session.unreachable')}</h1>
          <Notice kind="error">{t('errors.network')}</Notice>
          <button type="button" className="button button-primary" onClick={reload}>
            {t('session.retry')}
          </button>
        </section>
      );
  }
}

function CommitteeRoute() {
  const { t } = useTranslation();
  return (
    <LazyPart label={t('app.loadingPage')}>
      <Committee.Component />
    </LazyPart>
  );
}

/** A page for logged-in users only (visitors see the start page with its login). */
function UserRoute({ page }: { page: 'dashboard' | 'plan' | 'meeting' }) {
  const { t } = useTranslation();
  const { session } = useSession();
  if (session.status === 'loading') return <Loading label={t('app.loading')} />;
  if (session.status !== 'user') return <StartPage />;
  return (
    <LazyPart label={t('app.loadingPage')}>
      {page === 'dashboard' ? <Dashboard.Component me={session.me} /> : page === 'plan' ? <PlanMeeting.Component me={session.me} /> : <MeetingDetails.Component />}
    </LazyPart>
  );
}

export function App() {
  return (
    <BrowserRouter>
      <SessionProvider>
        <Layout>
          <Routes>
            <Route path="/" element={<Home />} />
            <Route path="/invite/:code" element={<InviteLandingPage />} />
            <Route path="/rooms/:id" element={<RoomPage />} />
            <Route path="/rooms/:id/committee" element={<CommitteeRoute />} />
            <Route path="/meetings" element={<UserRoute page="dashboard" />} />
            <Route path="/meetings/plan" element={<UserRoute page="plan" />} />
            <Route path="/meetings/:id" element={<UserRoute page="meeting" />} />
            <Route path="*" element={<NotFoundPage />} />
          </Routes>
        </Layout>
      </SessionProvider>
    </BrowserRouter>
  );
}
