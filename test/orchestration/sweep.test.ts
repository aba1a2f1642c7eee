import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from '@temporalio/worker';
import { startTestServices, type TestServices } from '../helpers/services';
import { launch, tinySpec, waitForSweep, workers } from '../helpers/sweeps';
import { launchSweep, sweepResults, type SweepContext } from '../../services/sweeps';
import { validateSpec } from '../../services/spec';
import { workflowBundlePath } from '../../services/temporal/bundle';
import type { LocalWorkers } from '../../services/local/workers';

describe('a small sweep end to end (real Temporal, real Postgres, worker processes)', () => {
  let s: TestServices;
  let ctx: SweepContext;
  let w: LocalWorkers;
  let sweepId: string;
  const raw = tinySpec('e2e');

  before(async () => {
    s = await startTestServices();
    w = workers(s, 2, 'tq-e2e');
    ({ ctx, sweepId } = await launch(s, raw));
  });

  after(async () => {
    await w?.stop();
    await ctx?.close();
    await s?.stop();
  });

  test('every cell succeeds with exactly epochs × cells metric rows and slopes × units × cells AM rows', async () => {
    assert.equal(await waitForSweep(s, sweepId), 'succeeded');
    const cells = await s.pool.query(
      'SELECT status, attempts, epochs_done, test_accuracy, backend FROM cells WHERE sweep_id = $1',
      [sweepId],
    );
    assert.equal(cells.rowCount, 4);
    for (const c of cells.rows) {
      assert.equal(c.status, 'succeeded');
      assert.equal(c.attempts, 1);
      assert.equal(c.epochs_done, 2);
      assert.ok(c.test_accuracy > 0.25, `accuracy ${c.test_accuracy} above chance`);
      assert.equal(c.backend, 'wasm');
    }
    const metrics = await s.pool.query(
      'SELECT m.cell_id, m.epoch FROM epoch_metrics m JOIN cells c ON c.id = m.cell_id WHERE c.sweep_id = $1 ORDER BY 1, 2',
      [sweepId],
    );
    assert.equal(metrics.rowCount, 2 * 4);
    const am = await s.pool.query(
      'SELECT a.* FROM am_results a JOIN cells c ON c.id = a.cell_id WHERE c.sweep_id = $1',
      [sweepId],
    );
    assert.equal(am.rowCount, 2 /* AM slopes */ * 4 /* units */ * 4 /* cells */);
    for (const r of am.rows) {
      assert.equal(r.trace.length, 6);
      assert.ok(r.value >= r.initial_value);
      assert.ok(r.start_grad_zero_fraction >= 0 && r.start_grad_zero_fraction <= 1 && r.start_grad_l2 >= 0);
      assert.deepEqual([...r.image_png.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG');
    }
    const results = await sweepResults(s.pool, sweepId);
    assert.deepEqual(
      results.accuracy.map((a) => [a.backwardSlope, a.n]),
      [
        [0, 2],
        [0.5, 2],
      ],
    );
    // Per trained net (training slope) × AM slope: 4 units × 2 seeds, paired with AM slope 0 on the same net.
    assert.deepEqual(
      results.am.map((a) => [a.backwardSlope, a.amBackwardSlope, a.n, a.pairs]),
      [
        [0, 0, 8, 8],
        [0, 1, 8, 8],
        [0.5, 0, 8, 8],
        [0.5, 1, 8, 8],
      ],
    );
    assert.deepEqual(
      new Set(results.am.map((a) => a.protocol)),
      new Set(['ascent lr=0.1 steps=5 init=zeros norm=none jitter=0 blur=off']),
    );
  });

  test('launching the same spec again finds the same sweep and starts nothing', async () => {
    const again = await launchSweep(ctx, validateSpec(raw));
    assert.equal(again.created, false);
    assert.equal(again.sweepId, sweepId);
    const workflows = [];
    for await (const wf of s.client.workflow.list({ query: `WorkflowId = 'sweep-${sweepId}'` })) workflows.push(wf);
    assert.equal(workflows.length, 1);
  });

  test('recorded sweep and cell histories replay deterministically against the current workflow code', async () => {
    const histories = s.client.workflow
      .list({ query: `WorkflowType IN ('sweepWorkflow', 'cellWorkflow')` })
      .intoHistories();
    const results = Worker.runReplayHistories({ workflowBundle: { codePath: workflowBundlePath() } }, histories);
    let replayed = 0;
    for await (const r of results) {
      assert.equal(r.error, undefined, `${r.workflowId}: ${String(r.error)}`);
      replayed++;
    }
    assert.equal(replayed, 5, 'one sweep and four cells');
  });
});
