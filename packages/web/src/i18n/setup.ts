import i18n from 'i18next';
import LanguageDetector from 'i18next-browser-languagedetector';
import { initReactI18next } from 'react-i18next';
import { catalogueOf } from './catalogue.ts';
import { currentLanguage, languageStorageKey, languages } from './index.ts';

/**
 * Loads the catalogues and detects the language; called once before the app renders. Apart from
 * `index.ts` (which every component uses) because the catalogue imports the features, which import `index.ts`.
 */
export async function initI18n(): Promise<typeof i18n> {
  i18n.on('languageChanged', () => {
    document.documentElement.lang = currentLanguage();
  });
  await i18n
    .use(LanguageDetector)
    .use(initReactI18next)
    .init({
      resources: { en: { translation: catalogueOf('en') }, de: { translation: catalogueOf('de') } },
      supportedLngs: [...languages],
      nonExplicitSupportedLngs: true,
      load: 'languageOnly',
      fallbackLng: 'en',
      detection: {
        order: ['localStorage', 'navigator'],
        lookupLocalStorage: languageStorageKey,
        // Only an explicit choice is stored (chooseLanguage); otherwise the browser's language keeps deciding.
        caches: [],
      },
      // React escapes what it renders.
      interpolation: { escapeValue: false },
      returnNull: false,
    });
  document.documentElement.lang = currentLanguage();
  return i18n;
}
