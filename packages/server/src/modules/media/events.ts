import type { MediaRoom } from '../../media/types.ts';
import { roomEvent } from '../../signaling/feature.ts';

/**
 * Room events of `media`: the room's media room opened (first publish or subscribe, and again after a lost one).
 * The recorder forwards consenting publishers from it; its closing is the media room's own `onClose`.
 */
export const mediaRoomOpened = roomEvent<{ media: MediaRoom }>()('media_room_opened');
