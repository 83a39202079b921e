import { Agenda, CommitteeSettings, Invite, Room, Roster, TelephonePersonalPins, type QuorumRuleKind, type RosterMemberView, type RosterRole } from '@plenum/protocol';
import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { ApiError, apiRequest, errorMessage, isAbort } from '../../app/api.ts';
import { ConfirmDialog } from '../../app/ConfirmDialog.tsx';
import { NotFoundPage } from '../../app/NotFoundPage.tsx';
import { loginUrl, useSession } from '../../app/session.tsx';
import { Loading, Notice, usePageTitle } from '../../app/ui.tsx';
import { inviteLink } from '../rooms/inviteLink.ts';
import './agenda.css';

interface MemberDraft {
  id: string;
  display_name: string;
  role: RosterRole;
  voting: boolean;
  substitutes_for: string | null;
  /** Linked by id (the editor's own account, or kept); the server never tells whose. */
  user_id: string | null;
  /** Links the account that signs in with this address; the server never tells whether one exists. */
  user_email: string;
  /** The address as saved (the hint shows under a saved address). */
  saved_email: string | null;
  invite_code: string | null;
}

interface ItemDraft {
  id: string;
  title: string;
  description: string;
  motion: string;
  public: boolean;
}

type Status = { kind: 'success' | 'error'; text: string } | null;

const toDraft = (m: RosterMemberView): MemberDraft => ({
  id: m.id,
  display_name: m.display_name,
  role: m.role,
  voting: m.voting,
  substitutes_for: m.substitutes_for,
  user_id: m.user_id,
  user_email: m.user_email ?? '',
  saved_email: m.user_email,
  invite_code: m.invite_code,
});

function problemText(t: ReturnType<typeof useTranslation>['t'], err: unknown): string {
  const base = errorMessage(t, err);
  const detail = err instanceof ApiError ? (err.problem?.errors?.[0]?.message ?? err.problem?.detail) : undefined;
  return detail ? `${base} (${detail})` : base;
}

function move<T>(list: T[], index: number, by: -1 | 1): T[] {
  const target = index + by;
  if (target < 0 || target >= list.length) return list;
  const copy = [...list];
  [copy[index], copy[target]] = [copy[target]!, copy[index]!];
  return copy;
}

/** /rooms/:id/committee: the owner's editor for roster, agenda and quorum rule. */
export function CommitteePage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const { session } = useSession();
  if (!/^[0-9a-f-]{36}$/i.test(id)) return <NotFoundPage />;
  if (session.status === 'loading') return <Loading label={t('app.loading')} />;
  if (session.status !== 'user') {
    return (
      <section className="panel narrow">
        <h1>{t('committee.title')}</h1>
        <a className="button button-primary" href={loginUrl(`/rooms/${id}/committee`)}>
          {t('session.logIn')}
        </a>
      </section>
    );
  }
  return <CommitteeEditor key={id} roomId={id} csrfToken={session.me.csrf_token} myUserId={session.me.id} />;
}

