import i18n from 'i18next';
import type { Catalogue } from './catalogue.ts';

export const languages = ['de', 'en'] as const;
export type Language = (typeof languages)[number];

/** Where an explicit choice is remembered; without one the browser's language decides. */
export const languageStorageKey = 'plenum.language';

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: Catalogue };
  }
}

export function currentLanguage(): Language {
  const lang = i18n.resolvedLanguage ?? i18n.language;
  return lang === 'de' ? 'de' : 'en';
}

/** Switches the UI language and remembers it for the next visit. */
export async function chooseLanguage(lang: Language): Promise<void> {
  try {
    localStorage.setItem(languageStorageKey, lang);
  } catch {
    // Storage can be disabled (private mode, policies); the choice then lasts for this page only.
  }
  await i18n.changeLanguage(lang);
}

export function formatDateTime(iso: string, lang: Language = currentLanguage()): string {
  return new Intl.DateTimeFormat(lang === 'de' ? 'de-DE' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}
