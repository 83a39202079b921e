import { z } from 'zod';
import { singleLine, text } from './text.ts';
import { defineProtocol } from './feature.ts';

/**
 * Committee sessions: the roster of a room (who is a member, who a deputy, who may vote), its agenda and its
 * quorum rule (REST), and the live `agenda` namespace (current item, quorum while the meeting runs).
 *
 * Wire names are snake_case like every other payload. A participant is the roster member whose `user_id`
 * equals their account, or whose `invite_code` is the personal invite they came with.
 */

export const MAX_ROSTER_MEMBERS = 500;
export const MAX_AGENDA_ITEMS = 200;
export const MAX_AGENDA_TITLE_LENGTH = 300;
export const MAX_AGENDA_TEXT_LENGTH = 20_000;

export const RosterRole = z.enum(['member', 'deputy']);
export type RosterRole = z.infer<typeof RosterRole>;

export const QuorumRuleKind = z.enum(['more_than_half', 'at_least_two_thirds', 'at_least_count']);
export type QuorumRuleKind = z.infer<typeof QuorumRuleKind>;

/** One person on a room's roster. */
export const RosterMember = z
  .object({
    id: z.uuid(),
    display_name: z.string(),
    /** Linked account (null: not linked). */
    user_id: z.uuid().nullable(),
    /** Personal invite link of a member without an account (null: none). */
    invite_code: z.string().nullable(),
    role: RosterRole,
    /** Voting rights. A deputy without them cannot stand in for a member. */
    voting: z.boolean(),
    /** Deputies only: the member they stand in for when that member is absent. */
    substitutes_for: z.uuid().nullable(),
    position: z.number().int(),
  })
  .meta({ id: 'RosterMember' });
export type RosterMember = z.infer<typeof RosterMember>;

/** The quorum rule of a room. `count` is used (and required) by `at_least_count` only. */
export const QuorumRule = z
  .object({
    rule: QuorumRuleKind,
    count: z.number().int().min(1).max(MAX_ROSTER_MEMBERS).nullable(),
  })
  .meta({ id: 'QuorumRule' });
export type QuorumRule = z.infer<typeof QuorumRule>;

export const DEFAULT_QUORUM_RULE: QuorumRule = { rule: 'more_than_half', count: null };

export interface QuorumResult {
  quorate: boolean;
  /** Voting seats that are filled: the member is present, or a voting deputy standing in for them is. */
  present: number;
  /** Seats that must be filled. */
  required: number;
  /** Voting seats: roster entries of role `member` with voting rights. */
  members: number;
}

/**
 * Whether a committee is quorate. Seats are the voting members (role `member`, `voting`); a seat counts as
 * present when its member is present, or when a present deputy with voting rights substitutes for that member.
 * Deputies are no seats of their own. Required: more than half → ⌊n/2⌋+1, two thirds → ⌈2n/3⌉, a count → that
 * count (a missing count asks for every seat); never less than 1, so an empty roster is never quorate.
 */
export function computeQuorum(roster: readonly RosterMember[], presentMemberIds: ReadonlySet<string>, rule: QuorumRule): QuorumResult {
  const seats = roster.filter((m) => m.role === 'member' && m.voting);
  const standIns = new Set(
    roster.filter((m) => m.role === 'deputy' && m.voting && m.substitutes_for !== null && presentMemberIds.has(m.id)).map((m) => m.substitutes_for),
  );
  const present = seats.filter((m) => presentMemberIds.has(m.id) || standIns.has(m.id)).length;
  const members = seats.length;
  let required: number;
  switch (rule.rule) {
    case 'more_than_half':
      required = Math.floor(members / 2) + 1;
      break;
    case 'at_least_two_thirds':
      required = Math.ceil((2 * members) / 3);
      break;
    case 'at_least_count':
      required = rule.count ?? members;
      break;
  }
  required = Math.max(1, required);
  return { quorate: present >= required, present, required, members };
}

// ── REST ───────────────────────────────────────────────────────────────────────

const Name = singleLine(120);

