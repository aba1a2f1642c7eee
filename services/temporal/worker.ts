import { hostname } from 'node:os';
import { Worker, Runtime, DefaultLogger, type NativeConnection } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { DatasetCache } from '../cells';
import {
  createPool,
  migrate,
  registerWorker,
  heartbeatWorker,
  setWorkerStatus,
  pingDatabase,
  redactDatabaseUrl,
  type Pool,
} from '../db';
import { watchDatabase, type DatabaseHealth } from '../db/health';
import { initBackend, type BackendName } from '../engine';
import type { Logger } from '../log';
import type { ServiceTargets } from '../config';
import { connectWorker } from './connection';
import { workflowSource } from './bundle';
import { WORKER_SHUTDOWN_FORCE_SECONDS } from './worker-shutdown';

export interface WorkerOptions {
  taskQueue: string;
  /** Activities run at once (one per GPU; on CPU one per process, since compute is single-threaded). */
  slots: number;
  backend: BackendName | 'auto';
  /** Directory for downloaded datasets. */
  datasetDir?: string;
  /** Poll workflow tasks too (default) or only activities. */
  workflows: boolean;
  /** Poll activity tasks too (default), or only workflow tasks: a small CPU worker that trains no cells. */
  activities?: boolean;
  /** Shown in the workers table, e.g. "gpu0". */
  device?: string;
  identity?: string;
  /** PostgreSQL connections this process may hold (default 1: 64 GPU processes fit max_connections 100). */
  dbPool?: number;
  /** A database query that takes longer fails (default 20 s): a lost server must not hang the worker. */
  dbTimeoutMs?: number;
}

export interface RunningWorker {
  id: string;
  /** Resolves when the worker has stopped (after `stop()`, or a fatal error). */
  done: Promise<void>;
  /** Stops taking work; running training is cancelled and checkpoints. Idempotent. */
  stop(): void;
  /** False while PostgreSQL does not answer (the worker takes no work then). */
  readonly databaseHealthy: boolean;
}

export const DEFAULT_DB_POOL = 1;
export const DEFAULT_DB_TIMEOUT_MS = 20_000;
// Cleanup writes at exit must not keep a stopping worker alive when the database is gone.
const CLEANUP_TIMEOUT_MS = 3_000;

let runtimeInstalled = false;

/**
 * Starts a worker process's worker: picks the compute backend, migrates the schema, registers in the workers
 * table (heartbeat every 10 s), and polls `taskQueue` while PostgreSQL answers. A worker that loses
 * PostgreSQL (a partition, a changed password) stops taking work, so healthy workers get it, logs why, and
 * polls again once the database answers. `stop()` stops polling; running training is cancelled, saves a
 * step-exact checkpoint and is retried on another worker. Signals are the caller's to handle.
 */
