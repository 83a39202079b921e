/**
 * Room events moderation emits for the media module, which enforces them (it tells the client to mute and
 * stops the audio at the media server). Moderation never touches media state itself.
 */
declare module '../types.ts' {
  interface RoomEventMap {
    /** Mute these participants now. */
    force_mute: { participantIds: readonly string[]; by: string };
    /** While `moderatorsOnly`, a non-moderator's microphone must stay off (update_state audio:true is refused). */
    unmute_policy: { moderatorsOnly: boolean; by: string };
  }
}

export {};
