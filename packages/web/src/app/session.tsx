import { LogoutResponse, Me } from '@plenum/protocol';
import { createContext, use, useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, apiRequest } from './api.ts';

export type SessionState =
  | { status: 'loading' }
  | { status: 'anonymous' }
  | { status: 'user'; me: Me }
  /** /v1/me failed for another reason than "not logged in": the server is unreachable or broken. */
  | { status: 'error'; error: unknown };

interface SessionContextValue {
  session: SessionState;
  reload(): void;
  /** Ends the login session on the server, then follows the identity provider's logout redirect. */
  logOut(): Promise<void>;
}

const SessionContext = createContext<SessionContextValue | null>(null);

export function loginUrl(returnTo: string): string {
  return `/auth/login?return_to=${encodeURIComponent(returnTo)}`;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<SessionState>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    apiRequest('/v1/me', Me, { signal: abort.signal }).then(
      (me) => setSession({ status: 'user', me }),
      (err: unknown) => {
        if (abort.signal.aborted) return;
        if (err instanceof ApiError && err.status === 401) setSession({ status: 'anonymous' });
        else setSession({ status: 'error', error: err });
      },
    );
    return () => abort.abort();
  }, [generation]);

  const reload = useCallback(() => {
    setSession({ status: 'loading' });
    setGeneration((g) => g + 1);
  }, []);

  const logOut = useCallback(async () => {
    const csrfToken = session.status === 'user' ? session.me.csrf_token : undefined;
    const { redirect_url } = await apiRequest('/auth/logout', LogoutResponse, { method: 'POST', csrfToken });
    window.location.assign(redirect_url);
  }, [session]);

  const value = useMemo(() => ({ session, reload, logOut }), [session, reload, logOut]);
  return <SessionContext value={value}>{children}</SessionContext>;
}

export function useSession(): SessionContextValue {
  const value = use(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

/** The logged-in user, for screens that only render for users. */
export function useMe(): Me | null {
  const { session } = useSession();
  return session.status === 'user' ? session.me : null;
}
