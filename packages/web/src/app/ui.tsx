import { useEffect, useId, type ReactNode } from 'react';
import { AlertIcon, CheckIcon } from './icons.tsx';

/** Sets the browser tab title; the product name comes last so tabs stay distinguishable. */
export function usePageTitle(title: string | null): void {
  useEffect(() => {
    document.title = title ? `${title} – Plenum` : 'Plenum';
  }, [title]);
}

/**
 * A message box. `live` makes screen readers announce it: "polite" for confirmations,
 * "assertive" (role=alert) for errors the person must act on.
 */
export function Notice({ kind, children, live }: { kind: 'success' | 'error' | 'info'; children: ReactNode; live?: 'polite' | 'assertive' }) {
  const role = live === 'assertive' ? 'alert' : live === 'polite' ? 'status' : undefined;
  return (
    <div className={`notice notice-${kind}`} role={role}>
      {kind === 'success' ? <CheckIcon /> : kind === 'error' ? <AlertIcon /> : null}
      <div className="notice-body">{children}</div>
    </div>
  );
}

export function Loading({ label }: { label: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

interface FieldProps {
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  children: (ids: { id: string; describedBy: string | undefined; invalid: boolean }) => ReactNode;
}

/** A labelled form field with its hint and error wired to the control through aria-describedby. */
export function Field({ label, hint, error, children }: FieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {hint && (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="field-error">
          <AlertIcon />
          {error}
        </p>
      )}
      {children({ id, describedBy, invalid: Boolean(error) })}
    </div>
  );
}
