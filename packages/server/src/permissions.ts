import type { featureProtocols } from '@plenum/protocol';

/**
 * The permission model, made explicit: for every signaling command and every REST operation, which roles may
 * use it. This is the specification; the enforcement stays where the state is (each feature's `onCommand`,
 * each route's `requireUser` / `loadManagedRoom`), because most checks there depend on more than the role —
 * the current speaker may yield, a writer may sync the minutes, only eligible identities may vote — and a
 * central gate would either duplicate those rules or miss them. `permissions.test.ts` and
 * `permissions.rest.test.ts` run every entry against a real server and fail when the code and this table
 * disagree, or when a command or route exists without an entry here. `docs/permissions.md` is generated from
 * it (`node --import tsx scripts/update-permissions-doc.ts`).
 */

/**
 * The roles of the model. `owner`: the room's owner (or an admin) — joins as moderator. `moderator`: a
 * participant an owner granted moderator rights. `roster_member`: a logged-in user who holds a seat on the
 * room's roster. `user`: any other logged-in user. `guest`: someone who came with an invite link. `sip`: a
 * phone caller (kind `sip`, admitted by the SIP gateway's service call with the room's dial-in ID and PIN) — guest-like, fewer rights than a guest
 * where a name or moderation is concerned. `anonymous`: no session, no ticket.
 */
export const roles = ['owner', 'moderator', 'roster_member', 'user', 'guest', 'sip', 'anonymous'] as const;
export type Role = (typeof roles)[number];

export interface Rule {
  /** The roles that may use it; every other role is refused. */
  readonly allowed: readonly Role[];
  /** The typed refusal the others get (signaling error code; REST: 401 for anonymous, 403 otherwise). */
  readonly refusal?: string;
  /** A condition beyond the role that the feature checks (and that the matrix test does not vary). */
  readonly note?: string;
}

type Protocols = (typeof featureProtocols)[number];
type ActionsOf<P> = P extends { commands: { _zod: { input: infer I } } } ? (I extends { action: infer A extends string } ? A : never) : never;
/** One entry per namespace and action: the compiler already refuses a missing one; the test checks at run time too. */
export type SignalingPolicy = { readonly [P in Protocols as P['namespace']]: { readonly [A in ActionsOf<P>]: Rule } };

const joined: readonly Role[] = ['owner', 'moderator', 'roster_member', 'user', 'guest', 'sip'];
const moderators: readonly Role[] = ['owner', 'moderator'];
const everyone: readonly Role[] = roles;
const users: readonly Role[] = ['owner', 'moderator', 'roster_member', 'user'];

const all = (note?: string): Rule => ({ allowed: joined, ...(note ? { note } : {}) });
const mod = (note?: string): Rule => ({ allowed: moderators, refusal: 'forbidden', ...(note ? { note } : {}) });

/**
 * Signaling. Anonymous callers never reach a room: `/signaling` wants a ticket (401 without one), and a
 * connection that has not joined gets `not_joined` for everything but control/join.
 */
