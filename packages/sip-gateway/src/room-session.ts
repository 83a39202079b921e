import { LegalVoteMessage, LegalVoteSnapshot, PROTOCOL_VERSION, RecordingStatus, SIGNALING_SUBPROTOCOL, ServerEnvelope, TICKET_SUBPROTOCOL_PREFIX } from '@plenum/protocol';
import WebSocket from 'ws';

/** What the signaling connection needs of Plenum's answer to the service call. */
export interface SignalingTicket {
  readonly ticket: string;
  readonly signalingUrl: string;
}

export interface RtpAddress {
  readonly ip: string;
  readonly port: number;
}

/** What the room tells a caller, as typed callbacks (the call turns them into prompts and RTP relaying). */
export interface RoomSessionEvents {
  /** Held in the waiting room until a moderator admits. */
  waiting(): void;
  /** In the room; audio is being attached. */
  joined(self: { id: string; displayName: string }): void;
  /** Janus's RTP address for this caller's AudioBridge leg. */
  audioAttached(janus: RtpAddress & { payloadType: number }): void;
  otherJoined(p: { id: string; displayName: string; kind: string }): void;
  otherLeft(p: { id: string; displayName: string }): void;
  muteChanged(muted: boolean): void;
  handChanged(raised: boolean): void;
  /** Removed by a moderator or the meeting ended: hang up. */
  removed(reason: string): void;
  /** The socket closed (for any reason); the call ends. */
  closed(code: number): void;
  /** A command of ours was refused (e.g. unmuting while only moderators may unmute). */
  refused(action: string, code: string): void;
  /** A `legal_vote` message (started, voted, you, stopped, cancelled, …); the open vote of the join snapshot comes as `started`. */
  legalVote?(message: LegalVoteMessage): void;
  /** The room's recording started, paused, resumed or stopped (also: one runs when the caller joins). */
  recording?(state: { active: boolean; paused: boolean }): void;
  /** The recording asks this caller for consent. */
  consentRequested?(): void;
  /** Our `legal_vote/vote` was refused with this code. */
  voteRefused?(code: string): void;
}

/**
 * One caller's presence in a Plenum room over the ordinary signaling WebSocket, as a participant of kind
 * `sip`: the same ticket, join and commands a browser uses, so every permission check of the server applies.
 */
export class RoomSession {
  private ws: WebSocket | undefined;
  private selfId: string | undefined;
  private readonly names = new Map<string, string>();
  private muted = false;
  private handRaised = false;
  private lastRecording = 'false/false';

  constructor(
    private readonly session: SignalingTicket,
    private readonly rtp: { codec: 'pcmu' | 'pcma' | 'opus'; local: RtpAddress },
    private readonly on: RoomSessionEvents,
  ) {}

  connect(): void {
    const ws = new WebSocket(this.session.signalingUrl, [SIGNALING_SUBPROTOCOL, `${TICKET_SUBPROTOCOL_PREFIX}${this.session.ticket}`]);
    this.ws = ws;
    ws.on('open', () => this.send('control', { action: 'join', protocol_version: PROTOCOL_VERSION }));
    ws.on('message', (data) => this.receive(String(data)));
    ws.on('close', (code) => this.on.closed(code));
    ws.on('error', () => undefined); // 'close' follows
  }

  get participantId(): string | undefined {
    return this.selfId;
  }

  toggleMute(): void {
    this.send('media', { action: 'phone_mute', muted: !this.muted });
  }

  toggleHand(): void {
    this.send('hands', { action: this.handRaised ? 'lower_hand' : 'raise_hand' });
  }

  /** Voice activity of the caller, from the gateway's energy detector (Janus reports none for plain-RTP legs). */
  talking(talking: boolean): void {
    this.send('media', { action: 'phone_talking', talking });
  }

  /** Casts a ballot (`legal_vote/vote`). */
  vote(cmd: { action: 'vote'; vote_id: string; choices: string[]; on_behalf_of?: string }): void {
    this.send('legal_vote', cmd);
  }

