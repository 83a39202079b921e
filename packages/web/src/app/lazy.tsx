import { Component, lazy, Suspense, type ComponentType, type LazyExoticComponent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Loading, Notice } from './ui.tsx';

/** A part of the app that could not be fetched (the link dropped, or a new release replaced its chunk). */
class PartLoadError extends Error {
  override name = 'PartLoadError';
}

/**
 * A component of a module loaded on first use, its import started at most once: `preload()` fetches it ahead
 * (the pre-join page fetches the meeting screen while the person picks devices) and `Component` renders it
 * inside a `LazyPart`. A failed import is forgotten, so the next attempt fetches again.
 */
export function lazyModule<K extends string, P extends object>(
  load: () => Promise<Record<K, ComponentType<P>>>,
  name: K,
): { preload(): Promise<unknown>; Component: LazyExoticComponent<ComponentType<P>> } {
  let pending: Promise<Record<K, ComponentType<P>>> | undefined;
  const preload = (): Promise<Record<K, ComponentType<P>>> => {
    pending ??= load().catch((err: unknown) => {
      pending = undefined;
      throw new PartLoadError(err instanceof Error ? err.message : String(err));
    });
    return pending;
  };
  return { preload, Component: lazy(() => preload().then((module) => ({ default: module[name] }))) };
}

/** Where a lazily loaded part goes: a loading text (a live status) while it arrives, a way out if it cannot. */
export function LazyPart({ label, children }: { label: string; children: ReactNode }) {
  return (
    <LoadFailureBoundary>
      <Suspense fallback={<Loading label={label} />}>{children}</Suspense>
    </LoadFailureBoundary>
  );
}

class LoadFailureBoundary extends Component<{ children: ReactNode }, { error: unknown }> {
  override state: { error: unknown } = { error: null };

  static getDerivedStateFromError(error: unknown): { error: unknown } {
    return { error };
  }

  override render() {
    const { error } = this.state;
    if (error === null) return this.props.children;
    // Only a failed fetch is this boundary's business; any other error goes on to the boundaries above.
    if (!(error instanceof PartLoadError)) throw error;
    return <LoadFailed />;
  }
}

function LoadFailed() {
  const { t } = useTranslation();
  return (
    <section className="panel narrow" aria-labelledby="load-failed-title">
      <h1 id="load-failed-title">{t('app.loadFailedTitle')}</h1>
      <Notice kind="error">{t('app.loadFailed')}</Notice>
      <button type="button" className="button button-primary" onClick={() => window.location.reload()}>
        {t('app.reload')}
      </button>
    </section>
  );
}
