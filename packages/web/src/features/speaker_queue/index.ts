import { speakerQueueProtocol } from '@plenum/protocol';
import { defineFeature, type Feature } from '../feature.ts';
import { de, en } from './messages.ts';
import { SpeakerBadge, SpeakerQueue } from './SpeakerQueue.tsx';
import { SpeakerQueueStore } from './speakerQueueStore.ts';

export const speakerQueueFeature: Feature<typeof en> = defineFeature({
  protocol: speakerQueueProtocol,
  store: SpeakerQueueStore,
  messages: { en, de },
  Badge: { order: 30, Component: SpeakerBadge },
  ParticipantsSection: { order: 20, Component: SpeakerQueue },
});