/**
 * One member as the owner writes it. `id` keeps an existing member (and lets a deputy name a member that is
 * new in the same list: the client chooses the uuid); without it the server makes one. `user_email` links
 * the account that signs in with this e-mail address, now or later; whether one exists is never answered
 * (no enumeration). `user_id` links by id only the caller's own account or keeps a link this entry has.
 */
export const RosterMemberInput = z
  .object({
    id: z.uuid().optional(),
    display_name: Name,
    user_id: z.uuid().nullable().optional(),
    user_email: z.email().max(254).optional(),
    invite_code: z.string().min(1).max(64).nullable().optional(),
    role: RosterRole,
    voting: z.boolean().default(true),
    substitutes_for: z.uuid().nullable().optional(),
  })
  .strict()
  .refine((m) => !(m.user_id && m.user_email), { message: 'give user_id or user_email, not both', path: ['user_email'] })
  .refine((m) => m.role === 'deputy' || !m.substitutes_for, { message: 'only a deputy substitutes for a member', path: ['substitutes_for'] });
export type RosterMemberInput = z.input<typeof RosterMemberInput>;

/** PUT replaces the whole roster, in this order. */
export const RosterReplace = z
  .object({ members: z.array(RosterMemberInput).max(MAX_ROSTER_MEMBERS) })
  .strict();
export type RosterReplace = z.input<typeof RosterReplace>;

/**
 * A member as the editor reads it back: only what an editor wrote, never an attribute of a linked account
 * (its name, its e-mail, whether an address belongs to one).
 */
export const RosterMemberView = RosterMember.extend({
  /** The account linked by id (the editor's own, or kept); null when linked by e-mail or not linked. */
  user_id: z.uuid().nullable(),
  /** The e-mail address given to link an account (as written); the account signing in with it is this member. */
  user_email: z.string().nullable(),
  /** Label of the linked invite, for the editor. */
  invite_label: z.string().nullable(),
}).meta({ id: 'RosterMemberView' });
export type RosterMemberView = z.infer<typeof RosterMemberView>;

export const Roster = z.object({ members: z.array(RosterMemberView) }).meta({ id: 'Roster' });
export type Roster = z.infer<typeof Roster>;

export const AgendaItem = z
  .object({
    id: z.uuid(),
    position: z.number().int(),
    title: z.string(),
    description: z.string().nullable(),
    /** Non-public items are discussed without the public (closed session). */
    public: z.boolean(),
    /** Text of the motion to decide on under this item. */
    motion: z.string().nullable(),
  })
  .meta({ id: 'AgendaItem' });
export type AgendaItem = z.infer<typeof AgendaItem>;

/** Blank texts are stored as null. */
const OptionalText = text({ max: MAX_AGENDA_TEXT_LENGTH, min: 0, multiline: true }).nullable().optional();

/** null for a missing or blank text, else the text. */
export const blankToNull = (v: string | null | undefined): string | null => (v == null || v.trim() === '' ? null : v);

export const AgendaItemInput = z
  .object({
    id: z.uuid().optional(),
    title: singleLine(MAX_AGENDA_TITLE_LENGTH),
    description: OptionalText,
    public: z.boolean().default(true),
    motion: OptionalText,
  })
  .strict();
export type AgendaItemInput = z.input<typeof AgendaItemInput>;

/** PUT replaces the whole agenda, in this order. */
export const AgendaReplace = z
  .object({ items: z.array(AgendaItemInput).max(MAX_AGENDA_ITEMS) })
  .strict();
export type AgendaReplace = z.input<typeof AgendaReplace>;

export const Agenda = z.object({ items: z.array(AgendaItem) }).meta({ id: 'Agenda' });
export type Agenda = z.infer<typeof Agenda>;

export const CommitteeSettings = z
  .object({ quorum: QuorumRule })
  .meta({ id: 'CommitteeSettings' });
export type CommitteeSettings = z.infer<typeof CommitteeSettings>;

