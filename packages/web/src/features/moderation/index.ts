import { moderationProtocol } from '@plenum/protocol';
import { defineFeature, moderatorsOnly, type Feature } from '../feature.ts';
import { de, en } from './messages.ts';
import { ModerationAnnouncer, ModerationSections, ParticipantModeration } from './Moderation.tsx';
import { ModerationStore } from './moderationStore.ts';

export const moderationFeature: Feature<typeof en> = defineFeature({
  protocol: moderationProtocol,
  store: ModerationStore,
  messages: { en, de },
  ParticipantsSection: { order: 10, visible: moderatorsOnly, Component: ModerationSections },
  RowActions: { order: 10, visible: moderatorsOnly, Component: ParticipantModeration },
  // Everyone hears room-level changes; only moderators hear who waits.
  Announcer: { order: 20, Component: ModerationAnnouncer },
});
