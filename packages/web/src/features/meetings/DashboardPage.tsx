import { CalendarFeed, MeetingWithDeliveries, Room, UpcomingList, type Me, type MeetingOccurrence } from '@plenum/protocol';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import { apiRequest, errorMessage, isAbort } from '../../app/api.ts';
import { ConfirmDialog } from '../../app/ConfirmDialog.tsx';
import { Loading, Notice, usePageTitle } from '../../app/ui.tsx';
import { currentLanguage, formatDateTime } from '../../i18n/index.ts';
import { JOIN_EARLY_MINUTES, joinState, splitByDay } from './time.ts';

type State = { status: 'loading' } | { status: 'loaded'; occurrences: MeetingOccurrence[] } | { status: 'failed'; error: unknown };

/** Re-renders every 20 s, so a join button opens without a reload. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 20_000);
    return () => clearInterval(id);
  }, []);
  return now;
}

function timeRange(o: MeetingOccurrence): string {
  const locale = currentLanguage() === 'de' ? 'de-DE' : 'en-GB';
  const day = new Intl.DateTimeFormat(locale, { weekday: 'long', day: 'numeric', month: 'long' }).format(new Date(o.starts_at));
  const time = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
  return `${day}, ${time.format(new Date(o.starts_at))}–${time.format(new Date(o.ends_at))}`;
}

function OccurrenceItem({ o, now, onCancel }: { o: MeetingOccurrence; now: number; onCancel(o: MeetingOccurrence): void }) {
  const { t } = useTranslation();
  const state = joinState(o, now);
  const hintId = `join-hint-${o.meeting_id}-${o.starts_at}`;
  const opensAt = new Intl.DateTimeFormat(currentLanguage() === 'de' ? 'de-DE' : 'en-GB', { hour: '2-digit', minute: '2-digit' }).format(
    new Date(Date.parse(o.starts_at) - JOIN_EARLY_MINUTES * 60_000),
  );
  return (
    <li className="card meeting-item">
      <div className="meeting-item-main">
        <h3>
          <Link to={`/meetings/${o.meeting_id}`}>{o.title}</Link>
        </h3>
        <p className="meeting-when">
          <time dateTime={o.starts_at}>{timeRange(o)}</time>
        </p>
        <p className="muted">{t('meetings.inRoom', { room: o.room_name })}</p>
        <p className="badges">
          {o.recurring && <span className="badge">{t('meetings.recurring')}</span>}
          <span className="badge">{o.role === 'organizer' ? t('meetings.organizer') : t('meetings.invitee')}</span>
        </p>
      </div>
      <div className="meeting-item-actions">
        {state === 'open' ? (
          <a className="button button-primary" href={new URL(o.join_url).pathname} aria-label={t('meetings.joinTitle', { title: o.title })}>
            {t('meetings.join')}
          </a>
        ) : (
          <>
            <button type="button" className="button button-primary" disabled aria-describedby={hintId} aria-label={t('meetings.joinTitle', { title: o.title })}>
              {t('meetings.join')}
            </button>
            <p id={hintId} className="muted field-hint">
              {state === 'ended' ? t('meetings.ended') : t('meetings.joinOpensAt', { time: opensAt })}
            </p>
          </>
        )}
        {o.role === 'organizer' && (
          <button type="button" className="button button-secondary button-small" aria-label={t('meetings.cancelTitle', { title: o.title })} onClick={() => onCancel(o)}>
            {t('meetings.cancel')}
          </button>
        )}
      </div>
    </li>
  );
}

function FeedSection({ me }: { me: Me }) {
  const { t } = useTranslation();
  const [feed, setFeed] = useState<CalendarFeed | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    apiRequest('/v1/calendar-feed', CalendarFeed, { signal: abort.signal }).then(setFeed, (err: unknown) => {
      if (!isAbort(err)) setError(errorMessage(t, err));
    });
    return () => abort.abort();
  }, [t]);
  async function create() {
    setError(null);
    setNote(null);
    try {
      setFeed(await apiRequest('/v1/calendar-feed', CalendarFeed, { method: 'POST', csrfToken: me.csrf_token }));
    } catch (err) {
      setError(errorMessage(t, err));
    }
  }
  async function revoke() {
    setError(null);
    try {
      await apiRequest('/v1/calendar-feed', null, { method: 'DELETE', csrfToken: me.csrf_token });
      setFeed({ active: false, created_at: null, url: null });
      setNote(t('meetings.feedRevoked'));
    } catch (err) {
      setError(errorMessage(t, err));
    }
  }
  return (
    <section className="card meeting-feed" aria-labelledby="feed-title">
      <h2 id="feed-title">{t('meetings.feedTitle')}</h2>
      <p>{t('meetings.feedLead')}</p>
      {feed && <p className="muted">{feed.active && feed.created_at ? t('meetings.feedActive', { date: formatDateTime(feed.created_at) }) : t('meetings.feedInactive')}</p>}
      {feed?.url && (
        <div className="field">
          <label htmlFor="feed-url">{t('meetings.feedUrl')}</label>
          <input id="feed-url" type="text" className="input" readOnly value={feed.url} onFocus={(e) => e.currentTarget.select()} />
        </div>
      )}
      <div className="status-region" role="status">
        {note && <Notice kind="success">{note}</Notice>}
      </div>
      {error && (
        <Notice kind="error" live="assertive">
          {error}
        </Notice>
      )}
      <p className="hero-actions">
        <button type="button" className="button button-secondary" onClick={() => void create()}>
          {feed?.active ? t('meetings.feedRenew') : t('meetings.feedCreate')}
        </button>
        {feed?.active && (
          <button type="button" className="button button-secondary" onClick={() => void revoke()}>
            {t('meetings.feedRevoke')}
          </button>
        )}
      </p>
    </section>
  );
}

/** The signed-in user's dashboard: today's meetings first with their join buttons, then the coming ones. */
export function DashboardPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  usePageTitle(t('meetings.title'));
  const now = useNow();
  const [state, setState] = useState<State>({ status: 'loading' });
  const [version, setVersion] = useState(0);
  const [toCancel, setToCancel] = useState<MeetingOccurrence | null>(null);
  const [cancelling, setCancelling] = useState(false);
  const [cancelError, setCancelError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState<string | null>(null);
  const navigate = useNavigate();
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<string | null>(null);

  /** A fresh room named after the moment, and straight to its pre-join page. */
  async function startAdHoc() {
    setStarting(true);
    setStartError(null);
    try {
      const room = await apiRequest('/v1/rooms', Room, { method: 'POST', csrfToken: me.csrf_token, body: { name: t('meetings.adHocName', { date: formatDateTime(new Date().toISOString()) }), waiting_room: false, e2e_encryption: false } });
      void navigate(`/rooms/${room.id}`);
    } catch (err) {
      setStartError(errorMessage(t, err));
      setStarting(false);
    }
  }

  async function confirmCancel() {
    if (!toCancel) return;
    setCancelling(true);
    setCancelError(null);
    try {
      const { meeting } = await apiRequest(`/v1/meetings/${toCancel.meeting_id}`, MeetingWithDeliveries, { method: 'DELETE', csrfToken: me.csrf_token });
      setState((s) => (s.status === 'loaded' ? { status: 'loaded', occurrences: s.occurrences.filter((x) => x.meeting_id !== meeting.id) } : s));
      setAnnouncement(t('meetings.cancelled', { title: meeting.title }));
      setToCancel(null);
    } catch (err) {
      setCancelError(errorMessage(t, err));
    } finally {
      setCancelling(false);
    }
  }
  useEffect(() => {
    const abort = new AbortController();
    apiRequest(`/v1/meetings?from=${encodeURIComponent(new Date(Date.now() - 12 * 3600_000).toISOString())}`, UpcomingList, { signal: abort.signal }).then(
      ({ occurrences }) => setState({ status: 'loaded', occurrences }),
      (err: unknown) => {
        if (!isAbort(err)) setState({ status: 'failed', error: err });
      },
    );
    return () => abort.abort();
  }, [version]);
  const groups = state.status === 'loaded' ? splitByDay(state.occurrences, now) : null;
  return (
    <div className="meetings-page">
      <div className="page-intro">
        <h1>{t('meetings.title')}</h1>
        <p className="lead">{t('meetings.lead')}</p>
        <p className="hero-actions">
          <Link className="button button-primary" to="/meetings/plan">
            {t('meetings.plan')}
          </Link>
          <button type="button" className="button button-secondary" onClick={() => void startAdHoc()} disabled={starting}>
            {starting ? t('meetings.adHocStarting') : t('meetings.adHoc')}
          </button>
        </p>
        {startError && (
          <Notice kind="error" live="assertive">
            {startError}
          </Notice>
        )}
      </div>
      <div className="status-region" role="status">
        {announcement && <Notice kind="success">{announcement}</Notice>}
      </div>
      {state.status === 'loading' && <Loading label={t('app.loading')} />}
      {state.status === 'failed' && (
        <Notice kind="error" live="assertive">
          <p>
            {t('meetings.loadFailed')} {errorMessage(t, state.error)}
          </p>
          <button type="button" className="button button-secondary button-small" onClick={() => setVersion((v) => v + 1)}>
            {t('session.retry')}
          </button>
        </Notice>
      )}
      {groups && (
        <>
          <section aria-labelledby="today-title" className="meetings-today">
            <h2 id="today-title">{t('meetings.today')}</h2>
            <p className="muted">{t('meetings.joinHint', { minutes: JOIN_EARLY_MINUTES })}</p>
            {groups.today.length === 0 ? (
              <p className="empty">{t('meetings.noneToday')}</p>
            ) : (
              <ul className="meeting-list">
                {groups.today.map((o) => (
                  <OccurrenceItem key={`${o.meeting_id}-${o.starts_at}`} o={o} now={now} onCancel={setToCancel} />
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="later-title" className="meetings-later">
            <h2 id="later-title">{t('meetings.upcoming')}</h2>
            {groups.later.length === 0 ? (
              <p className="empty">{t('meetings.none')}</p>
            ) : (
              <ul className="meeting-list">
                {groups.later.map((o) => (
                  <OccurrenceItem key={`${o.meeting_id}-${o.starts_at}`} o={o} now={now} onCancel={setToCancel} />
                ))}
              </ul>
            )}
          </section>
        </>
      )}
      <FeedSection me={me} />
      {toCancel && (
        <ConfirmDialog
          title={t('meetings.cancelDialog', { title: toCancel.title })}
          confirmLabel={t('meetings.cancelConfirm')}
          cancelLabel={t('meetings.cancelKeep')}
          busy={cancelling}
          onConfirm={() => void confirmCancel()}
          onCancel={() => setToCancel(null)}
        >
          <p>{t('meetings.cancelBody')}</p>
          {cancelError && (
            <Notice kind="error" live="assertive">
              {cancelError}
            </Notice>
          )}
        </ConfirmDialog>
      )}
    </div>
  );
}