  leave(): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.send('control', { action: 'leave' });
    this.ws?.close(1000);
  }

  private send(namespace: string, payload: { action: string } & Record<string, unknown>): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ namespace, payload }));
  }

  private receive(text: string): void {
    let parsed: ServerEnvelope;
    try {
      parsed = ServerEnvelope.parse(JSON.parse(text));
    } catch {
      return;
    }
    const { namespace, payload } = parsed;
    const p = payload as Record<string, unknown> & { message: string };
    switch (`${namespace}/${p.message}`) {
      case 'control/waiting':
        return this.on.waiting();
      case 'control/join_success': {
        this.selfId = String(p.id);
        for (const other of (p.participants as { id: string; display_name: string }[]) ?? []) this.names.set(other.id, other.display_name);
        this.on.joined({ id: this.selfId, displayName: String(p.display_name) });
        this.attach();
        const snapshot = LegalVoteSnapshot.safeParse((p.modules as Record<string, unknown> | undefined)?.legal_vote);
        const open = snapshot.success ? snapshot.data.open : null;
        if (open) this.on.legalVote?.({ message: 'started', vote: open.vote, eligible: open.eligible, you: open.you });
        const recording = RecordingStatus.safeParse((p.modules as Record<string, unknown> | undefined)?.recording);
        if (recording.success && recording.data.active) this.recordingState(recording.data);
        return;
      }
      case 'recording/recording_state': {
        const state = RecordingStatus.safeParse(p);
        if (state.success) this.recordingState(state.data);
        return;
      }
      case 'recording/consent_request':
        return this.on.consentRequested?.();
      case 'control/joined': {
        const other = p.participant as { id: string; display_name: string; kind: string };
        this.names.set(other.id, other.display_name);
        return this.on.otherJoined({ id: other.id, displayName: other.display_name, kind: other.kind });
      }
      case 'control/left': {
        const id = String(p.id);
        const displayName = this.names.get(id) ?? '';
        this.names.delete(id);
        return this.on.otherLeft({ id, displayName });
      }
      case 'control/removed':
        return this.on.removed(String(p.reason));
      case 'media/phone_audio_attached': {
        const rtp = p.rtp as RtpAddress;
        return this.on.audioAttached({ ip: rtp.ip, port: rtp.port, payloadType: Number(p.payload_type) });
      }
      case 'media/reconnect':
        // The media server was lost: Janus's leg (and its RTP address) is new.
        return this.attach();
      case 'media/media_state': {
        const state = p.state as { participant_id: string; audio: boolean };
        if (state.participant_id === this.selfId && this.muted === state.audio) {
          this.muted = !state.audio;
          this.on.muteChanged(this.muted);
        }
        return;
      }
      case 'hands/hand_raised':
        if ((p.hand as { participant_id: string }).participant_id === this.selfId && !this.handRaised) {
          this.handRaised = true;
          this.on.handChanged(true);
        }
        return;
      case 'hands/hands_lowered':
        if ((p.participant_ids as string[]).includes(this.selfId ?? '') && this.handRaised) {
          this.handRaised = false;
          this.on.handChanged(false);
        }
        return;
      default:
        break;
    }
    if (namespace === 'legal_vote') {
      if (p.message === 'error') {
        if (p.action === 'vote') this.on.voteRefused?.(String(p.error));
        return;
      }
      const m = LegalVoteMessage.safeParse(payload);
      if (m.success) this.on.legalVote?.(m.data);
      return;
    }
    if (p.message === 'error' && typeof p.action === 'string') this.on.refused(p.action, String(p.error));
  }

  /** Answers the recording's consent prompt for this caller. */
  consent(given: boolean): void {
    this.send('recording', { action: 'consent', given });
  }

  private recordingState(state: { active: boolean; paused: boolean }): void {
    const key = `${state.active}/${state.paused}`;
    if (key === this.lastRecording) return;
    this.lastRecording = key;
    this.on.recording?.(state);
  }

  private attach(): void {
    this.send('media', { action: 'attach_phone_audio', codec: this.rtp.codec, rtp: { ip: this.rtp.local.ip, port: this.rtp.local.port } });
  }
}
