import { loadSpecFile } from '../../spec';
import { getSweepOrThrow, liveWorkerCount } from '../../db';
import { UserError } from '../../errors';
import { deleteSweep } from '../../sweeps/delete';
import {
  cancelSweep,
  launchSweep,
  pauseSweep,
  queryProgress,
  resizeSweep,
  resumeSweep,
  sweepList,
  sweepStatus,
  unpauseSweep,
  type LaunchResult,
  type ResumeResult,
  type SweepListLine,
  type SweepStatusOptions,
  type SweepStatusReport,
} from '../../sweeps';
import { sweepHealth, type SweepHealth } from '../../sweeps/health';
import { fmtDuration, pct, table, type Output } from '../output';
import { withSweepContext, type GlobalOptions } from './shared';

/** `sweep start <spec>`: validate (nothing written on error), then launch or report the existing sweep. */
export async function sweepStart(
  specPath: string,
  opts: GlobalOptions & { new?: boolean },
  out: Output,
): Promise<LaunchResult> {
  const spec = loadSpecFile(specPath);
  const taskQueue = spec.spec.execution.taskQueue;
  const [r, workers] = await withSweepContext(
    opts,
    async (ctx) =>
      [await launchSweep(ctx, spec, { forceNew: opts.new }), await liveWorkerCount(ctx.pool, taskQueue)] as const,
    { migrateSchema: true },
  );
  out.result({ ...r, taskQueue, liveWorkers: workers });
  out.line(
    r.created
      ? `started sweep ${r.sweepId}: ${r.cells} cells (workflow ${r.workflowId}); follow it with \`proxysweep sweep status ${r.sweepId}\``
      : `sweep ${r.sweepId} exists already (status ${r.status}, ${r.cells} cells); nothing started. Use --new for a fresh copy, or \`proxysweep sweep resume ${r.sweepId}\``,
  );
  if (workers === 0) {
    out.line(
      `note: no worker has heartbeated on task queue "${taskQueue}" in the last minute; start one with \`proxysweep worker --task-queue ${taskQueue}\``,
    );
  }
  return r;
}

export async function sweepStatusCommand(
  id: string,
  opts: GlobalOptions & SweepStatusOptions,
  out: Output,
): Promise<SweepStatusReport & { health: SweepHealth }> {
  const report = await withSweepContext(opts, async (ctx) => {
    const sweep = await getSweepOrThrow(ctx.pool, id);
    const status = await sweepStatus(ctx.pool, id, await queryProgress(ctx, sweep.workflow_id), {
      limit: opts.limit,
      state: opts.state,
    });
    // The page lists running cells first: those are the ones whose retries are worth describing.
    const running = status.cells.filter((c) => c.status === 'running').map((c) => c.key);
    return { ...status, health: await sweepHealth(ctx, sweep, status.counts, running) };
  });
  out.result(report);
  const c = report.counts;
  out.line(`sweep ${report.id} (${report.name}): ${report.status}${report.live?.paused ? ' (paused)' : ''}`);
  out.line(
    `  cells: ${report.total} total, ${c.succeeded} succeeded, ${c.running} running, ${c.pending} pending, ${c.failed} failed, ${c.cancelled} cancelled`,
  );
  out.line(
    `  max parallel ${report.maxParallel}, task queue ${report.taskQueue}, ETA ${fmtDuration(report.etaSeconds)}`,
  );
  if (report.error) out.line(`  error: ${report.error}`);
  if (report.health.stalled) out.line(`  stalled: ${report.health.reason}`);
  for (const r of report.health.retrying) {
    out.line(`  retrying: cell ${r.cellKey} on attempt ${r.attempt}; the last one ended with: ${r.lastFailure}`);
  }
  if (report.am) {
    out.line(`  AM at backward slopes ${report.am.slopes.join(', ')}, ${report.am.arms.length} arm(s):`);
    for (const arm of report.am.arms) out.line(`    ${arm.key}: ${arm.results} results`);
  }
  out.line();
  out.line(
    table(
      ['cell', 'status', 'dataset', 'arch', 'act', 'b.slope', 'seed', 'epoch', 'tries', 'test acc', 'worker', 'error'],
      report.cells.map((x) => [
        x.key,
        x.phase ? `${x.status}/${x.phase}` : x.status,
        x.dataset,
        x.arch,
        x.activation,
        x.backwardSlope,
        x.seed,
        `${x.epochsDone}/${x.epochsTotal}`,
        x.attempts,
        pct(x.testAccuracy),
        x.worker,
        x.error?.slice(0, 80),
      ]),
    ),
  );
  const l = report.listing;
  if (report.cells.length < l.matching) {
    out.line(
      `(${report.cells.length} of ${l.matching} ${l.state ?? ''} cells shown: running, failed, cancelled, pending, then succeeded; --limit N or --state S for others)`.replace(
        '  ',
        ' ',
      ),
    );
  }
  return report;
}

