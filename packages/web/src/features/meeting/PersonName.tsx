import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { ParticipantKind } from '@plenum/protocol';

/**
 * Guests and phone callers choose their own names, so a guest can call themselves "Admin". Wherever a
 * name appears it carries the person's kind: visibly as a tag, and in announcements as "(guest)".
 */
export function PersonName({ name, kind, className }: { name: string; kind: ParticipantKind | undefined; className?: string }) {
  const { t } = useTranslation();
  return (
    <>
      <span className={className}>{name}</span>
      {kind === 'guest' && <> <span className="tag tag-quiet person-kind">{t('call.guest')}</span></>}
      {kind === 'sip' && <> <span className="tag tag-quiet person-kind">{t('call.phone')}</span></>}
    </>
  );
}

/** The name with its kind as text, for announcements and other places where only text fits. */
export function markedName(t: TFunction, name: string, kind: ParticipantKind | undefined): string {
  if (kind === 'guest') return t('call.nameGuest', { name });
  if (kind === 'sip') return t('call.namePhone', { name });
  return name;
}
