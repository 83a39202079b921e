import type { TFunction } from 'i18next';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * A feature's events read out politely by screen readers: each event `say` puts into words (undefined: nothing
 * to say) becomes a line of a visually hidden live region, which keeps the last five. `say` should be defined
 * once (outside the component), so that the region does not subscribe again on every render.
 */
export function LiveAnnouncer<E>({ store, say }: { store: { onEvent(listener: (event: E) => void): () => void }; say: (t: TFunction, event: E) => string | undefined }) {
  const { t } = useTranslation();
  const [lines, setLines] = useState<{ key: number; text: string }[]>([]);
  const counter = useRef(0);
  useEffect(
    () =>
      store.onEvent((event) => {
        const text = say(t, event);
        if (text !== undefined) setLines((l) => [...l.slice(-4), { key: ++counter.current, text }]);
      }),
    [store, say, t],
  );
  return (
    <div className="visually-hidden" aria-live="polite" aria-relevant="additions">
      {lines.map((line) => (
        <p key={line.key}>{line.text}</p>
      ))}
    </div>
  );
}