export async function sweepListCommand(opts: GlobalOptions, out: Output): Promise<SweepListLine[]> {
  const list = await withSweepContext(opts, (ctx) => sweepList(ctx.pool), { needTemporal: false });
  out.result(list);
  out.line(
    list.length
      ? table(
          ['sweep', 'status', 'cells', 'succeeded', 'failed', 'created'],
          list.map((s) => [s.id, s.status, s.total, s.succeeded, s.failed, s.createdAt]),
        )
      : 'no sweeps yet',
  );
  return list;
}

export async function sweepControl(
  verb: 'pause' | 'unpause' | 'cancel',
  id: string,
  opts: GlobalOptions,
  out: Output,
): Promise<void> {
  await withSweepContext(opts, (ctx) =>
    ({ pause: pauseSweep, unpause: unpauseSweep, cancel: cancelSweep })[verb](ctx, id),
  );
  out.result({ sweepId: id, action: verb, ok: true });
  out.line(
    {
      pause: `sweep ${id} paused: no new cells start; running cells finish`,
      unpause: `sweep ${id} unpaused`,
      cancel: `sweep ${id} cancellation requested; running cells stop and keep their checkpoints (\`proxysweep sweep resume ${id}\` continues)`,
    }[verb],
  );
}

export async function sweepResize(id: string, maxParallel: number, opts: GlobalOptions, out: Output): Promise<number> {
  const n = await withSweepContext(opts, (ctx) => resizeSweep(ctx, id, maxParallel));
  out.result({ sweepId: id, maxParallel: n });
  out.line(`sweep ${id} now runs up to ${n} cells at once`);
  return n;
}

export async function sweepResume(id: string, opts: GlobalOptions, out: Output): Promise<ResumeResult> {
  const r = await withSweepContext(opts, (ctx) => resumeSweep(ctx, id));
  out.result(r);
  out.line(
    r.started
      ? `resumed sweep ${id}: ${r.cellsToRun} cells to finish`
      : `nothing to resume for sweep ${id}: ${r.reason}`,
  );
  return r;
}

/** `sweep delete <id> [--yes]`: without --yes, what would be deleted (exit 2); with it, the sweep and its rows. */
export async function sweepDeleteCommand(id: string, opts: GlobalOptions & { yes?: boolean }, out: Output) {
  const plan = await withSweepContext(opts, (ctx) => deleteSweep(ctx, id, !!opts.yes));
  out.result(plan);
  const what = `${plan.cells} cells, ${plan.epochMetrics} epoch metrics, ${plan.amResults} AM results, ${plan.checkpoints} checkpoints (${(plan.checkpointBytes / 2 ** 20).toFixed(1)} MB)`;
  if (!plan.deleted) {
    throw new UserError(`deleting sweep ${id} removes ${what}; run again with --yes to delete it`);
  }
  out.line(`deleted sweep ${id}: ${what}`);
  return plan;
}
