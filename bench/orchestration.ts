/**
 * Orchestration overhead benchmark (not a test): per-cell cost of the sweep machinery with no-op compute, at
 * parallelism 1, 8, 32 and 128, and a drain of 10,000 no-op cells at parallelism 128 (its workflow runs, the
 * longest history of any run, and the worker's peak memory). The baseline, measured in the same run, is one
 * cell workflow started directly (no sweep around it), so the ratio is what the sliding window adds.
 *
 * Then the reads a user makes of a big sweep: `sweep status` and `sweep report` of a 100,000-cell sweep (written
 * straight into PostgreSQL: 2 epochs per cell, AM rows on every cell), time and peak memory, against the same
 * reads of a 1,000-cell sweep in the same run.
 *
 *   npm run bench:orchestration [-- --json] [-- --drain 10000] [-- --only scale|drain]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeConnection, Worker, Runtime, DefaultLogger } from '@temporalio/worker';
import { createActivities } from '../activities';
import { DatasetCache } from '../services/cells';
import { startEphemeralServices, type EphemeralServices } from '../services/local/ephemeral';
import { validateSpec } from '../services/spec';
import { launchSweep, openSweepContext, sweepStatus } from '../services/sweeps';
import { writeSweepReport } from '../services/report';
import { insertLargeSweep } from '../test/helpers/large-sweep';
import { workflowSource } from '../services/temporal/bundle';
import { cellWorkflowId } from '../workflows/ids';
import type { CellWorkflowInput } from '../workflows/types';

const args = process.argv.slice(2);
const json = args.includes('--json');
const drainCells = Number(args[args.indexOf('--drain') + 1]) || 10_000;
// `--only scale` runs just the status/report measurement; `--only drain` the window measurements.
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const SCALE_CELLS = 100_000;
const TASK_QUEUE = 'bench-orchestration';

function emit(record: Record<string, unknown>): void {
  if (json) console.log(JSON.stringify({ bench: 'orchestration', ...record }));
  else
    console.log(
      Object.entries(record)
        .map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toFixed(3) : v}`)
        .join('  '),
    );
}

/** A no-op sweep of `cells` cells (synthetic grid over seeds; training and AM do nothing). */
function noopSpec(name: string, cells: number, maxParallel: number) {
  return validateSpec({
    name,
    base: { dataset: 'synthetic', epochs: 1 },
    grid: { seed: Array.from({ length: cells }, (_, i) => i) },
    execution: { maxParallel, taskQueue: TASK_QUEUE, timeouts: { heartbeat: '1m' } },
  });
}

async function runSweep(s: EphemeralServices, name: string, cells: number, maxParallel: number) {
  const ctx = await openSweepContext(s.targets);
  // This process hosts the worker: its peak RSS is the worker's memory during the drain.
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 250);
  try {
    const spec = noopSpec(name, cells, maxParallel);
    const t0 = performance.now();
    const { workflowId } = await launchSweep(ctx, spec);
    const summary = (await ctx.client.workflow.getHandle(workflowId).result()) as { succeeded: number };
    const seconds = (performance.now() - t0) / 1000;
    let runs = 0;
    let longestHistory = 0;
    for await (const wf of ctx.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      runs++;
      longestHistory = Math.max(longestHistory, wf.historyLength);
    }
    return { seconds, runs, longestHistory, succeeded: summary.succeeded, peakRssMb: peakRss / 2 ** 20 };
  } finally {
    clearInterval(sampler);
    await ctx.close();
  }
}

/** Time and peak RSS growth of `fn` (sampled every 20 ms; a forced GC first when node runs with --expose-gc). */
async function measure<T>(fn: () => Promise<T>): Promise<{ ms: number; peakMb: number; value: T }> {
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const t0 = performance.now();
  try {
    const value = await fn();
    return { ms: performance.now() - t0, peakMb: (Math.max(peak, process.memoryUsage().rss) - base) / 2 ** 20, value };
  } finally {
    clearInterval(sampler);
  }
}

