import { z } from 'zod';
import { singleLine, text } from './text.ts';
import { defineProtocol } from './feature.ts';

/**
 * The `legal_vote` namespace: formally valid, verifiable votes of a council (architecture: Audit-proof voting
 * and minutes). Unlike `polls`, every step is an event in an append-only, hash-chained log stored in the
 * database; the closing event is signed with the deployment's Ed25519 key (public key at
 * /.well-known/plenum-signing-key) and can be checked offline with `plenum verify-vote`.
 *
 * One vote runs at a time per room; the chair (moderator permission) starts, stops and cancels it.
 *
 * Kinds:
 * - `roll_call`: named; who chose what is published with the final result.
 * - `live_roll_call`: named, and everyone sees names and choices while the vote runs.
 * - `pseudonymous`: each voter gets a random receipt token (only in their own `voted` message); the final
 *   result lists every token with its choices, so each voter can check their ballot — nobody else can link a
 *   token to a person (the server never stores the token next to the voter).
 * - `secret`: only the tally.
 *
 * Eligible voters are identities, never connections, fixed when the vote starts: with a roster, the roster
 * members with voting rights who are present (a present voting deputy stands in for an absent member; a member
 * who gave a proxy counts when the proxy holder is present); without a roster, the accounts present (one voter
 * however many connections) or those the chair names in `eligible_participant_ids` — a guest who came with a
 * shared link is a voter only when named there.
 */
export const LEGAL_VOTE_NAMESPACE = 'legal_vote';

export const MAX_VOTE_TITLE_LENGTH = 300;
export const MAX_CANDIDATE_LENGTH = 200;
export const MAX_CANDIDATES = 50;
export const MAX_VOTE_SECONDS = 24 * 60 * 60;
export const MAX_ISSUE_LENGTH = 2000;
export const MAX_CANCEL_REASON_LENGTH = 500;
export const MAX_ELIGIBLE_PARTICIPANTS = 1000;

/** Multi-line free text that goes into the vote's log (a reason, a report), trimmed like the single-line texts. */
const LogText = (max: number) => text({ max, multiline: true, trim: true });

export const LegalVoteKind = z.enum(['roll_call', 'live_roll_call', 'pseudonymous', 'secret']);
export type LegalVoteKind = z.infer<typeof LegalVoteKind>;

/** Option id of the abstention, in both option types. */
export const ABSTAIN_OPTION = 'abstain';

/**
 * `yes_no`: options `yes`, `no` and (unless `abstain: false`) `abstain`; a ballot is exactly one of them.
 * `candidates`: options `c1`, `c2`, … in the order given, plus `abstain` unless disabled; a ballot names 1 to
 * `max_choices` candidates, or `abstain` alone.
 */
export const LegalVoteOptionsInput = z.discriminatedUnion('type', [
  z.object({ type: z.literal('yes_no'), abstain: z.boolean().default(true) }).strict(),
  z
    .object({
      type: z.literal('candidates'),
      candidates: z.array(singleLine(MAX_CANDIDATE_LENGTH)).min(1).max(MAX_CANDIDATES),
      max_choices: z.number().int().min(1).max(MAX_CANDIDATES).default(1),
      abstain: z.boolean().default(true),
    })
    .strict()
    .refine((o) => o.max_choices <= o.candidates.length, { message: 'max_choices is at most the number of candidates', path: ['max_choices'] })
    .refine((o) => new Set(o.candidates).size === o.candidates.length, { message: 'a candidate is named twice', path: ['candidates'] }),
]);
export type LegalVoteOptionsInput = z.input<typeof LegalVoteOptionsInput>;

// ── client → server ────────────────────────────────────────────────────────────

/**
 * Chair only. Refused with `vote_in_progress` while a vote is open, `not_quorate` when the roster's quorum
 * is not reached (unless `ignore_quorum`, which is recorded in the log), `no_eligible_voters` when nobody may
 * vote. `eligible_participant_ids` is for rooms without a roster only (with a roster: `invalid_command`).
 * With `auto_close` (default) the vote closes as soon as every eligible voter has voted; with `duration_s` it
 * closes when the time is up.
 */
