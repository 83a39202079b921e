import { useTranslation } from 'react-i18next';
import { chooseLanguage, currentLanguage, languages } from '../i18n/index.ts';
import { GlobeIcon } from './icons.tsx';

/** Two buttons rather than a select: both languages stay visible, each named in its own language. */
export function LanguageSwitch() {
  const { t } = useTranslation();
  const active = currentLanguage();
  return (
    <div className="language-switch" role="group" aria-label={t('language.label')}>
      <GlobeIcon />
      {languages.map((lang) => (
        <button
          key={lang}
          type="button"
          lang={lang}
          className="language-option"
          aria-pressed={lang === active}
          onClick={() => void chooseLanguage(lang)}
        >
          {t(`language.${lang}`)}
        </button>
      ))}
    </div>
  );
}
