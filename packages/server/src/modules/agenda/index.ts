import { committeePersonalData } from '../../gdpr/features.ts';
import {
  agendaProtocol,
  computeQuorum,
  DEFAULT_QUORUM_RULE,
  rosterMemberFor,
  type AgendaItem,
  type AgendaItemView,
  type AgendaSnapshot,
  type Quorum,
  type QuorumRule,
  type RosterMember,
} from '@plenum/protocol';
import { defineFeature, refusal, type FeatureDeps, type FeatureRoom, type HooksOf, type Participant } from '../../signaling/feature.ts';
import { agendaItemChanged, committeeChanged, type CommitteeData } from './events.ts';
import * as m0003 from './migrations/0003_committee.ts';
import * as m0007 from './migrations/0007_roster_email.ts';
import { committeeRoutes } from './routes.ts';
import { CommitteeRepository, type CommitteeRepos } from './storage.ts';

/**
 * `agenda`: the committee's agenda and live quorum, and the room's one source of committee data. Roster,
 * agenda and quorum rule are read before the room's first task (`load`), so the first join_success has them;
 * the room's first join announces them to the other features (`committee_changed`), and so does every reload:
 * the chair's `reload`, or `refresh` when the committee page saves roster, agenda or quorum rule (the REST routes
 * call `refreshLiveRoom` after committing), so edits reach a running meeting at once.
 * The chair (moderators) moves through the items; everyone sees the current one (`agenda_item_changed` for
 * the other features). Who of the roster is present is derived from the room's participants (matched by
 * account or personal invite; phone participants count alike when their admission carries either) after
 * every join and leave, and `quorum` goes out whenever the result changes. A dropped connection stays a
 * participant for its resume window, so a resume never flaps.
 *
 * Non-public items: everyone sees their title and that they are non-public; description and motion go to
 * moderators and roster members only (a council publishes the titles of its closed-session items too).
 */

export interface AgendaState {
  /** false while the committee data could not be read (the room opened with an empty agenda; joins retry). */
  loaded: boolean;
  loading: boolean;
  /** committee_changed went out for this room (its first join). */
  announced: boolean;
  roster: RosterMember[];
  items: AgendaItem[];
  rule: QuorumRule;
  currentItemId: string | null;
  /** The last quorum sent, to send only changes. */
  lastQuorumKey: string | null;
  /** Reads of fresh committee data started (reload, refresh): only the newest one's result is applied. */
  reads: number;
}

type Loaded = CommitteeData;
type Emits = typeof committeeChanged | typeof agendaItemChanged;
type Room = FeatureRoom<typeof agendaProtocol, Emits>;
const refuse = refusal(agendaProtocol);

function presentMemberIds(room: Room, state: AgendaState): Set<string> {
  const present = new Set<string>();
  for (const p of room.participants()) {
    if (p.kind === 'recorder') continue;
    const m = rosterMemberFor(state.roster, p);
    if (m) present.add(m.id);
  }
  return present;
}

function quorumOf(room: Room, state: AgendaState): Quorum {
  const present = presentMemberIds(room, state);
  const result = computeQuorum(state.roster, present, state.rule);
  // In roster order, so the same presence always gives the same list.
  const present_member_ids = state.roster.filter((m) => present.has(m.id)).map((m) => m.id);
  return { ...result, present_member_ids, rule: state.rule };
}

/** Broadcasts `quorum` if it differs from what was sent last. */
function publishQuorum(room: Room, state: AgendaState, force = false): void {
  const quorum = quorumOf(room, state);
  const key = JSON.stringify(quorum);
  if (!force && key === state.lastQuorumKey) return;
  state.lastQuorumKey = key;
  room.broadcast({ message: 'quorum', ...quorum });
}

function mayReadDetails(room: Room, state: AgendaState, who: Participant): boolean {
  return room.permissionsOf(who).has('moderate') || rosterMemberFor(state.roster, who) !== undefined;
}

function itemsFor(room: Room, state: AgendaState, who: Participant): AgendaItemView[] {
  const details = mayReadDetails(room, state, who);
  return state.items.map((item) => {
    const shown = item.public || details;
    return {
      id: item.id,
      position: item.position,
      title: item.title,
      public: item.public,
      description: shown ? item.description : null,
      motion: shown ? item.motion : null,
      details: shown,
    };
  });
}

const committeeOf = (state: AgendaState): CommitteeData => ({ roster: state.roster, items: state.items, rule: state.rule });
const currentItem = (state: AgendaState): AgendaItem | null => state.items.find((i) => i.id === state.currentItemId) ?? null;


/**
 * Fresh committee data (a reload, or a retry after the first read failed): everyone gets the agenda as they
 * may see it and the quorum again; the other features get the data, and hear of a current item that is gone.
 */
