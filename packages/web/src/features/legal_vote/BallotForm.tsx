import { ABSTAIN_OPTION, type LegalVoteInfo } from '@plenum/protocol';
import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ballotComplete, type LegalVoteStore } from './legalVoteStore.ts';
import { optionLabel } from './voteText.ts';

/** One ballot: this participant's own, or one they cast as proxy for `proxyName`. */
export function BallotForm({ store, vote, voterId, proxyName }: { store: LegalVoteStore; vote: LegalVoteInfo; voterId: string; proxyName: string | null }) {
  const { t } = useTranslation();
  const [chosen, setChosen] = useState<string[]>([]);
  const name = useId();
  const single = vote.max_choices === 1;
  const toggle = (id: string, on: boolean) => {
    if (single) return setChosen([id]);
    if (!on) return setChosen(chosen.filter((c) => c !== id));
    // Abstaining excludes every candidate, and a candidate excludes abstaining.
    if (id === ABSTAIN_OPTION) return setChosen([ABSTAIN_OPTION]);
    return setChosen([...chosen.filter((c) => c !== ABSTAIN_OPTION), id]);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!ballotComplete(vote, chosen)) return;
    const ordered = vote.options.map((o) => o.id).filter((id) => chosen.includes(id));
    store.vote(vote.id, ordered, proxyName ? voterId : undefined);
  };
  const candidates = vote.options.filter((o) => o.id !== ABSTAIN_OPTION).length;
  return (
    <form className="form vote-ballot" onSubmit={submit}>
      <fieldset>
        <legend className="vote-title">{proxyName ? t('legalVote.ballotForProxy', { name: proxyName, title: vote.title }) : vote.title}</legend>
        {!single && <p className="field-hint">{t('legalVote.chooseUpTo', { count: Math.min(vote.max_choices, candidates) })}</p>}
        {vote.options.map((option) => (
          <label key={option.id} className={`checkbox-field vote-option${option.id === ABSTAIN_OPTION ? ' vote-option-abstain' : ''}`}>
            <input
              type={single ? 'radio' : 'checkbox'}
              name={name}
              checked={chosen.includes(option.id)}
              disabled={!single && option.id !== ABSTAIN_OPTION && !chosen.includes(option.id) && chosen.filter((c) => c !== ABSTAIN_OPTION).length >= vote.max_choices}
              onChange={(e) => toggle(option.id, e.target.checked)}
            />
            <span>{optionLabel(t, option)}</span>
          </label>
        ))}
      </fieldset>
      <button type="submit" className="button button-primary" disabled={!ballotComplete(vote, chosen)}>
        {t('legalVote.submit')}
      </button>
    </form>
  );
}
