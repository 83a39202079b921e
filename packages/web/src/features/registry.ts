import type { FeatureConnection } from '../meeting/featureStore.ts';
import type { Self } from '../meeting/meetingSession.ts';
import type { AnyFeature, Area } from './feature.ts';
// In the order their stylesheets have always been bundled, so the cascade between them stays as it was.
import { chatFeature } from './chat/index.ts';
import { handsFeature } from './hands/index.ts';
import { speakerQueueFeature } from './speaker_queue/index.ts';
import { attendanceFeature } from './attendance/index.ts';
import { moderationFeature } from './moderation/index.ts';
import { timerFeature } from './timer/index.ts';
import { pollsFeature } from './polls/index.ts';
import { minutesFeature } from './minutes/index.ts';
import { agendaFeature } from './agenda/index.ts';
import { legalVoteFeature } from './legal_vote/index.ts';
import { breakoutFeature } from './breakout/index.ts';
import { telephoneFeature } from './telephone/index.ts';
import { recordingFeature } from './recording/index.ts';

/**
 * The meeting's features: the one list the meeting screen and the text catalogue are composed from. A new
 * feature is a folder with an `index.ts` (its store, texts and slots) and one line here; where its parts go
 * on screen is the `order` of each slot within its area.
 */
export const registry = [
  chatFeature,
  handsFeature,
  speakerQueueFeature,
  attendanceFeature,
  moderationFeature,
  timerFeature,
  pollsFeature,
  minutesFeature,
  agendaFeature,
  legalVoteFeature,
  breakoutFeature,
  telephoneFeature,
  recordingFeature,
] as const;

const features: readonly AnyFeature[] = registry;

/** Makes every feature's store of this connection (as the meeting screen opens), so none misses the join. */
export function startFeatures(connection: FeatureConnection): void {
  for (const feature of features) feature.start(connection);
}

/** The slots of one area that this participant sees, in their order on screen. */
export function slotsOf<A extends Area>(area: A, self: Self): { feature: AnyFeature; slot: NonNullable<AnyFeature[A]> }[] {
  return features
    .flatMap((feature) => {
      const slot = feature[area];
      return slot && slot.visible(self) ? [{ feature, slot }] : [];
    })
    .sort((a, b) => a.slot.order - b.slot.order);
}
