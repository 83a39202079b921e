import { breakoutProtocol } from '@plenum/protocol';
import { defineFeature, moderatorsOnly, type Feature } from '../feature.ts';
import { BreakoutBanner, BreakoutControl, BreakoutPanel } from './Breakout.tsx';
import { BreakoutStore } from './breakoutStore.ts';
import { de, en } from './messages.ts';

export const breakoutFeature: Feature<typeof en> = defineFeature({
  protocol: breakoutProtocol,
  store: BreakoutStore,
  messages: { en, de },
  // Everyone sees which room they are in; only moderators open and run the rooms.
  Banner: { order: 10, Component: BreakoutBanner },
  Control: { order: 80, visible: moderatorsOnly, Component: BreakoutControl },
  Panel: { visible: moderatorsOnly, Component: BreakoutPanel },
});