export const LegalVoteStart = z
  .object({
    action: z.literal('start'),
    title: singleLine(MAX_VOTE_TITLE_LENGTH),
    agenda_item_id: z.uuid().optional(),
    kind: LegalVoteKind,
    options: LegalVoteOptionsInput,
    duration_s: z.number().int().min(10).max(MAX_VOTE_SECONDS).optional(),
    auto_close: z.boolean().default(true),
    eligible_participant_ids: z.array(z.string().min(1).max(64)).min(1).max(MAX_ELIGIBLE_PARTICIPANTS).optional(),
    ignore_quorum: z.boolean().default(false),
  })
  .strict();
export type LegalVoteStart = z.input<typeof LegalVoteStart>;

/**
 * An eligible voter (or a proxy holder, with `on_behalf_of` = the delegator's voter id) casts one ballot.
 * Refusals: `vote_not_found`, `vote_closed`, `not_eligible`, `already_voted`, `invalid_choice`.
 */
export const LegalVoteVote = z
  .object({
    action: z.literal('vote'),
    vote_id: z.uuid(),
    choices: z.array(z.string().min(1).max(16)).min(1).max(MAX_CANDIDATES),
    on_behalf_of: z.string().min(1).max(64).optional(),
  })
  .strict()
  .refine((c) => new Set(c.choices).size === c.choices.length, { message: 'an option is chosen twice', path: ['choices'] });
export type LegalVoteVote = z.input<typeof LegalVoteVote>;

/** Chair only: closes the open vote now; the final result is computed, signed and published. */
export const LegalVoteStop = z.object({ action: z.literal('stop'), vote_id: z.uuid() }).strict();
/** Chair only: ends the open vote without a result; the reason is recorded and the closing event signed. */
export const LegalVoteCancel = z
  .object({ action: z.literal('cancel'), vote_id: z.uuid(), reason: singleLine(MAX_CANCEL_REASON_LENGTH) })
  .strict();
/** Anyone in the room, while the vote is open: a complaint about it (e.g. "I could not vote"), recorded in the vote's log (afterwards `vote_closed`: the log is sealed). */
export const LegalVoteReportIssue = z
  .object({ action: z.literal('report_issue'), vote_id: z.uuid(), text: LogText(MAX_ISSUE_LENGTH) })
  .strict();
/**
 * An eligible voter gives their vote to another participant (proxy) for the rest of this meeting, or takes
 * it back (`to_participant_id: null`). Recorded in the open vote's log and in the `started` event of every
 * later vote. Refused with `not_eligible` (the sender has no vote to give), `participant_not_found`,
 * `invalid_delegation` (to oneself, or to someone who gave their own vote away, or the sender holds proxies).
 */
export const LegalVoteDelegate = z
  .object({ action: z.literal('delegate'), to_participant_id: z.string().min(1).max(64).nullable() })
  .strict();

export const LegalVoteCommand = z.discriminatedUnion('action', [LegalVoteStart, LegalVoteVote, LegalVoteStop, LegalVoteCancel, LegalVoteReportIssue, LegalVoteDelegate]);
export type LegalVoteCommand = z.infer<typeof LegalVoteCommand>;

// ── server → client ────────────────────────────────────────────────────────────

export const LegalVoteOption = z.object({ id: z.string(), label: z.string() });
export type LegalVoteOption = z.infer<typeof LegalVoteOption>;

/** Someone who may vote in this vote (fixed at start). */
export const EligibleVoter = z.object({
  /** Roster member id (with a roster) or participant id (without). Ballots and proxies refer to it. */
  voter_id: z.string(),
  display_name: z.string(),
  /** With a roster: the member whose seat this voter fills (a deputy's absent member), else null. */
  substitutes_for: z.string().nullable(),
  /** Set when this voter's ballot is cast by a proxy holder (participant id and name). */
  proxy: z.object({ participant_id: z.string(), display_name: z.string() }).nullable(),
});
export type EligibleVoter = z.infer<typeof EligibleVoter>;

