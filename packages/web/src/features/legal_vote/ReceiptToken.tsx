import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

/** The receipt token with a copy button (pseudonymous votes). */
export function ReceiptToken({ token }: { token: string }) {
  const { t } = useTranslation();
  const [copy, setCopy] = useState<'copied' | 'failed' | null>(null);
  const labelId = useId();
  return (
    <div className="vote-receipt">
      <p id={labelId} className="vote-receipt-label">
        {t('legalVote.tokenLabel')}
      </p>
      <p className="vote-token-row">
        <code className="vote-token" aria-labelledby={labelId} data-testid="receipt-token">
          {token}
        </code>
        <button
          type="button"
          className="button button-secondary button-small"
          onClick={() => {
            // navigator.clipboard is missing outside secure contexts.
            const clipboard = (navigator as { clipboard?: Clipboard }).clipboard;
            if (!clipboard) return setCopy('failed');
            clipboard.writeText(token).then(
              () => setCopy('copied'),
              () => setCopy('failed'),
            );
          }}
        >
          {t('legalVote.copyToken')}
        </button>
      </p>
      <p className="field-hint">{t('legalVote.tokenExplanation')}</p>
      <p className="vote-copy-status" role="status">
        {copy === 'copied' ? t('legalVote.copied') : copy === 'failed' ? t('legalVote.copyFailed') : ''}
      </p>
    </div>
  );
}
