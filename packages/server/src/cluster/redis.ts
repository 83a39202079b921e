import { Redis } from 'ioredis';
import type { Bus, RoomRegistry } from './types.ts';

const roomKey = (prefix: string, roomId: string) => `${prefix}room:${roomId}:owner`;

// Compare-and-set scripts: a node may only extend or drop a lease it still holds.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** Redis pub/sub needs a dedicated connection for subscribing; publishing uses the shared one. */
export class RedisBus implements Bus {
  private readonly subscriber: Redis;
  private readonly handlers = new Map<string, Set<(message: unknown) => void>>();

  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
  ) {
    this.subscriber = client.duplicate();
    this.subscriber.on('message', (channel: string, raw: string) => {
      const set = this.handlers.get(channel);
      if (!set) return;
      let message: unknown;
      try {
        message = JSON.parse(raw);
      } catch {
        return; // Not ours: ignore rather than crash the node.
      }
      for (const handler of set) handler(message);
    });
  }

  async publish(channel: string, message: unknown): Promise<void> {
    await this.client.publish(this.prefix + channel, JSON.stringify(message));
  }

  async subscribe(channel: string, handler: (message: unknown) => void): Promise<() => Promise<void>> {
    const full = this.prefix + channel;
    let set = this.handlers.get(full);
    if (!set) {
      set = new Set();
      this.handlers.set(full, set);
      await this.subscriber.subscribe(full);
    }
    set.add(handler);
    return async () => {
      set.delete(handler);
      if (set.size === 0 && this.handlers.get(full) === set) {
        this.handlers.delete(full);
        await this.subscriber.unsubscribe(full);
      }
    };
  }

  async close(): Promise<void> {
    this.handlers.clear();
    this.subscriber.disconnect();
  }
}

export class RedisRoomRegistry implements RoomRegistry {
  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
  ) {}

  async claim(roomId: string, nodeId: string, leaseMs: number): Promise<string> {
    const key = roomKey(this.prefix, roomId);
    const set = await this.client.set(key, nodeId, 'PX', leaseMs, 'NX');
    if (set === 'OK') return nodeId;
    const owner = await this.client.get(key);
    if (owner === nodeId) {
      await this.renew(roomId, nodeId, leaseMs);
      return nodeId;
    }
    // The lease may have expired between SET NX and GET: try once more.
    return owner ?? ((await this.client.set(key, nodeId, 'PX', leaseMs, 'NX')) === 'OK' ? nodeId : ((await this.client.get(key)) ?? nodeId));
  }

  async renew(roomId: string, nodeId: string, leaseMs: number): Promise<boolean> {
    return (await this.client.eval(RENEW, 1, roomKey(this.prefix, roomId), nodeId, String(leaseMs))) === 1;
  }

  async release(roomId: string, nodeId: string): Promise<void> {
    await this.client.eval(RELEASE, 1, roomKey(this.prefix, roomId), nodeId);
  }

  owner(roomId: string): Promise<string | null> {
    return this.client.get(roomKey(this.prefix, roomId));
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async close(): Promise<void> {}
}
