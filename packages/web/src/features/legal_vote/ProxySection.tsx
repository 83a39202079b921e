import type { LegalVoteDelegation } from '@plenum/protocol';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { LegalVoteStore } from './legalVoteStore.ts';

/**
 * Proxy for this meeting: a member gives their vote to someone present (the server checks who may), sees to
 * whom it went and can take it back (only someone with a vote of their own is offered the form); a proxy holder sees whose votes they cast.
 */
export function ProxySection({ store, delegations, canDelegate, selfId, people }: { store: LegalVoteStore; delegations: LegalVoteDelegation[]; canDelegate: boolean; selfId: string; people: readonly { id: string; name: string }[] }) {
  const { t } = useTranslation();
  const headingId = useId();
  const selectId = useId();
  const others = people.filter((p) => p.id !== selfId);
  const [to, setTo] = useState('');
  const given = delegations.find((d) => d.from_participant_id === selfId);
  const held = delegations.filter((d) => d.to_participant_id === selfId);
  const chosen = others.some((p) => p.id === to) ? to : '';
  // Nothing to give and nothing held: no proxy section at all (a guest, a non-voting member, a deputy).
  if (!given && held.length === 0 && !canDelegate) return null;
  return (
    <section className="vote-proxy" aria-labelledby={headingId}>
      <h3 id={headingId}>{t('legalVote.proxyTitle')}</h3>
      {held.length > 0 && <p>{t('legalVote.proxyHeld', { names: held.map((d) => d.from_name).join(', ') })}</p>}
      {given ? (
        <>
          <p>{t('legalVote.proxyGiven', { name: given.to_name })}</p>
          <button type="button" className="button" onClick={() => store.delegate(null)}>
            {t('legalVote.proxyRevoke')}
          </button>
        </>
      ) : (
        canDelegate &&
        held.length === 0 &&
        others.length > 0 && (
          <form
            className="vote-proxy-form"
            onSubmit={(e) => {
              e.preventDefault();
              if (chosen) store.delegate(chosen);
            }}
          >
            <label htmlFor={selectId}>{t('legalVote.proxyTo')}</label>
            <select id={selectId} value={chosen} onChange={(e) => setTo(e.target.value)}>
              <option value="">{t('legalVote.proxyChoose')}</option>
              {others.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
            <button type="submit" className="button" disabled={!chosen}>
              {t('legalVote.proxyGive')}
            </button>
          </form>
        )
      )}
    </section>
  );
}
