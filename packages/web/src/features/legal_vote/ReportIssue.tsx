import { MAX_ISSUE_LENGTH } from '@plenum/protocol';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { LegalVoteStore } from './legalVoteStore.ts';

/** "Report a technical problem" with the open vote: a short text for the vote's log. */
export function ReportIssue({ store, voteId }: { store: LegalVoteStore; voteId: string }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [sent, setSent] = useState(false);
  const fieldId = useId();
  if (sent)
    return (
      <p className="poll-meta" role="status">
        {t('legalVote.issueSent')}
      </p>
    );
  if (!open)
    return (
      <button type="button" className="link-button" aria-expanded={false} onClick={() => setOpen(true)}>
        {t('legalVote.reportIssue')}
      </button>
    );
  return (
    <form
      className="form vote-issue-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (!text.trim()) return;
        if (store.reportIssue(voteId, text.trim())) setSent(true);
      }}
    >
      <div className="field">
        <label htmlFor={fieldId}>{t('legalVote.issueText')}</label>
        <textarea id={fieldId} rows={3} maxLength={MAX_ISSUE_LENGTH} value={text} onChange={(e) => setText(e.target.value)} />
      </div>
      <div className="actions">
        <button type="submit" className="button button-secondary button-small" disabled={!text.trim()}>
          {t('legalVote.issueSend')}
        </button>
        <button type="button" className="button button-secondary button-small" onClick={() => setOpen(false)}>
          {t('legalVote.dismiss')}
        </button>
      </div>
    </form>
  );
}
