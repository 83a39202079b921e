import type { HandLoweredReason } from '@plenum/protocol';
import { roomEvent } from '../../signaling/feature.ts';

/** Room events of `hands` (speaker_queue appends raised hands to its list). */
export const handRaised = roomEvent<{ participantId: string }>()('hand_raised');
export const handsLowered = roomEvent<{ participantIds: readonly string[]; reason: HandLoweredReason }>()('hands_lowered');
