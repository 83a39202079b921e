export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** JSON lines on stderr. */
export function jsonLogger(level: 'info' | 'warn' | 'error' = 'info'): Logger {
  const order = { info: 0, warn: 1, error: 2 };
  const out = (l: 'info' | 'warn' | 'error') => (msg: string, fields?: Record<string, unknown>) => {
    if (order[l] >= order[level]) console.error(JSON.stringify({ time: new Date().toISOString(), level: l, msg, ...fields }));
  };
  return { info: out('info'), warn: out('warn'), error: out('error') };
}