export const VoteQuorum = z.object({
  quorate: z.boolean(),
  present: z.number().int(),
  required: z.number().int(),
  members: z.number().int(),
  /** The chair started the vote although the quorum was not reached. */
  ignored: z.boolean(),
});
export type VoteQuorum = z.infer<typeof VoteQuorum>;

/** The parameters of a vote, as recorded in its `started` event. */
export const LegalVoteInfo = z.object({
  id: z.uuid(),
  title: z.string(),
  agenda_item_id: z.uuid().nullable(),
  kind: LegalVoteKind,
  /** In ballot order; `abstain` last when allowed. */
  options: z.array(LegalVoteOption),
  /** 1 for yes_no. */
  max_choices: z.number().int(),
  allow_abstain: z.boolean(),
  duration_s: z.number().int().nullable(),
  auto_close: z.boolean(),
  started_at: z.iso.datetime(),
  ends_at: z.iso.datetime().nullable(),
  /** null without a roster. */
  quorum: VoteQuorum.nullable(),
  chair: z.object({ participant_id: z.string(), display_name: z.string() }),
});
export type LegalVoteInfo = z.infer<typeof LegalVoteInfo>;

/** What the receiver may do in this vote. */
export const LegalVoteYou = z.object({
  /** The receiver may cast their own ballot. */
  eligible: z.boolean(),
  /** Their voter id, when eligible. */
  voter_id: z.string().nullable(),
  /** Voter ids of the people whose ballots the receiver casts as proxy. */
  proxy_for: z.array(z.string()),
  /** Voter ids (own and proxied) already voted. */
  voted: z.array(z.string()),
});
export type LegalVoteYou = z.infer<typeof LegalVoteYou>;

/** A named ballot (roll-call kinds). */
export const NamedBallot = z.object({
  voter_id: z.string(),
  display_name: z.string(),
  choices: z.array(z.string()),
  /** Cast by this proxy holder (participant id) for the voter. */
  cast_by_proxy: z.string().nullable(),
});
export type NamedBallot = z.infer<typeof NamedBallot>;

export const TokenBallot = z.object({ token: z.string(), choices: z.array(z.string()) });
export type TokenBallot = z.infer<typeof TokenBallot>;

export const LegalVoteResults = z.object({
  vote_id: z.uuid(),
  /** Ballots per option id (every option present, 0 when nobody chose it). */
  tally: z.record(z.string(), z.number().int().nonnegative()),
  cast: z.number().int(),
  eligible: z.number().int(),
  /** Roll-call kinds only. */
  ballots: z.array(NamedBallot).optional(),
  /** Pseudonymous only, sorted by token. */
  tokens: z.array(TokenBallot).optional(),
  /** Why the vote was closed. */
  stop_reason: z.enum(['chair', 'expired', 'all_voted']),
  closed_at: z.iso.datetime(),
  /** Hash of the final_results event (the head of the chain), hex. */
  head_hash: z.string(),
  /** Ed25519 signature over `plenum-vote:<vote_id>:<head_hash>`, base64. */
  signature: z.string(),
  /** Fingerprint of the deployment's public key ("SHA256:<hex>"). */
  key_fingerprint: z.string(),
});
export type LegalVoteResults = z.infer<typeof LegalVoteResults>;

export const LegalVoteCancellation = z.object({
  vote_id: z.uuid(),
  reason: z.string(),
  /** `chair`, or `interrupted` when the server restarted while the vote was open. */
  by: z.enum(['chair', 'interrupted']),
  cancelled_at: z.iso.datetime(),
  head_hash: z.string(),
  signature: z.string(),
});
export type LegalVoteCancellation = z.infer<typeof LegalVoteCancellation>;

