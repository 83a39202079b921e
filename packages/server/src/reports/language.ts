/** Language and time zone of documents made for a reader (PDFs, exports), shared by every feature's reports. */

export type ReportLanguage = 'de' | 'en';

/** Picks de or en from `?lang=` or the Accept-Language header (by q-value), English otherwise. */
export function reportLanguage(lang: ReportLanguage | undefined, acceptLanguage: string | undefined): ReportLanguage {
  if (lang) return lang;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { primary: tag.trim().toLowerCase().split('-')[0], q: q ? Number(q.slice(2)) : 1, index };
    })
    .filter((l) => l.q > 0 && (l.primary === 'de' || l.primary === 'en'))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return ranked[0]?.primary === 'de' ? 'de' : 'en';
}

/**
 * The time zone a report is written in: the reader's (`tz`, sent by the web client) or else the deployment's
 * (`TIME_ZONE`); the document states which. Undefined when `tz` is not an IANA zone.
 */
export function reportTimeZone(requested: string | undefined, deployment: string): string | undefined {
  return requested === undefined ? deployment : checkTimeZone(requested);
}

/** A valid IANA zone name, or undefined. */
export function checkTimeZone(zone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    return undefined;
  }
}
