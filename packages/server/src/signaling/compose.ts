import type { Migration } from 'kysely/migration';
import type { ZodType } from 'zod';
import type { Services } from '../services.ts';
import type { Db } from '../storage/database.ts';
import type { AnyFeature, FeatureHooks, FeatureServices, ReposOf, RouteDeps } from './feature.ts';

/** Refuses to build a server whose feature list does not hold together (like Fastify's plugin dependency check). */
export class FeatureCompositionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeatureCompositionError';
  }
}

/** Namespaces that cannot be switched off: the core needs them. */
export const CORE_FEATURES = ['control'] as const;

/**
 * The enabled features of a deployment, in the composition list's order. Fails loudly at start when a
 * feature's `requires` is disabled or missing or comes later in the list, when a consumed event has no
 * emitter anywhere in the list, when two features share a namespace or a migration name, or when a disabled
 * name is unknown.
 */
export function composeFeatures(catalogue: readonly AnyFeature[], options: { disabled?: readonly string[] } = {}): AnyFeature[] {
  const disabled = new Set(options.disabled ?? []);
  const known = new Set<string>();
  for (const f of catalogue) {
    if (known.has(f.namespace)) throw new FeatureCompositionError(`two features use the namespace "${f.namespace}"`);
    known.add(f.namespace);
  }
  for (const name of disabled) {
    if (!known.has(name)) throw new FeatureCompositionError(`FEATURES_DISABLED names "${name}", which is not a feature (known: ${[...known].join(', ')})`);
    if ((CORE_FEATURES as readonly string[]).includes(name)) throw new FeatureCompositionError(`the feature "${name}" is part of the core and cannot be disabled`);
  }
  const enabled = catalogue.filter((f) => !disabled.has(f.namespace));
  const position = new Map(enabled.map((f, i) => [f.namespace, i]));
  for (const [i, f] of enabled.entries()) {
    for (const needed of f.requires) {
      const at = position.get(needed);
      if (at === undefined) {
        const why = disabled.has(needed) ? 'which is disabled (FEATURES_DISABLED)' : 'which is not in the composition list';
        throw new FeatureCompositionError(`the feature "${f.namespace}" requires "${needed}", ${why}`);
      }
      if (at > i) throw new FeatureCompositionError(`the feature "${f.namespace}" requires "${needed}", which must come before it in the composition list`);
    }
  }
  const emitted = new Set(catalogue.flatMap((f) => f.emits.map((e) => e.name)));
  for (const f of enabled) {
    for (const e of f.consumes) {
      if (!emitted.has(e.name)) throw new FeatureCompositionError(`the feature "${f.namespace}" consumes the room event "${e.name}", which no feature emits`);
    }
  }
  featureMigrations(enabled);
  return enabled;
}

/** Every migration of these features by name; a name used twice is refused. */
export function featureMigrations(features: readonly AnyFeature[]): Record<string, Migration> {
  const out: Record<string, Migration> = {};
  const owner = new Map<string, string>();
  for (const f of features) {
    if (f.migrations && Object.keys(f.migrations).length > 0 && !f.personalData) {
      throw new FeatureCompositionError(`the feature "${f.namespace}" stores data (it has migrations) but declares no personalData for GDPR export and pseudonymisation`);
    }
    if (f.personalData && typeof (f.personalData as { delete?: unknown }).delete !== 'function') {
      throw new FeatureCompositionError(`the feature "${f.namespace}" declares personalData without a delete operation (GDPR erasure)`);
    }
    for (const [name, migration] of Object.entries(f.migrations ?? {})) {
      const first = owner.get(name);
      if (first) throw new FeatureCompositionError(`the migration "${name}" is declared by "${first}" and by "${f.namespace}"`);
      owner.set(name, f.namespace);
      out[name] = migration;
    }
  }
  return out;
}

/** A feature as a room runs it: the descriptor with its hooks set up. */
export interface FeatureInstance {
  readonly descriptor: AnyFeature;
  readonly namespace: string;
  readonly commands: ZodType;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly hooks: FeatureHooks<any, any, any, any, any>;
  readonly repos: unknown;
}

const HOOK_NAMES = ['init', 'admit', 'onJoin', 'onLeave', 'onCommand', 'onGroupsChanged', 'refresh', 'snapshot'] as const;

export interface InstantiateOptions {
  services: FeatureServices;
  /** The deployment's database: each feature's `repositories(db)`. */
  db?: Db;
  /** Repositories given instead (tests), by namespace. */
  provided?: ReadonlyMap<string, unknown>;
}

/** Sets the features up: repositories first (so `repositoriesOf` works in any order), then hooks. */
export function instantiateFeatures(features: readonly AnyFeature[], options: InstantiateOptions): FeatureInstance[] {
  const repos = new Map<string, unknown>();
  for (const f of features) {
    if (options.provided?.has(f.namespace)) repos.set(f.namespace, options.provided.get(f.namespace));
    else if (f.repositories) {
      if (!options.db) throw new FeatureCompositionError(`the feature "${f.namespace}" needs its repositories: give a database or provide them`);
      repos.set(f.namespace, f.repositories(options.db));
    }
  }
  return features.map((f) => {
    const repositoriesOf = reposLookup(f, repos);
    const hooks = f.setup({ repos: repos.get(f.namespace), services: options.services, repositoriesOf });
    for (const name of HOOK_NAMES) {
      const hook = hooks[name] as unknown;
      // Handlers run synchronously over room state; I/O goes through spawn (see feature.ts).
      if (typeof hook === 'function' && hook.constructor.name === 'AsyncFunction') {
        throw new FeatureCompositionError(`the feature "${f.namespace}": ${name} must be synchronous — leave I/O through ctx.spawn`);
      }
    }
    return { descriptor: f, namespace: f.namespace, commands: f.commands, hooks, repos: repos.get(f.namespace) };
  });
}

/** `repositoriesOf` for one feature: only of the features it requires. */
function reposLookup(f: AnyFeature, repos: ReadonlyMap<string, unknown>) {
  return <F extends AnyFeature>(other: F): ReposOf<F> => {
    if (!f.requires.includes(other.namespace)) throw new FeatureCompositionError(`the feature "${f.namespace}" uses the repositories of "${other.namespace}" without requiring it`);
    if (!repos.has(other.namespace)) throw new FeatureCompositionError(`the feature "${other.namespace}" has no repositories here`);
    return repos.get(other.namespace) as ReposOf<F>;
  };
}

/**
 * What a feature's REST routes get: the services, its repositories and those of the features it requires,
 * and `refreshLiveRoom`, which asks this node's live room (`refresh(roomId, namespace)`, the hub) to run the
 * feature's `refresh` hook.
 */
export function routeDeps(
  feature: FeatureInstance,
  all: readonly FeatureInstance[],
  services: Services,
  liveRooms: () => { refresh(roomId: string, namespace: string): Promise<void> } | undefined,
): RouteDeps<unknown> {
  const repos = new Map(all.map((f) => [f.namespace, f.repos]));
  return {
    services,
    repos: feature.repos,
    repositoriesOf: reposLookup(feature.descriptor, repos),
    refreshLiveRoom: async (roomId) => {
      await liveRooms()?.refresh(roomId, feature.namespace);
    },
  };
}
