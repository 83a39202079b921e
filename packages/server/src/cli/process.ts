import os from 'node:os';
import { pathToFileURL } from 'node:url';

/** The operating-system user running a command: the actor recorded in the admin audit log for CLI actions. */
export function osUser(): string {
  try {
    return os.userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Runs a command's `main` when its file is the script Node was started with (not when a test imports it),
 * and exits with its code; an unexpected error prints its message only (no stack with configuration in it).
 */
export function runAsScript(moduleUrl: string, main: () => Promise<number>): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
