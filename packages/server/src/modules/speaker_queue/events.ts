import { roomEvent } from '../../signaling/feature.ts';

/** Room events of `speaker_queue`: someone was given the floor (`hands` lowers their raised hand). */
export const floorGiven = roomEvent<{ participantId: string }>()('floor_given');
