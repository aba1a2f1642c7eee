import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useServices, eventually, type TestServices } from '../helpers/services';
import { launch, tinySpec, waitForSweep, workers } from '../helpers/sweeps';
import { continueCell, launchSweep, resumeSweep, sweepResults, sweepStatus } from '../../services/sweeps';
import { renderResults } from '../../services/cli/results-table';
import { UserError } from '../../services/errors';
import { validateSpec } from '../../services/spec';
import { ashaDecisions, type AshaState } from '../../workflows/asha';
import { cellWorkflowId } from '../../workflows/ids';
import { temporal } from '@temporalio/proto';

const STARTED = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;

interface Decision {
  position: number;
  cell_key: string;
  rung: number;
  value: number | null;
  pruned: boolean;
}

/** Six sampled cells of 4 epochs, rungs at 1 and 2 (η = 2), on the validation accuracy. */
const ashaSpec = (name: string, taskQueue: string) =>
  tinySpec(name, {
    base: {
      dataset: 'synthetic',
      arch: 'small-cnn',
      backwardSlope: 0.3,
      epochs: 4,
      batchSize: 32,
      trainLimit: 256,
      testLimit: 64,
      validationFraction: 0.25,
    },
    grid: { learningRate: { loguniform: [0.0003, 0.1] } },
    search: { strategy: 'random', budget: 6, seed: 3 },
    pruner: { type: 'asha', metric: 'valAccuracy', minEpochs: 1, reductionFactor: 2 },
    am: undefined,
    execution: {
      maxParallel: 2,
      taskQueue,
      retries: { maximumAttempts: 5, initialInterval: '1s' },
      timeouts: { heartbeat: '3s' },
      checkpointEvery: 0,
    },
  });

// Slow steps (6 per epoch) so a kill lands while cells train between rungs.
const SLOW = { PROXYSWEEP_TEST_STEP_DELAY_MS: '120' };

async function decisionsOf(s: TestServices, sweepId: string): Promise<Decision[]> {
  const r = await s.pool.query<Decision>(
    'SELECT position, cell_key, rung, value, pruned FROM rung_results WHERE sweep_id = $1 ORDER BY rung, position',
    [sweepId],
  );
  return r.rows;
}

/**
 * Waits until the pruner has decided twice and a cell's training activity is running (not a cell waiting for its
 * decision between rungs); returns that cell and the worker running the activity.
 */
async function midRung(s: TestServices, sweepId: string): Promise<{ id: number; worker: string }> {
  return eventually(
    async () => {
      if ((await decisionsOf(s, sweepId)).length < 2) return undefined;
      const r = await s.pool.query<{ id: number; cell_key: string }>(
        `SELECT id, cell_key FROM cells WHERE sweep_id = $1 AND status = 'running' AND phase = 'training' ORDER BY idx`,
        [sweepId],
      );
      for (const c of r.rows) {
        const d = await s.client.workflow.getHandle(cellWorkflowId(sweepId, c.cell_key)).describe();
        const a = d.raw.pendingActivities?.find((p) => p.activityType?.name === 'trainCell' && p.state === STARTED);
        if (a?.lastWorkerIdentity) return { id: c.id, worker: a.lastWorkerIdentity };
      }
      return undefined;
    },
    120_000,
    'two decisions and a running training activity',
  );
}

