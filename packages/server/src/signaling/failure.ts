import { isStorageUnavailable } from '../storage/database.ts';

/**
 * The typed code for a command that failed on the server: `storage_unavailable` when the database could not be
 * reached (retryable, nothing changed, not a defect), `internal_error` for everything else (a defect, logged).
 */
export function failureCode(err: unknown): 'storage_unavailable' | 'internal_error' {
  return isStorageUnavailable(err) ? 'storage_unavailable' : 'internal_error';
}
