import { useTranslation } from 'react-i18next';
import { loginUrl } from './session.tsx';
import { usePageTitle } from './ui.tsx';
import { EnterIcon } from './icons.tsx';

/** What a logged-out visitor sees at /. */
export function StartPage() {
  const { t } = useTranslation();
  usePageTitle(null);
  return (
    <div className="start">
      <section className="hero" aria-labelledby="start-title">
        <p className="eyebrow">{t('app.tagline')}</p>
        <h1 id="start-title">{t('start.title')}</h1>
        <p className="lead">{t('start.lead')}</p>
        <div className="hero-actions">
          <a className="button button-primary button-large" href={loginUrl('/')}>
            <EnterIcon />
            {t('session.logIn')}
          </a>
          <p className="hero-hint">{t('start.loginHint')}</p>
        </div>
      </section>
      <ul className="features">
        <li className="feature">
          <h2>{t('start.featureBrowserTitle')}</h2>
          <p>{t('start.featureBrowser')}</p>
        </li>
        <li className="feature">
          <h2>{t('start.featureRoomsTitle')}</h2>
          <p>{t('start.featureRooms')}</p>
        </li>
        <li className="feature">
          <h2>{t('start.featureOperatedTitle')}</h2>
          <p>{t('start.featureOperated')}</p>
        </li>
      </ul>
      <p className="guest-hint">{t('start.guestHint')}</p>
    </div>
  );
}
