import { recordingProtocol } from '@plenum/protocol';
import { defineFeature, moderatorsOnly, type Feature } from '../feature.ts';
import { de, en } from './messages.ts';
import { ConsentDialog, RecordingAnnouncer, RecordingBadge, RecordingControl } from './Recording.tsx';
import { RecordingStore } from './recordingStore.ts';

export const recordingFeature: Feature<typeof en> = defineFeature({
  protocol: recordingProtocol,
  store: RecordingStore,
  messages: { en, de },
  Badge: { order: 5, Component: RecordingBadge },
  Control: { order: 75, visible: moderatorsOnly, Component: RecordingControl },
  Announcer: { order: 45, Component: RecordingAnnouncer },
  Overlay: { order: 5, Component: ConsentDialog },
});
