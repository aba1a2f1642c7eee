import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { writeSweepReport } from '../../report';
import { loadSpecFile } from '../../spec';
import { resolveDataDir } from '../../paths';
import { servicesDown, servicesUp } from '../../local/stack';
import { startLocalWorkers } from '../../local/workers';
import { temporalTargetFromEnv } from '../../temporal/connection';
import { getSweepOrThrow } from '../../db';
import {
  launchSweep,
  openSweepContext,
  resumeSweep,
  sweepResults,
  workflowRunning,
  type SweepStatusReport,
} from '../../sweeps';
import { ProxysweepError, UserError } from '../../errors';
import type { ServiceTargets } from '../../config';
import { renderResults } from '../results-table';
import { createProgressView } from '../progress';
import { InterruptedError, watchSweep } from '../watch';
import { datasetDir } from './data';
import { nativeThreadEnv } from '../../engine/native/threads';
import { nativeStatus } from '../../engine/native/status';
import type { Output } from '../output';
import type { GlobalOptions } from './shared';

export interface RunOptions extends GlobalOptions {
  workers?: number;
  /** libtensorflow intra-op threads per worker (native backend); default cores / workers. */
  threads?: number;
  /** Report directory (default reports/<sweepId>); `false` skips the report. */
  report?: string | false;
  backend: string;
  datasetDir?: string;
  keepServices?: boolean;
  progress?: boolean;
}

export interface RunResult {
  sweepId: string;
  status: SweepStatusReport['status'];
  counts: SweepStatusReport['counts'];
  action: 'started' | 'attached' | 'resumed' | 'already-succeeded';
  results: Awaited<ReturnType<typeof sweepResults>>;
  /** Path of the HTML report, when written. */
  report?: string;
}

/**
 * Native TensorFlow threads for `workers` processes sharing this machine: by default one worker per core with one
 * intra-op thread each, which gave the most cells per hour on 2 cores (bench/threads.ts; README, Performance).
 */
function workerThreadEnv(workers: number, threads: number | undefined): Record<string, string> {
  if (threads === undefined) return nativeThreadEnv(workers);
  return { TF_NUM_INTRAOP_THREADS: String(threads), TF_NUM_INTEROP_THREADS: '1' };
}

/**
 * Where workers will fall back to wasm because native TensorFlow is not set up: how to go faster. The quick demo
 * keeps wasm (no compiler or 274 MB download needed to start); bench/threads.ts measured the demo's sweep at 1.9×
 * the cells per hour on native TensorFlow (README, Performance).
 */
function fasterBackendHint(backend: string): string | undefined {
  if (backend !== 'auto') return undefined;
  const native = nativeStatus();
  if (native.setup || native.stock.length) return undefined;
  return 'workers use the wasm backend: `npx proxysweep setup native` (one 274 MB download, ~15 s to build) makes sweeps ~1.9× faster on CPU';
}

/** A sweep that ended without succeeding: exit 1 with the cause and the resume command. */
export class SweepFailedError extends ProxysweepError {}

/**
 * `run <spec>`: everything on one machine. Validates the spec, starts (or adopts) embedded PostgreSQL and a
 * Temporal dev server unless DATABASE_URL / TEMPORAL_ADDRESS point elsewhere, starts one worker process per
 * core, then starts, attaches to, or resumes the spec's sweep (running it again after a crash continues it),
 * shows progress, prints the results table, and stops what it started.
 */
export async function runCommand(specPath: string, opts: RunOptions, out: Output): Promise<RunResult> {
  const spec = loadSpecFile(specPath);
  const workerCount = opts.workers ?? availableParallelism();
  if (!Number.isInteger(workerCount) || workerCount < 1)
    throw new UserError(`--workers must be a positive integer, got ${opts.workers}`);
  const dataDir = resolveDataDir(opts.dataDir);
  const envDb = process.env.DATABASE_URL;
  const envTemporal = temporalTargetFromEnv();
  const local = await servicesUp(dataDir, {
    startedBy: 'run',
    needPostgres: !envDb,
    needTemporal: !envTemporal,
    ui: false,
    log: (m) => process.stderr.write(`${m}\n`),
  });
  const targets: ServiceTargets = {
    databaseUrl: envDb || local.databaseUrl!,
    temporal: envTemporal ?? local.temporal!,
  };
  const stopServices = local.state.startedBy === 'run' && !opts.keepServices;
  let ctx: Awaited<ReturnType<typeof openSweepContext>> | undefined;
  let workers: ReturnType<typeof startLocalWorkers> | undefined;
  try {
    ctx = await openSweepContext(targets, { migrateSchema: true });
    workers = startLocalWorkers(workerCount, targets, {
      taskQueue: spec.spec.execution.taskQueue,
      backend: opts.backend,
      dataDir,
      datasetDir: datasetDir(opts.datasetDir),
      extraEnv: workerThreadEnv(workerCount, opts.threads),
    });
    const hint = fasterBackendHint(opts.backend);
    if (hint && !out.json) process.stderr.write(`${hint}\n`);
    const launched = await launchSweep(ctx, spec);
    const sweepId = launched.sweepId;
    let action: RunResult['action'] = 'started';
    if (!launched.created) {
      const sweep = await getSweepOrThrow(ctx.pool, sweepId);
      if (await workflowRunning(ctx, sweep.workflow_id)) action = 'attached';
      else if (sweep.status === 'succeeded') action = 'already-succeeded';
      else {
        await resumeSweep(ctx, sweepId);
        action = 'resumed';
      }
    }
    out.line(
      {
        started: `sweep ${sweepId}: ${spec.cells.length} cells on ${workerCount} local worker(s) (logs in ${workers.logDir})`,
        attached: `sweep ${sweepId} is already running: following it`,
        resumed: `sweep ${sweepId} did not finish before: resuming the cells that have not succeeded`,
        'already-succeeded': `sweep ${sweepId} has already succeeded: results below`,
      }[action],
    );
    // Ctrl-C: stop following, let the workers checkpoint, stop what we started; running `run` again continues.
    const interrupt = new AbortController();
    const onSigint = () => interrupt.abort();
    process.once('SIGINT', onSigint);
    let final: Awaited<ReturnType<typeof watchSweep>>;
    try {
      final = await watchSweep(
        ctx,
        sweepId,
        createProgressView(process.stderr, opts.progress !== false && !out.json),
        1000,
        interrupt.signal,
      );
    } catch (err) {
      if (err instanceof InterruptedError) {
        process.stderr.write(
          `\ninterrupted: cells keep their checkpoints; run the same command again to continue sweep ${sweepId}\n`,
        );
      }
      throw err;
    } finally {
      process.off('SIGINT', onSigint);
    }
    const results = await sweepResults(ctx.pool, sweepId);
    out.line();
    out.line(renderResults(results));
    const report =
      opts.report === false
        ? undefined
        : await writeSweepReport(ctx.pool, sweepId, opts.report ?? join('reports', sweepId));
    if (report) out.line(`\nreport: ${report.html}`);
    const result: RunResult = {
      sweepId,
      status: final.status,
      counts: final.counts,
      action,
      results,
      report: report?.html,
    };
    out.result(result);
    if (final.status !== 'succeeded') {
      throw new SweepFailedError(`sweep ${sweepId} ${final.status}: ${final.error ?? 'see `proxysweep sweep status`'}`);
    }
    return result;
  } finally {
    await workers?.stop();
    await ctx?.close();
    if (stopServices) await servicesDown(dataDir);
  }
}
