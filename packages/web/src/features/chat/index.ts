import { chatProtocol } from '@plenum/protocol';
import { defineFeature, type Feature } from '../feature.ts';
import { ChatAnnouncer, ChatControl } from './ChatControl.tsx';
import { ChatPanel } from './ChatPanel.tsx';
import { ChatStore } from './chatStore.ts';
import { de, en } from './messages.ts';

export const chatFeature: Feature<typeof en> = defineFeature({
  protocol: chatProtocol,
  store: ChatStore,
  messages: { en, de },
  Control: { order: 20, Component: ChatControl },
  Panel: { Component: ChatPanel },
  Announcer: { order: 10, Component: ChatAnnouncer },
});
