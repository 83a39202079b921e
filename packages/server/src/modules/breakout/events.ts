/**
 * The room event breakout emits for the modules that scope what people receive (media: subscriptions, chat:
 * room messages). Breakout never touches their state; they keep their own copy of the grouping.
 */
declare module '../types.ts' {
  interface RoomEventMap {
    /**
     * The complete grouping, after every change (start, move, leave, end): participant id → breakout room id.
     * Whoever is missing is in the main room; an empty map means no breakout is running.
     */
    breakout_groups: { groups: ReadonlyMap<string, string> };
  }
}

/** Whether two participants are in the same group under `groups` (the main room is the group of everyone not in it). */
export function sameBreakoutGroup(groups: ReadonlyMap<string, string>, a: string, b: string): boolean {
  return (groups.get(a) ?? null) === (groups.get(b) ?? null);
}
