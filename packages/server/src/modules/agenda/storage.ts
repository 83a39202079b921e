import { DEFAULT_QUORUM_RULE, type AgendaItem, type QuorumRule, type QuorumRuleKind, type RosterMember, type RosterMemberView, type RosterRole } from '@plenum/protocol';
import type { ColumnType, Selectable } from 'kysely';
import type { Db } from '../../storage/database.ts';

type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface CommitteeMembersTable {
  id: string;
  room_id: string;
  display_name: string;
  user_id: string | null;
  /** The address an editor linked an account by (as written); user_id is the account it resolved to, if any. */
  user_email: string | null;
  invite_code: string | null;
  role: RosterRole;
  voting: boolean;
  substitutes_for: string | null;
  position: number;
  created_at: DefaultedTimestamp;
}

export interface AgendaItemsTable {
  id: string;
  room_id: string;
  position: number;
  title: string;
  description: string | null;
  public: boolean;
  motion: string | null;
  created_at: DefaultedTimestamp;
}

export interface CommitteeSettingsTable {
  room_id: string;
  quorum_rule: QuorumRuleKind;
  quorum_count: number | null;
}

// The tables of migration 0003, added to the database type where they are used.
declare module '../../storage/schema.ts' {
  interface Database {
    committee_members: CommitteeMembersTable;
    agenda_items: AgendaItemsTable;
    committee_settings: CommitteeSettingsTable;
  }
}

export type CommitteeMemberRow = Selectable<CommitteeMembersTable>;
export type AgendaItemRow = Selectable<AgendaItemsTable>;

/** A roster entry to store: every field resolved and checked (ids chosen, accounts and invites looked up). */
export interface RosterEntry {
  id: string;
  display_name: string;
  user_id: string | null;
  /** Linked by this e-mail address (user_id: the account it resolved to when saved, or null). */
  user_email?: string | null;
  invite_code: string | null;
  role: RosterRole;
  voting: boolean;
  substitutes_for: string | null;
}

export interface AgendaEntry {
  id: string;
  title: string;
  description: string | null;
  public: boolean;
  motion: string | null;
}

const toMember = (r: CommitteeMemberRow): RosterMember => ({
  id: r.id,
  display_name: r.display_name,
  user_id: r.user_id,
  invite_code: r.invite_code,
  role: r.role,
  voting: r.voting,
  substitutes_for: r.substitutes_for,
  position: r.position,
});

const toItem = (r: AgendaItemRow): AgendaItem => ({
  id: r.id,
  position: r.position,
  title: r.title,
  description: r.description,
  public: r.public,
  motion: r.motion,
});

/**
 * The agenda feature's repositories (`ReposOf<typeof agendaFeature>`, what `repositoriesOf(agendaFeature)`
 * gives a feature that requires agenda): the public methods of CommitteeRepository, structurally, so a test
 * can provide an in-memory one.
 */
export type CommitteeRepos = { [K in keyof CommitteeRepository]: CommitteeRepository[K] };

/**
 * A room's committee: roster, agenda and quorum rule. Replacing a list keeps the rows whose ids stay (so
 * votes or minutes that refer to a member or an item keep their reference), deletes the others and adds the new.
 */
export class CommitteeRepository {
  constructor(private readonly db: Db) {}

  /**
   * The roster in its order, each entry with the account it stands for. An entry linked by e-mail that has
   * not resolved yet resolves here to the one account with that address (none when several have it, or when
   * the account is already another entry's): so a member who creates an account later is recognised.
   */
  async listRoster(roomId: string): Promise<RosterMember[]> {
    const rows = await this.db.selectFrom('committee_members').selectAll().where('room_id', '=', roomId).orderBy('position').orderBy('id').execute();
    const pending = rows.filter((r) => r.user_id === null && r.user_email !== null);
    if (pending.length === 0) return rows.map(toMember);
    const accounts = await this.accountsByEmail(pending.map((r) => r.user_email!));
    const taken = new Set(rows.map((r) => r.user_id).filter((u): u is string => u !== null));
    return rows.map((r) => {
      if (r.user_id !== null || r.user_email === null) return toMember(r);
      const found = accounts.get(r.user_email.toLowerCase());
      if (found === undefined || found === null || taken.has(found)) return toMember(r);
      taken.add(found);
      return toMember({ ...r, user_id: found });
    });
  }

  /** The roster as its editors wrote it, for the editor: never an attribute of a linked account. */
  async listRosterView(roomId: string): Promise<RosterMemberView[]> {
    const rows = await this.db
      .selectFrom('committee_members as m')
      .leftJoin('invites as i', 'i.code', 'm.invite_code')
      .selectAll('m')
      .select(['i.label as invite_label'])
      .where('m.room_id', '=', roomId)
      .orderBy('m.position')
      .orderBy('m.id')
      .execute();
    return rows.map((r) => ({
      ...toMember(r),
      // An account resolved from an e-mail address stays unseen: its id would tell that the address has one.
      user_id: r.user_email === null ? r.user_id : null,
      user_email: r.user_email,
      invite_label: r.invite_label ?? null,
    }));
  }

