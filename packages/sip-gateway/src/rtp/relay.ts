// RTP relay between the caller and a remote RTP endpoint (the media server, e.g. a Janus AudioBridge
// plain-RTP participant), on the call's one RTP socket.
//
// Contract:
// - caller → remote: every audio packet of the caller (the negotiated G.711 payload type; never
//   telephone-events, which the gateway consumes as DTMF) is forwarded unchanged except for the payload
//   type, which becomes `remote.payloadType` (Janus drops G.711 with an unexpected PT).
// - remote → caller: packets that arrive from `remote.address:remote.port` are sent to the caller on the
//   gateway's own outbound stream: the gateway's SSRC, its sequence numbers continuing after the IVR
//   prompts, timestamps advancing by the remote's timestamp deltas (a new talkspurt with the marker bit
//   after a remote SSRC change or a jump), payload type = the caller's negotiated one. While a prompt
//   plays to the caller, remote audio is dropped.
// - stop() detaches both directions; the call's socket stays open (it belongs to the call).
import type { CallMedia, Endpoint } from './session.ts';
import type { RtpPacket } from './packet.ts';

export interface RelayTarget extends Endpoint {
  /** Payload type the remote expects for the call's codec (Janus: the one given in `join`). */
  readonly payloadType: number;
}

export interface RtpRelay {
  stop(): void;
  stats(): { toRemote: number; toCaller: number; droppedFromRemote: number };
}

export function startRelay(media: CallMedia, remote: RelayTarget): RtpRelay {
  let toRemote = 0;
  let toCaller = 0;
  let dropped = 0;
  let last: { ssrc: number; ts: number; seq: number } | undefined;

  const onCaller = (_p: RtpPacket, raw: Buffer): void => {
    const out = Buffer.from(raw);
    out[1] = ((out[1] ?? 0) & 0x80) | (remote.payloadType & 0x7f);
    media.sendRaw(out, remote);
    toRemote++;
  };
  const onForeign = (p: RtpPacket, from: Endpoint): void => {
    if (from.address !== remote.address || from.port !== remote.port) return;
    if (media.promptPlaying || media.isPaused) {
      dropped++;
      last = undefined;
      return;
    }
    let advance: number | undefined;
    let talkspurt = false;
    if (!last || last.ssrc !== p.ssrc) talkspurt = true;
    else {
      const seqDelta = (p.sequence - last.seq) & 0xffff;
      if (seqDelta === 0 || seqDelta > 0x8000) {
        dropped++; // duplicate or late packet
        return;
      }
      const d = (p.timestamp - last.ts) >>> 0;
      if (d > 0 && d <= 8000 * 5) advance = d;
      else talkspurt = true;
    }
    last = { ssrc: p.ssrc, ts: p.timestamp, seq: p.sequence };
    media.sendFrame(p.payload, { talkspurt: talkspurt || p.marker, ...(advance !== undefined ? { advance } : {}) });
    toCaller++;
  };
  media.relayRemote = { address: remote.address, port: remote.port };
  media.audioListeners.add(onCaller);
  media.foreignListeners.add(onForeign);
  return {
    stop() {
      media.relayRemote = undefined;
      media.audioListeners.delete(onCaller);
      media.foreignListeners.delete(onForeign);
    },
    stats: () => ({ toRemote, toCaller, droppedFromRemote: dropped }),
  };
}
