import {
  errorPayloadOf,
  type AnyFeatureProtocol,
  type CommandOf,
  type ErrorPayloadOf,
  type JoinSuccess,
  type MessageOf,
  type ServerEnvelope,
  type SnapshotOf,
} from '@plenum/protocol';
import { ServerClock } from './serverClock.ts';
import type { SignalingClient } from './signalingClient.ts';

/** What feature stores need of the signaling connection: the SignalingClient, or FakeSignaling in tests. */
export type SignalingPort = Pick<SignalingClient, 'state' | 'onState' | 'onMessage' | 'send'>;

/** A feature store's class: one instance per connection, made by FeatureConnection.storeOf. */
export type StoreClass<S extends AnyFeatureStore> = new (connection: FeatureConnection) => S;

/** Any feature's store, whatever its protocol, view and events. */
export interface AnyFeatureStore {
  connect(): void;
}

/**
 * What one signaling connection offers the feature stores: the connection itself, its server clock, and one
 * store of each feature (a store that needs another feature's state asks for that feature's store here).
 */
export class FeatureConnection {
  readonly clock: ServerClock;
  private readonly stores = new Map<StoreClass<AnyFeatureStore>, AnyFeatureStore>();

  constructor(
    readonly signaling: SignalingPort,
    options: { now?: () => number } = {},
  ) {
    this.clock = new ServerClock(signaling, options.now);
  }

  /** This connection's store of a feature, made on first use and caught up with a join that already happened. */
  storeOf<S extends AnyFeatureStore>(Store: StoreClass<S>): S {
    const known = this.stores.get(Store);
    if (known instanceof Store) return known;
    const store = new Store(this);
    this.stores.set(Store, store);
    store.connect();
    return store;
  }
}

/**
 * The base of every feature store, for React's useSyncExternalStore: a view replaced on every change, events
 * for announcers, and the feature's protocol doing the parsing — its part of join_success (also after a
 * resume), its messages and its refusals arrive typed; commands leave typed. A store only decides what they
 * mean for its view.
 */
export abstract class FeatureStore<P extends AnyFeatureProtocol, V, E = never> implements AnyFeatureStore {
  private current: V;
  private connected = false;
  private readonly listeners = new Set<() => void>();
  private readonly eventListeners = new Set<(event: E) => void>();
  // Typed as the protocol's own schemas (not read off `protocol` at each use), so what they parse keeps P's types.
  private readonly snapshotSchema: P['snapshot'];
  private readonly messageSchema: P['messages'];
  private readonly errorPayload: ReturnType<typeof errorPayloadOf<P>>;

  constructor(
    protected readonly connection: FeatureConnection,
    protected readonly protocol: P,
    initial: V,
  ) {
    this.current = initial;
    this.snapshotSchema = protocol.snapshot;
    this.messageSchema = protocol.messages;
    this.errorPayload = errorPayloadOf(protocol);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): V => this.current;

  onEvent(listener: (event: E) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /**
   * Starts listening, and takes the join that happened before the store existed. Called by
   * FeatureConnection.storeOf right after construction: not in the constructor, where a subclass's own
   * fields are not set yet.
   */
  connect(): void {
    if (this.connected) return;
    this.connected = true;
    const { signaling } = this.connection;
    signaling.onState((state) => {
      if (state.status === 'joined') this.receiveJoin(state.join);
    });
    signaling.onMessage((envelope) => {
      if (envelope.namespace === this.protocol.namespace) this.receive(envelope);
    });
    if (signaling.state.status === 'joined') this.receiveJoin(signaling.state.join);
  }

  protected get view(): V {
    return this.current;
  }

  /** Replaces the view with `change` applied and tells the subscribers. */
  protected set(change: Partial<V>): void {
    this.current = { ...this.current, ...change };
    for (const listener of this.listeners) listener();
  }

  protected emit(event: E): void {
    for (const listener of this.eventListeners) listener(event);
  }

  /** Sends a command of this feature when joined; false (dropped) otherwise — the next join_success resyncs. */
  protected send(command: CommandOf<P>): boolean {
    return this.connection.signaling.send(this.protocol, command);
  }

  /** The feature's part of join_success, after the first join and after every resume. */
  protected abstract joined(snapshot: SnapshotOf<P>, join: JoinSuccess): void;

  /** join_success without a (valid) part of this feature: it is switched off on this server. */
  protected joinedWithout(_join: JoinSuccess): void {}

  /** One of the feature's messages; the envelope's timestamp is the server's time of sending. */
  protected abstract handle(message: MessageOf<P>, envelope: ServerEnvelope): void;

  /** The server refused one of this participant's commands in this namespace. */
  protected refused(_error: ErrorPayloadOf<P>): void {}

  private receiveJoin(join: JoinSuccess): void {
    const snapshot = this.snapshotSchema.safeParse(join.modules[this.protocol.namespace]);
    if (snapshot.success) this.joined(snapshot.data, join);
    else this.joinedWithout(join);
  }

  private receive(envelope: ServerEnvelope): void {
    const error = this.errorPayload.safeParse(envelope.payload);
    if (error.success) return this.refused(error.data);
    const message = this.messageSchema.safeParse(envelope.payload);
    if (message.success) this.handle(message.data, envelope);
  }
}
