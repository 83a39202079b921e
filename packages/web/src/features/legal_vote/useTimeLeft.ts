import { useEffect, useState } from 'react';
import { formatDuration } from '../timer/timerStore.ts';

/** The time left until `endsAt` (this device's clock), following it once a second; null without an end. */
export function useTimeLeft(endsAt: string | null | undefined): string | null {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!endsAt) return;
    const id = setInterval(() => setTick((n) => n + 1), 1000);
    return () => clearInterval(id);
  }, [endsAt]);
  return endsAt ? formatDuration(Math.ceil((Date.parse(endsAt) - Date.now()) / 1000) * 1000) : null;
}
