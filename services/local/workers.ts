import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths';
import type { ServiceTargets } from '../config';
import { waitFor } from '../net';

export interface LocalWorkers {
  processes: ChildProcess[];
  logDir: string;
  /** SIGTERM to all (they checkpoint running cells), then wait up to `graceMs`, then SIGKILL. */
  stop(graceMs?: number): Promise<void>;
}

/** Options of a `proxysweep worker` child process. */
export interface WorkerArgs {
  taskQueue: string;
  backend: string;
  slots?: number;
  dataDir?: string;
  datasetDir?: string;
  workflows?: boolean;
  activities?: boolean;
  exitWithParent?: boolean;
  dbPool?: number;
  dbTimeout?: number;
}

/** The argv (after `node`) that starts one `proxysweep worker` process. */
export function workerArgv(bin: string, o: WorkerArgs): string[] {
  const args = [bin, 'worker', '--task-queue', o.taskQueue, '--slots', String(o.slots ?? 1), '--backend', o.backend];
  if (o.workflows === false) args.push('--no-workflows');
  if (o.activities === false) args.push('--no-activities');
  if (o.dataDir) args.push('--data-dir', o.dataDir);
  if (o.datasetDir) args.push('--dataset-dir', o.datasetDir);
  if (o.exitWithParent) args.push('--exit-with-parent');
  if (o.dbPool) args.push('--db-pool', String(o.dbPool));
  if (o.dbTimeout) args.push('--db-timeout', String(o.dbTimeout));
  return args;
}

/**
 * Starts `count` worker processes on this machine: compute is single-threaded per process, so one process
 * per core uses them all. Service addresses and credentials travel in the environment, never in argv. Each
 * worker stops by itself (checkpointing) if this process dies, through the IPC channel closing.
 */
export function startLocalWorkers(
  count: number,
  targets: ServiceTargets,
  opts: { taskQueue: string; backend: string; dataDir: string; datasetDir?: string; extraEnv?: Record<string, string> },
): LocalWorkers {
  const logDir = join(opts.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const bin = join(packageRoot(), 'bin', 'proxysweep.js');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...opts.extraEnv,
    DATABASE_URL: targets.databaseUrl,
    TEMPORAL_ADDRESS: targets.temporal.address,
    TEMPORAL_NAMESPACE: targets.temporal.namespace,
  };
  const processes = Array.from({ length: count }, (_, i) => {
    const log = openSync(join(logDir, `worker-${i}.log`), 'a');
    const args = workerArgv(bin, {
      taskQueue: opts.taskQueue,
      backend: opts.backend,
      datasetDir: opts.datasetDir,
      exitWithParent: true,
    });
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', log, log, 'ipc'] });
    closeSync(log);
    return child;
  });
  return {
    processes,
    logDir,
    async stop(graceMs = 30_000) {
      const alive = () => processes.filter((p) => p.exitCode === null && p.signalCode === null);
      for (const p of alive()) p.kill('SIGTERM');
      await waitFor(async () => alive().length === 0, graceMs);
      for (const p of alive()) p.kill('SIGKILL');
    },
  };
}