export const CommitteeSettingsUpdate = z
  .object({ quorum: z.object({ rule: QuorumRuleKind, count: z.number().int().min(1).max(MAX_ROSTER_MEMBERS).nullable().optional() }).strict() })
  .strict()
  .refine((s) => s.quorum.rule !== 'at_least_count' || s.quorum.count != null, { message: 'at_least_count needs a count', path: ['quorum', 'count'] })
  .meta({ id: 'CommitteeSettingsUpdate' });
export type CommitteeSettingsUpdate = z.input<typeof CommitteeSettingsUpdate>;

// ── signaling namespace `agenda` ───────────────────────────────────────────────

export const AGENDA_NAMESPACE = 'agenda';

/** Moderators (the chair) only. From no current item, `next` opens the first. */
export const AgendaNext = z.object({ action: z.literal('next') }).strict();
export const AgendaPrevious = z.object({ action: z.literal('previous') }).strict();
export const AgendaSelect = z.object({ action: z.literal('select'), item_id: z.uuid() }).strict();
/** Moderators only: loads roster, agenda and quorum rule again from the database (after editing them). */
export const AgendaReload = z.object({ action: z.literal('reload') }).strict();
export const AgendaCommand = z.discriminatedUnion('action', [AgendaNext, AgendaPrevious, AgendaSelect, AgendaReload]);
export type AgendaCommand = z.infer<typeof AgendaCommand>;

/**
 * An item as a participant sees it. Non-public items show everyone their title and the fact that they are
 * non-public; description and motion go only to moderators and roster members.
 */
export const AgendaItemView = z.object({
  id: z.uuid(),
  position: z.number().int(),
  title: z.string(),
  public: z.boolean(),
  description: z.string().nullable(),
  motion: z.string().nullable(),
  /** false when description and motion were withheld from this receiver. */
  details: z.boolean(),
});
export type AgendaItemView = z.infer<typeof AgendaItemView>;

export const Quorum = z.object({
  quorate: z.boolean(),
  present: z.number().int(),
  required: z.number().int(),
  members: z.number().int(),
  /** Roster entries (members and deputies) present in the meeting. */
  present_member_ids: z.array(z.uuid()),
  rule: QuorumRule,
});
export type Quorum = z.infer<typeof Quorum>;

/** The current item changed (`current_item_id` null: none yet). */
export const AgendaCurrent = z.object({ message: z.literal('current'), current_item_id: z.uuid().nullable() });
/** After reload: the whole agenda again, as the receiver may see it. */
export const AgendaItems = z.object({ message: z.literal('agenda'), items: z.array(AgendaItemView), current_item_id: z.uuid().nullable() });
/** On every change of who of the roster is present, or of the roster or rule. */
export const AgendaQuorum = z.object({ message: z.literal('quorum') }).extend(Quorum.shape);
export const AgendaMessage = z.discriminatedUnion('message', [AgendaCurrent, AgendaItems, AgendaQuorum]);
export type AgendaMessage = z.infer<typeof AgendaMessage>;

/** The `agenda` part of join_success. */
export const AgendaSnapshot = z.object({
  items: z.array(AgendaItemView),
  current_item_id: z.uuid().nullable(),
  quorum: Quorum,
  /** The receiver's roster entry, if they are on the roster. */
  my_member_id: z.uuid().nullable(),
});
export type AgendaSnapshot = z.infer<typeof AgendaSnapshot>;

export const agendaProtocol = defineProtocol({
  namespace: AGENDA_NAMESPACE,
  commands: AgendaCommand,
  messages: AgendaMessage,
  snapshot: AgendaSnapshot,
  errors: [
    /** No agenda item with this id, or no item before/after the current one. */
    'agenda_item_not_found',
  ],
});

/** The roster entry of a participant: by account, or by the personal invite they came with. */
export function rosterMemberFor<M extends Pick<RosterMember, 'user_id' | 'invite_code'>>(
  roster: readonly M[],
  participant: { userId?: string | undefined; inviteCode?: string | undefined },
): M | undefined {
  const { userId, inviteCode } = participant;
  if (userId) {
    const byUser = roster.find((m) => m.user_id === userId);
    if (byUser) return byUser;
  }
  if (inviteCode) return roster.find((m) => m.invite_code === inviteCode);
  return undefined;
}
