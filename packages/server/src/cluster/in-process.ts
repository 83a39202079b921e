import { EventEmitter } from 'node:events';
import type { Bus, RoomRegistry } from './types.ts';

/** One node: the bus is an event emitter; messages still go through JSON so behaviour matches Redis. */
export class InProcessBus implements Bus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async publish(channel: string, message: unknown): Promise<void> {
    const copy: unknown = JSON.parse(JSON.stringify(message));
    queueMicrotask(() => this.emitter.emit(channel, copy));
  }

  async subscribe(channel: string, handler: (message: unknown) => void): Promise<() => Promise<void>> {
    this.emitter.on(channel, handler);
    return async () => {
      this.emitter.off(channel, handler);
    };
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

export class InProcessRoomRegistry implements RoomRegistry {
  private readonly leases = new Map<string, { nodeId: string; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  private live(roomId: string) {
    const lease = this.leases.get(roomId);
    if (lease && lease.until <= this.now()) {
      this.leases.delete(roomId);
      return undefined;
    }
    return lease;
  }

  async claim(roomId: string, nodeId: string, leaseMs: number): Promise<string> {
    const lease = this.live(roomId);
    if (lease && lease.nodeId !== nodeId) return lease.nodeId;
    this.leases.set(roomId, { nodeId, until: this.now() + leaseMs });
    return nodeId;
  }

  async renew(roomId: string, nodeId: string, leaseMs: number): Promise<boolean> {
    const lease = this.live(roomId);
    if (!lease || lease.nodeId !== nodeId) return false;
    lease.until = this.now() + leaseMs;
    return true;
  }

  async release(roomId: string, nodeId: string): Promise<void> {
    if (this.live(roomId)?.nodeId === nodeId) this.leases.delete(roomId);
  }

  async owner(roomId: string): Promise<string | null> {
    return this.live(roomId)?.nodeId ?? null;
  }

  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}
