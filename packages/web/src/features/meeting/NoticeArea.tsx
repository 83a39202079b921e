import { useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import type { Notices } from '../../meeting/notices.ts';

/**
 * The meeting's notices: a short toast for each thing that happened to this person, in one live region
 * (present from the start, so screen readers read each added notice; removals are not read). Rendered in the
 * current language. Each toast can be closed; it also goes by itself after a few seconds.
 */
export function NoticeArea({ notices }: { notices: Notices }) {
  const { t } = useTranslation();
  const shown = useSyncExternalStore(notices.subscribe, notices.getSnapshot);
  return (
    <div className="notices" role="log" aria-live="polite" aria-relevant="additions" aria-label={t('call.notices')}>
      {shown.map((notice) => (
        <p key={notice.id} className="notice-toast">
          {/* A missing text shows its key, as i18next does by itself (the catalogue test keeps both languages complete). */}
          <span>{t(notice.key, { ...notice.values, defaultValue: notice.key })}</span>
          <button type="button" className="notice-close" aria-label={t('call.noticeDismiss')} onClick={() => notices.dismiss(notice.id)}>
            ×
          </button>
        </p>
      ))}
    </div>
  );
}
