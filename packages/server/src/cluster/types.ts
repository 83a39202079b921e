/** Messages between nodes (or within one node): room events, moderator broadcasts, shutdown notices. */
export interface Bus {
  publish(channel: string, message: unknown): Promise<void>;
  /** Returns an unsubscribe function. Handlers get the message as published (JSON round trip). */
  subscribe(channel: string, handler: (message: unknown) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * Which node hosts which live room. A room has exactly one owner node (architecture: a room is a
 * single-writer actor); ownership is a lease the owner renews, so a dead node's rooms become free.
 */
export interface RoomRegistry {
  /** Claims the room for `nodeId` unless another node holds a live lease. Returns the owner after the call. */
  claim(roomId: string, nodeId: string, leaseMs: number): Promise<string>;
  /** Extends the lease; false when this node no longer owns the room (it must then close it). */
  renew(roomId: string, nodeId: string, leaseMs: number): Promise<boolean>;
  /** Gives the room up, only if this node owns it. */
  release(roomId: string, nodeId: string): Promise<void>;
  owner(roomId: string): Promise<string | null>;
  /** Cheap probe for /ready. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface Cluster {
  nodeId: string;
  kind: 'in-process' | 'redis';
  bus: Bus;
  rooms: RoomRegistry;
  close(): Promise<void>;
}
