import { z } from 'zod';
import { Action, CoreErrorCode, ProtocolMismatchReason } from './signaling.ts';

/**
 * A feature's wire contract, shared by the server's feature descriptor, the web client's store and the
 * tests: its namespace, what clients send (`commands`), what the server sends (`messages`), its part of
 * join_success (`snapshot`) and the error codes it refuses commands with (besides the core's).
 */
export interface FeatureProtocol<
  NS extends string = string,
  C extends z.ZodType = z.ZodType,
  M extends z.ZodType = z.ZodType,
  S extends z.ZodType = z.ZodType,
  E extends string = string,
> {
  readonly namespace: NS;
  readonly commands: C;
  readonly messages: M;
  readonly snapshot: S;
  readonly errors: readonly E[];
}

/** Gives a protocol literal its precise types (namespace and error codes as literals). */
export function defineProtocol<const NS extends string, C extends z.ZodType, M extends z.ZodType, S extends z.ZodType, const E extends string = never>(protocol: {
  namespace: NS;
  commands: C;
  messages: M;
  snapshot: S;
  errors?: readonly E[];
}): FeatureProtocol<NS, C, M, S, E> {
  return { ...protocol, errors: protocol.errors ?? [] };
}

export type AnyFeatureProtocol = FeatureProtocol<string, z.ZodType, z.ZodType, z.ZodType, string>;

/** What a client may send in this namespace (as it is written, before defaults apply). */
export type CommandOf<P extends AnyFeatureProtocol> = z.input<P['commands']>;
/** What the server sends in this namespace (errors aside). */
export type MessageOf<P extends AnyFeatureProtocol> = z.output<P['messages']>;
/** The name of one of its messages. */
export type MessageName<P extends AnyFeatureProtocol> = MessageOf<P> extends { message: infer N extends string } ? N : never;
/** The message with this name. */
export type MessageNamed<P extends AnyFeatureProtocol, N extends string> = Extract<MessageOf<P>, { message: N }>;
/** The feature's part of join_success. */
export type SnapshotOf<P extends AnyFeatureProtocol> = z.output<P['snapshot']>;
/** Every code a command in this namespace may be refused with: the core's and the feature's own. */
export type ErrorOf<P extends AnyFeatureProtocol> = CoreErrorCode | P['errors'][number];

/** The error payload of one namespace, with its codes as a closed enum. */
export function errorPayloadOf<P extends AnyFeatureProtocol>(protocol: P) {
  return z.object({
    message: z.literal('error'),
    error: z.enum([...CoreErrorCode.options, ...protocol.errors] as [ErrorOf<P>, ...ErrorOf<P>[]]),
    action: Action.optional(),
    reason: ProtocolMismatchReason.optional(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    retry_after_ms: z.number().int().nonnegative().optional(),
  });
}
export type ErrorPayloadOf<P extends AnyFeatureProtocol> = z.output<ReturnType<typeof errorPayloadOf<P>>>;
