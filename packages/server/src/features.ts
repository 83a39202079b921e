import type { Migration } from 'kysely/migration';
import { agendaFeature } from './modules/agenda/index.ts';
import { attendanceFeature } from './modules/attendance/index.ts';
import { breakoutFeature } from './modules/breakout/index.ts';
import { chatFeature } from './modules/chat/index.ts';
import { controlFeature } from './modules/control/index.ts';
import { handsFeature } from './modules/hands/index.ts';
import { legalVoteFeature } from './modules/legal_vote/index.ts';
import { mediaFeature } from './modules/media/index.ts';
import { meetingsFeature } from './modules/meetings/index.ts';
import { minutesFeature } from './modules/minutes/index.ts';
import { moderationFeature } from './modules/moderation/index.ts';
import { pollsFeature } from './modules/polls/index.ts';
import { recordingFeature } from './modules/recording/index.ts';
import { speakerQueueFeature } from './modules/speaker_queue/index.ts';
import { telephoneFeature } from './modules/telephone/index.ts';
import { timerFeature } from './modules/timer/index.ts';
import { featureMigrations } from './signaling/compose.ts';
import type { AnyFeature } from './signaling/feature.ts';
import { coreMigrations } from './storage/migrations/index.ts';

/**
 * The composition list: every feature this server can run, in the order their hooks run. A new feature is
 * one more line here (and its protocol in packages/protocol/src/features.ts). `composeFeatures` checks the
 * list at start; `FEATURES_DISABLED` switches features off per deployment.
 */
export const featureCatalogue: readonly AnyFeature[] = [
  controlFeature,
  mediaFeature,
  chatFeature,
  handsFeature,
  moderationFeature,
  timerFeature,
  pollsFeature,
  breakoutFeature,
  speakerQueueFeature,
  attendanceFeature,
  agendaFeature,
  minutesFeature,
  legalVoteFeature,
  telephoneFeature,
  recordingFeature,
  meetingsFeature,
];

/** The core's migrations and those of these features (all of the catalogue by default). */
export function allMigrations(features: readonly AnyFeature[] = featureCatalogue): Record<string, Migration> {
  return { ...coreMigrations, ...featureMigrations(features) };
}
