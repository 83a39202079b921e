import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { currentLanguage } from '../../i18n/index.ts';

/** Links to the JSON export and the PDF report, shown only when the server lets this viewer have them. */
export function Downloads({ voteId, title }: { voteId: string; title: string }) {
  const { t } = useTranslation();
  const [allowed, setAllowed] = useState(false);
  const base = `/v1/votes/${encodeURIComponent(voteId)}`;
  useEffect(() => {
    const abort = new AbortController();
    fetch(`${base}/export.json`, { method: 'HEAD', credentials: 'same-origin', signal: abort.signal })
      .then((res) => setAllowed(res.ok))
      .catch(() => setAllowed(false));
    return () => abort.abort();
  }, [base]);
  if (!allowed) return null;
  return (
    <p className="actions">
      <a className="button button-secondary button-small" href={`${base}/export.json`} download aria-label={t('legalVote.exportOf', { title })}>
        {t('legalVote.export')}
      </a>
      <a className="button button-secondary button-small" href={`${base}/report.pdf?${new URLSearchParams({ lang: currentLanguage(), tz: Intl.DateTimeFormat().resolvedOptions().timeZone }).toString()}`} download aria-label={t('legalVote.reportOf', { title })}>
        {t('legalVote.report')}
      </a>
    </p>
  );
}