export async function startWorker(targets: ServiceTargets, opts: WorkerOptions, log: Logger): Promise<RunningWorker> {
  if (!runtimeInstalled) {
    // No shutdown signals here: an unhealthy worker has no Temporal worker to stop, and must still exit.
    Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
    runtimeInstalled = true;
  }
  const backend = await initBackend(opts.backend);
  const where = redactDatabaseUrl(targets.databaseUrl);
  await migrateSchema(targets.databaseUrl, where);
  const id = opts.identity ?? `${hostname()}:${opts.device ? `${opts.device}:` : ''}${process.pid}`;
  const pool = createPool(targets.databaseUrl, opts.dbPool ?? DEFAULT_DB_POOL, {
    queryTimeoutMs: opts.dbTimeoutMs ?? DEFAULT_DB_TIMEOUT_MS,
    applicationName: workerApplicationName(id),
  });
  await pingDatabase(pool, where);
  const connection = await connectWorker(targets.temporal);
  const datasets = new DatasetCache(opts.datasetDir);
  await registerWorker(pool, {
    id,
    hostname: hostname(),
    pid: process.pid,
    task_queue: opts.taskQueue,
    backend: backend.name,
    device: opts.device ?? null,
    slots: opts.slots,
  });
  const health = watchDatabase(pool, {
    onChange: (healthy, reason) =>
      healthy
        ? log.info({ worker: id }, `PostgreSQL at ${where} answers again: worker ${id} takes work again`)
        : log.error(
            { worker: id },
            `worker ${id} is unhealthy: cannot reach PostgreSQL at ${where} (${reason}); it stopped taking work and takes it again once the database answers`,
          ),
  });
  const beat = setInterval(() => void heartbeatWorker(pool, id).catch(() => undefined), 10_000);
  const stopping = new AbortController();
  let current: Worker | undefined;

  const createTemporalWorker = () =>
    Worker.create({
      connection,
      namespace: targets.temporal.namespace,
      taskQueue: opts.taskQueue,
      identity: id,
      ...workflowSource(),
      activities: createActivities({ pool, workerId: id, backend: backend.name, datasets, log }),
      // A workflows-only worker keeps the activities registered: the workflows' bookkeeping runs as local activities.
      enableNonLocalActivities: opts.activities !== false,
      maxConcurrentActivityTaskExecutions: opts.slots,
      // Compute activities hold the JS thread for a while; workflow tasks are tiny.
      maxConcurrentWorkflowTaskExecutions: opts.workflows ? 8 : undefined,
      ...(opts.workflows ? {} : { workflowBundle: undefined, workflowsPath: undefined }),
      shutdownGraceTime: '0s',
      shutdownForceTime: `${WORKER_SHUTDOWN_FORCE_SECONDS}s`,
      ...testHeartbeatThrottle(),
    });

  const release = async () => {
    clearInterval(beat);
    health.stop();
    datasets.clear();
    await cleanup(pool, connection, id, health);
  };
  // The first one is created here, so a bad namespace or task queue fails the start.
  let first: Worker | undefined;
  try {
    first = await createTemporalWorker();
  } catch (err) {
    await release();
    throw err;
  }
  log.info({ worker: id, taskQueue: opts.taskQueue, backend: backend.name, slots: opts.slots }, 'worker started');
  // One Temporal worker per healthy stretch: polling stops while the database is unreachable. A Temporal
  // worker that cannot start or fails (the server unreachable) is replaced after a backoff.
  const serve = async () => {
    for (let failures = 0; !stopping.signal.aborted;) {
      await health.until(true, stopping.signal);
      if (stopping.signal.aborted) break;
      try {
        const worker = first ?? (await createTemporalWorker());
        first = undefined;
        current = worker;
        const running = worker.run();
        if (!stopping.signal.aborted) await Promise.race([running, health.until(false, stopping.signal)]);
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
        failures = 0;
      } catch (err) {
        const waitMs = Math.min(30_000, 1_000 * 2 ** failures++);
        log.error(
          { worker: id },
          `worker ${id} could not poll Temporal (${(err as Error).message.split('\n')[0]}); trying again in ${waitMs / 1000} s`,
        );
        await sleep(waitMs, stopping.signal);
      } finally {
        current = undefined;
      }
    }
  };
  const done = serve().finally(async () => {
    await release();
    log.info({ worker: id }, 'worker stopped');
  });
  return {
    id,
    done,
    get databaseHealthy() {
      return health.healthy;
    },
    stop: () => {
      // Idempotent: a signal and a lost parent can both ask.
      if (stopping.signal.aborted) return;
      stopping.abort();
      if (health.healthy) void setWorkerStatus(pool, id, 'stopping').catch(() => undefined);
      if (current?.getState() === 'RUNNING') current.shutdown();
    },
  };
}

/** How a worker's connections show in pg_stat_activity. */
export const workerApplicationName = (id: string) => `proxysweep worker ${id}`;

/** Migrations may run long: on a connection of their own, without the worker pool's query timeout. */
async function migrateSchema(url: string, where: string): Promise<void> {
  const pool = createPool(url, 1);
  try {
    await pingDatabase(pool, where);
    await migrate(pool);
  } finally {
    await pool.end().catch(() => undefined);
  }
}

async function cleanup(pool: Pool, connection: NativeConnection, id: string, health: DatabaseHealth): Promise<void> {
  const bounded = (p: Promise<unknown>) =>
    Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, CLEANUP_TIMEOUT_MS).unref())]);
  if (health.healthy) await bounded(setWorkerStatus(pool, id, 'stopped'));
  await bounded(connection.close());
  await bounded(pool.end());
}

/** Waits `ms`, or less when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * TEST-ONLY: `PROXYSWEEP_TEST_HEARTBEAT_THROTTLE_MS` sends activity heartbeats to the server that often (by
 * default the SDK batches them for up to 80% of the heartbeat timeout), so tests can watch a cell's step.
 */
function testHeartbeatThrottle(): { maxHeartbeatThrottleInterval?: number; defaultHeartbeatThrottleInterval?: number } {
  const ms = Number(process.env.PROXYSWEEP_TEST_HEARTBEAT_THROTTLE_MS ?? 0);
  return Number.isFinite(ms) && ms > 0
    ? { maxHeartbeatThrottleInterval: ms, defaultHeartbeatThrottleInterval: ms }
    : {};
}
