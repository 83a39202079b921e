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
            <Route path="*" element={<NotFoundPage />} />
          </Routes>
        </Layout>
      </SessionProvider>
    </BrowserRouter>
  );
}
