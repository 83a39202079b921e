import {
  AgendaCommand,
  computeQuorum,
  DEFAULT_QUORUM_RULE,
  type AgendaItem,
  type AgendaItemView,
  type AgendaSnapshot,
  type Quorum,
  type QuorumRule,
  type RosterMember,
} from '@plenum/protocol';
import { rosterMemberFor } from '../../storage/committee.ts';
import { CommandError, defineModule, type ModuleContext, type Participant, type RoomContext } from '../types.ts';

/**
 * `agenda`: the committee's agenda and live quorum. When the room opens (first join) the roster, agenda and
 * quorum rule are loaded from the database, inside the room's task, so the first join_success has them. The
 * chair (moderators) moves through the items; everyone sees the current one. Who of the roster is present is
 * derived from the room's participants (matched by account or personal invite; phone participants count
 * alike when their admission carries either) after every join and leave, and `quorum` goes out whenever the
 * result changes. A dropped connection stays a participant for its resume window, so a resume never flaps.
 *
 * Non-public items: everyone sees their title and that they are non-public; description and motion go to
 * moderators and roster members only (a council publishes the titles of its closed-session items too).
 */

/** What the module reads from storage (CommitteeRepository; tests pass an in-memory one). */
export interface CommitteeStore {
  listRoster(roomId: string): Promise<RosterMember[]>;
  listAgenda(roomId: string): Promise<AgendaItem[]>;
  settings(roomId: string): Promise<QuorumRule>;
}

export interface AgendaState {
  room: RoomContext;
  loaded: boolean;
  roster: RosterMember[];
  items: AgendaItem[];
  rule: QuorumRule;
  currentItemId: string | null;
  /** The last quorum sent, to send only changes. */
  lastQuorumKey: string | null;
}

function presentMemberIds(state: AgendaState): Set<string> {
  const present = new Set<string>();
  for (const p of state.room.participants()) {
    if (p.kind === 'recorder') continue;
    const m = rosterMemberFor(state.roster, p);
    if (m) present.add(m.id);
  }
  return present;
}

function quorumOf(state: AgendaState): Quorum {
  const present = presentMemberIds(state);
  const result = computeQuorum(state.roster, present, state.rule);
  // In roster order, so the same presence always gives the same list.
  const present_member_ids = state.roster.filter((m) => present.has(m.id)).map((m) => m.id);
  return { ...result, present_member_ids, rule: state.rule };
}

/** Broadcasts `quorum` if it differs from what was sent last. */
function publishQuorum(state: AgendaState, force = false): void {
  const quorum = quorumOf(state);
  const key = JSON.stringify(quorum);
  if (!force && key === state.lastQuorumKey) return;
  state.lastQuorumKey = key;
  state.room.broadcast({ message: 'quorum', ...quorum });
}

function mayReadDetails(state: AgendaState, who: Participant): boolean {
  return state.room.permissionsOf(who).has('moderate') || rosterMemberFor(state.roster, who) !== undefined;
}

function itemsFor(state: AgendaState, who: Participant): AgendaItemView[] {
  const details = mayReadDetails(state, who);
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

export function createAgendaModule(store: CommitteeStore) {
  async function load(state: AgendaState): Promise<void> {
    const [roster, items, rule] = await Promise.all([store.listRoster(state.room.id), store.listAgenda(state.room.id), store.settings(state.room.id)]);
    state.roster = roster;
    state.items = items;
    state.rule = rule;
    state.loaded = true;
    if (state.currentItemId && !items.some((i) => i.id === state.currentItemId)) state.currentItemId = null;
  }

  function move(ctx: ModuleContext<AgendaState>, id: string): void {
    ctx.state.currentItemId = id;
    ctx.broadcast({ message: 'current', current_item_id: id });
  }

  return defineModule<AgendaCommand, AgendaState>({
    namespace: 'agenda',
    commands: AgendaCommand,

    init(room) {
      return { room, loaded: false, roster: [], items: [], rule: { ...DEFAULT_QUORUM_RULE }, currentItemId: null, lastQuorumKey: null };
    },

    async onJoin(ctx) {
      if (!ctx.state.loaded) {
        try {
          await load(ctx.state);
        } catch (err) {
          ctx.state.room.logger.error({ err }, 'agenda: loading roster and agenda failed');
        }
      }
      publishQuorum(ctx.state);
    },

    onLeave(ctx) {
      publishQuorum(ctx.state);
    },

    async onCommand(ctx, _who, cmd) {
      if (!ctx.permissions.has('moderate')) throw new CommandError('forbidden');
      const { state } = ctx;
      const index = state.items.findIndex((i) => i.id === state.currentItemId);
      switch (cmd.action) {
        case 'next': {
          const next = state.items[index + 1];
          if (!next) throw new CommandError('agenda_item_not_found');
          move(ctx, next.id);
          return;
        }
        case 'previous': {
          const previous = index > 0 ? state.items[index - 1] : undefined;
          if (!previous) throw new CommandError('agenda_item_not_found');
          move(ctx, previous.id);
          return;
        }
        case 'select': {
          if (!state.items.some((i) => i.id === cmd.item_id)) throw new CommandError('agenda_item_not_found');
          move(ctx, cmd.item_id);
          return;
        }
        case 'reload': {
          try {
            await load(state);
          } catch (err) {
            state.room.logger.error({ err }, 'agenda: reloading roster and agenda failed');
            throw new CommandError('internal_error');
          }
          for (const p of state.room.participants()) {
            ctx.send(p, { message: 'agenda', items: itemsFor(state, p), current_item_id: state.currentItemId });
          }
          publishQuorum(state, true);
          return;
        }
      }
    },

    snapshot(ctx, forWhom): AgendaSnapshot {
      const { state } = ctx;
      return {
        items: itemsFor(state, forWhom),
        current_item_id: state.currentItemId,
        quorum: quorumOf(state),
        my_member_id: rosterMemberFor(state.roster, forWhom)?.id ?? null,
      };
    },
  });
}