function CommitteeEditor({ roomId, csrfToken, myUserId }: { roomId: string; csrfToken: string; myUserId: string }) {
  const { t } = useTranslation();
  const [room, setRoom] = useState<Room | null>(null);
  const [members, setMembers] = useState<MemberDraft[] | null>(null);
  const [items, setItems] = useState<ItemDraft[] | null>(null);
  const [rule, setRule] = useState<QuorumRuleKind>('more_than_half');
  const [count, setCount] = useState('');
  const [loadError, setLoadError] = useState<unknown>(null);
  /** Personal phone PINs by invite code; null while unknown or unavailable (telephone off, no right to see them). */
  const [phonePins, setPhonePins] = useState<ReadonlyMap<string, string> | null>(null);
  const showPhonePins = useCallback((pins: TelephonePersonalPins) => setPhonePins(new Map(pins.map((p) => [p.invite_code, p.pin]))), []);
  const loadPhonePins = useCallback(
    (signal?: AbortSignal) =>
      apiRequest(`/v1/rooms/${roomId}/telephone/personal-pins`, TelephonePersonalPins, signal ? { signal } : {}).then(showPhonePins, () => setPhonePins(null)),
    [roomId, showPhonePins],
  );
  usePageTitle(room ? t('committee.pageTitle', { name: room.name }) : t('committee.title'));

  useEffect(() => {
    const abort = new AbortController();
    const signal = abort.signal;
    Promise.all([
      apiRequest(`/v1/rooms/${roomId}`, Room, { signal }),
      apiRequest(`/v1/rooms/${roomId}/roster`, Roster, { signal }),
      apiRequest(`/v1/rooms/${roomId}/agenda`, Agenda, { signal }),
      apiRequest(`/v1/rooms/${roomId}/committee-settings`, CommitteeSettings, { signal }),
    ]).then(
      ([r, roster, agenda, settings]) => {
        void loadPhonePins(signal);
        setRoom(r);
        setMembers(
          roster.members.map(toDraft),
        );
        setItems(agenda.items.map((i) => ({ id: i.id, title: i.title, description: i.description ?? '', motion: i.motion ?? '', public: i.public })));
        setRule(settings.quorum.rule);
        setCount(settings.quorum.count === null ? '' : String(settings.quorum.count));
      },
      (err: unknown) => {
        if (!isAbort(err)) setLoadError(err);
      },
    );
    return () => abort.abort();
  }, [roomId, loadPhonePins]);

  if (loadError !== null) {
    return (
      <section className="panel narrow">
        <h1>{t('committee.title')}</h1>
        <Notice kind="error">{errorMessage(t, loadError)}</Notice>
        <Link className="button button-secondary" to="/">
          {t('meeting.backToRooms')}
        </Link>
      </section>
    );
  }
  if (!room || !members || !items) return <Loading label={t('app.loading')} />;

  return (
    <div className="panel committee-page">
      <h1>{t('committee.pageTitle', { name: room.name })}</h1>
      <p className="muted">{t('committee.intro')}</p>
      <RosterEditor roomId={roomId} csrfToken={csrfToken} myUserId={myUserId} members={members} setMembers={setMembers} phonePins={phonePins} onSaved={() => void loadPhonePins()} onPhonePins={showPhonePins} />
      <AgendaEditor roomId={roomId} csrfToken={csrfToken} items={items} setItems={setItems} />
      <QuorumEditor roomId={roomId} csrfToken={csrfToken} rule={rule} setRule={setRule} count={count} setCount={setCount} />
      <p>
        <Link className="back-link" to="/">
          {t('meeting.backToRooms')}
        </Link>
      </p>
    </div>
  );
}

function StatusNotice({ status }: { status: Status }) {
  if (!status) return null;
  return (
    <Notice kind={status.kind} live={status.kind === 'error' ? 'assertive' : 'polite'}>
      {status.text}
    </Notice>
  );
}

