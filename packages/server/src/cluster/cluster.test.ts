import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { openCluster, type Cluster } from './index.ts';

const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

// The same behaviour is required of the one-node and the Redis implementation.
describe.each(['in-process', 'redis'] as const)('cluster (%s)', (kind) => {
  const opened: Cluster[] = [];
  // A fresh key prefix per test keeps runs apart on the shared Redis.
  let prefix = '';
  async function open(): Promise<Cluster> {
    const c = await openCluster({ redisUrl: kind === 'redis' ? redisUrl : undefined, keyPrefix: prefix });
    opened.push(c);
    return c;
  }
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((c) => c.close()));
  });

  async function pair(): Promise<[Cluster, Cluster]> {
    prefix = `plenum-test-${randomBytes(4).toString('hex')}:`;
    const a = await open();
    // In-process: "two nodes" share one registry only within a process, so use the same instance.
    return kind === 'redis' ? [a, await open()] : [a, { ...a, nodeId: `${a.nodeId}-b` }];
  }

  it('delivers published messages to subscribers, as JSON, until they unsubscribe', async () => {
    const [a, b] = await pair();
    const got: unknown[] = [];
    const unsubscribe = await b.bus.subscribe('room:1', (m) => got.push(m));
    const barrier: unknown[] = [];
    await b.bus.subscribe('room:barrier', (m) => barrier.push(m));
    await a.bus.publish('room:1', { message: 'hello', at: 1 });
    await a.bus.publish('room:2', { message: 'elsewhere' });
    await expect.poll(() => got, { timeout: 2000 }).toEqual([{ message: 'hello', at: 1 }]);
    await unsubscribe();
    await a.bus.publish('room:1', { message: 'late' });
    // Published after 'late' by the same publisher: once it arrived, 'late' would have too.
    await a.bus.publish('room:barrier', { message: 'after' });
    await expect.poll(() => barrier, { timeout: 2000 }).toEqual([{ message: 'after' }]);
    expect(got).toHaveLength(1);
  });

  it('gives a room to exactly one node until its lease ends or it releases it', async () => {
    const [a, b] = await pair();
    const room = crypto.randomUUID();
    expect(await a.rooms.claim(room, a.nodeId, 5000)).toBe(a.nodeId);
    expect(await b.rooms.claim(room, b.nodeId, 5000)).toBe(a.nodeId);
    expect(await a.rooms.owner(room)).toBe(a.nodeId);
    expect(await b.rooms.renew(room, b.nodeId, 5000)).toBe(false);
    expect(await a.rooms.renew(room, a.nodeId, 5000)).toBe(true);
    await b.rooms.release(room, b.nodeId); // not the owner: no effect
    expect(await a.rooms.owner(room)).toBe(a.nodeId);
    await a.rooms.release(room, a.nodeId);
    expect(await b.rooms.claim(room, b.nodeId, 5000)).toBe(b.nodeId);
  });

  it("frees a dead node's room when its lease runs out", async () => {
    const [a, b] = await pair();
    const room = crypto.randomUUID();
    await a.rooms.claim(room, a.nodeId, 150);
    await new Promise((r) => setTimeout(r, 300));
    expect(await b.rooms.claim(room, b.nodeId, 5000)).toBe(b.nodeId);
    expect(await a.rooms.renew(room, a.nodeId, 5000)).toBe(false);
  });

  it('settles concurrent claims on one owner', async () => {
    const [a, b] = await pair();
    const room = crypto.randomUUID();
    const owners = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).rooms.claim(room, (i % 2 ? a : b).nodeId, 5000)));
    expect(new Set(owners).size).toBe(1);
  });
});
