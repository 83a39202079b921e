import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

const repo = path.resolve(import.meta.dirname, '../..');

export interface PlenumProcess {
  proc: ChildProcess;
  /** Everything it printed, stdout and stderr, line by line. */
  lines: string[];
  /** Its URL once it says it is listening; rejects (with its output) if it exits first. */
  listening: Promise<string>;
  /** The signal that ended it, or its exit code. */
  exited: Promise<NodeJS.Signals | number | null>;
}

/** The real entry point as an operator runs it: `node … main.ts` with environment variables only. */
export function startPlenumProcess(env: Record<string, string>): PlenumProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], {
    cwd: repo,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const listening = new Promise<string>((resolve, reject) => {
    for (const stream of [proc.stdout!, proc.stderr!]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        if (line.includes('Plenum is listening')) resolve(JSON.parse(line).url as string);
      });
    }
    proc.once('exit', () => reject(new Error(`exited before listening:\n${lines.join('\n')}`)));
  });
  listening.catch(() => {});
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => proc.once('exit', (code, signal) => resolve(signal ?? code)));
  return { proc, lines, listening, exited };
}