export const LegalVoteDelegation = z.object({
  /** The delegator's voter id (roster member id, or participant id without a roster). */
  from_voter_id: z.string(),
  from_name: z.string(),
  /** Who gave it (their participant id in this meeting), so their own client can show and take it back. */
  from_participant_id: z.string(),
  to_participant_id: z.string(),
  to_name: z.string(),
});
export type LegalVoteDelegation = z.infer<typeof LegalVoteDelegation>;

/** To everyone: a vote opened. `you` differs per receiver. */
export const LegalVoteStarted = z.object({ message: z.literal('started'), vote: LegalVoteInfo, eligible: z.array(EligibleVoter), you: LegalVoteYou });
/** To the voter (or proxy holder) only. `receipt_token` for pseudonymous votes: keep it to find the ballot in the result. */
export const LegalVoteVoted = z.object({
  message: z.literal('voted'),
  vote_id: z.uuid(),
  voter_id: z.string(),
  choices: z.array(z.string()),
  receipt_token: z.string().optional(),
  /**
   * Sequence number of the ballot's event in the vote's log (roll-call kinds). Null for pseudonymous and
   * secret ballots: they enter the chain when the vote ends, in an order that says nothing of time.
   */
  seq: z.number().int().nullable(),
});
/** To everyone after each ballot. `ballots` only for live_roll_call. */
export const LegalVoteUpdated = z.object({
  message: z.literal('updated'),
  vote_id: z.uuid(),
  cast: z.number().int(),
  eligible: z.number().int(),
  ballots: z.array(NamedBallot).optional(),
});
/** To everyone: the vote no longer takes ballots; `final_results` follows once the result is signed. */
export const LegalVoteStopped = z.object({ message: z.literal('stopped'), vote_id: z.uuid(), reason: z.enum(['chair', 'expired', 'all_voted']), stopped_at: z.iso.datetime() });
export const LegalVoteCancelled = z.object({ message: z.literal('cancelled') }).extend(LegalVoteCancellation.shape);
export const LegalVoteFinalResults = z.object({ message: z.literal('final_results'), results: LegalVoteResults });
/** To moderators: someone reported a problem with the vote (recorded in its log). */
export const LegalVoteIssueReported = z.object({
  message: z.literal('issue_reported'),
  vote_id: z.uuid(),
  participant_id: z.string(),
  display_name: z.string(),
  text: z.string(),
  at: z.iso.datetime(),
});
/** To everyone: the proxies in effect changed (the whole list). */
export const LegalVoteDelegations = z.object({ message: z.literal('delegations'), delegations: z.array(LegalVoteDelegation) });
/** To one participant: what they may do in the open vote changed (they voted, or a proxy was given to or taken from them). */
export const LegalVoteYouUpdated = z.object({ message: z.literal('you'), vote_id: z.uuid(), you: LegalVoteYou });
/** To one participant: whether they have a vote of their own to give as proxy changed (the committee's roster changed). */
export const LegalVoteRights = z.object({ message: z.literal('rights'), can_delegate: z.boolean() });

export const LegalVoteMessage = z.discriminatedUnion('message', [
  LegalVoteStarted,
  LegalVoteVoted,
  LegalVoteUpdated,
  LegalVoteStopped,
  LegalVoteCancelled,
  LegalVoteFinalResults,
  LegalVoteIssueReported,
  LegalVoteDelegations,
  LegalVoteYouUpdated,
  LegalVoteRights,
]);
export type LegalVoteMessage = z.infer<typeof LegalVoteMessage>;

/** The `legal_vote` part of join_success. */
export const LegalVoteSnapshot = z.object({
  open: z
    .object({
      vote: LegalVoteInfo,
      eligible: z.array(EligibleVoter),
      you: LegalVoteYou,
      cast: z.number().int(),
      /** live_roll_call only. */
      ballots: z.array(NamedBallot).optional(),
    })
    .nullable(),
  /** The most recent vote that ended in this meeting, so latecomers see it. */
  last: z
    .object({
      vote: LegalVoteInfo,
      results: LegalVoteResults.nullable(),
      cancellation: LegalVoteCancellation.nullable(),
    })
    .nullable(),
  delegations: z.array(LegalVoteDelegation),
  /** Whether the receiver has a vote of their own to give as proxy (a voting roster member; without a roster, an account). */
  can_delegate: z.boolean(),
});
export type LegalVoteSnapshot = z.infer<typeof LegalVoteSnapshot>;

