import { useEffect, useId, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { errorMessage } from '../../app/api.ts';
import { ConfirmDialog } from '../../app/ConfirmDialog.tsx';
import { useMe } from '../../app/session.tsx';
import type { SlotProps } from '../feature.ts';
import type { TelephoneStore } from './telephoneStore.ts';

/**
 * In the participants panel, for moderators: how to dial in by phone (number, meeting ID, PIN) in one sentence
 * they can read out or copy; the room's owner (or an admin) can give the room a new ID and PIN.
 */
export function DialInSection({ store }: SlotProps<TelephoneStore>) {
  const { t } = useTranslation();
  const me = useMe();
  const titleId = useId();
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const [confirming, setConfirming] = useState(false);

  useEffect(() => {
    const abort = new AbortController();
    void store.load(abort.signal);
    return () => abort.abort();
  }, [store, view.roomId]);

  if (view.status === 'hidden' || view.status === 'loading') return null;
  if (view.status === 'error' || !view.dialIn) {
    return (
      <section className="telephone" aria-labelledby={titleId}>
        <h3 id={titleId}>{t('telephone.title')}</h3>
        <p role="alert">{t('telephone.failed')}</p>
      </section>
    );
  }
  const { dial_in_number: number, dial_in_id: id, pin } = view.dialIn;
  return (
    <section className="telephone" aria-labelledby={titleId}>
      <h3 id={titleId}>{t('telephone.title')}</h3>
      <p className="telephone-summary">
        {/* No line break inside the number. */}
        {number ? t('telephone.line', { number: number.replaceAll(' ', '\u00a0'), id, pin }) : t('telephone.lineNoNumber', { id, pin })}
      </p>
      {view.canRegenerate && (
        <p className="actions">
          <button type="button" className="button button-secondary button-small" onClick={() => setConfirming(true)} disabled={view.busy}>
            {t('telephone.newPin')}
          </button>
        </p>
      )}
      <p role="status" className={view.renewed ? 'telephone-renewed' : 'visually-hidden'}>
        {view.renewed ? t('telephone.renewed') : ''}
      </p>
      {view.renewError != null && <p role="alert">{t('telephone.renewFailed', { error: errorMessage(t, view.renewError) })}</p>}
      {confirming && (
        <ConfirmDialog
          title={t('telephone.newPinTitle')}
          confirmLabel={t('telephone.newPinConfirm')}
          cancelLabel={t('telephone.cancel')}
          busy={view.busy}
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            void store.regenerate(me?.csrf_token).finally(() => setConfirming(false));
          }}
        >
          <p>{t('telephone.newPinBody')}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