export const signalingPolicy: SignalingPolicy = {
  control: {
    join: all('with a ticket from /start (users) or /start-invited (guests)'),
    leave: all(),
    update_display_name: { allowed: ['guest'], refusal: 'forbidden', note: 'users carry the name of their account; phone callers are renamed by a moderator' },
  },
  media: {
    publish: all(),
    unpublish: all(),
    update_state: all('unmuting is moderators-only while set_unmute_policy moderators_only is on'),
    subscribe: all(),
    subscribe_answer: all(),
    tile_size: all(),
    trickle: all(),
    attach_phone_audio: { allowed: ['sip'], refusal: 'forbidden', note: 'the SIP gateway, for its caller: bridges the caller\u2019s RTP into the room' },
    phone_mute: { allowed: ['sip'], refusal: 'forbidden', note: 'the caller\u2019s own mute; unmuting is moderators-only while set_unmute_policy moderators_only is on' },
    phone_talking: { allowed: ['sip'], refusal: 'forbidden', note: 'the caller\u2019s voice activity, as the SIP gateway detects it' },
    subscribe_phone_mix: all('while the room has phone callers (phone_mix available), in the main room'),
    phone_mix_answer: all(),
    unsubscribe_phone_mix: all(),
  },
  chat: {
    send_message: all('refused with chat_disabled for non-moderators while chat is off'),
    enable_chat: mod(),
    disable_chat: mod(),
    clear_history: mod(),
  },
  hands: {
    raise_hand: all('refused with hands_disabled while hands are off'),
    lower_hand: all('one\u2019s own hand'),
    lower_hands: mod(),
    enable_raise_hands: mod(),
    disable_raise_hands: mod(),
  },
  moderation: {
    kick: mod('a moderator cannot be removed'),
    ban: mod('bans the account or the guest identity, never the invite link; stored until unbanned'),
    unban: mod('lifts a stored ban (an id of the moderators\u2019 ban list)'),
    lock_room: mod(),
    unlock_room: mod(),
    grant_moderator: mod('not to phone callers'),
    revoke_moderator: mod(),
    rename: mod('guests and phone callers only'),
    end_meeting: mod(),
    debrief: mod(),
    mute: mod(),
    set_unmute_policy: mod(),
    enable_waiting_room: mod(),
    disable_waiting_room: mod(),
    accept: mod(),
    accept_all: mod(),
    send_to_waiting_room: mod(),
  },
  timer: {
    start: mod(),
    stop: mod(),
    update_ready_status: all('while a ready check runs'),
  },
  polls: {
    create: mod(),
    vote: all('once per participant while the poll is open'),
    close: mod(),
  },
  breakout: {
    start: mod(),
    move: mod(),
    broadcast: mod(),
    stop: mod(),
  },
  speaker_queue: {
    configure: mod(),
    set_list: mod(),
    add: mod(),
    remove: all('others than oneself: moderators only'),
    next: mod(),
    set_speaker: mod(),
    yield: all('only the current speaker (forbidden for anyone else)'),
    nominate: all('only the current speaker in nomination mode, or a moderator'),
  },
  attendance: {
    get_meeting: mod(),
  },
  agenda: {
    next: mod(),
    previous: mod(),
    select: mod(),
    reload: mod(),
  },
  minutes: {
    sync: { allowed: moderators, refusal: 'not_a_writer', note: 'writing: moderators and the writers a moderator named (set_writers); reading (sync step 1): everyone' },
    set_writers: mod(),
    insert: mod(),
    seal: mod(),
    amend: mod(),
  },
  legal_vote: {
    start: mod(),
    vote: all('only eligible voter identities (an account, a roster seat, a personal invite); others get not_eligible'),
    stop: mod(),
    cancel: mod(),
    report_issue: all('participants of the vote, a bounded number each'),
    delegate: all('roster members with voting rights, or (without a roster) accounts; never to oneself'),
  },
  telephone: {
    get_dial_in: mod('answered with the room\u2019s dial-in number, ID and PIN'),
  },
  recording: {
    start: mod('everyone is asked for consent; only those who consent are recorded'),
    stop: mod(),
    pause: mod(),
    resume: mod(),
    consent: all('one\u2019s own answer to the consent prompt (phone callers too)'),
  },
  meetings: {
    get_planned: all('the room\u2019s planned meeting running now or next: title and times'),
  },
};

/** REST: the roles per `METHOD /path` (the Fastify route pattern). */
export interface RestRule extends Rule {
  readonly summary: string;
  /** The HTTP status of a refusal when it is not 401 (no session) / 403 (a session without the right). */
  readonly refusalStatus?: number;
  /** Only accounts with the admin role (every other session: 403). */
  readonly adminOnly?: true;
}

/**
 * The roles REST distinguishes: a moderator or roster member is a `user` there (those roles exist inside a
 * meeting only), and phone callers have no REST access (the SIP gateway calls for them with its service token).
 */
export const restRoles = ['owner', 'user', 'guest', 'anonymous'] as const satisfies readonly Role[];

const open = (summary: string, note?: string): RestRule => ({ allowed: everyone, summary, ...(note ? { note } : {}) });
const loggedIn = (summary: string, note?: string): RestRule => ({ allowed: users, summary, ...(note ? { note } : {}) });
const owners = (summary: string, note?: string): RestRule => ({ allowed: ['owner'], summary, note: note ?? 'the room\u2019s owner or an admin' });
/** Whoever holds a valid invite code (the code is the guest's credential); without one: 404. */
const withCode = (summary: string, note: string): RestRule => ({ allowed: [...users, 'guest'], summary, refusalStatus: 404, note: `with a valid invite code; ${note}` });

