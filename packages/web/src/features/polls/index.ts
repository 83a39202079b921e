import { pollsProtocol } from '@plenum/protocol';
import { defineFeature, type Feature } from '../feature.ts';
import { de, en } from './messages.ts';
import { PollsAnnouncer, PollsControl, PollsPanel } from './Polls.tsx';
import { PollsStore } from './pollsStore.ts';

export const pollsFeature: Feature<typeof en> = defineFeature({
  protocol: pollsProtocol,
  store: PollsStore,
  messages: { en, de },
  Control: { order: 40, Component: PollsControl },
  Panel: { Component: PollsPanel },
  Announcer: { order: 50, Component: PollsAnnouncer },
});
