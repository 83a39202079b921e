import { handsProtocol } from '@plenum/protocol';
import { defineFeature, type Feature } from '../feature.ts';
import { HandsAnnouncer, RaiseHandControl, RaisedHands } from './Hands.tsx';
import { HandsStore } from './handsStore.ts';
import { de, en } from './messages.ts';

export const handsFeature: Feature<typeof en> = defineFeature({
  protocol: handsProtocol,
  store: HandsStore,
  messages: { en, de },
  // A toggle, not a panel: the raised hands are listed in the participants panel.
  Control: { order: 10, Component: RaiseHandControl },
  ParticipantsSection: { order: 30, Component: RaisedHands },
  Announcer: { order: 30, Component: HandsAnnouncer },
});
