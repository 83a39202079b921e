import { MeetingDetails, UpcomingList, type MeetingOccurrence } from '@plenum/protocol';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { ApiError, apiRequest, errorMessage, isAbort } from '../../app/api.ts';
import { NotFoundPage } from '../../app/NotFoundPage.tsx';
import { Loading, Notice, usePageTitle } from '../../app/ui.tsx';
import { currentLanguage } from '../../i18n/index.ts';
import { JOIN_EARLY_MINUTES, joinState, recurrenceInWords } from './time.ts';

type State =
  | { status: 'loading' }
  | { status: 'loaded'; meeting: MeetingDetails; next: MeetingOccurrence | null }
  | { status: 'missing' }
  | { status: 'failed'; error: unknown };

/** "Dienstag, 17. März 2026, 18:00–20:00 (Europe/Berlin)": in the meeting's own time zone. */
function whenInZone(startsAt: string, endsAt: string, zone: string): string {
  const locale = currentLanguage() === 'de' ? 'de-DE' : 'en-GB';
  const day = new Intl.DateTimeFormat(locale, { timeZone: zone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
  const time = new Intl.DateTimeFormat(locale, { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const s = new Date(startsAt);
  const e = new Date(endsAt);
  const sameDay = day.format(s) === day.format(e);
  return sameDay ? `${day.format(s)}, ${time.format(s)}–${time.format(e)} (${zone})` : `${day.format(s)}, ${time.format(s)} – ${day.format(e)}, ${time.format(e)} (${zone})`;
}

/** Re-renders every 20 s, so the join button opens without a reload. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 20_000);
    return () => clearInterval(id);
  }, []);
  return now;
}

/** /meetings/:id: a planned meeting's details, its invitees and, for a committee session, the room's agenda. */
export function MeetingPage() {
  const { id = '' } = useParams();
  if (!/^[0-9a-f-]{36}$/i.test(id)) return <NotFoundPage />;
  return <MeetingDetailsView key={id} id={id} />;
}

function MeetingDetailsView({ id }: { id: string }) {
  const { t } = useTranslation();
  const now = useNow();
  const [state, setState] = useState<State>({ status: 'loading' });
  const [version, setVersion] = useState(0);
  usePageTitle(state.status === 'loaded' ? state.meeting.title : state.status === 'missing' ? t('notFound.title') : t('meetingPage.title'));

  useEffect(() => {
    const abort = new AbortController();
    const signal = abort.signal;
    Promise.all([
      apiRequest(`/v1/meetings/${id}`, MeetingDetails, { signal }),
      // The next occurrence (or the running one) from the same list as the dashboard's.
      apiRequest(`/v1/meetings?from=${encodeURIComponent(new Date(Date.now() - 12 * 3600_000).toISOString())}&days=366`, UpcomingList, { signal }),
    ]).then(
      ([meeting, upcoming]) => {
        const next = upcoming.occurrences.find((o) => o.meeting_id === meeting.id && Date.parse(o.ends_at) > Date.now()) ?? null;
        setState({ status: 'loaded', meeting, next });
      },
      (err: unknown) => {
        if (isAbort(err)) return;
        // Unknown, or not ours to see: the server says 404 (or 403) and the page says nothing more.
        if (err instanceof ApiError && (err.status === 404 || err.status === 403)) setState({ status: 'missing' });
        else setState({ status: 'failed', error: err });
      },
    );
    return () => abort.abort();
  }, [id, version]);

  if (state.status === 'loading') return <Loading label={t('app.loading')} />;
  if (state.status === 'missing') return <NotFoundPage />;
  if (state.status === 'failed') {
    return (
      <Notice kind="error" live="assertive">
        <p>
          {t('meetingPage.loadFailed')} {errorMessage(t, state.error)}
        </p>
        <button type="button" className="button button-secondary button-small" onClick={() => setVersion((v) => v + 1)}>
          {t('session.retry')}
        </button>
      </Notice>
    );
  }
  const { meeting: m, next } = state;
  const lang = currentLanguage() === 'de' ? 'de' : 'en';
  const recurrence = recurrenceInWords(m.recurrence, lang);
  const join = next ? joinState(next, now) : 'ended';
  const opensAt = next
    ? new Intl.DateTimeFormat(lang === 'de' ? 'de-DE' : 'en-GB', { hour: '2-digit', minute: '2-digit' }).format(new Date(Date.parse(next.starts_at) - JOIN_EARLY_MINUTES * 60_000))
    : '';
  return (
    <div className="meetings-page meeting-page">
      <p>
        <Link to="/meetings">{t('meetingPage.back')}</Link>
      </p>
      <section className="card" aria-labelledby="meeting-title">
        <h1 id="meeting-title">{m.title}</h1>
        {m.cancelled && <Notice kind="info">{t('meetingPage.cancelled')}</Notice>}
        <dl className="meeting-facts">
          <dt>{recurrence ? t('meetingPage.first') : t('meetingPage.when')}</dt>
          <dd>
            <time dateTime={m.starts_at}>{whenInZone(m.starts_at, m.ends_at, m.time_zone)}</time>
          </dd>
          {recurrence && (
            <>
              <dt>{t('meetingPage.recurrence')}</dt>
              <dd>{recurrence}</dd>
            </>
          )}
          {recurrence && next && next.starts_at !== m.starts_at && (
            <>
              <dt>{t('meetingPage.next')}</dt>
              <dd>
                <time dateTime={next.starts_at}>{whenInZone(next.starts_at, next.ends_at, m.time_zone)}</time>
              </dd>
            </>
          )}
          <dt>{t('meetingPage.room')}</dt>
          <dd>{m.room_name}</dd>
          <dt>{t('meetingPage.organizer')}</dt>
          <dd>{m.organizer.name}</dd>
          {m.waiting_room && (
            <>
              <dt>{t('meetingPage.waitingRoom')}</dt>
              <dd>{t('meetingPage.waitingRoomOn')}</dd>
            </>
          )}
        </dl>
        {m.description && <p className="meeting-description">{m.description}</p>}
        {!m.cancelled && (
          <div className="meeting-item-actions meeting-page-join">
            {join === 'open' ? (
              <a className="button button-primary" href={new URL(m.join_url).pathname} aria-label={t('meetings.joinTitle', { title: m.title })}>
                {t('meetings.join')}
              </a>
            ) : (
              <>
                <button type="button" className="button button-primary" disabled aria-describedby="meeting-join-hint" aria-label={t('meetings.joinTitle', { title: m.title })}>
                  {t('meetings.join')}
                </button>
                <p id="meeting-join-hint" className="muted field-hint">
                  {join === 'ended' ? t('meetings.ended') : t('meetings.joinOpensAt', { time: opensAt })}
                </p>
              </>
            )}
          </div>
        )}
      </section>

      <section className="card" aria-labelledby="invitees-title">
        <h2 id="invitees-title">{t('meetingPage.invitees')}</h2>
        {m.can_manage ? (
          m.invitees.length === 0 ? (
            <p className="empty">{t('meetingPage.noInvitees')}</p>
          ) : (
            <ul className="meeting-invitees">
              {m.invitees.map((i) => (
                <li key={i.email}>
                  {i.name ? `${i.name} <${i.email}>` : i.email} <span className="badge">{i.kind === 'account' ? t('meetingPage.account') : t('meetingPage.guest')}</span>
                </li>
              ))}
            </ul>
          )
        ) : (
          // Invitees see who invited them; the list of the others is the organizers'.
          <p>{t('meetingPage.invitedBy', { name: m.organizer.name })}</p>
        )}
      </section>

      {m.agenda.length > 0 && (
        <section className="card" aria-labelledby="agenda-title">
          <h2 id="agenda-title">{t('meetingPage.agenda')}</h2>
          <p className="muted">{t('meetingPage.agendaLead')}</p>
          <ol className="meeting-agenda">
            {[...m.agenda]
              .sort((a, b) => a.position - b.position)
              .map((item) => (
                <li key={item.id}>
                  <strong>{item.title}</strong> {!item.public && <span className="badge">{t('meetingPage.nonPublic')}</span>}
                  {item.description && <p>{item.description}</p>}
                  {item.motion && (
                    <p>
                      <em>{t('meetingPage.motion')}:</em> {item.motion}
                    </p>
                  )}
                </li>
              ))}
          </ol>
        </section>
      )}
    </div>
  );
}