function RosterEditor(props: {
  roomId: string;
  csrfToken: string;
  myUserId: string;
  members: MemberDraft[];
  setMembers(m: MemberDraft[]): void;
  /** Personal phone PINs by invite code (only saved members' personal invites have one). */
  phonePins: ReadonlyMap<string, string> | null;
  onSaved(): void;
  onPhonePins(pins: TelephonePersonalPins): void;
}) {
  const { roomId, csrfToken, myUserId, members, setMembers, phonePins, onSaved, onPhonePins } = props;
  /** The member whose phone PIN is about to be renewed (the confirmation is open). */
  const [renewing, setRenewing] = useState<{ code: string; name: string } | null>(null);
  const [renewBusy, setRenewBusy] = useState(false);

  async function renewPhonePin(code: string, name: string) {
    setRenewBusy(true);
    setStatus(null);
    try {
      onPhonePins(await apiRequest(`/v1/rooms/${roomId}/telephone/personal-pins/${encodeURIComponent(code)}/regenerate`, TelephonePersonalPins, { method: 'POST', csrfToken }));
      setStatus({ kind: 'success', text: t('committee.phonePinRenewed', { name }) });
    } catch (err) {
      setStatus({ kind: 'error', text: problemText(t, err) });
    } finally {
      setRenewBusy(false);
      setRenewing(null);
    }
  }
  const { t } = useTranslation();
  const headingId = useId();
  const [status, setStatus] = useState<Status>(null);
  const [busy, setBusy] = useState(false);
  const update = (index: number, change: Partial<MemberDraft>) => setMembers(members.map((m, i) => (i === index ? { ...m, ...change } : m)));

  function add() {
    setMembers([
      ...members,
      { id: crypto.randomUUID(), display_name: '', role: 'member', voting: true, substitutes_for: null, user_id: null, user_email: '', saved_email: null, invite_code: null },
    ]);
  }

  async function createInvite(index: number) {
    const m = members[index]!;
    setStatus(null);
    try {
      const invite = await apiRequest(`/v1/rooms/${roomId}/invites`, Invite, {
        method: 'POST',
        body: m.display_name.trim() ? { label: m.display_name.trim() } : {},
        csrfToken,
      });
      update(index, { invite_code: invite.code });
      setStatus({ kind: 'success', text: t('committee.inviteCreated', { name: m.display_name || t('committee.unnamed') }) });
    } catch (err) {
      setStatus({ kind: 'error', text: problemText(t, err) });
    }
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setStatus(null);
    try {
      const body = {
        members: members.map((m) => ({
          id: m.id,
          display_name: m.display_name,
          role: m.role,
          voting: m.voting,
          substitutes_for: m.role === 'deputy' ? m.substitutes_for : null,
          invite_code: m.invite_code,
          ...(m.user_id ? { user_id: m.user_id } : m.user_email.trim() ? { user_email: m.user_email.trim() } : {}),
        })),
      };
      const saved = await apiRequest(`/v1/rooms/${roomId}/roster`, Roster, { method: 'PUT', body, csrfToken });
      setMembers(
        saved.members.map(toDraft),
      );
      setStatus({ kind: 'success', text: t('committee.rosterSaved') });
      onSaved();
    } catch (err) {
      setStatus({ kind: 'error', text: problemText(t, err) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>{t('committee.roster')}</h2>
      <p className="muted">{t('committee.rosterHint')}</p>
      <form onSubmit={(e) => void save(e)}>
        {members.length === 0 && <p className="muted">{t('committee.rosterEmpty')}</p>}
        <ol className="committee-rows">
          {members.map((m, i) => {
            const n = i + 1;
            const base = `member-${m.id}`;
            const name = m.display_name || t('committee.memberN', { n });
            return (
              <li key={m.id} className="committee-row" aria-label={t('committee.memberN', { n }) + (m.display_name ? `: ${m.display_name}` : '')}>
                <div className="field">
                  <label htmlFor={`${base}-name`}>{t('committee.name')}</label>
                  <input id={`${base}-name`} type="text" value={m.display_name} required maxLength={120} onChange={(e) => update(i, { display_name: e.target.value })} />
                </div>
                <div className="field">
                  <label htmlFor={`${base}-role`}>{t('committee.role')}</label>
                  <select id={`${base}-role`} value={m.role} onChange={(e) => update(i, { role: e.target.value as RosterRole, substitutes_for: null })}>
                    <option value="member">{t('committee.roleMember')}</option>
                    <option value="deputy">{t('committee.roleDeputy')}</option>
                  </select>
                </div>
                {m.role === 'deputy' && (
                  <div className="field">
                    <label htmlFor={`${base}-subst`}>{t('committee.substitutesFor')}</label>
                    <select id={`${base}-subst`} value={m.substitutes_for ?? ''} onChange={(e) => update(i, { substitutes_for: e.target.value || null })}>
                      <option value="">{t('committee.nobody')}</option>
                      {members
                        .filter((o) => o.role === 'member' && o.id !== m.id)
                        .map((o) => (
                          <option key={o.id} value={o.id}>
                            {o.display_name || t('committee.unnamed')}
                          </option>
                        ))}
                    </select>
                  </div>
                )}
                <div className="committee-check">
                  <input id={`${base}-voting`} type="checkbox" checked={m.voting} onChange={(e) => update(i, { voting: e.target.checked })} />
                  <label htmlFor={`${base}-voting`}>{t('committee.voting')}</label>
                </div>
                <div className="field">
                  {m.user_id ? (
                    <>
                      <p className="field-hint">{m.user_id === myUserId ? t('committee.linkedOwnAccount') : t('committee.linkedAccount')}</p>
                      <button type="button" className="button button-secondary button-small" onClick={() => update(i, { user_id: null })}>
                        {t('committee.unlinkAccount', { name })}
                      </button>
                    </>
                  ) : (
                    <>
                      <label htmlFor={`${base}-email`}>{t('committee.accountEmail')}</label>
                      <input
                        id={`${base}-email`}
                        type="email"
                        value={m.user_email}
                        autoComplete="off"
                        aria-describedby={m.saved_email ? `${base}-email-hint` : undefined}
                        onChange={(e) => update(i, { user_email: e.target.value })}
                      />
                      {m.saved_email && (
                        <p id={`${base}-email-hint`} className="field-hint">
                          {t('committee.accountEmailHint')}
                        </p>
                      )}
                    </>
                  )}
                </div>
                <div className="field">
                  {m.user_id && !m.invite_code ? null : m.invite_code ? (
                    <>
                      <p className="field-hint">{t('committee.personalInvite')}</p>
                      <code className="invite-link">{inviteLink(m.invite_code)}</code>
                      {phonePins?.has(m.invite_code) && (
                        <p className="field-hint phone-pin">
                          {t('committee.phonePin')} <code>{phonePins.get(m.invite_code)}</code>{' '}
                          <button type="button" className="button button-secondary button-small" onClick={() => setRenewing({ code: m.invite_code!, name })}
                            disabled={renewBusy}
                            aria-label={t('committee.phonePinRenewFor', { name })}
                          >
                            {t('committee.phonePinRenew')}
                          </button>
                        </p>
                      )}
                    </>
                  ) : (
                    <button type="button" className="button button-secondary button-small" onClick={() => void createInvite(i)}>
                      {t('committee.createInvite', { name })}
                    </button>
                  )}
                </div>
                <div className="committee-row-actions">
                  <button type="button" className="button button-secondary button-small" disabled={i === 0} onClick={() => setMembers(move(members, i, -1))} aria-label={t('committee.moveUp', { name })}>
                    {t('committee.up')}
                  </button>
                  <button
                    type="button"
                    className="button button-secondary button-small"
                    disabled={i === members.length - 1}
                    onClick={() => setMembers(move(members, i, 1))}
                    aria-label={t('committee.moveDown', { name })}
                  >
                    {t('committee.down')}
                  </button>
                  <button
                    type="button"
                    className="button button-ghost-danger button-small"
                    onClick={() => setMembers(members.filter((_, j) => j !== i).map((o) => (o.substitutes_for === m.id ? { ...o, substitutes_for: null } : o)))}
                    aria-label={t('committee.removeNamed', { name })}
                  >
                    {t('committee.remove')}
                  </button>
                </div>
              </li>
            );
          })}
        </ol>
        <div className="actions">
          <button type="button" className="button button-secondary" onClick={add}>
            {t('committee.addMember')}
          </button>
          <button type="submit" className="button button-primary" disabled={busy}>
            {t('committee.saveRoster')}
          </button>
        </div>
        <StatusNotice status={status} />
      </form>
      {renewing && (
        <ConfirmDialog
          title={t('committee.phonePinRenewTitle', { name: renewing.name })}
          confirmLabel={t('committee.phonePinRenewConfirm')}
          cancelLabel={t('committee.cancel')}
          busy={renewBusy}
          onCancel={() => setRenewing(null)}
          onConfirm={() => void renewPhonePin(renewing.code, renewing.name)}
        >
          <p>{t('committee.phonePinRenewBody')}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}

function AgendaEditor({ roomId, csrfToken, items, setItems }: { roomId: string; csrfToken: string; items: ItemDraft[]; setItems(i: ItemDraft[]): void }) {
  const { t } = useTranslation();
  const headingId = useId();
  const [status, setStatus] = useState<Status>(null);
  const [busy, setBusy] = useState(false);
  const update = (index: number, change: Partial<ItemDraft>) => setItems(items.map((it, i) => (i === index ? { ...it, ...change } : it)));

  async function save(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setStatus(null);
    try {
      const saved = await apiRequest(`/v1/rooms/${roomId}/agenda`, Agenda, {
        method: 'PUT',
        body: { items: items.map((i) => ({ id: i.id, title: i.title, description: i.description || null, motion: i.motion || null, public: i.public })) },
        csrfToken,
      });
      setItems(saved.items.map((i) => ({ id: i.id, title: i.title, description: i.description ?? '', motion: i.motion ?? '', public: i.public })));
      setStatus({ kind: 'success', text: t('committee.agendaSaved') });
    } catch (err) {
      setStatus({ kind: 'error', text: problemText(t, err) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>{t('committee.agenda')}</h2>
      <form onSubmit={(e) => void save(e)}>
        {items.length === 0 && <p className="muted">{t('committee.agendaEmpty')}</p>}
        <ol className="committee-rows">
          {items.map((item, i) => {
            const n = i + 1;
            const base = `item-${item.id}`;
            const name = item.title || t('committee.itemN', { n });
            return (
              <li key={item.id} className="committee-row" aria-label={t('committee.itemN', { n }) + (item.title ? `: ${item.title}` : '')}>
                <div className="field">
                  <label htmlFor={`${base}-title`}>{t('committee.itemTitle', { n })}</label>
                  <input id={`${base}-title`} type="text" value={item.title} required maxLength={300} onChange={(e) => update(i, { title: e.target.value })} />
                </div>
                <div className="committee-check">
                  <input id={`${base}-public`} type="checkbox" checked={item.public} onChange={(e) => update(i, { public: e.target.checked })} />
                  <label htmlFor={`${base}-public`}>{t('committee.public')}</label>
                </div>
                <div className="field">
                  <label htmlFor={`${base}-desc`}>{t('committee.description')}</label>
                  <textarea id={`${base}-desc`} value={item.description} onChange={(e) => update(i, { description: e.target.value })} />
                </div>
                <div className="field">
                  <label htmlFor={`${base}-motion`}>{t('committee.motion')}</label>
                  <textarea id={`${base}-motion`} value={item.motion} onChange={(e) => update(i, { motion: e.target.value })} />
                </div>
                <div className="committee-row-actions">
                  <button type="button" className="button button-secondary button-small" disabled={i === 0} onClick={() => setItems(move(items, i, -1))} aria-label={t('committee.moveUp', { name })}>
                    {t('committee.up')}
                  </button>
                  <button
                    type="button"
                    className="button button-secondary button-small"
                    disabled={i === items.length - 1}
                    onClick={() => setItems(move(items, i, 1))}
                    aria-label={t('committee.moveDown', { name })}
                  >
                    {t('committee.down')}
                  </button>
                  <button type="button" className="button button-ghost-danger button-small" onClick={() => setItems(items.filter((_, j) => j !== i))} aria-label={t('committee.removeNamed', { name })}>
                    {t('committee.remove')}
                  </button>
                </div>
              </li>
            );
          })}
        </ol>
        <div className="actions">
          <button type="button" className="button button-secondary" onClick={() => setItems([...items, { id: crypto.randomUUID(), title: '', description: '', motion: '', public: true }])}>
            {t('committee.addItem')}
          </button>
          <button type="submit" className="button button-primary" disabled={busy}>
            {t('committee.saveAgenda')}
          </button>
        </div>
        <StatusNotice status={status} />
      </form>
    </section>
  );
}

function QuorumEditor(props: { roomId: string; csrfToken: string; rule: QuorumRuleKind; setRule(r: QuorumRuleKind): void; count: string; setCount(c: string): void }) {
  const { roomId, csrfToken, rule, setRule, count, setCount } = props;
  const { t } = useTranslation();
  const headingId = useId();
  const [status, setStatus] = useState<Status>(null);
  const [busy, setBusy] = useState(false);

  async function save(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setStatus(null);
    try {
      const body = { quorum: rule === 'at_least_count' ? { rule, count: Number(count) } : { rule } };
      const saved = await apiRequest(`/v1/rooms/${roomId}/committee-settings`, CommitteeSettings, { method: 'PUT', body, csrfToken });
      setRule(saved.quorum.rule);
      setCount(saved.quorum.count === null ? '' : String(saved.quorum.count));
      setStatus({ kind: 'success', text: t('committee.quorumSaved') });
    } catch (err) {
      setStatus({ kind: 'error', text: problemText(t, err) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>{t('committee.quorum')}</h2>
      <form onSubmit={(e) => void save(e)}>
        <div className="field">
          <label htmlFor="quorum-rule">{t('committee.quorumRule')}</label>
          <select id="quorum-rule" value={rule} onChange={(e) => setRule(e.target.value as QuorumRuleKind)}>
            <option value="more_than_half">{t('committee.ruleHalf')}</option>
            <option value="at_least_two_thirds">{t('committee.ruleTwoThirds')}</option>
            <option value="at_least_count">{t('committee.ruleCount')}</option>
          </select>
        </div>
        {rule === 'at_least_count' && (
          <div className="field">
            <label htmlFor="quorum-count">{t('committee.quorumCount')}</label>
            <input id="quorum-count" type="number" min={1} max={500} required value={count} onChange={(e) => setCount(e.target.value)} />
          </div>
        )}
        <p className="field-hint">{t('committee.quorumHint')}</p>
        <div className="actions">
          <button type="submit" className="button button-primary" disabled={busy}>
            {t('committee.saveQuorum')}
          </button>
        </div>
        <StatusNotice status={status} />
      </form>
    </section>
  );
}
