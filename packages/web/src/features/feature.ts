import type { AnyFeatureProtocol, ErrorOf, ParticipantPublic } from '@plenum/protocol';
import { createElement, type ComponentType, type ReactElement } from 'react';
import type { FeatureConnection, StoreClass, AnyFeatureStore } from '../meeting/featureStore.ts';
import type { LocalMedia } from '../meeting/localMedia.ts';
import type { Self } from '../meeting/meetingSession.ts';
import type { Notices } from '../meeting/notices.ts';
import type { ParticipantRow } from './meeting/ParticipantsPanel.tsx';

/** The meeting as this participant sees it, handed to every slot of every feature. */
export interface MeetingContext {
  self: Self;
  moderator: boolean;
  /** Everyone in the meeting, this participant first: the rows of the participants panel. */
  people: readonly ParticipantRow[];
  /** Everyone else, as the server describes them. */
  others: readonly ParticipantPublic[];
  local: LocalMedia;
  /** Short notices to this person (toast and screen reader): what a moderator did to them, and the like. */
  notices: Notices;
}

/** What every slot component gets: its feature's store of this connection, and the meeting. */
export interface SlotProps<S> {
  store: S;
  meeting: MeetingContext;
}

/** No props besides the store and the meeting. */
export type NoExtraProps = Record<never, never>;

/** A control bar button's own props: `open`/`onToggle` are its feature's panel's (one without a panel ignores them). */
export interface ControlExtra {
  open: boolean;
  panelId: string;
  onToggle(): void;
}
export interface ControlProps<S> extends SlotProps<S>, ControlExtra {}

export interface PanelExtra {
  /** The side panel's element id (the open control points at it with aria-controls). */
  id: string;
  onClose(): void;
}
export interface PanelProps<S> extends SlotProps<S>, PanelExtra {}

/** Extra controls in one row of the participants panel. */
export interface RowActionsExtra {
  row: ParticipantRow;
}
export interface RowActionsProps<S> extends SlotProps<S>, RowActionsExtra {}

/** Who sees a part of a feature. */
export type Audience = (self: Self) => boolean;
export const everyone: Audience = () => true;
export const moderatorsOnly: Audience = (self) => self.role === 'moderator';

/** A slot component with its place in its area (ascending `order`) and its audience (everyone when absent). */
export interface Placed<Props> {
  order: number;
  visible?: Audience;
  Component: ComponentType<Props>;
}

/** A feature's texts: the same sections and keys in every language (`de` is typed by `en`). */
export interface FeatureMessages<M> {
  en: M;
  de: M;
}

/**
 * What a feature folder declares in its `index.ts`: its store (one per signaling connection), its texts, and
 * the parts of the meeting screen it fills. Each part says where it goes in its area (`order`) and who sees
 * it (`visible`).
 */
export interface FeatureSpec<S extends AnyFeatureStore, M> {
  protocol: AnyFeatureProtocol;
  store: StoreClass<S>;
  messages: FeatureMessages<M>;
  /** The meeting header, next to the room name. */
  Badge?: Placed<SlotProps<S>>;
  /** Under the header, above the stage. */
  Banner?: Placed<SlotProps<S>>;
  /** A button of the control bar; it opens and closes the feature's Panel when there is one. */
  Control?: Placed<ControlProps<S>>;
  /** The side panel (one open at a time); its Control opens it. */
  Panel?: { visible?: Audience; Component: ComponentType<PanelProps<S>> };
  /** A section of the participants panel, above the list. */
  ParticipantsSection?: Placed<SlotProps<S>>;
  /** Extra controls in each row of the participants panel. */
  RowActions?: Placed<RowActionsProps<S>>;
  /** A polite live region for screen readers. */
  Announcer?: Placed<SlotProps<S>>;
  /** Over the whole meeting (a modal view). */
  Overlay?: Placed<SlotProps<S>>;
}

/** Where MeetingView renders slots from: the connection the stores belong to, and the meeting. */
export interface SlotHost {
  connection: FeatureConnection;
  meeting: MeetingContext;
}

/** A placed slot, ready to render: its store is looked up on the host's connection. */
export interface Slot<Extra> {
  readonly order: number;
  readonly visible: Audience;
  render(host: SlotHost, extra: Extra): ReactElement;
}

/**
 * A registry entry: the feature's spec with its store type sealed inside, so the registry is one list of
 * entries of one type and MeetingView can render any of them; only the texts' type stays visible, for the
 * catalogue.
 */
export interface Feature<M> {
  readonly namespace: string;
  readonly messages: FeatureMessages<M>;
  /** Makes this connection's store now (as the meeting screen opens), so it sees the join and every message. */
  start(connection: FeatureConnection): void;
  readonly Badge?: Slot<NoExtraProps>;
  readonly Banner?: Slot<NoExtraProps>;
  readonly Control?: Slot<ControlExtra>;
  readonly Panel?: Slot<PanelExtra>;
  readonly ParticipantsSection?: Slot<NoExtraProps>;
  readonly RowActions?: Slot<RowActionsExtra>;
  readonly Announcer?: Slot<NoExtraProps>;
  readonly Overlay?: Slot<NoExtraProps>;
}

export type AnyFeature = Feature<object>;

/** The areas of the meeting screen a feature can fill. */
export type Area = Exclude<keyof AnyFeature, 'namespace' | 'messages' | 'start'>;

/**
 * Turns a feature's spec into its registry entry: each slot renders its component with this connection's store
 * of the feature (made on first use) and the meeting, keyed by the namespace.
 */
export function defineFeature<S extends AnyFeatureStore, M>(spec: FeatureSpec<S, M>): Feature<M> {
  const namespace = spec.protocol.namespace;
  function place<X extends object>(placed: Placed<SlotProps<S> & X> | undefined): Slot<X> | undefined {
    if (!placed) return undefined;
    const { Component, order, visible = everyone } = placed;
    return {
      order,
      visible,
      render: (host, extra) => createElement(Component, { ...extra, key: namespace, store: host.connection.storeOf(spec.store), meeting: host.meeting }),
    };
  }
  return {
    namespace,
    messages: spec.messages,
    start: (connection) => void connection.storeOf(spec.store),
    Badge: place<NoExtraProps>(spec.Badge),
    Banner: place<NoExtraProps>(spec.Banner),
    Control: place<ControlExtra>(spec.Control),
    // One panel is open at a time: its order never matters.
    Panel: spec.Panel && place<PanelExtra>({ order: 0, ...spec.Panel }),
    ParticipantsSection: place<NoExtraProps>(spec.ParticipantsSection),
    RowActions: place<RowActionsExtra>(spec.RowActions),
    Announcer: place<NoExtraProps>(spec.Announcer),
    Overlay: place<NoExtraProps>(spec.Overlay),
  };
}

/** A feature's refusal codes (its own and the core's it words itself) → its own message keys. */
export type ErrorMessages<P extends AnyFeatureProtocol, Key extends string> = Partial<Record<ErrorOf<P>, Key>>;

/** `section.key` of every plain text in one section of a feature's texts: what `t` takes and turns into a string. */
export type TextKey<M, Section extends keyof M & string> = {
  [K in keyof M[Section] & string]: M[Section][K] extends string ? `${Section}.${K}` : never;
}[keyof M[Section] & string];
