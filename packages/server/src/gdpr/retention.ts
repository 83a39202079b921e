import type { Logger } from 'pino';
import { appendAdminAudit } from '../audit/admin-log.ts';
import type { AnyFeature } from '../signaling/feature.ts';
import type { Db } from '../storage/database.ts';
import { personalDataUnits } from './personal-data.ts';
import type { PurgeContext, RetentionPeriods, RetentionRule } from './unit.ts';

/** Who the admin audit log names for automatic deletions. */
export const RETENTION_ACTOR = 'system:retention';

const DAY_MS = 86_400_000;

/** One run of the retention job. */
export interface RetentionRun {
  at: string;
  /** Rows deleted per rule (`attendance`, `minutes_drafts`, …); a rule whose period is 0 is absent. */
  deleted: Record<string, number>;
  /** Per rule: rows older than this were deleted. */
  older_than: Record<string, string>;
}

/** Every rule of the core and the features, by rule name (a name used twice is refused). */
export function retentionRules(features: readonly AnyFeature[]): Map<string, RetentionRule & { unit: string }> {
  const rules = new Map<string, RetentionRule & { unit: string }>();
  for (const { name, unit } of personalDataUnits(features)) {
    for (const [rule, r] of Object.entries(unit.retention.purge ?? {})) {
      if (rules.has(rule)) throw new Error(`the retention rule "${rule}" is declared twice (by "${rules.get(rule)!.unit}" and by "${name}")`);
      rules.set(rule, { ...r, unit: name });
    }
  }
  return rules;
}

/**
 * Deletes what is older than its period, by every unit's rules, in one transaction with its admin audit entry
 * (`retention.purged`, counts only; written only when something was deleted, so an idle deployment does not fill
 * the log). `now` is the caller's clock. A period of 0 keeps its data.
 */
export async function runRetention(db: Db, features: readonly AnyFeature[], periods: RetentionPeriods, now: Date, ctx: PurgeContext): Promise<RetentionRun> {
  const rules = retentionRules(features);
  return db.transaction().execute(async (trx) => {
    const deleted: Record<string, number> = {};
    const olderThan: Record<string, string> = {};
    for (const [name, rule] of rules) {
      const days = periods[rule.period];
      if (!days) continue;
      const cutoff = new Date(now.getTime() - days * DAY_MS);
      deleted[name] = await rule.purge(trx, cutoff, ctx);
      olderThan[name] = cutoff.toISOString();
    }
    if (Object.values(deleted).some((n) => n > 0)) {
      await appendAdminAudit(trx, { actor: RETENTION_ACTOR, action: 'retention.purged', target: null, details: { deleted, older_than: olderThan }, at: now });
    }
    return { at: now.toISOString(), deleted, older_than: olderThan };
  });
}

/** The periods and this node's last run, for GET /v1/admin/retention. */
export class RetentionStatus {
  last: RetentionRun | undefined;
  lastError: { at: string; message: string } | undefined;
  constructor(
    readonly periods: RetentionPeriods,
    readonly intervalMinutes: number,
  ) {}
}

export interface RetentionJob {
  /** Runs now (also what the timer calls); resolves when the run is done. A run while one is going waits for it. */
  runNow(): Promise<RetentionRun | undefined>;
  /** Stops the timer and waits for a running purge. */
  stop(): Promise<void>;
}

/**
 * The retention job of a node: a run at start, then every `intervalMinutes`. Several nodes may run it at once: the
 * deletions are idempotent and the audit appends serialized, so a second run finds nothing and writes no entry.
 * Failures (an unreachable database) are logged and tried again at the next interval.
 */
export function startRetention(opts: {
  db: Db;
  features: readonly AnyFeature[];
  status: RetentionStatus;
  now: () => Date;
  ctx: PurgeContext;
  logger: Logger;
}): RetentionJob {
  const { status, logger } = opts;
  let running: Promise<RetentionRun | undefined> | undefined;
  let stopped = false;
  const run = (): Promise<RetentionRun | undefined> => {
    if (running) return running;
    running = (async () => {
      const at = opts.now();
      try {
        const result = await runRetention(opts.db, opts.features, status.periods, at, opts.ctx);
        status.last = result;
        status.lastError = undefined;
        const total = Object.values(result.deleted).reduce((a, b) => a + b, 0);
        logger[total ? 'info' : 'debug']({ deleted: result.deleted }, 'retention: expired personal data deleted');
        return result;
      } catch (err) {
        status.lastError = { at: at.toISOString(), message: (err as Error).message };
        logger.warn({ err: { message: (err as Error).message, code: (err as { code?: unknown }).code } }, 'retention: the purge failed; tried again at the next interval');
        return undefined;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const timer = setInterval(() => void run(), status.intervalMinutes * 60_000);
  timer.unref();
  void run();
  return {
    runNow: () => (stopped ? Promise.resolve(undefined) : run()),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
