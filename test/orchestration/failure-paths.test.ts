import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useServices, eventually } from '../helpers/services';
import { launch, tinySpec, waitForSweep, workers } from '../helpers/sweeps';
import { writeIdxDataset } from '../helpers/idx-files';
import { pauseSweep, resumeSweep, sweepWorkflowInput } from '../../services/sweeps';
import { runTrainCell } from '../../services/cells';
import { DatasetCache } from '../../services/cells/dataset-cache';
import { cellWorkflowId } from '../../workflows/ids';

/** Every way a sweep or a cell can end must leave true rows behind. */
describe('failure paths end in a true state', () => {
  const fx = useServices();
  const rows = async (sweepId: string) =>
    (
      await fx.s.pool.query<{ cell_key: string; status: string; attempts: number; error: string | null }>(
        'SELECT cell_key, status, attempts, error FROM cells WHERE sweep_id = $1 ORDER BY idx',
        [sweepId],
      )
    ).rows;

  test('a sweep workflow that fails (not cancelled) ends its row and cancels its running cells', async () => {
    const s = fx.s;
    // Recording "paused" fails for good in these workers (test-only switch): the pause kills the sweep workflow.
    const broken = workers(s, 2, 'tq-wf-fail', {
      PROXYSWEEP_INJECT_FAULT: 'sweep:paused',
      PROXYSWEEP_TEST_STEP_DELAY_MS: '150',
    });
    fx.workers.push(broken);
    const { ctx, sweepId } = await launch(
      s,
      tinySpec('wf-fail', {
        grid: { seed: [0, 1, 2, 3] },
        execution: { maxParallel: 2, taskQueue: 'tq-wf-fail', timeouts: { heartbeat: '5s' } },
      }),
    );
    fx.contexts.push(ctx);
    await eventually(
      async () => (await rows(sweepId)).filter((c) => c.status === 'running').length === 2,
      60_000,
      'two running cells',
    );
    await pauseSweep(ctx, sweepId);
    assert.equal(await waitForSweep(s, sweepId), 'failed');
    const sweep = await s.pool.query('SELECT status, error FROM sweeps WHERE id = $1', [sweepId]);
    assert.match(sweep.rows[0].error, /sweep workflow failed: injected fault \(sweep\)/);
    // Its children were cancelled, not orphaned: no cell stays running.
    await eventually(async () => (await rows(sweepId)).every((c) => c.status !== 'running'), 60_000, 'cells to stop');
    assert.ok((await rows(sweepId)).some((c) => c.status === 'cancelled'));
    await broken.stop();

    // Resume on healthy workers finishes every cell.
    fx.workers.push(workers(s, 2, 'tq-wf-fail'));
    assert.equal((await resumeSweep(ctx, sweepId)).started, true);
    assert.equal(await waitForSweep(s, sweepId), 'succeeded');
    assert.ok((await rows(sweepId)).every((c) => c.status === 'succeeded'));
  });

  test('a node without the dataset files sends the cell to another node and says what it lacks', async () => {
    const s = fx.s;
    const empty = mkdtempSync(join(tmpdir(), 'ps-nodata-'));
    const full = mkdtempSync(join(tmpdir(), 'ps-data-'));
    writeIdxDataset(join(full, 'mnist'));
    const spec = tinySpec('node-local', {
      base: { dataset: 'mnist', arch: 'small-cnn', epochs: 1, batchSize: 4 },
      grid: { seed: [0, 1] },
      am: { backwardSlopes: [0], steps: 2, units: [0] },
      execution: {
        maxParallel: 2,
        taskQueue: 'tq-node',
        retries: { maximumAttempts: 1 },
        timeouts: { heartbeat: '5s' },
      },
    });
    // First only a node without the files: each cell fails there, once per try, and waits for a better node.
    const lacking = workers(s, 1, 'tq-node', { PROXYSWEEP_DATASET_DIR: empty });
    fx.workers.push(lacking);
    const { ctx, sweepId } = await launch(s, spec);
    fx.contexts.push(ctx);
    const waiting = await eventually(
      async () => {
        const r = (await rows(sweepId)).filter(
          (c) => c.status === 'running' && c.error?.includes('cannot run this cell'),
        );
        return r.length ? r : undefined;
      },
      60_000,
      'a cell waiting for a node that has the dataset',
    );
    assert.match(waiting[0].error!, /mnist/);
    const problem = await s.pool.query(
      `SELECT problem FROM workers WHERE problem IS NOT NULL AND task_queue = 'tq-node'`,
    );
    assert.match(problem.rows[0].problem, /mnist/);
    assert.ok(
      (await rows(sweepId)).every((c) => c.status !== 'failed'),
      'a node problem is not a cell failure',
    );

    fx.workers.push(workers(s, 1, 'tq-node', { PROXYSWEEP_DATASET_DIR: full }));
    assert.equal(await waitForSweep(s, sweepId, 180_000), 'succeeded');
  });

  test('a duplicate run of a succeeded cell neither trains again nor turns its row back to running', async () => {
    const s = fx.s;
    const w = workers(s, 1, 'tq-dup');
    fx.workers.push(w);
    const { ctx, sweepId } = await launch(
      s,
      tinySpec('dup', {
        grid: { seed: [0] },
        // Kept: the last test below needs a trained cell's final checkpoint.
        execution: { maxParallel: 1, taskQueue: 'tq-dup', timeouts: { heartbeat: '5s' }, keepCheckpoints: true },
      }),
    );
    fx.contexts.push(ctx);
    assert.equal(await waitForSweep(s, sweepId), 'succeeded');
    const [before] = await rows(sweepId);
    const metrics = async () =>
      (
        await s.pool.query(
          'SELECT m.epoch, m.recorded_at FROM epoch_metrics m JOIN cells c ON c.id = m.cell_id WHERE c.sweep_id = $1 ORDER BY 1',
          [sweepId],
        )
      ).rows;
    const metricsBefore = await metrics();
    const cell = await s.pool.query('SELECT id, idx FROM cells WHERE sweep_id = $1', [sweepId]);
    // Start the cell workflow again by hand, the way a duplicate start would (a new run id, same cell).
    const spec = (await s.pool.query('SELECT spec FROM sweeps WHERE id = $1', [sweepId])).rows[0].spec;
    const input = sweepWorkflowInput(spec, sweepId);
    const handle = await ctx.client.workflow.start('cellWorkflow', {
      taskQueue: 'tq-dup',
      workflowId: `${cellWorkflowId(sweepId, before.cell_key)}-dup`,
      args: [
        {
          cellId: cell.rows[0].id,
          cellKey: before.cell_key,
          idx: cell.rows[0].idx,
          sweepId,
          parentWorkflowId: `sweep-${sweepId}`,
          settings: input.cell,
        },
      ],
    });
    const result = await handle.result();
    assert.equal(result.alreadySucceeded, true);
    const [after] = await rows(sweepId);
    assert.deepEqual(after, before, 'status, attempts and error unchanged');
    assert.deepEqual(await metrics(), metricsBefore, 'no epoch trained again');
  });

  test('a cell found trained (final checkpoint) records all its epochs as done', async () => {
    const s = fx.s;
    const cell = await s.pool.query<{ id: number; epochs_total: number }>(
      `SELECT c.id, c.epochs_total FROM cells c JOIN checkpoints k ON k.cell_id = c.id
       WHERE c.status = 'succeeded' AND k.epoch >= c.epochs_total LIMIT 1`,
    );
    assert.ok(cell.rowCount, 'a trained cell from the tests above');
    const { id, epochs_total } = cell.rows[0];
    // As after an AM failure: training finished, the cell did not.
    await s.pool.query(`UPDATE cells SET status = 'failed', epochs_done = 0 WHERE id = $1`, [id]);
    const r = await runTrainCell(
      { pool: s.pool, workerId: 'test', backend: 'wasm', datasets: new DatasetCache(undefined) },
      id,
      { heartbeat: () => undefined, signal: new AbortController().signal },
    );
    assert.equal(r.alreadyTrained, true);
    const row = await s.pool.query('SELECT epochs_done FROM cells WHERE id = $1', [id]);
    assert.equal(row.rows[0].epochs_done, epochs_total);
  });
});
