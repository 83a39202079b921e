import { timerProtocol } from '@plenum/protocol';
import { defineFeature, type Feature } from '../feature.ts';
import { de, en } from './messages.ts';
import { BreakOverlay, TimerAnnouncer, TimerBadge, TimerControl, TimerPanel } from './Timer.tsx';
import { TimerStore } from './timerStore.ts';

export const timerFeature: Feature<typeof en> = defineFeature({
  protocol: timerProtocol,
  store: TimerStore,
  messages: { en, de },
  Badge: { order: 10, Component: TimerBadge },
  Control: { order: 70, Component: TimerControl },
  Panel: { Component: TimerPanel },
  Announcer: { order: 40, Component: TimerAnnouncer },
  Overlay: { order: 10, Component: BreakOverlay },
});
