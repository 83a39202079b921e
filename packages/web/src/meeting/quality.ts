/** Connection quality as a person understands it, from round-trip time and packet loss. */
export type Quality = 'good' | 'fair' | 'poor' | 'unknown';

/** Thresholds after common practice for interactive audio (ITU-T G.114: up to 150 ms one way is fine). */
export function classifyQuality(rttSeconds: number | null, lossRatio: number | null): Quality {
  if (rttSeconds === null && lossRatio === null) return 'unknown';
  const rtt = rttSeconds ?? 0;
  const loss = lossRatio ?? 0;
  if (rtt > 0.4 || loss > 0.08) return 'poor';
  if (rtt > 0.15 || loss > 0.02) return 'fair';
  return 'good';
}

/** Counters of one measurement, summed over a connection's streams. */
export interface LossCounters {
  received: number;
  lost: number;
}

/** Loss ratio between two measurements (null when nothing arrived in between). */
export function lossBetween(before: LossCounters | null, after: LossCounters): number | null {
  const received = after.received - (before?.received ?? 0);
  const lost = Math.max(0, after.lost - (before?.lost ?? 0));
  if (received + lost <= 0) return null;
  return lost / (received + lost);
}

/** Reads RTT and loss counters from an RTCStatsReport (plain objects, so the function is testable). */
export function readStats(reports: Iterable<Record<string, unknown>>): { rtt: number | null; counters: LossCounters; remoteLoss: number | null } {
  let rtt: number | null = null;
  const counters: LossCounters = { received: 0, lost: 0 };
  let remoteLoss: number | null = null;
  for (const r of reports) {
    if (r.type === 'candidate-pair' && r.state === 'succeeded' && r.nominated === true && typeof r.currentRoundTripTime === 'number') {
      rtt = Math.max(rtt ?? 0, r.currentRoundTripTime);
    } else if (r.type === 'inbound-rtp') {
      counters.received += typeof r.packetsReceived === 'number' ? r.packetsReceived : 0;
      counters.lost += typeof r.packetsLost === 'number' ? r.packetsLost : 0;
    } else if (r.type === 'remote-inbound-rtp' && typeof r.fractionLost === 'number') {
      remoteLoss = Math.max(remoteLoss ?? 0, r.fractionLost);
    }
  }
  return { rtt, counters, remoteLoss };
}
