import { useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../i18n/index.ts';
import type { PanelProps } from '../feature.ts';
import { CloseIcon } from '../meeting/icons.tsx';
import type { LegalVoteStore } from './legalVoteStore.ts';
import { OpenVote } from './OpenVote.tsx';
import { ProxySection } from './ProxySection.tsx';
import { Result } from './Result.tsx';
import { StartVoteDialog } from './StartVoteDialog.tsx';
import { errorText } from './voteText.ts';
import './legalVote.css';

/** The votes side panel: the open vote (ballot, counter, chair's controls), the last result, the chair's start dialog and reported problems. */
export function LegalVotePanel({ id, store, meeting, onClose }: PanelProps<LegalVoteStore>) {
  const { t } = useTranslation();
  const { moderator, people } = meeting;
  const selfId = meeting.self.id;
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const [starting, setStarting] = useState(false);
  // Refusals of the start command are shown in the dialog; the others here.
  const error = view.error && !(starting && view.error.action === 'start') ? view.error.code : null;
  return (
    <aside id={id} className="side-panel votes-panel" aria-labelledby={`${id}-title`}>
      <div className="side-panel-head">
        <h2 id={`${id}-title`}>{t('legalVote.panelTitle')}</h2>
        <button type="button" className="icon-button" onClick={onClose}>
          <CloseIcon />
          <span className="visually-hidden">{t('legalVote.close')}</span>
        </button>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {errorText(t, error)}
        </p>
      )}
      {view.open && <OpenVote key={view.open.vote.id} store={store} open={view.open} moderator={moderator} />}
      {view.last && <Result last={view.last} receipts={view.receipts} />}
      {!view.open && !view.last && <p className="poll-meta">{t('legalVote.none')}</p>}
      {moderator && !view.open && (
        <button type="button" className="button button-primary" onClick={() => setStarting(true)}>
          {t('legalVote.startButton')}
        </button>
      )}
      {moderator && view.issues.length > 0 && (
        <section className="vote-issues" aria-labelledby={`${id}-issues`}>
          <h3 id={`${id}-issues`}>{t('legalVote.issues')}</h3>
          <ul>
            {view.issues.map((issue, i) => (
              <li key={i}>
                <strong>{issue.displayName}</strong> ({formatDateTime(issue.at)}): {issue.text}
              </li>
            ))}
          </ul>
        </section>
      )}
      <ProxySection store={store} delegations={view.delegations} canDelegate={view.canDelegate} selfId={selfId} people={people} />
      {starting && <StartVoteDialog store={store} onClose={() => setStarting(false)} />}
    </aside>
  );
}
