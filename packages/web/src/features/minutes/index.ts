import { minutesProtocol } from '@plenum/protocol';
import { defineFeature, type Feature } from '../feature.ts';
import { de, en } from './messages.ts';
import { MinutesControl, MinutesPanel } from './Minutes.tsx';
import { MinutesStore } from './minutesStore.ts';

export const minutesFeature: Feature<typeof en> = defineFeature({
  protocol: minutesProtocol,
  store: MinutesStore,
  messages: { en, de },
  Control: { order: 50, Component: MinutesControl },
  Panel: { Component: MinutesPanel },
});
