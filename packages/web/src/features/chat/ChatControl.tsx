import { useEffect, useId, useRef, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { ChatIcon } from './ChatIcon.tsx';
import type { ChatStore } from './chatStore.ts';

/** The chat button of the controls bar, with the number of unread messages. */
export function ChatControl({ store, open, panelId, onToggle }: { store: ChatStore; open: boolean; panelId: string; onToggle(): void }) {
  const { t } = useTranslation();
  const chat = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const unreadId = useId();
  const unread = chat.totalUnread;
  return (
    <>
      <button
        type="button"
        className={`control${open ? ' control-active' : ''}`}
        aria-pressed={open}
        aria-controls={open ? panelId : undefined}
        aria-describedby={unread > 0 ? unreadId : undefined}
        onClick={onToggle}
      >
        <ChatIcon />
        <span>{t('chat.open')}</span>
        {unread > 0 && (
          <span className="control-count control-unread" aria-hidden="true">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      {/* Outside the button, so the button's name stays "Chat" and the count is its description. */}
      {unread > 0 && (
        <span id={unreadId} className="visually-hidden">
          {t('chat.unreadCount', { count: unread })}
        </span>
      )}
    </>
  );
}

const ANNOUNCED_TEXT_LENGTH = 300;

/** New messages and chat moderation, read out politely by screen readers (not one's own messages). */
export function ChatAnnouncer({ store }: { store: ChatStore }) {
  const { t } = useTranslation();
  const [lines, setLines] = useState<{ key: number; text: string }[]>([]);
  const counter = useRef(0);
  useEffect(() => {
    return store.onEvent((event) => {
      let text: string;
      if (event.type === 'message') {
        if (event.own) return;
        const body = event.entry.text.length > ANNOUNCED_TEXT_LENGTH ? `${event.entry.text.slice(0, ANNOUNCED_TEXT_LENGTH)}…` : event.entry.text;
        const name = event.entry.sender.display_name;
        text = event.entry.scope === 'room' ? t('chat.announceMessage', { name, text: body }) : t('chat.announcePrivate', { name, text: body });
      } else if (event.type === 'enabled') text = t('chat.announceEnabled');
      else if (event.type === 'disabled') text = t('chat.announceDisabled');
      else text = t('chat.announceCleared');
      setLines((l) => [...l.slice(-4), { key: ++counter.current, text }]);
    });
  }, [store, t]);
  return (
    <div className="visually-hidden" aria-live="polite" aria-relevant="additions">
      {lines.map((line) => (
        <p key={line.key}>{line.text}</p>
      ))}
    </div>
  );
}
