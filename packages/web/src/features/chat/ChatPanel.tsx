import { MAX_CHAT_MESSAGE_LENGTH, type ChatEntry, type chatProtocol } from '@plenum/protocol';
import { useEffect, useId, useMemo, useRef, useState, useSyncExternalStore, type FormEvent, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmDialog } from '../../app/ConfirmDialog.tsx';
import { currentLanguage } from '../../i18n/index.ts';
import type { ErrorMessages, PanelProps, TextKey } from '../feature.ts';
import { CloseIcon } from '../meeting/icons.tsx';
import { PersonName } from '../meeting/PersonName.tsx';
import { ROOM, conversationOf, type ChatStore, type ConversationKey } from './chatStore.ts';
import { linkify } from './linkify.ts';
import type { en } from './messages.ts';
import './chat.css';

/** Message text as React text nodes; http(s) links open in a new tab without access to this page. */
export function MessageText({ text }: { text: string }) {
  return (
    <>
      {linkify(text).map((segment, i) =>
        segment.type === 'link' ? (
          <a key={i} href={segment.href} target="_blank" rel="noopener noreferrer nofollow">
            {segment.text}
          </a>
        ) : (
          <span key={i}>{segment.text}</span>
        ),
      )}
    </>
  );
}

function formatTime(iso: string): string {
  return new Intl.DateTimeFormat(currentLanguage() === 'de' ? 'de-DE' : 'en-GB', { hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

const errorKey: ErrorMessages<typeof chatProtocol, TextKey<typeof en, 'chat'>> = {
  chat_disabled: 'chat.errorDisabled',
  rate_limited: 'chat.errorRateLimited',
  participant_not_found: 'chat.errorRecipientGone',
  chat_full: 'chat.errorFull',
};

export function ChatPanel({ id, store, meeting, onClose }: PanelProps<ChatStore>) {
  const { t } = useTranslation();
  const { moderator, others: participants } = meeting;
  const selfId = meeting.self.id;
  const chat = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const [conversation, setConversation] = useState<ConversationKey>(() => {
    const view = store.getSnapshot();
    if ((view.unread.get(store.selected) ?? 0) > 0) return store.selected;
    // Opened because of a badge: show the conversation with news.
    return [...view.unread.keys()].at(-1) ?? store.selected;
  });
  const [draft, setDraft] = useState('');
  const [confirmClear, setConfirmClear] = useState(false);
  // Choosing the members of a new group conversation (null: not choosing).
  const [picking, setPicking] = useState<ReadonlySet<string> | null>(null);
  const listRef = useRef<HTMLOListElement>(null);
  const selectId = useId();
  const textId = useId();
  const hintId = useId();
  const errorId = useId();

  useEffect(() => {
    store.selected = conversation;
    store.setViewing(conversation);
    return () => store.setViewing(null);
  }, [store, conversation]);

  // Names of everyone who ever wrote or was written to, so conversations with people who left keep a name.
  const names = useMemo(() => {
    const map = new Map<string, string>();
    for (const m of chat.messages) for (const p of [m.sender, ...m.recipients]) map.set(p.id, p.display_name);
    for (const p of participants) map.set(p.id, p.display_name);
    return map;
  }, [chat.messages, participants]);

  const conversations = useMemo(() => {
    const keys: ConversationKey[] = [ROOM, ...participants.map((p) => `private:${p.id}`)];
    for (const m of chat.messages) {
      const key = conversationOf(m, selfId);
      if (!keys.includes(key)) keys.push(key);
    }
    if (!keys.includes(conversation)) keys.push(conversation);
    return keys;
  }, [participants, chat.messages, selfId, conversation]);

  const present = new Set(participants.map((p) => p.id));
  const nameOf = (key: ConversationKey): string => {
    if (key === ROOM) return t('chat.everyone');
    if (key.startsWith('private:')) {
      const other = key.slice('private:'.length);
      const name = names.get(other) ?? t('chat.unknown');
      return t('chat.privateWith', { name: present.has(other) ? name : t('chat.left', { name }) });
    }
    const members = key.slice('group:'.length).split(',').filter((m) => m !== selfId);
    return t('chat.group', { names: members.map((m) => names.get(m) ?? t('chat.unknown')).join(', ') });
  };

  const visible: ChatEntry[] = chat.messages.filter((m) => conversationOf(m, selfId) === conversation);
  const canWrite = chat.enabled || moderator;

  useEffect(() => {
    const list = listRef.current;
    if (list) list.scrollTop = list.scrollHeight;
  }, [visible.length, conversation]);

  const togglePicked = (participantId: string, on: boolean) =>
    setPicking((current) => {
      const next = new Set(current);
      if (on) next.add(participantId);
      else next.delete(participantId);
      return next;
    });
  const startGroup = () => {
    if (!picking || picking.size < 2) return;
    setConversation(`group:${[selfId, ...picking].sort().join(',')}`);
    setPicking(null);
  };

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (!draft.trim() || !canWrite) return;
    if (store.sendMessage(draft, conversation)) setDraft('');
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  const errorText = chat.error ? t(errorKey[chat.error.code] ?? 'chat.errorGeneric') : null;

  return (
    <aside id={id} className="side-panel chat-panel" aria-labelledby={`${id}-title`}>
      <div className="side-panel-head">
        <h2 id={`${id}-title`}>{t('chat.title')}</h2>
        <button type="button" className="icon-button" onClick={onClose}>
          <CloseIcon />
          <span className="visually-hidden">{t('chat.close')}</span>
        </button>
      </div>

      {moderator && (
        <div className="chat-moderation" role="group" aria-label={t('chat.moderation')}>
          <button type="button" className="button button-secondary button-small" onClick={() => store.setEnabled(!chat.enabled)}>
            {chat.enabled ? t('chat.disable') : t('chat.enable')}
          </button>
          <button type="button" className="button button-secondary button-small" onClick={() => setConfirmClear(true)} disabled={chat.messages.length === 0}>
            {t('chat.clear')}
          </button>
        </div>
      )}
      {!chat.enabled && <p className="chat-notice">{moderator ? t('chat.disabledNoticeModerator') : t('chat.disabledNotice')}</p>}

      <div className="field chat-conversation">
        <label htmlFor={selectId}>{t('chat.conversation')}</label>
        <select id={selectId} className="select" value={conversation} onChange={(e) => setConversation(e.target.value)}>
          {conversations.map((key) => {
            const unread = chat.unread.get(key) ?? 0;
            return (
              <option key={key} value={key}>
                {unread > 0 ? `${nameOf(key)} (${t('chat.unreadCount', { count: unread })})` : nameOf(key)}
              </option>
            );
          })}
        </select>
      </div>
      {picking === null ? (
        participants.length >= 2 && (
          <button type="button" className="button button-secondary button-small chat-new-group" onClick={() => setPicking(new Set())}>
            {t('chat.newGroup')}
          </button>
        )
      ) : (
        <fieldset className="chat-group-picker">
          <legend>{t('chat.groupMembers')}</legend>
          {participants.map((p) => (
            <div key={p.id} className="checkbox-field">
              <input id={`${id}-pick-${p.id}`} type="checkbox" checked={picking.has(p.id)} onChange={(e) => togglePicked(p.id, e.target.checked)} />
              <label htmlFor={`${id}-pick-${p.id}`}>
                <PersonName name={p.display_name} kind={p.kind} />
              </label>
            </div>
          ))}
          <div className="chat-group-actions">
            <button type="button" className="button button-primary button-small" disabled={picking.size < 2} onClick={startGroup}>
              {t('chat.startGroup')}
            </button>
            <button type="button" className="button button-secondary button-small" onClick={() => setPicking(null)}>
              {t('chat.cancel')}
            </button>
          </div>
        </fieldset>
      )}

      <ol ref={listRef} className="chat-messages" aria-label={t('chat.messagesOf', { name: nameOf(conversation) })} tabIndex={0}>
        {visible.length === 0 && <li className="chat-empty">{t('chat.empty')}</li>}
        {visible.map((m) => (
          <li key={m.id} className={`chat-message${m.sender.id === selfId ? ' chat-own' : ''}`}>
            <p className="chat-meta">
              <span className="chat-sender">{m.sender.id === selfId ? t('chat.you') : <PersonName name={m.sender.display_name} kind={m.sender.kind} />}</span>{' '}
              <time dateTime={m.timestamp}>{formatTime(m.timestamp)}</time>
            </p>
            <p className="chat-text">
              <MessageText text={m.text} />
            </p>
          </li>
        ))}
      </ol>

      <form className="chat-composer" onSubmit={submit}>
        <label htmlFor={textId}>{t('chat.messageTo', { name: nameOf(conversation) })}</label>
        <textarea
          id={textId}
          value={draft}
          rows={2}
          maxLength={MAX_CHAT_MESSAGE_LENGTH}
          disabled={!canWrite}
          aria-describedby={[canWrite ? hintId : '', errorText ? errorId : ''].filter(Boolean).join(' ') || undefined}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={onKeyDown}
        />
        {canWrite && (
          <p id={hintId} className="field-hint">
            {t('chat.sendHint')}
          </p>
        )}
        {errorText && (
          <p id={errorId} className="field-error" role="alert">
            {errorText}
          </p>
        )}
        <button type="submit" className="button button-primary" disabled={!canWrite || !draft.trim()}>
          {t('chat.send')}
        </button>
      </form>

      {confirmClear && (
        <ConfirmDialog
          title={t('chat.clearTitle')}
          confirmLabel={t('chat.clearConfirm')}
          cancelLabel={t('chat.cancel')}
          onCancel={() => setConfirmClear(false)}
          onConfirm={() => {
            store.clearHistory();
            setConfirmClear(false);
          }}
        >
          <p>{t('chat.clearBody')}</p>
        </ConfirmDialog>
      )}
    </aside>
  );
}