  /** The stored entries of a room by id (what an edit may keep). */
  async rosterRows(roomId: string): Promise<Map<string, { user_id: string | null; user_email: string | null }>> {
    const rows = await this.db.selectFrom('committee_members').select(['id', 'user_id', 'user_email']).where('room_id', '=', roomId).execute();
    return new Map(rows.map((r) => [r.id, { user_id: r.user_id, user_email: r.user_email }]));
  }

  async listAgenda(roomId: string): Promise<AgendaItem[]> {
    const rows = await this.db.selectFrom('agenda_items').selectAll().where('room_id', '=', roomId).orderBy('position').orderBy('id').execute();
    return rows.map(toItem);
  }

  /** The room's quorum rule (the default, more than half, until the owner sets one). */
  async settings(roomId: string): Promise<QuorumRule> {
    const row = await this.db.selectFrom('committee_settings').selectAll().where('room_id', '=', roomId).executeTakeFirst();
    return row ? { rule: row.quorum_rule, count: row.quorum_count } : { ...DEFAULT_QUORUM_RULE };
  }

  async saveSettings(roomId: string, rule: QuorumRule): Promise<QuorumRule> {
    const count = rule.rule === 'at_least_count' ? rule.count : null;
    await this.db
      .insertInto('committee_settings')
      .values({ room_id: roomId, quorum_rule: rule.rule, quorum_count: count })
      .onConflict((oc) => oc.column('room_id').doUpdateSet({ quorum_rule: rule.rule, quorum_count: count }))
      .execute();
    return { rule: rule.rule, count };
  }

  /** Ids among `ids` that exist in another room than `roomId` (a client may not take them over). */
  async foreignMemberIds(roomId: string, ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('committee_members').select('id').where('id', 'in', [...ids]).where('room_id', '!=', roomId).execute();
    return rows.map((r) => r.id);
  }

  async foreignAgendaIds(roomId: string, ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('agenda_items').select('id').where('id', 'in', [...ids]).where('room_id', '!=', roomId).execute();
    return rows.map((r) => r.id);
  }

  /** Replaces the roster with `entries` (already validated), in this order. */
  async replaceRoster(roomId: string, entries: readonly RosterEntry[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      // Substitutions are written last, so their order in the list does not matter to the foreign key.
      await trx.updateTable('committee_members').set({ substitutes_for: null }).where('room_id', '=', roomId).execute();
      const keep = entries.map((e) => e.id);
      let del = trx.deleteFrom('committee_members').where('room_id', '=', roomId);
      if (keep.length > 0) del = del.where('id', 'not in', keep);
      await del.execute();
      const existing = new Set((await trx.selectFrom('committee_members').select('id').where('room_id', '=', roomId).execute()).map((r) => r.id));
      for (const [position, e] of entries.entries()) {
        const values = { display_name: e.display_name, user_id: e.user_id, user_email: e.user_email ?? null, invite_code: e.invite_code, role: e.role, voting: e.voting, position };
        if (existing.has(e.id)) {
          await trx.updateTable('committee_members').set(values).where('id', '=', e.id).where('room_id', '=', roomId).execute();
        } else {
          await trx.insertInto('committee_members').values({ id: e.id, room_id: roomId, substitutes_for: null, ...values }).execute();
        }
      }
      for (const e of entries) {
        if (e.substitutes_for) await trx.updateTable('committee_members').set({ substitutes_for: e.substitutes_for }).where('id', '=', e.id).execute();
      }
    });
  }

  /** Replaces the agenda with `items`, in this order. */
  async replaceAgenda(roomId: string, items: readonly AgendaEntry[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const keep = items.map((i) => i.id);
      let del = trx.deleteFrom('agenda_items').where('room_id', '=', roomId);
      if (keep.length > 0) del = del.where('id', 'not in', keep);
      await del.execute();
      const existing = new Set((await trx.selectFrom('agenda_items').select('id').where('room_id', '=', roomId).execute()).map((r) => r.id));
      for (const [position, i] of items.entries()) {
        const values = { title: i.title, description: i.description, public: i.public, motion: i.motion, position };
        if (existing.has(i.id)) {
          await trx.updateTable('agenda_items').set(values).where('id', '=', i.id).where('room_id', '=', roomId).execute();
        } else {
          await trx.insertInto('agenda_items').values({ id: i.id, room_id: roomId, ...values }).execute();
        }
      }
    });
  }

  /**
   * For each address (case-insensitive, lower-cased keys): the one account that has it, or null when several
   * have it; addresses without an account are missing from the map. For resolving links, never for answers.
   */
  async accountsByEmail(emails: readonly string[]): Promise<Map<string, string | null>> {
    const wanted = [...new Set(emails.map((e) => e.toLowerCase()))];
    const result = new Map<string, string | null>();
    if (wanted.length === 0) return result;
    const rows = await this.db
      .selectFrom('users')
      .select(['id', 'email'])
      .where((eb) => eb(eb.fn('lower', ['email']), 'in', wanted))
      .execute();
    for (const r of rows) {
      const key = r.email!.toLowerCase();
      result.set(key, result.has(key) ? null : r.id);
    }
    return result;
  }
}
