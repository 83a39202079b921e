import { DEFAULT_MEETING_TIME_ZONE, MAX_INVITEES, MeetingWithDeliveries, RoomList, type MeetingCreate, type MeetingLanguage, type Me, type Room } from '@plenum/protocol';
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { apiRequest, errorMessage, isAbort } from '../../app/api.ts';
import { Field, Loading, Notice, usePageTitle } from '../../app/ui.tsx';
import { currentLanguage } from '../../i18n/index.ts';
import { localDateTime, parseInvitees } from './time.ts';

type FieldName = 'title' | 'time' | 'invitees';

function timeZones(): string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [DEFAULT_MEETING_TIME_ZONE];
  }
}

const tomorrow = () => {
  const d = new Date(Date.now() + 86_400_000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

/** Planning a meeting: room, title, date and times in a zone, weekly recurrence, invitees by e-mail. */
export function PlanMeetingPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  usePageTitle(t('planMeeting.title'));
  const zones = useMemo(timeZones, []);
  const [rooms, setRooms] = useState<Room[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [roomId, setRoomId] = useState('');
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [date, setDate] = useState(tomorrow);
  const [start, setStart] = useState('18:00');
  const [end, setEnd] = useState('20:00');
  const [zone, setZone] = useState(DEFAULT_MEETING_TIME_ZONE);
  const [weekly, setWeekly] = useState(false);
  const [count, setCount] = useState(10);
  const [invitees, setInvitees] = useState('');
  const [language, setLanguage] = useState<MeetingLanguage>(currentLanguage());
  const [waitingRoom, setWaitingRoom] = useState(false);
  const [errors, setErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<MeetingWithDeliveries | null>(null);
  const titleRef = useRef<HTMLInputElement>(null);
  const resultRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const abort = new AbortController();
    apiRequest('/v1/rooms', RoomList, { signal: abort.signal }).then(
      ({ rooms: list }) => {
        const mine = list.filter((r) => r.can_manage);
        setRooms(mine);
        if (mine[0]) setRoomId((id) => id || mine[0]!.id);
      },
      (err: unknown) => {
        if (!isAbort(err)) setLoadError(err);
      },
    );
    return () => abort.abort();
  }, []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setFormError(null);
    const found: Partial<Record<FieldName, string>> = {};
    const parsed = parseInvitees(invitees);
    if (!title.trim()) found.title = t('planMeeting.errorTitle');
    if (end <= start) found.time = t('planMeeting.errorTime');
    if (parsed.invalid.length) found.invitees = t('planMeeting.errorEmail', { email: parsed.invalid.join(', ') });
    else if (parsed.emails.length > MAX_INVITEES) found.invitees = t('planMeeting.errorTooMany', { max: MAX_INVITEES });
    setErrors(found);
    if (Object.keys(found).length) {
      if (found.title) titleRef.current?.focus();
      return;
    }
    const body: MeetingCreate = {
      title: title.trim(),
      ...(description.trim() ? { description: description.trim() } : {}),
      start: localDateTime(date, start),
      end: localDateTime(date, end),
      time_zone: zone,
      recurrence: weekly ? `FREQ=WEEKLY;COUNT=${count}` : null,
      invitees: parsed.emails.map((email) => ({ email, language })),
      waiting_room: waitingRoom,
    };
    setBusy(true);
    try {
      const created = await apiRequest(`/v1/rooms/${roomId}/meetings`, MeetingWithDeliveries, { method: 'POST', body, csrfToken: me.csrf_token });
      setResult(created);
      setTimeout(() => resultRef.current?.focus(), 0);
    } catch (err) {
      setFormError(errorMessage(t, err));
    } finally {
      setBusy(false);
    }
  }

  const unsent = result?.invitations.filter((i) => i.status !== 'sent') ?? [];
  const sent = result ? result.invitations.length - unsent.length : 0;

  return (
    <div className="plan-meeting-page">
      <div className="page-intro">
        <p>
          <Link to="/meetings">{t('planMeeting.back')}</Link>
        </p>
        <h1>{t('planMeeting.title')}</h1>
        <p className="lead">{t('planMeeting.lead')}</p>
      </div>
      {result && (
        <div ref={resultRef} tabIndex={-1} className="plan-result">
          <Notice kind="success" live="polite">
            <p>{t('planMeeting.planned', { title: result.meeting.title })}</p>
            {sent > 0 && <p>{t('planMeeting.sent', { count: sent })}</p>}
          </Notice>
          {unsent.length > 0 && (
            <Notice kind="info">
              <p>{unsent.some((i) => i.status === 'failed') ? t('planMeeting.failed') : t('planMeeting.notSent')}</p>
              {unsent.map((i) => (
                <div className="field" key={i.email}>
                  <label htmlFor={`invitation-${i.email}`}>{t('planMeeting.invitationFor', { email: i.email })}</label>
                  <textarea id={`invitation-${i.email}`} className="input" readOnly rows={8} value={`${i.subject}\n\n${i.text ?? ''}`} />
                </div>
              ))}
            </Notice>
          )}
        </div>
      )}
      {loadError !== null && (
        <Notice kind="error" live="assertive">
          {errorMessage(t, loadError)}
        </Notice>
      )}
      {rooms === null && loadError === null && <Loading label={t('app.loading')} />}
      {rooms !== null && rooms.length === 0 && <p className="empty">{t('planMeeting.noRooms')}</p>}
      {rooms !== null && rooms.length > 0 && (
        <form className="card form plan-form" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="plan-title">
          <h2 id="plan-title" className="visually-hidden">
            {t('planMeeting.title')}
          </h2>
          <Field label={t('planMeeting.room')}>
            {({ id }) => (
              <select id={id} className="input" value={roomId} onChange={(e) => setRoomId(e.target.value)}>
                {rooms.map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('planMeeting.meetingTitle')} error={errors.title}>
            {({ id, describedBy, invalid }) => (
              <input id={id} ref={titleRef} type="text" className="input" value={title} maxLength={200} required aria-invalid={invalid} aria-describedby={describedBy} onChange={(e) => setTitle(e.target.value)} />
            )}
          </Field>
          <Field label={t('planMeeting.description')}>
            {({ id }) => <textarea id={id} className="input" rows={3} value={description} maxLength={5000} onChange={(e) => setDescription(e.target.value)} />}
          </Field>
          <div className="plan-row">
            <Field label={t('planMeeting.date')}>{({ id }) => <input id={id} className="input" type="date" value={date} required onChange={(e) => setDate(e.target.value)} />}</Field>
            <Field label={t('planMeeting.startTime')}>{({ id }) => <input id={id} className="input" type="time" value={start} required onChange={(e) => setStart(e.target.value)} />}</Field>
            <Field label={t('planMeeting.endTime')} error={errors.time}>
              {({ id, describedBy, invalid }) => (
                <input id={id} className="input" type="time" value={end} required aria-invalid={invalid} aria-describedby={describedBy} onChange={(e) => setEnd(e.target.value)} />
              )}
            </Field>
          </div>
          <Field label={t('planMeeting.timeZone')}>
            {({ id }) => (
              <select id={id} className="input" value={zone} onChange={(e) => setZone(e.target.value)}>
                {zones.map((z) => (
                  <option key={z} value={z}>
                    {z}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <div className="checkbox-field">
            <input id="plan-weekly" type="checkbox" checked={weekly} onChange={(e) => setWeekly(e.target.checked)} />
            <label htmlFor="plan-weekly">{t('planMeeting.weekly')}</label>
          </div>
          {weekly && (
            <Field label={t('planMeeting.count')} hint={t('planMeeting.countHint')}>
              {({ id, describedBy }) => (
                <input id={id} className="input" type="number" min={2} max={200} value={count} aria-describedby={describedBy} onChange={(e) => setCount(Math.max(2, Math.min(200, Number(e.target.value) || 2)))} />
              )}
            </Field>
          )}
          <Field label={t('planMeeting.invitees')} hint={t('planMeeting.inviteesHint')} error={errors.invitees}>
            {({ id, describedBy, invalid }) => (
              <textarea id={id} className="input" rows={4} value={invitees} aria-invalid={invalid} aria-describedby={describedBy} onChange={(e) => setInvitees(e.target.value)} />
            )}
          </Field>
          <Field label={t('planMeeting.language')}>
            {({ id }) => (
              <select id={id} className="input" value={language} onChange={(e) => setLanguage(e.target.value === 'en' ? 'en' : 'de')}>
                <option value="de">{t('language.de')}</option>
                <option value="en">{t('language.en')}</option>
              </select>
            )}
          </Field>
          <div className="checkbox-field">
            <input id="plan-waiting" type="checkbox" checked={waitingRoom} onChange={(e) => setWaitingRoom(e.target.checked)} />
            <label htmlFor="plan-waiting">{t('planMeeting.waitingRoom')}</label>
          </div>
          {formError && (
            <Notice kind="error" live="assertive">
              {formError}
            </Notice>
          )}
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? t('planMeeting.submitting') : t('planMeeting.submit')}
          </button>
        </form>
      )}
    </div>
  );
}