function applyCommittee(room: Room, state: AgendaState, data: CommitteeData): void {
  state.roster = [...data.roster];
  state.items = [...data.items];
  state.rule = data.rule;
  state.loaded = true;
  const dropped = state.currentItemId !== null && !state.items.some((i) => i.id === state.currentItemId);
  if (dropped) state.currentItemId = null;
  for (const p of room.participants()) room.send(p, { message: 'agenda', items: itemsFor(room, state, p), current_item_id: state.currentItemId });
  publishQuorum(room, state, true);
  state.announced = true;
  room.emit(committeeChanged, committeeOf(state));
  if (dropped) room.emit(agendaItemChanged, { itemId: null, item: null });
}

function hooks({ repos }: FeatureDeps<CommitteeRepos>): HooksOf<typeof agendaProtocol, AgendaState, Loaded, Emits> {
  async function read(roomId: string): Promise<CommitteeData> {
    const [roster, items, rule] = await Promise.all([repos.listRoster(roomId), repos.listAgenda(roomId), repos.settings(roomId)]);
    return { roster, items, rule };
  }

  // Fresh data from the database, applied unless a newer read started meanwhile (two saves in a row).
  // `spawn` is the hook's: in a command a failure is answered to the chair (internal_error), else logged.
  function reread(spawn: (work: Promise<CommitteeData>, then: (data: CommitteeData) => void) => void, room: Room, state: AgendaState): void {
    const started = ++state.reads;
    spawn(read(room.id), (data) => {
      if (started === state.reads) applyCommittee(room, state, data);
    });
  }

  return {
    // The core logs a failure and init gets undefined: the room opens with an empty agenda (never quorate).
    load: (room) => read(room.id),

    init(_room, loaded) {
      return {
        loaded: loaded !== undefined,
        loading: false,
        announced: false,
        roster: loaded ? [...loaded.roster] : [],
        items: loaded ? [...loaded.items] : [],
        rule: loaded?.rule ?? { ...DEFAULT_QUORUM_RULE },
        currentItemId: null,
        lastQuorumKey: null,
        reads: 0,
      };
    },

    onJoin(ctx) {
      const { state, room } = ctx;
      // The first join, not init: the features after this one subscribe in their init, and this runs before their onJoin.
      if (!state.announced) {
        state.announced = true;
        ctx.emit(committeeChanged, committeeOf(state));
      }
      publishQuorum(room, state);
      // The read at open failed: every join tries again (as the room did before it had `load`).
      if (!state.loaded && !state.loading) {
        state.loading = true;
        ctx.spawn(
          read(room.id),
          (data) => {
            state.loading = false;
            if (!state.loaded) applyCommittee(room, state, data);
          },
          (err) => {
            state.loading = false;
            room.logger.error({ err }, 'agenda: loading roster and agenda failed');
          },
        );
      }
    },

    onLeave(ctx) {
      publishQuorum(ctx.room, ctx.state);
    },

    onCommand(ctx, _who, cmd) {
      if (!ctx.permissions.has('moderate')) throw refuse('forbidden');
      const { state, room } = ctx;
      const index = state.items.findIndex((i) => i.id === state.currentItemId);
      const move = (id: string) => {
        const changed = state.currentItemId !== id;
        state.currentItemId = id;
        // Clients get `current` even when the chair selects the current item again (their answer); the other features only hear of a change.
        ctx.broadcast({ message: 'current', current_item_id: id });
        if (changed) ctx.emit(agendaItemChanged, { itemId: id, item: currentItem(state) });
      };
      switch (cmd.action) {
        case 'next': {
          const next = state.items[index + 1];
          if (!next) throw refuse('agenda_item_not_found');
          move(next.id);
          return;
        }
        case 'previous': {
          const previous = index > 0 ? state.items[index - 1] : undefined;
          if (!previous) throw refuse('agenda_item_not_found');
          move(previous.id);
          return;
        }
        case 'select': {
          if (!state.items.some((i) => i.id === cmd.item_id)) throw refuse('agenda_item_not_found');
          move(cmd.item_id);
          return;
        }
        case 'reload':
          // The core logs an error and answers the chair with internal_error (action reload).
          reread(ctx.spawn, room, state);
          return;
      }
    },

    // The committee page saved roster, agenda or quorum rule (REST): everyone sees it now, not after a reload.
    refresh(ctx) {
      reread(ctx.spawn, ctx.room, ctx.state);
    },

    snapshot(ctx, forWhom): AgendaSnapshot {
      const { state, room } = ctx;
      return {
        items: itemsFor(room, state, forWhom),
        current_item_id: state.currentItemId,
        quorum: quorumOf(room, state),
        my_member_id: rosterMemberFor(state.roster, forWhom)?.id ?? null,
      };
    },
  };
}

export const agendaFeature = defineFeature({
  ...agendaProtocol,
  emits: [committeeChanged, agendaItemChanged],
  repositories: (db): CommitteeRepos => new CommitteeRepository(db),
  migrations: { '0003_committee': m0003, '0007_roster_email': m0007 },
  personalData: committeePersonalData,
  routes: committeeRoutes,
  setup: (deps) => hooks(deps),
});
