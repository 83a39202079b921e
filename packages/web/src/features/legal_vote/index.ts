import { legalVoteProtocol } from '@plenum/protocol';
import { defineFeature, type Feature } from '../feature.ts';
import { LegalVoteAnnouncer } from './LegalVoteAnnouncer.tsx';
import { LegalVoteControl } from './LegalVoteControl.tsx';
import { LegalVotePanel } from './LegalVotePanel.tsx';
import { LegalVoteStore } from './legalVoteStore.ts';
import { de, en } from './messages.ts';

export const legalVoteFeature: Feature<typeof en> = defineFeature({
  protocol: legalVoteProtocol,
  store: LegalVoteStore,
  messages: { en, de },
  Control: { order: 60, Component: LegalVoteControl },
  Panel: { Component: LegalVotePanel },
  Announcer: { order: 70, Component: LegalVoteAnnouncer },
});
