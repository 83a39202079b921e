import { roomEvent } from '../../signaling/feature.ts';

/**
 * Room events of `moderation` for the media feature, which enforces them (it tells the client to mute and
 * stops the audio at the media server). Moderation never touches media state itself.
 */

/** Mute these participants now. */
export const forceMute = roomEvent<{ participantIds: readonly string[]; by: string }>()('force_mute');
/** While `moderatorsOnly`, a non-moderator's microphone must stay off (update_state audio:true is refused). */
export const unmutePolicy = roomEvent<{ moderatorsOnly: boolean; by: string }>()('unmute_policy');
