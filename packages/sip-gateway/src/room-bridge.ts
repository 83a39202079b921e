// The integrator between a SIP call and a Plenum room: after Plenum accepted the caller, the call joins the
// room over the ordinary signaling WebSocket as a participant of kind `sip`, attaches its RTP to the room's
// Janus AudioBridge leg and relays audio; key presses become commands and the room's news become prompts.
import type { GatewayHooks, MeetingCall } from './gateway.ts';
import type { PromptName } from './ivr/prompts.ts';
import { SpeechRenderer } from './ivr/tts.ts';
import type { Logger } from './log.ts';
import type { PlenumSession } from './plenum.ts';
import type { RtpRelay } from './rtp/relay.ts';
import { RoomSession } from './room-session.ts';
import { VoiceActivity } from './rtp/vad.ts';
import { PhoneVote } from './vote/phone-vote.ts';
import { SpeechQueue } from './vote/speech-queue.ts';

/** `tts` renders what no static prompt says (a vote's title and candidates, a receipt token). */
export function roomBridgeHooks(log: Logger, tts: SpeechRenderer = new SpeechRenderer()): GatewayHooks {
  return { onAuthorized: (call, session) => bridgeCall(call, session, log, tts) };
}

function bridgeCall(call: MeetingCall, session: PlenumSession, log: Logger, tts: SpeechRenderer): void {
  let relay: RtpRelay | undefined;
  let inRoom = false;
  let ended = false;
  const say = (...names: PromptName[]): void => {
    void (async () => {
      for (const n of names) await call.play(n);
    })().catch((err: unknown) => log.warn('prompt failed', { callId: call.callId, err: String(err) }));
  };
  const speech = new SpeechQueue({
    play: (prompt, opts) => call.play(prompt, opts),
    playAudio: (samples, opts) => call.playAudio(samples, opts),
    render: (text) => tts.render(call.language, text),
    played: (parts) => log.info('speech played', { callId: call.callId, parts }),
    failed: (err) => log.warn('speech failed', { callId: call.callId, err: String(err) }),
  });
  const end = (): void => {
    if (ended) return;
    ended = true;
    relay?.stop();
    call.hangup();
  };

  const vote = new PhoneVote({
    get language() {
      return call.language;
    },
    say: (items, opts) => speech.say(items, opts),
    sendVote: (cmd) => room.vote(cmd),
    log: (msg, fields) => log.info(msg, { callId: call.callId, ...fields }),
  });
  const vad = new VoiceActivity(call.media.codec);
  const room = new RoomSession(
    {
      ticket: session.ticket,
      signalingUrl: session.signalingUrl,
    },
    { codec: call.media.codec, local: { ip: call.media.localAddress, port: call.media.localPort } },
    {
      waiting: () => say('please_wait'),
      joined: () => undefined,
      audioAttached: (janus) => {
        relay?.stop();
        relay = call.startRelay({ address: janus.ip, port: janus.port, payloadType: janus.payloadType });
        if (!inRoom) {
          inRoom = true;
          void call.play('in_meeting', { interrupt: true });
        }
      },
      otherJoined: () => {
        if (inRoom) say('participant_joined');
      },
      otherLeft: () => {
        if (inRoom) say('participant_left');
      },
      muteChanged: (muted) => say('beep', muted ? 'muted' : 'unmuted'),
      handChanged: (raised) => say('beep', raised ? 'hand_raised' : 'hand_lowered'),
      refused: (action) => {
        if (action === 'phone_mute') say('unmute_not_allowed');
      },
      removed: () => {
        void call.play('removed', { interrupt: true }).finally(end);
      },
      legalVote: (m) => {
        if (m.message === 'started') vote.started(m);
        else if (m.message === 'voted') vote.voted(m);
        else if (m.message === 'you') vote.you(m);
        else if (m.message === 'stopped') vote.ended(m.vote_id, 'stopped');
        else if (m.message === 'cancelled') vote.ended(m.vote_id, 'cancelled');
      },
      voteRefused: (code) => vote.refused(code),
      // Phone audio is not part of the recording (the recorder takes the browsers' publications only): callers
      // are told a recording runs, and the gateway answers the consent prompt with the truth, "not recorded".
      recording: ({ active, paused }) => say(!active ? 'recording_stopped' : paused ? 'recording_paused' : 'recording_started'),
      consentRequested: () => room.consent(false),
      closed: (code) => {
        log.info('signaling closed', { callId: call.callId, code });
        if (!ended) void call.play('goodbye', { interrupt: true }).finally(end);
      },
    },
  );
  const stopVad = call.onCallerAudio((payload) => {
    const change = vad.push(payload);
    if (change !== undefined) room.talking(change);
  });
  const stopKeys = call.onKey((d) => vote.key(d));
  call.onEvent((e) => {
    if (e.type === 'toggle_mute') room.toggleMute();
    else if (e.type === 'toggle_hand') room.toggleHand();
    else if (e.type === 'hangup') {
      ended = true;
      stopVad();
      stopKeys();
      vote.stop();
      speech.close();
      relay?.stop();
      room.leave();
    }
  });
  room.connect();
}
