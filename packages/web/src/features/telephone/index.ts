import { telephoneProtocol } from '@plenum/protocol';
import { defineFeature, moderatorsOnly, type Feature } from '../feature.ts';
import { de, en } from './messages.ts';
import { DialInSection } from './Telephone.tsx';
import { TelephoneStore } from './telephoneStore.ts';

export const telephoneFeature: Feature<typeof en> = defineFeature({
  protocol: telephoneProtocol,
  store: TelephoneStore,
  messages: { en, de },
  ParticipantsSection: { order: 45, visible: moderatorsOnly, Component: DialInSection },
});
