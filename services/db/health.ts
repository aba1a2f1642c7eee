import type pg from 'pg';
import { describePgError } from './pool';

/** Whether this process can use its database right now, from a periodic probe. */
export interface DatabaseHealth {
  readonly healthy: boolean;
  /** Why the last probe failed (safe to print: no connection string), while unhealthy. */
  readonly reason: string | undefined;
  /** Resolves once the state is `healthy` (at once if it already is), or when `signal` aborts. */
  until(healthy: boolean, signal: AbortSignal): Promise<void>;
  stop(): void;
}

export interface HealthOptions {
  intervalMs?: number;
  /** A probe slower than this counts as failed (a partition makes queries hang rather than fail). */
  timeoutMs?: number;
  /** Consecutive failed probes before the state turns unhealthy (one success turns it healthy again). */
  failures?: number;
  onChange?: (healthy: boolean, reason: string | undefined) => void;
}

/**
 * Probes `pool` with `SELECT 1` every `intervalMs`. Starts healthy (the caller has just connected). The pool
 * may hold a single connection that real work shares: a probe waits its turn, so only a database that stays
 * silent for several probes turns the state unhealthy.
 */
export function watchDatabase(pool: pg.Pool, opts: HealthOptions = {}): DatabaseHealth {
  const intervalMs = opts.intervalMs ?? 3_000;
  const timeoutMs = opts.timeoutMs ?? 4_000;
  const failuresNeeded = opts.failures ?? 2;
  let healthy = true;
  let reason: string | undefined;
  let failures = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const waiters = new Set<() => void>();

  const set = (next: boolean, why: string | undefined) => {
    reason = why;
    if (next === healthy) return;
    healthy = next;
    opts.onChange?.(healthy, reason);
    for (const wake of [...waiters]) wake();
  };

  const probe = async () => {
    try {
      // node-postgres reads a per-query `query_timeout` that its types do not declare.
      const query = { text: 'SELECT 1', query_timeout: timeoutMs } as pg.QueryConfig;
      await withTimeout(pool.query(query), timeoutMs + 1_000);
      failures = 0;
      set(true, undefined);
    } catch (err) {
      failures++;
      if (failures >= failuresNeeded) set(false, describePgError(err));
    }
    if (!stopped) timer = setTimeout(() => void probe(), intervalMs);
  };
  timer = setTimeout(() => void probe(), intervalMs);

  return {
    get healthy() {
      return healthy;
    },
    get reason() {
      return reason;
    },
    until(want, signal) {
      return new Promise<void>((resolve) => {
        const check = () => {
          if (healthy !== want && !signal.aborted) return;
          waiters.delete(check);
          signal.removeEventListener('abort', check);
          resolve();
        };
        waiters.add(check);
        signal.addEventListener('abort', check);
        check();
      });
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      for (const wake of [...waiters]) wake();
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
