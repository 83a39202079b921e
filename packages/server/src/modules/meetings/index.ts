import { meetingsProtocol } from '@plenum/protocol';
import { meetingsPersonalData } from '../../gdpr/features.ts';
import { defineFeature, type FeatureDeps, type HooksOf } from '../../signaling/feature.ts';
import * as m0012 from './migrations/0012_meetings.ts';
import { occurrencesBetween, scheduleOf } from './plan.ts';
import { meetingsRoutes } from './routes.ts';
import { MeetingsRepository, type MeetingsRepos } from './storage.ts';

/**
 * `meetings`: planned meetings (issue #16) — a room's meetings in time with recurrence and invitees, e-mail
 * invitations with iCalendar entries, the per-user calendar feed (routes.ts). In the room, anyone may ask for the
 * planned meeting that is running or comes next (`get_planned`), e.g. to show its title.
 */

function hooks({ repos }: FeatureDeps<MeetingsRepos>): HooksOf<typeof meetingsProtocol, undefined> {
  return {
    init: () => undefined,
    onCommand(ctx, who) {
      const now = ctx.clock.now();
      ctx.spawn(repos.activeInRoom(ctx.room.id, now), (meetings) => {
        const next = meetings
          .flatMap((m) => occurrencesBetween(scheduleOf(m), now, new Date('9999-01-01T00:00:00Z')).slice(0, 1).map((o) => ({ m, o })))
          .sort((a, b) => a.o.startsAt.getTime() - b.o.startsAt.getTime())[0];
        ctx.send(who, {
          message: 'planned',
          occurrence: next ? { meeting_id: next.m.id, title: next.m.title, starts_at: next.o.startsAt.toISOString(), ends_at: next.o.endsAt.toISOString() } : null,
        });
      });
    },
    snapshot: () => ({}),
  };
}

export const meetingsFeature = defineFeature({
  ...meetingsProtocol,
  requires: ['telephone', 'agenda'],
  repositories: (db): MeetingsRepos => new MeetingsRepository(db),
  migrations: { '0012_meetings': m0012 },
  personalData: meetingsPersonalData,
  routes: meetingsRoutes,
  setup: (deps) => hooks(deps),
});