/** Decisions taken before a crash stand; every decision is the rule's on the results in arrival order; statuses follow. */
async function assertDecisionsHold(s: TestServices, sweepId: string, before: Decision[], after: Decision[]) {
  const final = new Map(after.map((d) => [`${d.cell_key}@${d.rung}`, d]));
  for (const d of before)
    assert.deepEqual(final.get(`${d.cell_key}@${d.rung}`), d, 'a decision before the crash stands');
  assert.equal(final.size, after.length, 'one decision per rung');
  const state: AshaState = { rungs: {} };
  for (const d of after) {
    const list = (state.rungs[String(d.rung)] ??= []);
    assert.equal(d.position, list.length, 'arrival positions are recorded without gaps');
    list.push([d.cell_key, d.value ?? NaN]);
  }
  assert.deepEqual(
    ashaDecisions(state, { mode: 'max', reductionFactor: 2 })
      .map((d) => [d.cellKey, d.rung, d.pruned])
      .sort(),
    after.map((d) => [d.cell_key, d.rung, d.pruned]).sort(),
  );
  const prunedAt = new Map(after.filter((d) => d.pruned).map((d) => [d.cell_key, d.rung]));
  const cells = await s.pool.query<{ cell_key: string; status: string; rung: number | null }>(
    'SELECT cell_key, status, rung FROM cells WHERE sweep_id = $1',
    [sweepId],
  );
  for (const c of cells.rows) {
    assert.equal(c.status, prunedAt.has(c.cell_key) ? 'pruned' : 'succeeded', `cell ${c.cell_key}`);
    if (prunedAt.has(c.cell_key)) assert.equal(c.rung, prunedAt.get(c.cell_key));
  }
}

