import { spawn } from 'node:child_process';
import { resolveTargets } from '../../config';
import { resolveDataDir } from '../../paths';
import { createLogger } from '../../log';
import { startWorker } from '../../temporal/worker';
import { UserError } from '../../errors';
import { BACKENDS, type BackendName } from '../../engine';
import { datasetDir } from './data';
import { workerArgv } from '../../local/workers';
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
  const worker = await startWorker(
    targets,
    {
      taskQueue: opts.taskQueue,
      slots: opts.slots,
      backend: opts.backend as BackendName | 'auto',
      datasetDir: datasetDir(opts.datasetDir),
      workflows: opts.workflows,
      activities: opts.activities,
      device: process.env.PROXYSWEEP_DEVICE,
    },
    log,
  );
  const onParentGone = () => worker.stop();
  if (opts.exitWithParent) process.once('disconnect', onParentGone);
  await worker.done;
  process.off('disconnect', onParentGone);
  // The IPC channel to a parent `run` would keep this process alive.
  if (process.connected) process.disconnect();
}

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
  });
  const children = gpus.map((gpu) =>
    spawn(process.execPath, args, {
      stdio: 'inherit',
      env: { ...process.env, CUDA_VISIBLE_DEVICES: gpu, PROXYSWEEP_DEVICE: `gpu${gpu}` },
    }),
  );
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => children.forEach((c) => c.kill(sig)));
  return Promise.all(children.map((c) => new Promise<void>((resolve) => c.once('exit', () => resolve())))).then(
    () => undefined,
  );
}
