import type { ServerEnvelope } from '@plenum/protocol';

/** What the clock listens to: every envelope carries the server's time of sending. */
export interface ClockSource {
  onMessage(listener: (envelope: ServerEnvelope) => void): () => void;
}

/**
 * The server's clock as this device can tell it, one per signaling connection: countdowns (timer, breakout
 * rooms, speaking time) end when the server says, even when this device's clock is off. It learns the offset
 * from the last time the server stated: every envelope's timestamp, and the `server_time` a feature's
 * snapshot carries.
 */
export class ServerClock {
  private offset = 0;

  constructor(
    source: ClockSource,
    private readonly deviceNow: () => number = Date.now,
  ) {
    source.onMessage((envelope) => this.observe(envelope.timestamp));
  }

  /** Server time minus this device's time, in ms: what to add to the device's "now" to get the server's. */
  get offsetMs(): number {
    return this.offset;
  }

  /** A time the server just stated (ISO 8601); one that does not parse leaves the offset as it was. */
  observe(serverTime: string): void {
    const server = Date.parse(serverTime);
    if (Number.isFinite(server)) this.offset = server - this.deviceNow();
  }

  /** The server's current time in ms. */
  now(): number {
    return this.deviceNow() + this.offset;
  }
}