export const restPolicy: Readonly<Record<string, RestRule>> = {
  'GET /docs': open('API documentation (Swagger UI)'),
  'GET /docs/static/index.html': open('API documentation'),
  'GET /docs/static/swagger-initializer.js': open('API documentation'),
  'GET /docs/json': open('OpenAPI document'),
  'GET /docs/yaml': open('OpenAPI document'),
  'GET /docs/static/*': open('API documentation assets'),
  'GET /metrics': { allowed: [], summary: 'Prometheus metrics', note: 'operators only: METRICS_TOKEN as a bearer token (404 while the setting is empty)' },
  'GET /health': open('liveness'),
  'GET /ready': open('readiness', 'anonymous callers learn only ready / not ready'),
  'GET /.well-known/plenum-signing-key': open('the public keys that sign votes and minutes'),
  'GET /oidc': open('embedded OpenID provider'),
  'POST /oidc': open('embedded OpenID provider'),
  'OPTIONS /oidc': open('embedded OpenID provider'),
  'GET /oidc/*': open('embedded OpenID provider'),
  'POST /oidc/*': open('embedded OpenID provider'),
  'OPTIONS /oidc/*': open('embedded OpenID provider'),
  'GET /oidc/interaction/:uid': open('embedded provider login page', 'needs the interaction cookie of a running login'),
  'POST /oidc/interaction/:uid/login': open('embedded provider login', 'throttled per account and per address'),
  'POST /oidc/interaction/:uid/abort': open('embedded provider login abort'),
  'GET /v1/me': loggedIn('the session\u2019s user and CSRF token'),
  'POST /v1/admin/signing-key/rotate': { allowed: [], adminOnly: true, summary: 'rotate the signing key', note: 'accounts with the admin role only (with the CSRF token); recorded in the admin audit log' },
  'GET /v1/admin/audit-log': { allowed: [], adminOnly: true, summary: 'the admin audit log', note: 'accounts with the admin role only' },
  'GET /v1/admin/retention': { allowed: [], adminOnly: true, summary: 'retention periods, rules, kept tables and the last run', note: 'accounts with the admin role only' },
  'GET /v1/admin/diagnostics/turn': { allowed: [], adminOnly: true, summary: 'TURN reachability over UDP, TCP and TLS', note: 'accounts with the admin role only; allocates on each TURN URL' },
  'GET /v1/admin/users/:id/personal-data': { allowed: [], adminOnly: true, summary: 'export one person\u2019s personal data (GDPR)', note: 'accounts with the admin role only' },
  'POST /v1/admin/users/:id/pseudonymise': {
    allowed: [],
    adminOnly: true,
    summary: 'pseudonymise one person (GDPR)',
    note: 'accounts with the admin role only (with the CSRF token); recorded in the admin audit log',
  },
  'GET /v1/admin/users': { allowed: [], adminOnly: true, summary: 'find accounts by name or e-mail (a few at a time)', note: 'accounts with the admin role only' },
  'DELETE /v1/admin/users/:id': {
    allowed: [],
    adminOnly: true,
    summary: 'delete one person’s account and personal data (GDPR)',
    note: 'accounts with the admin role only (with the CSRF token); never the last admin; recorded in the admin audit log',
  },
  'GET /v1/auth/config': open('how to log in'),
  'GET /auth/login': open('starts the login'),
  'GET /auth/callback': open('ends the login', 'needs the state of a running login'),
  'POST /auth/logout': loggedIn('ends the session'),
  'GET /auth/assets/login.css': open('login page style'),
  'GET /v1/rooms': loggedIn('one\u2019s own rooms (all rooms for admins)'),
  'POST /v1/rooms': loggedIn('create a room'),
  'GET /v1/rooms/:id': loggedIn('a room\u2019s name and settings', 'guests learn the room name from the invite check instead'),
  'PATCH /v1/rooms/:id': owners('change a room'),
  'DELETE /v1/rooms/:id': owners('delete a room'),
  'GET /v1/rooms/:id/invites': owners('list invites'),
  'POST /v1/rooms/:id/invites': owners('create an invite'),
  'DELETE /v1/rooms/:id/invites/:code': owners('revoke an invite'),
  'POST /v1/rooms/:id/start': loggedIn('a signaling ticket for a user', 'the room password unless owner; throttled'),
  'POST /v1/rooms/:id/start-invited': withCode('a signaling ticket for a guest', 'throttled; the invite\u2019s or the room\u2019s password when set'),
  'GET /v1/rooms/:id/attendance': owners('attendance list'),
  'GET /v1/rooms/:id/attendance/:meetingId.csv': owners('attendance CSV'),
  'GET /v1/rooms/:id/attendance/:meetingId.pdf': owners('attendance PDF'),
  'GET /v1/rooms/:id/roster': owners('the roster'),
  'PUT /v1/rooms/:id/roster': owners('replace the roster'),
  'GET /v1/rooms/:id/agenda': owners('the agenda'),
  'PUT /v1/rooms/:id/agenda': owners('replace the agenda'),
  'GET /v1/rooms/:id/committee-settings': owners('quorum rule'),
  'PUT /v1/rooms/:id/committee-settings': owners('set the quorum rule'),
  'GET /v1/rooms/:id/minutes/versions': owners('sealed minutes'),
  'GET /v1/rooms/:id/minutes/versions/:version.json': owners('a sealed minutes version'),
  'GET /v1/rooms/:id/minutes/versions/:version.pdf': owners('a sealed minutes version as PDF'),
  'GET /v1/rooms/:id/votes': owners('the room\u2019s votes'),
  'GET /v1/votes/:voteId/export.json': owners('signed vote export', 'owner of the vote\u2019s room'),
  'GET /v1/votes/:voteId/report.pdf': owners('vote report', 'owner of the vote\u2019s room'),
  'GET /signaling': { allowed: joined, summary: 'the signaling WebSocket', note: 'a single-use ticket; 401 without one' },
  'GET /v1/rooms/:id/telephone': owners('the room\u2019s phone dial-in number, ID and PIN'),
  'POST /v1/rooms/:id/telephone/regenerate': owners('a new dial-in ID and PIN'),
  'GET /v1/rooms/:id/telephone/personal-pins': owners('the personal phone PINs of the roster members\u2019 invites'),
  'POST /v1/rooms/:id/telephone/personal-pins/regenerate': owners('new personal phone PINs for all personal invites'),
  'POST /v1/rooms/:id/telephone/personal-pins/:code/regenerate': owners('a new personal phone PIN for one personal invite'),
  'POST /v1/service/telephone/calls': {
    allowed: [],
    summary: 'a signaling ticket (kind sip) for a phone caller',
    note: 'the SIP gateway only: TELEPHONE_SERVICE_TOKEN as a bearer token (404 while the setting is empty); wrong ID or PIN 403, throttled per trunk and per room (429)',
  },
  'GET /v1/rooms/:id/recordings': owners('the room\u2019s recordings', 'the room\u2019s owner or an admin; each access is in the audit log'),
  'GET /v1/recordings/:recordingId/file': owners('download a recording', 'owner of the recording\u2019s room or an admin; each access is in the audit log'),
  'DELETE /v1/recordings/:recordingId': owners('delete a recording (file and metadata)', 'owner of the recording\u2019s room or an admin; in the audit log'),
  'POST /v1/rooms/:id/meetings': owners('plan a meeting and send its invitations'),
  'GET /v1/rooms/:id/meetings': owners('the room\u2019s planned meetings with invitees and guest links'),
  'GET /v1/meetings': loggedIn('one\u2019s upcoming meeting occurrences, own and invited'),
  'GET /v1/meetings/:plannedId': loggedIn('a planned meeting', 'its organizer, the room\u2019s owner, admins and its invitees; anyone else 404 (guest links only for the first three)'),
  'PATCH /v1/meetings/:plannedId': owners('change a planned meeting and send the update', 'the meeting\u2019s organizer, the room\u2019s owner or an admin'),
  'DELETE /v1/meetings/:plannedId': owners('cancel a planned meeting and send the cancellation', 'the meeting\u2019s organizer, the room\u2019s owner or an admin'),
  'GET /v1/calendar-feed': loggedIn('whether one\u2019s calendar feed is on'),
  'POST /v1/calendar-feed': loggedIn('a new secret calendar feed URL (the earlier one stops working)'),
  'DELETE /v1/calendar-feed': loggedIn('revoke one\u2019s calendar feed URL'),
  'GET /v1/calendar/:token.ics': open('a user\u2019s calendar feed', 'the secret feed token is the credential: 404 without a valid one, and after revocation'),
  'POST /v1/invites/:code/verify': withCode('check an invite code (and its password)', 'throttled per invite and per address'),
};

/** `signalingPolicy` as a flat list, in protocol order. */
export function signalingRules(): { namespace: string; action: string; rule: Rule }[] {
  return Object.entries(signalingPolicy).flatMap(([namespace, actions]) =>
    Object.entries(actions as Record<string, Rule>).map(([action, rule]) => ({ namespace, action, rule })),
  );
}
