import { Problem } from '@plenum/protocol';
import i18n, { type TFunction } from 'i18next';
import type { ZodType } from 'zod';
import type { AppCatalogue } from '../i18n/en.ts';

type ErrorKey = `errors.${keyof AppCatalogue['errors']}`;

/** A failed API call: the server's problem+json when there is one, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | null,
  ) {
    super(problem ? `${problem.code}: ${problem.title}` : `HTTP ${status}`);
    this.name = 'ApiError';
  }

  get code(): string | undefined {
    return this.problem?.code;
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** Required by the server for every state-changing request of a logged-in user. */
  csrfToken?: string | undefined;
  signal?: AbortSignal;
}

/**
 * Calls the Plenum API and checks the answer against the protocol's schema, so the UI never works
 * on a shape it does not expect. `schema` null means "no content expected" (204).
 */
export async function apiRequest<T>(path: string, schema: ZodType<T>, options?: RequestOptions): Promise<T>;
export async function apiRequest(path: string, schema: null, options?: RequestOptions): Promise<void>;
export async function apiRequest<T>(path: string, schema: ZodType<T> | null, options: RequestOptions = {}): Promise<T | void> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.csrfToken) headers['X-CSRF-Token'] = options.csrfToken;
  let body: string | undefined;
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    // Fastify refuses an empty body with a JSON content type; an empty object is the neutral body.
    body = JSON.stringify(options.body ?? {});
  }
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body, credentials: 'same-origin', signal: options.signal });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, null);
  }
  if (!response.ok) {
    let problem: Problem | null = null;
    try {
      const parsed = Problem.safeParse(await response.json());
      if (parsed.success) problem = parsed.data;
    } catch {
      // Not JSON (e.g. a proxy's HTML error page): the status alone must do.
    }
    throw new ApiError(response.status, problem);
  }
  if (schema === null || response.status === 204) return;
  return schema.parse(await response.json());
}

/** The message a person should read for a failed call, in the UI language. */
export function errorMessage(t: TFunction, err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 0) return t('errors.network');
    const key = `errors.${err.code ?? ''}`;
    if (err.code && i18n.exists(key)) return t(key as ErrorKey);
  }
  return t('errors.generic');
}

export const isAbort = (err: unknown) => err instanceof DOMException && err.name === 'AbortError';
