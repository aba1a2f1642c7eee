import { hostname } from 'node:os';
import { Worker, Runtime, DefaultLogger } from '@temporalio/worker';
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
} from '../db';
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
}

export interface RunningWorker {
  id: string;
  /** Resolves when the worker has stopped (after a shutdown signal or `stop()`). */
  done: Promise<void>;
  stop(): void;
}

let runtimeInstalled = false;

/**
 * Starts a worker process's worker: picks the compute backend, migrates the schema, registers in the
 * workers table (heartbeat every 10 s), and polls `taskQueue`. SIGINT/SIGTERM stop polling; running training
 * is cancelled, saves a step-exact checkpoint and is retried on another worker.
 */
export async function startWorker(targets: ServiceTargets, opts: WorkerOptions, log: Logger): Promise<RunningWorker> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: ['SIGINT', 'SIGTERM', 'SIGQUIT'] });
    runtimeInstalled = true;
  }
  const backend = await initBackend(opts.backend);
  const pool = createPool(targets.databaseUrl, Math.max(4, opts.slots + 2));
  await pingDatabase(pool, redactDatabaseUrl(targets.databaseUrl));
  await migrate(pool);
  const id = opts.identity ?? `${hostname()}:${opts.device ? `${opts.device}:` : ''}${process.pid}`;
  const connection = await connectWorker(targets.temporal);
  const datasets = new DatasetCache(opts.datasetDir);
  const worker = await Worker.create({
    connection,
    namespace: targets.temporal.namespace,
    taskQueue: opts.taskQueue,
    identity: id,
    ...workflowSource(),
    activities: createActivities({ pool, workerId: id, backend: backend.name, datasets }),
    // A workflows-only worker keeps the activities registered: the workflows' bookkeeping runs as local activities.
    enableNonLocalActivities: opts.activities !== false,
    maxConcurrentActivityTaskExecutions: opts.slots,
    // Compute activities hold the JS thread for a while; workflow tasks are tiny.
    maxConcurrentWorkflowTaskExecutions: opts.workflows ? 8 : undefined,
    ...(opts.workflows ? {} : { workflowBundle: undefined, workflowsPath: undefined }),
    shutdownGraceTime: '0s',
    shutdownForceTime: `${WORKER_SHUTDOWN_FORCE_SECONDS}s`,
  });
  await registerWorker(pool, {
    id,
    hostname: hostname(),
    pid: process.pid,
    task_queue: opts.taskQueue,
    backend: backend.name,
    device: opts.device ?? null,
    slots: opts.slots,
  });
  const beat = setInterval(() => void heartbeatWorker(pool, id).catch(() => undefined), 10_000);
  log.info({ worker: id, taskQueue: opts.taskQueue, backend: backend.name, slots: opts.slots }, 'worker started');
  const done = worker.run().finally(async () => {
    clearInterval(beat);
    await setWorkerStatus(pool, id, 'stopped').catch(() => undefined);
    datasets.clear();
    await connection.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
    log.info({ worker: id }, 'worker stopped');
  });
  return {
    id,
    done,
    stop: () => {
      // Idempotent: a signal and a lost parent can both ask.
      if (worker.getState() !== 'RUNNING') return;
      void setWorkerStatus(pool, id, 'stopping').catch(() => undefined);
      worker.shutdown();
    },
  };
}
