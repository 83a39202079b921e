import { agendaProtocol } from '@plenum/protocol';
import { defineFeature, type Feature } from '../feature.ts';
import { AgendaAnnouncer, AgendaControl, AgendaPanel, QuorumBadge } from './Agenda.tsx';
import { AgendaStore } from './agendaStore.ts';
import { de, en } from './messages.ts';

/** The agenda and quorum in the meeting; its texts also hold the committee pages' (`committee.*`). */
export const agendaFeature: Feature<typeof en> = defineFeature({
  protocol: agendaProtocol,
  store: AgendaStore,
  messages: { en, de },
  Badge: { order: 20, Component: QuorumBadge },
  // For moderators always, for others once there is an agenda: the control decides.
  Control: { order: 30, Component: AgendaControl },
  Panel: { Component: AgendaPanel },
  Announcer: { order: 60, Component: AgendaAnnouncer },
});
