import { spawn } from 'node:child_process';
import { resolveTargets } from '../../config';
import { resolveDataDir } from '../../paths';
import { createLogger } from '../../log';
import { startWorker, type RunningWorker } from '../../temporal/worker';
import { UserError } from '../../errors';
import { BACKENDS, type BackendName } from '../../engine';
import { datasetDir } from './data';
import { workerArgv } from '../../local/workers';
import { nativeThreadEnv } from '../../engine/native/threads';
import type { GlobalOptions } from './shared';

export interface WorkerCommandOptions extends GlobalOptions {
  taskQueue: string;
  slots: number;
  gpus?: string;
  backend: string;
  datasetDir?: string;
  workflows: boolean;
  /** False with --no-activities: poll workflow tasks only. */
  activities?: boolean;
  /** PostgreSQL connections per worker process. */
  dbPool?: number;
  /** Seconds before a database query fails. */
  dbTimeout?: number;
  /** Internal: exit when the parent process (e.g. `proxysweep run`) goes away. */
  exitWithParent?: boolean;
}

/**
 * `worker`: polls a task queue until SIGINT/SIGTERM. `--gpus 0,1` starts one child worker per GPU, each with
 * CUDA_VISIBLE_DEVICES set and one slot, and forwards signals to them.
 */
export async function workerCommand(opts: WorkerCommandOptions): Promise<void> {
  if (opts.backend !== 'auto' && !BACKENDS.includes(opts.backend as BackendName)) {
    throw new UserError(`--backend must be auto or one of ${BACKENDS.join(', ')}, got "${opts.backend}"`);
  }
  if (!Number.isInteger(opts.slots) || opts.slots < 1)
    throw new UserError(`--slots must be a positive integer, got ${opts.slots}`);
  if (!opts.workflows && opts.activities === false)
    throw new UserError('--no-workflows and --no-activities together leave nothing to poll; drop one');
  if (opts.gpus) return superviseGpuWorkers(opts);
  const targets = resolveTargets(resolveDataDir(opts.dataDir));
  const log = createLogger('worker');
  // Signals are handled from the start: one that arrives while the worker starts stops it once it is up.
  let worker: RunningWorker | undefined;
  let requested: string | undefined;
  const stop = (why: string) => {
    requested ??= why;
    // Stopping waits for running training to checkpoint; a lost server must not make it wait for long.
    // Without a database there is nothing to save: Temporal retries whatever was in flight elsewhere.
    const healthy = worker?.databaseHealthy ?? true;
    const deadline = healthy ? STOP_DEADLINE_MS : UNHEALTHY_STOP_MS;
    setTimeout(() => {
      log[healthy ? 'error' : 'warn'](
        { worker: worker?.id },
        healthy
          ? `worker did not stop within ${deadline / 1000} s of ${why}; exiting now`
          : `worker stopped on ${why} without PostgreSQL: nothing to save, not waiting for its in-flight tasks (Temporal retries them)`,
      );
      process.exit(healthy ? 1 : 0);
    }, deadline).unref();
    worker?.stop();
  };
  const onSignal = (signal: NodeJS.Signals) => stop(signal);
  const onParentGone = () => stop('losing its parent process');
  for (const sig of STOP_SIGNALS) process.once(sig, onSignal);
  if (opts.exitWithParent) process.once('disconnect', onParentGone);
  const detach = () => {
    for (const sig of STOP_SIGNALS) process.off(sig, onSignal);
    process.off('disconnect', onParentGone);
  };
  try {
    worker = await startWorker(
      targets,
      {
        taskQueue: opts.taskQueue,
        slots: opts.slots,
        backend: opts.backend as BackendName | 'auto',
        datasetDir: datasetDir(opts.datasetDir),
        workflows: opts.workflows,
        activities: opts.activities,
        device: process.env.PROXYSWEEP_DEVICE,
        dbPool: opts.dbPool,
        dbTimeoutMs: opts.dbTimeout ? opts.dbTimeout * 1000 : undefined,
      },
      log,
    );
  } catch (err) {
    detach();
    throw err;
  }
  if (requested) worker.stop();
  await worker.done;
  detach();
  // The IPC channel to a parent `run` would keep this process alive.
  if (process.connected) process.disconnect();
  // So would a socket to a database that stopped answering, or a timer of a query abandoned on it.
  setTimeout(() => process.exit(), 1_000).unref();
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGQUIT'] as const;
const STOP_DEADLINE_MS = 15_000;
const UNHEALTHY_STOP_MS = 3_000;

function superviseGpuWorkers(opts: WorkerCommandOptions): Promise<void> {
  const gpus = opts.gpus!.split(',').map((g) => g.trim());
  if (gpus.some((g) => !/^\d+$/.test(g)))
    throw new UserError(`--gpus must list GPU indices like 0,1,2, got "${opts.gpus}"`);
  const args = workerArgv(process.argv[1], {
    taskQueue: opts.taskQueue,
    backend: opts.backend,
    workflows: opts.workflows,
    activities: opts.activities,
    dataDir: opts.dataDir,
    datasetDir: opts.datasetDir,
    dbPool: opts.dbPool,
    dbTimeout: opts.dbTimeout,
  });
  const children = gpus.map((gpu) =>
    spawn(process.execPath, args, {
      stdio: 'inherit',
      // Host threads split between the GPU processes, so their CPU-side pools do not oversubscribe the host.
      env: {
        ...process.env,
        ...nativeThreadEnv(gpus.length),
        CUDA_VISIBLE_DEVICES: gpu,
        PROXYSWEEP_DEVICE: `gpu${gpu}`,
      },
    }),
  );
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => children.forEach((c) => c.kill(sig)));
  return Promise.all(children.map((c) => new Promise<void>((resolve) => c.once('exit', () => resolve())))).then(
    () => undefined,
  );
}