async function scale(s: EphemeralServices): Promise<void> {
  const results: Record<number, { status: number; report: number; statusMb: number; reportMb: number }> = {};
  for (const cells of [1000, SCALE_CELLS]) {
    const id = `scale-${cells}`;
    const t0 = performance.now();
    await insertLargeSweep(s.pool, id, { cells, epochs: 2, amCells: cells });
    const insertS = (performance.now() - t0) / 1000;
    const status = await measure(() => sweepStatus(s.pool, id));
    const out = mkdtempSync(join(tmpdir(), 'ps-bench-report-'));
    const report = await measure(() => writeSweepReport(s.pool, id, out));
    rmSync(out, { recursive: true, force: true });
    results[cells] = { status: status.ms, report: report.ms, statusMb: status.peakMb, reportMb: report.peakMb };
    emit({
      measure: 'scale',
      cells,
      rows: report.value.rows.cells + report.value.rows.epochs + report.value.rows.am,
      insert_seconds: insertS,
      status_ms: status.ms,
      status_peak_mb: status.peakMb,
      report_ms: report.ms,
      report_page_data_ms: report.value.timings.pageDataMs,
      report_csv_ms: report.value.timings.csvMs,
      report_html_ms: report.value.timings.htmlMs,
      report_peak_mb: report.peakMb,
    });
  }
  const [small, big] = [results[1000], results[SCALE_CELLS]];
  emit({
    measure: 'scale-ratio',
    what: `${SCALE_CELLS} cells vs 1000 cells`,
    status_time_ratio: big.status / small.status,
    report_time_ratio: big.report / small.report,
  });
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const s = await startEphemeralServices();
  if (only === 'scale') {
    try {
      await scale(s);
    } finally {
      await s.stop();
    }
    return;
  }
  const connection = await NativeConnection.connect({ address: s.targets.temporal.address });
  const real = createActivities({
    pool: s.pool,
    workerId: 'bench',
    backend: 'none',
    datasets: new DatasetCache(undefined),
  });
  const worker = await Worker.create({
    connection,
    taskQueue: TASK_QUEUE,
    ...workflowSource(),
    activities: {
      ...real,
      // No-op compute: what is left is the orchestration itself (workflows, activities, Postgres bookkeeping).
      trainCell: async () => ({ epochs: 1, testAccuracy: null, testLoss: null, alreadyTrained: false }),
      maximizeCell: async () => ({ units: 0 }),
    },
    maxConcurrentActivityTaskExecutions: 200,
    maxConcurrentWorkflowTaskExecutions: 100,
  });
  try {
    await worker.runUntil(async () => {
      // Baseline: cell workflows started one after another, directly, without a sweep.
      const base = noopSpec('baseline', 20, 1);
      const ctx = await openSweepContext(s.targets);
      await launchSweep(ctx, base); // rows for the cells; its own sweep run is drained first
      await ctx.client.workflow.getHandle(`sweep-${base.sweepId}`).result();
      const t0 = performance.now();
      const cells = await s.pool.query<{ id: number; cell_key: string; idx: number }>(
        'SELECT id, cell_key, idx FROM cells WHERE sweep_id = $1',
        [base.sweepId],
      );
      for (const c of cells.rows) {
        const input: CellWorkflowInput = {
          cellId: c.id,
          cellKey: c.cell_key,
          idx: c.idx,
          sweepId: base.sweepId,
          parentWorkflowId: 'none',
          settings: {
            taskQueue: TASK_QUEUE,
            retries: { maximumAttempts: 1, initialIntervalMs: 1000, backoffCoefficient: 2, maximumIntervalMs: 1000 },
            trainTimeoutMs: 60_000,
            amTimeoutMs: 60_000,
            heartbeatTimeoutMs: 60_000,
            amSlopes: [],
          },
        };
        await ctx.client.workflow.execute('cellWorkflow', {
          taskQueue: TASK_QUEUE,
          workflowId: `${cellWorkflowId(base.sweepId, c.cell_key)}-direct`,
          args: [input],
        });
      }
      const baselineMs = (performance.now() - t0) / cells.rowCount!;
      await ctx.close();
      emit({ measure: 'baseline', what: 'one cell workflow started directly, sequential', ms_per_cell: baselineMs });

      for (const p of [1, 8, 32, 128]) {
        const n = p === 1 ? 50 : p * 12;
        const r = await runSweep(s, `p${p}`, n, p);
        const msPerCell = (r.seconds * 1000) / n;
        emit({
          measure: 'overhead',
          parallelism: p,
          cells: n,
          seconds: r.seconds,
          cells_per_sec: n / r.seconds,
          ms_per_cell: msPerCell,
          // Per-cell latency inside a window of p: wall time × p / cells.
          ms_per_cell_latency: msPerCell * p,
          ratio_vs_baseline: (msPerCell * p) / baselineMs,
        });
      }
      const rssBefore = process.memoryUsage().rss / 2 ** 20;
      const drain = await runSweep(s, 'drain', drainCells, 128);
      emit({
        measure: 'drain',
        cells: drainCells,
        parallelism: 128,
        seconds: drain.seconds,
        cells_per_sec: drainCells / drain.seconds,
        succeeded: drain.succeeded,
        workflow_runs: drain.runs,
        // Temporal fails a run past 51,200 events: continue-as-new keeps every run far below.
        longest_history_events: drain.longestHistory,
        worker_rss_mb_before: rssBefore,
        worker_rss_mb_peak: drain.peakRssMb,
      });
    });
    if (only !== 'drain') await scale(s);
  } finally {
    await connection.close();
    await s.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
