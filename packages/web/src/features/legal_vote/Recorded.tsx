import type { LegalVoteInfo } from '@plenum/protocol';
import { useTranslation } from 'react-i18next';
import type { Receipt } from './legalVoteStore.ts';
import { ReceiptToken } from './ReceiptToken.tsx';
import { choicesText } from './voteText.ts';

/** The confirmation of a ballot cast (with its receipt token, for pseudonymous votes). */
export function Recorded({ vote, receipt, proxyName }: { vote: LegalVoteInfo; receipt: Receipt | undefined; proxyName: string | null }) {
  const { t } = useTranslation();
  return (
    <div className="vote-recorded">
      <p className="vote-confirmation" role="status">
        {receipt
          ? proxyName
            ? t('legalVote.recordedForProxy', { name: proxyName, choice: choicesText(t, vote, receipt.choices) })
            : t('legalVote.recorded', { choice: choicesText(t, vote, receipt.choices) })
          : t('legalVote.recordedEarlier')}
      </p>
      {receipt?.token && <ReceiptToken token={receipt.token} />}
    </div>
  );
}
