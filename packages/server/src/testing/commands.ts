import { PROTOCOL_VERSION } from '@plenum/protocol';

/** Who a sample command may refer to. */
export interface CommandContext {
  /** The sender's own participant id. */
  self: string;
  /** Another participant (a guest) present in the room. */
  target: string;
}

const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
const AN_ID = '00000000-0000-4000-8000-000000000001';

/**
 * One valid payload per signaling command (valid for the schema: the feature may still refuse it for its own
 * reasons, e.g. an unknown poll). `permissions.test.ts` and the fuzz tests use it; a command without a sample
 * fails them.
 */
export const sampleCommands: Record<string, Record<string, (c: CommandContext) => Record<string, unknown>>> = {
  control: {
    join: () => ({ action: 'join', protocol_version: PROTOCOL_VERSION }),
    leave: () => ({ action: 'leave' }),
    update_display_name: () => ({ action: 'update_display_name', display_name: 'Renamed' }),
  },
  media: {
    publish: () => ({ action: 'publish', source: 'camera', sdp: SDP }),
    unpublish: () => ({ action: 'unpublish', source: 'camera' }),
    update_state: () => ({ action: 'update_state', audio: true, video: true }),
    subscribe: () => ({ action: 'subscribe' }),
    subscribe_answer: () => ({ action: 'subscribe_answer', sdp: SDP }),
    tile_size: (c) => ({ action: 'tile_size', participant_id: c.target, source: 'camera', width: 320, height: 180 }),
    trickle: () => ({ action: 'trickle', target: 'camera', candidate: null }),
    attach_phone_audio: () => ({ action: 'attach_phone_audio', codec: 'pcmu', rtp: { ip: '127.0.0.1', port: 40000 } }),
    phone_mute: () => ({ action: 'phone_mute', muted: true }),
    phone_talking: () => ({ action: 'phone_talking', talking: true }),
    subscribe_phone_mix: () => ({ action: 'subscribe_phone_mix' }),
    phone_mix_answer: () => ({ action: 'phone_mix_answer', sdp: SDP }),
    unsubscribe_phone_mix: () => ({ action: 'unsubscribe_phone_mix' }),
  },
  chat: {
    send_message: () => ({ action: 'send_message', text: 'Hello', to: { scope: 'room' } }),
    enable_chat: () => ({ action: 'enable_chat' }),
    disable_chat: () => ({ action: 'disable_chat' }),
    clear_history: () => ({ action: 'clear_history' }),
  },
  hands: {
    raise_hand: () => ({ action: 'raise_hand' }),
    lower_hand: () => ({ action: 'lower_hand' }),
    lower_hands: () => ({ action: 'lower_hands' }),
    enable_raise_hands: () => ({ action: 'enable_raise_hands' }),
    disable_raise_hands: () => ({ action: 'disable_raise_hands' }),
  },
  moderation: {
    kick: (c) => ({ action: 'kick', target: c.target }),
    ban: (c) => ({ action: 'ban', target: c.target }),
    unban: () => ({ action: 'unban', ban_id: AN_ID }),
    lock_room: () => ({ action: 'lock_room' }),
    unlock_room: () => ({ action: 'unlock_room' }),
    grant_moderator: (c) => ({ action: 'grant_moderator', target: c.target }),
    revoke_moderator: (c) => ({ action: 'revoke_moderator', target: c.target }),
    rename: (c) => ({ action: 'rename', target: c.target, display_name: 'Renamed' }),
    end_meeting: () => ({ action: 'end_meeting' }),
    debrief: () => ({ action: 'debrief' }),
    mute: (c) => ({ action: 'mute', targets: [c.target] }),
    set_unmute_policy: () => ({ action: 'set_unmute_policy', moderators_only: true }),
    enable_waiting_room: () => ({ action: 'enable_waiting_room' }),
    disable_waiting_room: () => ({ action: 'disable_waiting_room' }),
    accept: () => ({ action: 'accept', target: AN_ID }),
    accept_all: () => ({ action: 'accept_all' }),
    send_to_waiting_room: (c) => ({ action: 'send_to_waiting_room', target: c.target }),
  },
  timer: {
    start: () => ({ action: 'start', kind: 'countdown', duration_seconds: 60, ready_check: true }),
    stop: () => ({ action: 'stop' }),
    update_ready_status: () => ({ action: 'update_ready_status', ready: true }),
  },
  polls: {
    create: () => ({ action: 'create', question: 'Lunch?', options: ['Yes', 'No'], choice: 'single', live: true }),
    vote: () => ({ action: 'vote', poll_id: 'p1', choices: [0] }),
    close: () => ({ action: 'close', poll_id: 'p1' }),
  },
  breakout: {
    start: () => ({ action: 'start', rooms: [{ name: 'A' }, { name: 'B' }], distribution: 'even' }),
    move: (c) => ({ action: 'move', participant_id: c.target, room_id: null }),
    broadcast: () => ({ action: 'broadcast', text: 'Five minutes left' }),
    stop: () => ({ action: 'stop' }),
  },
  speaker_queue: {
    configure: () => ({ action: 'configure', strategy: 'playlist' }),
    set_list: (c) => ({ action: 'set_list', participant_ids: [c.target] }),
    add: (c) => ({ action: 'add', participant_id: c.target }),
    remove: (c) => ({ action: 'remove', participant_id: c.self }),
    next: () => ({ action: 'next' }),
    set_speaker: (c) => ({ action: 'set_speaker', participant_id: c.target }),
    yield: () => ({ action: 'yield' }),
    nominate: (c) => ({ action: 'nominate', participant_id: c.target }),
  },
  attendance: {
    get_meeting: () => ({ action: 'get_meeting' }),
  },
  agenda: {
    next: () => ({ action: 'next' }),
    previous: () => ({ action: 'previous' }),
    select: () => ({ action: 'select', item_id: AN_ID }),
    reload: () => ({ action: 'reload' }),
  },
  minutes: {
    // A Yjs update message (type 2) carrying an empty update: a write.
    sync: () => ({ action: 'sync', data: 'AgIAAA==' }),
    set_writers: (c) => ({ action: 'set_writers', participant_ids: [c.target] }),
    insert: () => ({ action: 'insert', block: 'attendance' }),
    seal: () => ({ action: 'seal', title: 'Minutes' }),
    amend: () => ({ action: 'amend' }),
  },
  legal_vote: {
    start: () => ({ action: 'start', title: 'Budget', kind: 'roll_call', options: { type: 'yes_no' } }),
    vote: () => ({ action: 'vote', vote_id: AN_ID, choices: ['yes'] }),
    stop: () => ({ action: 'stop', vote_id: AN_ID }),
    cancel: () => ({ action: 'cancel', vote_id: AN_ID, reason: 'Wrong title' }),
    report_issue: () => ({ action: 'report_issue', vote_id: AN_ID, text: 'My vote did not show' }),
    delegate: (c) => ({ action: 'delegate', to_participant_id: c.target }),
  },
  telephone: {
    get_dial_in: () => ({ action: 'get_dial_in' }),
  },
  recording: {
    start: () => ({ action: 'start' }),
    stop: () => ({ action: 'stop' }),
    pause: () => ({ action: 'pause' }),
    resume: () => ({ action: 'resume' }),
    consent: () => ({ action: 'consent', given: true }),
  },
  meetings: {
    get_planned: () => ({ action: 'get_planned' }),
  },
};