// ── REST (export) ──────────────────────────────────────────────────────────────

export const LegalVoteState = z.enum(['open', 'closed', 'cancelled']);
export type LegalVoteState = z.infer<typeof LegalVoteState>;

export const LegalVoteSummary = z
  .object({
    id: z.uuid(),
    room_id: z.uuid(),
    title: z.string(),
    agenda_item_id: z.uuid().nullable(),
    kind: LegalVoteKind,
    state: LegalVoteState,
    opened_at: z.iso.datetime(),
    closed_at: z.iso.datetime().nullable(),
    head_hash: z.string(),
  })
  .meta({ id: 'LegalVoteSummary' });
export type LegalVoteSummary = z.infer<typeof LegalVoteSummary>;

export const LegalVoteList = z.object({ votes: z.array(LegalVoteSummary) }).meta({ id: 'LegalVoteList' });
export type LegalVoteList = z.infer<typeof LegalVoteList>;

/** The id of the export format; `plenum verify-vote` reads this version. */
export const LEGAL_VOTE_EXPORT_FORMAT = 'plenum-legal-vote-export/1';

export const LegalVoteExportEvent = z.object({
  seq: z.number().int(),
  type: z.string(),
  /** Exactly what was hashed (RFC 8785 canonical JSON of this value). */
  content: z.unknown(),
  prev_hash: z.string(),
  hash: z.string(),
  /** Only on the closing event (final_results or cancelled). */
  signature: z.string().nullable(),
  created_at: z.iso.datetime(),
});
export type LegalVoteExportEvent = z.infer<typeof LegalVoteExportEvent>;

export const LegalVoteExport = z
  .object({
    format: z.literal(LEGAL_VOTE_EXPORT_FORMAT),
    vote: LegalVoteSummary,
    events: z.array(LegalVoteExportEvent),
    public_key: z.object({
      algorithm: z.literal('Ed25519'),
      public_key: z.string(),
      fingerprint: z.string(),
      /** The id of the deployment key that signed (its fingerprint); exports made before key rotation lack it. */
      key_id: z.string().optional(),
    }),
    /** The message the closing event's signature covers: `plenum-vote:<vote id>:<hash of the closing event>`. */
    signed_message: z.string().nullable(),
  })
  .meta({ id: 'LegalVoteExport' });
export type LegalVoteExport = z.infer<typeof LegalVoteExport>;

export const legalVoteProtocol = defineProtocol({
  namespace: LEGAL_VOTE_NAMESPACE,
  commands: LegalVoteCommand,
  messages: LegalVoteMessage,
  snapshot: LegalVoteSnapshot,
  errors: [
    /** No vote with this id in this room. */
    'vote_not_found',
    /** The vote is closed or cancelled; it takes no more ballots or commands. */
    'vote_closed',
    /** The sender may not vote in this vote (not on its eligible list, nor its proxy holder), or has no vote to delegate. */
    'not_eligible',
    /** A vote is open already; stop or cancel it first. */
    'vote_in_progress',
    /** The committee is not quorate; start with ignore_quorum to record that it was started anyway. */
    'not_quorate',
    /** Nobody would be eligible to vote. */
    'no_eligible_voters',
    /** This proxy cannot be given (to oneself, to someone who gave their vote away, or while holding proxies). */
    'invalid_delegation',
    /** This voter's ballot was counted already. */
    'already_voted',
    /** The choices do not fit the vote's options. */
    'invalid_choice',
    /** The agenda item named for the vote does not exist. */
    'agenda_item_not_found',
  ],
});
