import { telephoneProtocol } from '@plenum/protocol';
import { telephonePersonalData } from '../../gdpr/features.ts';
import { defineFeature, refusal, type FeatureDeps, type HooksOf } from '../../signaling/feature.ts';
import * as m0011 from './migrations/0011_telephone_dialin.ts';
import * as m0014 from './migrations/0014_telephone_personal_pins.ts';
import { telephoneRoutes } from './routes.ts';
import { TelephoneRepository, type TelephoneRepos } from './storage.ts';

/**
 * `telephone`: dial-in by phone (issue #12). Each room has a dial-in ID and a PIN (storage.ts, made on first
 * use); the SIP gateway turns a caller's ID and PIN into a signaling ticket of kind `sip` (routes.ts), and the
 * caller then joins like any participant — waiting room, lock, removal and renaming are the core's and
 * moderation's, as for guests. In the room, moderators (also those promoted during the meeting, whom REST does
 * not know) ask for the dial-in details with `get_dial_in`.
 */

const refuse = refusal(telephoneProtocol);

function hooks({ repos, services }: FeatureDeps<TelephoneRepos>): HooksOf<typeof telephoneProtocol, undefined> {
  const dialInNumber = services.telephone?.dialInNumber ?? null;
  return {
    init: () => undefined,
    onCommand(ctx, who) {
      if (!ctx.permissions.has('moderate')) throw refuse('forbidden');
      ctx.spawn(repos.forRoom(ctx.room.id, ctx.clock.now()), (row) => {
        ctx.send(who, { message: 'dial_in', dial_in_number: dialInNumber, dial_in_id: row.dial_in_id, pin: row.pin });
      });
    },
    snapshot: () => ({}),
  };
}

export const telephoneFeature = defineFeature({
  ...telephoneProtocol,
  repositories: (db): TelephoneRepos => new TelephoneRepository(db),
  requires: ['agenda'],
  migrations: { '0011_telephone_dialin': m0011, '0014_telephone_personal_pins': m0014 },
  personalData: telephonePersonalData,
  routes: telephoneRoutes,
  setup: (deps) => hooks(deps),
});