describe('ASHA in the sweep workflow, with a worker or the Temporal server killed mid-rung', () => {
  const fx = useServices();

  test('decisions taken before the kill stand, every decision follows the rule, pruned cells keep their rows', async () => {
    const s = fx.s;
    const raw = ashaSpec('asha', 'tq-asha');
    const first = workers(s, 2, 'tq-asha', SLOW);
    fx.workers.push(first);
    const { ctx, sweepId, spec } = await launch(s, raw);
    fx.contexts.push(ctx);
    assert.equal(spec.cells.length, 6);
    assert.deepEqual(spec.pruner?.rungs, [1, 2]);

    const decisions = () => decisionsOf(s, sweepId);
    // Kill one worker once the pruner has decided at least twice and a cell is training past a rung.
    const victim = await midRung(s, sweepId);
    const before = await decisions();
    const index = first.processes.findIndex((p) => victim.worker.endsWith(`:${p.pid}`));
    assert.ok(index >= 0, `the training worker ${victim.worker} is one of ours`);
    first.processes[index].kill('SIGKILL');
    const second = workers(s, 1, 'tq-asha');
    fx.workers.push(second);
    assert.equal(await waitForSweep(s, sweepId, 240_000), 'succeeded');

    const after = await decisions();
    await assertDecisionsHold(s, sweepId, before, after);
    // A reported value is the cell's validation accuracy at that epoch, as stored (a retried epoch is the same).
    for (const d of after) {
      const m = await s.pool.query(
        'SELECT m.val_accuracy FROM epoch_metrics m JOIN cells c ON c.id = m.cell_id WHERE c.sweep_id = $1 AND c.cell_key = $2 AND m.epoch = $3',
        [sweepId, d.cell_key, d.rung],
      );
      assert.equal(m.rows[0].val_accuracy, d.value);
    }
    const cells = (
      await s.pool.query<{ id: number; cell_key: string; status: string; rung: number | null; epochs_done: number }>(
        'SELECT id, cell_key, status, rung, epochs_done FROM cells WHERE sweep_id = $1 ORDER BY idx',
        [sweepId],
      )
    ).rows;
    const prunedAt = new Map(after.filter((d) => d.pruned).map((d) => [d.cell_key, d.rung]));
    assert.ok(prunedAt.size >= 1 && prunedAt.size < cells.length, `some cells pruned (${prunedAt.size})`);
    for (const c of cells) {
      if (prunedAt.has(c.cell_key)) {
        assert.equal(c.status, 'pruned');
        assert.equal(c.rung, prunedAt.get(c.cell_key));
        assert.equal(c.epochs_done, c.rung, 'trained exactly to its rung');
        const k = await s.pool.query('SELECT epoch FROM checkpoints WHERE cell_id = $1', [c.id]);
        assert.equal(k.rows[0]?.epoch, c.rung, 'its checkpoint is kept');
      } else {
        assert.equal(c.status, 'succeeded');
        assert.equal(c.epochs_done, 4);
      }
    }
    // Each rung is one training activity; the killed one took one more attempt than the cell's segments.
    const hit = cells.find((c) => c.id === victim.id)!;
    const segments = after.filter((d) => d.cell_key === hit.cell_key).length + (hit.status === 'succeeded' ? 1 : 0);
    const { attempts } = (await s.pool.query('SELECT attempts FROM cells WHERE id = $1', [victim.id])).rows[0];
    assert.ok(attempts > segments, `the kill hit a training attempt (${attempts} attempts, ${segments} segments)`);

    // Status and results show what pruning did: cells pruned per rung and the cell-epochs not trained.
    const status = await sweepStatus(s.pool, sweepId);
    assert.equal(status.counts.pruned, prunedAt.size);
    const saved = [...prunedAt.values()].reduce((n, rung) => n + (4 - rung), 0);
    assert.deepEqual(
      [status.pruning?.pruned, status.pruning?.cellEpochsSaved, status.pruning?.cellEpochsFull],
      [prunedAt.size, saved, 6 * 4],
    );
    assert.equal(status.pruning!.cellEpochsTrained, 6 * 4 - saved);
    const results = await sweepResults(s.pool, sweepId);
    assert.equal(results.best.length, Math.min(5, cells.length - prunedAt.size), 'finished cells ranked (at most 5)');
    assert.match(renderResults(results), new RegExp(`${prunedAt.size} cells pruned .*${saved} of the full grid's 24`));

    // The same sampled spec again is the same sweep; resume finds nothing to run (pruned counts as done).
    assert.equal((await launchSweep(ctx, validateSpec(raw))).created, false);
    const resumed = await resumeSweep(ctx, sweepId);
    assert.equal(resumed.started, false);
    assert.equal(resumed.cellsToRun, 0);

    // `sweep continue`: a pruned cell trains on from its rung checkpoint to the last epoch, by hand.
    const [prunedKey, rung] = [...prunedAt][0];
    const survivor = cells.find((c) => c.status === 'succeeded')!;
    await assert.rejects(continueCell(ctx, sweepId, survivor.cell_key), UserError);
    const rowsAtRung = async () =>
      (
        await s.pool.query(
          `SELECT m.epoch, m.recorded_at FROM epoch_metrics m JOIN cells c ON c.id = m.cell_id
           WHERE c.sweep_id = $1 AND c.cell_key = $2 AND m.epoch <= $3 ORDER BY m.epoch`,
          [sweepId, prunedKey, rung],
        )
      ).rows;
    const beforeContinue = await rowsAtRung();
    const started = await continueCell(ctx, sweepId, prunedKey);
    assert.equal(started.fromEpoch, rung);
    await s.client.workflow.getHandle(started.workflowId).result();
    const continued = (
      await s.pool.query('SELECT id, status, epochs_done FROM cells WHERE sweep_id = $1 AND cell_key = $2', [
        sweepId,
        prunedKey,
      ])
    ).rows[0];
    assert.deepEqual([continued.status, continued.epochs_done], ['succeeded', 4]);
    const epochs = await s.pool.query('SELECT epoch FROM epoch_metrics WHERE cell_id = $1 ORDER BY epoch', [
      continued.id,
    ]);
    assert.deepEqual(
      epochs.rows.map((r) => r.epoch),
      [1, 2, 3, 4],
      'each epoch once',
    );
    assert.deepEqual(await rowsAtRung(), beforeContinue, 'the epochs up to the rung were not trained again');
  });

  test('the Temporal server killed mid-rung and started again: decisions stand, the rule holds', async () => {
    const s = fx.s;
    fx.workers.push(workers(s, 2, 'tq-asha-srv', SLOW));
    const { ctx, sweepId } = await launch(s, ashaSpec('asha-srv', 'tq-asha-srv'));
    fx.contexts.push(ctx);
    await midRung(s, sweepId);
    const before = await decisionsOf(s, sweepId);
    await s.restartTemporal({ downMs: 2_000 });
    assert.equal(await waitForSweep(s, sweepId, 240_000), 'succeeded');
    const after = await decisionsOf(s, sweepId);
    assert.ok(after.length > before.length, 'decisions went on after the restart');
    await assertDecisionsHold(s, sweepId, before, after);
  });
});
