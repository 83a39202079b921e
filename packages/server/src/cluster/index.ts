import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Redis } from 'ioredis';
import { InProcessBus, InProcessRoomRegistry } from './in-process.ts';
import { RedisBus, RedisRoomRegistry } from './redis.ts';
import type { Cluster } from './types.ts';

export type { Bus, Cluster, RoomRegistry } from './types.ts';

/** REDIS_URL unset → one node with an in-process bus; set → Redis pub/sub and a shared room registry. */
export async function openCluster(opts: { redisUrl?: string | undefined; keyPrefix?: string }): Promise<Cluster> {
  const nodeId = `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  if (!opts.redisUrl) {
    const bus = new InProcessBus();
    const rooms = new InProcessRoomRegistry();
    return { nodeId, kind: 'in-process', bus, rooms, close: async () => bus.close() };
  }
  const prefix = opts.keyPrefix ?? 'plenum:';
  const client = new Redis(opts.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2, connectTimeout: 5000 });
  await client.connect();
  const bus = new RedisBus(client, prefix);
  const rooms = new RedisRoomRegistry(client, prefix);
  return {
    nodeId,
    kind: 'redis',
    bus,
    rooms,
    async close() {
      await bus.close();
      await rooms.close();
      client.disconnect();
    },
  };
}
