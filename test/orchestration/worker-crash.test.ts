import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useServices, eventually } from '../helpers/services';
import { launch, tinySpec, waitForSweep, workers } from '../helpers/sweeps';

describe('a worker killed with SIGKILL mid-training', () => {
  const fx = useServices();

  test('the cell finishes on another worker from its checkpoint: no duplicated or missing rows', async () => {
    const s = fx.s;
    const pools = fx.workers;
    const raw = tinySpec('crash', {
      base: {
        dataset: 'synthetic',
        arch: 'small-cnn',
        backwardSlope: 0.3,
        epochs: 4,
        batchSize: 32,
        learningRate: 0.01,
        trainLimit: 256,
        testLimit: 64,
      },
      grid: { seed: [7] },
      am: { backwardSlopes: [0.5], steps: 3, units: [0, 1] },
      execution: {
        maxParallel: 1,
        taskQueue: 'tq-crash',
        retries: { maximumAttempts: 5, initialInterval: '1s' },
        timeouts: { heartbeat: '3s' },
        checkpointEvery: 0, // resume from the epoch before the crash
      },
    });
    // Slow steps (8 per epoch) so there is time to kill the worker between epochs 1 and 4.
    const slow = { PROXYSWEEP_TEST_STEP_DELAY_MS: '150' };
    const first = workers(s, 1, 'tq-crash', slow);
    pools.push(first);
    const { ctx, sweepId } = await launch(s, raw);
    fx.contexts.push(ctx);

    const cell = await eventually(
      async () => {
        const r = await s.pool.query(
          'SELECT c.id, c.worker FROM cells c JOIN checkpoints k ON k.cell_id = c.id WHERE c.sweep_id = $1 AND k.epoch >= 1',
          [sweepId],
        );
        return r.rows[0] as { id: number; worker: string } | undefined;
      },
      60_000,
      'a first checkpoint',
    );
    const firstWorker = cell.worker;
    const epochsBefore = (await s.pool.query('SELECT epoch FROM checkpoints WHERE cell_id = $1', [cell.id])).rows[0]
      .epoch as number;
    assert.ok(epochsBefore < 4, 'killed mid-training');
    first.processes[0].kill('SIGKILL');

    const second = workers(s, 1, 'tq-crash');
    pools.push(second);
    assert.equal(await waitForSweep(s, sweepId, 120_000), 'succeeded');

    const row = (await s.pool.query('SELECT status, attempts, worker FROM cells WHERE id = $1', [cell.id])).rows[0];
    assert.equal(row.status, 'succeeded');
    assert.equal(row.attempts, 2, 'one attempt per worker');
    assert.notEqual(row.worker, firstWorker);
    const metrics = (
      await s.pool.query('SELECT epoch, worker FROM epoch_metrics WHERE cell_id = $1 ORDER BY epoch', [cell.id])
    ).rows;
    assert.deepEqual(
      metrics.map((m) => m.epoch),
      [1, 2, 3, 4],
      'each epoch exactly once',
    );
    // Epochs before the crash were not trained again: their rows still carry the first worker.
    for (const m of metrics.filter((m) => m.epoch <= epochsBefore)) assert.equal(m.worker, firstWorker);
    assert.ok(
      metrics.some((m) => m.worker !== firstWorker),
      'later epochs ran on the second worker',
    );
    const am = await s.pool.query('SELECT unit FROM am_results WHERE cell_id = $1 ORDER BY unit', [cell.id]);
    assert.deepEqual(
      am.rows.map((r) => r.unit),
      [0, 1],
    );
  });
});
