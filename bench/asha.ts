/**
 * Cell-epochs with ASHA against the full grid (not a test): runs one study twice on real services (embedded
 * PostgreSQL, Temporal dev server, local workers): as written, with its `pruner`, and with the pruner removed
 * (every cell trained to its last epoch). Reports cell-epochs trained, wall time, and the cell each run would
 * pick (best final validation accuracy) with its test accuracy.
 *
 *   npm run bench:asha [-- --json] [-- --spec examples/asha-digits.yaml] [-- --workers 2]
 */
import { loadSpecFile, validateSpec, type SweepSpec } from '../services/spec';
import { launchSweep, openSweepContext } from '../services/sweeps';
import { startEphemeralServices, type EphemeralServices } from '../services/local/ephemeral';
import { startLocalWorkers } from '../services/local/workers';
import { packageRoot } from '../services/paths';
import { join } from 'node:path';

const args = process.argv.slice(2);
const json = args.includes('--json');
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const specPath = option('--spec') ?? join(packageRoot(), 'examples', 'asha-digits.yaml');
const workerCount = Number(option('--workers') ?? 2);

function emit(record: Record<string, unknown>): void {
  if (json) console.log(JSON.stringify({ bench: 'asha', ...record }));
  else
    console.log(
      Object.entries(record)
        .map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toFixed(4) : v}`)
        .join('  '),
    );
}

async function runStudy(s: EphemeralServices, spec: SweepSpec, label: string): Promise<void> {
  const ctx = await openSweepContext(s.targets);
  const t0 = performance.now();
  try {
    const { sweepId } = await launchSweep(ctx, spec);
    for (;;) {
      const r = await s.pool.query<{ status: string }>('SELECT status FROM sweeps WHERE id = $1', [sweepId]);
      if (['succeeded', 'failed', 'cancelled'].includes(r.rows[0].status)) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const seconds = (performance.now() - t0) / 1000;
    const totals = await s.pool.query<{ epochs: number; pruned: number; cells: number }>(
      `SELECT sum(epochs_done)::int AS epochs, count(*) FILTER (WHERE status = 'pruned')::int AS pruned,
              count(*)::int AS cells FROM cells WHERE sweep_id = $1`,
      [sweepId],
    );
    const best = await s.pool.query<{ cell_key: string; val: number; test: number; lr: number }>(
      `SELECT c.cell_key, m.val_accuracy AS val, c.test_accuracy AS test, (c.params->>'learningRate')::float8 AS lr
       FROM cells c JOIN epoch_metrics m ON m.cell_id = c.id AND m.epoch = c.epochs_total
       WHERE c.sweep_id = $1 AND c.status = 'succeeded' ORDER BY m.val_accuracy DESC, c.idx LIMIT 1`,
      [sweepId],
    );
    const b = best.rows[0];
    emit({
      run: label,
      cells: totals.rows[0].cells,
      pruned: totals.rows[0].pruned,
      cellEpochs: totals.rows[0].epochs,
      seconds,
      bestCell: b?.cell_key,
      bestLearningRate: b?.lr,
      bestValAccuracy: b?.val,
      bestTestAccuracy: b?.test,
    });
  } finally {
    await ctx.close();
  }
}

async function main(): Promise<void> {
  const withAsha = loadSpecFile(specPath);
  if (!withAsha.pruner) throw new Error(`${specPath} has no pruner block`);
  const { pruner: _pruner, ...noPruner } = withAsha.spec;
  const fullGrid = validateSpec({ ...noPruner, name: `${withAsha.name}-full` });
  const s = await startEphemeralServices();
  // Both runs share one task queue (the spec's) and one pool of workers, one after the other.
  const pool = startLocalWorkers(workerCount, s.targets, {
    taskQueue: withAsha.spec.execution.taskQueue,
    backend: 'wasm',
    dataDir: s.dir,
  });
  try {
    await runStudy(s, withAsha, 'asha');
    await runStudy(s, fullGrid, 'full-grid');
  } finally {
    await pool.stop();
    await s.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
