import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router-dom';
import { errorMessage } from './api.ts';
import { LogoMark, UserIcon } from './icons.tsx';
import { LanguageSwitch } from './LanguageSwitch.tsx';
import { useSession } from './session.tsx';

export function Layout({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const { session, logOut } = useSession();
  const [loggingOut, setLoggingOut] = useState(false);
  const [logoutError, setLogoutError] = useState<string | null>(null);
  const mainRef = useRef<HTMLElement>(null);
  const location = useLocation();
  const firstPath = useRef(location.pathname);

  // After client-side navigation, move focus to the new content (as a full page load would), not on first load.
  useEffect(() => {
    if (location.pathname === firstPath.current) return;
    firstPath.current = '';
    mainRef.current?.focus();
  }, [location.pathname]);

  async function handleLogout() {
    setLoggingOut(true);
    setLogoutError(null);
    try {
      await logOut();
    } catch (err) {
      setLogoutError(errorMessage(t, err));
      setLoggingOut(false);
    }
  }

  return (
    <div className="page">
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="site-header">
        <div className="container header-inner">
          <Link to="/" className="brand">
            <LogoMark />
            <span className="brand-name">{t('app.name')}</span>
          </Link>
          <div className="header-tools">
            <LanguageSwitch />
            {session.status === 'user' && (
              <nav aria-label={t('app.mainNavigation')} className="main-nav">
                <Link to="/">{t('rooms.title')}</Link>
                <Link to="/meetings">{t('meetings.nav')}</Link>
              </nav>
            )}
            {session.status === 'user' && (
              <div className="user-menu">
                <p className="user-name">
                  <UserIcon />
                  <span className="visually-hidden">{t('session.signedInAs')} </span>
                  {session.me.display_name}
                </p>
                <button type="button" className="button button-secondary button-small" onClick={() => void handleLogout()} disabled={loggingOut}>
                  {loggingOut ? t('session.loggingOut') : t('session.logOut')}
                </button>
              </div>
            )}
          </div>
        </div>
        {logoutError && (
          <div className="container">
            <p className="header-error" role="alert">
              {logoutError}
            </p>
          </div>
        )}
      </header>
      <main id="main" ref={mainRef} tabIndex={-1} className="container main">
        {children}
      </main>
      <footer className="site-footer">
        <div className="container">
          <p>{t('app.footer')}</p>
        </div>
      </footer>
    </div>
  );
}
