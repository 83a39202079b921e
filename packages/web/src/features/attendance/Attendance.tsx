import { MeetingList, type MeetingSummary } from '@plenum/protocol';
import { useEffect, useId, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { apiRequest, errorMessage, isAbort } from '../../app/api.ts';
import { currentLanguage, formatDateTime } from '../../i18n/index.ts';
import type { SlotProps } from '../feature.ts';
import type { AttendanceStore } from './attendanceStore.ts';

/** Report links of one meeting: the reader's language and time zone go along. */
function reportUrls(roomId: string, meetingId: string): { csv: string; pdf: string } {
  const query = new URLSearchParams({ lang: currentLanguage(), tz: Intl.DateTimeFormat().resolvedOptions().timeZone }).toString();
  const base = `/v1/rooms/${encodeURIComponent(roomId)}/attendance/${encodeURIComponent(meetingId)}`;
  return { csv: `${base}.csv?${query}`, pdf: `${base}.pdf?${query}` };
}

/** In the meeting, for moderators of the room's owner or an admin: the running meeting's attendance as CSV or PDF. */
export function MeetingAttendance({ store }: SlotProps<AttendanceStore>) {
  const { t } = useTranslation();
  const titleId = useId();
  const { meeting } = useSyncExternalStore(store.subscribe, store.getSnapshot);
  if (!meeting) return null;
  const urls = reportUrls(meeting.roomId, meeting.meetingId);
  return (
    <section className="attendance" aria-labelledby={titleId}>
      <h3 id={titleId}>{t('attendance.title')}</h3>
      <p className="actions">
        <a className="button button-secondary button-small" href={urls.csv} download>
          {t('attendance.csv')}
        </a>
        <a className="button button-secondary button-small" href={urls.pdf} download>
          {t('attendance.pdf')}
        </a>
      </p>
    </section>
  );
}

/** In a room card: the room's past meetings with their reports. */
export function RoomAttendance({ roomId }: { roomId: string }) {
  const { t } = useTranslation();
  const [meetings, setMeetings] = useState<MeetingSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    apiRequest(`/v1/rooms/${encodeURIComponent(roomId)}/attendance`, MeetingList, { signal: abort.signal })
      .then((list) => setMeetings(list.meetings))
      .catch((err: unknown) => {
        if (!isAbort(err)) setError(errorMessage(t, err));
      });
    return () => abort.abort();
  }, [roomId, t]);
  if (error) return <p role="alert">{error}</p>;
  if (!meetings) return <p className="muted">{t('app.loading')}</p>;
  if (meetings.length === 0) return <p className="muted">{t('attendance.none')}</p>;
  return (
    <ul className="attendance-meetings">
      {meetings.map((m) => {
        const urls = reportUrls(roomId, m.id);
        const when = t('attendance.meeting', {
          start: formatDateTime(m.started_at),
          end: m.ended_at ? formatDateTime(m.ended_at) : t('attendance.ongoing'),
          count: m.participant_count,
        });
        return (
          <li key={m.id}>
            <span>{when}</span>{' '}
            <a href={urls.csv} download aria-label={t('attendance.csvOf', { meeting: when })}>
              {t('attendance.csv')}
            </a>{' '}
            <a href={urls.pdf} download aria-label={t('attendance.pdfOf', { meeting: when })}>
              {t('attendance.pdf')}
            </a>
          </li>
        );
      })}
    </ul>
  );
}
