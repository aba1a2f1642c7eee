import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  insertCells,
  insertSweep,
  loadCheckpoint,
  markCellStarted,
  saveCheckpoint,
  setCellEpochsDone,
  upsertEpochMetric,
} from '../../services/db';
import { useServices } from '../helpers/services';

describe('attempt fencing: late writes of a superseded training attempt', () => {
  const fx = useServices();

  test('add no row, change no row, and never replace a newer checkpoint; the current attempt writes as before', async () => {
    const { pool } = fx.s;
    await insertSweep(pool, {
      id: 'fence',
      name: 'fence',
      spec: {},
      spec_hash: 'x',
      max_parallel: 1,
      task_queue: 'tq-fence',
      total_cells: 1,
      workflow_id: 'sweep-fence',
    });
    await insertCells(pool, 'fence', [
      {
        cell_key: 'c',
        idx: 0,
        params: {},
        dataset: 'synthetic',
        arch: 'small-cnn',
        activation: 'proxy',
        forward_slope: 0,
        backward_slope: 0.5,
        seed: 0,
        epochs_total: 4,
      },
    ]);
    const cellId = (await pool.query<{ id: number }>(`SELECT id FROM cells WHERE sweep_id = 'fence'`)).rows[0].id;
    const metric = (epoch: number, worker: string) => ({
      cell_id: cellId,
      epoch,
      train_loss: 1,
      train_accuracy: 0.5,
      test_loss: 1,
      test_accuracy: 0.5,
      images_per_sec: 100,
      learning_rate: 0.01,
      worker,
      backend: 'cpu',
    });
    const checkpoint = (epoch: number, step: number, worker: string) => ({
      cell_id: cellId,
      epoch,
      step,
      data: Buffer.from(`${worker}@${epoch}.${step}`),
      worker,
    });

    const stale = await markCellStarted(pool, cellId, 'w-old', 'cpu');
    assert.equal(stale, 1);
    assert.equal(await upsertEpochMetric(pool, metric(1, 'w-old'), stale), true);
    assert.equal(await saveCheckpoint(pool, checkpoint(1, 0, 'w-old'), stale), true);
    // Temporal gives the attempt up; a new one starts from epoch 1 and checkpoints epoch 2.
    const fresh = await markCellStarted(pool, cellId, 'w-new', 'cpu');
    assert.equal(fresh, 2);
    assert.equal(await upsertEpochMetric(pool, metric(2, 'w-new'), fresh), true);
    assert.equal(await saveCheckpoint(pool, checkpoint(2, 0, 'w-new'), fresh), true);
    assert.equal(await setCellEpochsDone(pool, cellId, 2, fresh), true);

    // The old attempt's writes arrive late: epoch 2 (exists), epoch 3 (new), checkpoints at, behind and past.
    assert.equal(await upsertEpochMetric(pool, metric(2, 'w-old'), stale), false);
    assert.equal(await upsertEpochMetric(pool, metric(3, 'w-old'), stale), false);
    assert.equal(await saveCheckpoint(pool, checkpoint(2, 0, 'w-old'), stale), false);
    assert.equal(await saveCheckpoint(pool, checkpoint(1, 5, 'w-old'), stale), false);
    assert.equal(await saveCheckpoint(pool, checkpoint(3, 0, 'w-old'), stale), false);
    assert.equal(await setCellEpochsDone(pool, cellId, 3, stale), false);

    const rows = await pool.query<{ epoch: number; worker: string }>(
      'SELECT epoch, worker FROM epoch_metrics WHERE cell_id = $1 ORDER BY epoch',
      [cellId],
    );
    assert.deepEqual(rows.rows, [
      { epoch: 1, worker: 'w-old' },
      { epoch: 2, worker: 'w-new' },
    ]);
    const ck = await loadCheckpoint(pool, cellId);
    assert.deepEqual([ck?.epoch, ck?.step, ck?.worker, ck?.data.toString()], [2, 0, 'w-new', 'w-new@2.0']);
    const cell = await pool.query('SELECT epochs_done FROM cells WHERE id = $1', [cellId]);
    assert.equal(cell.rows[0].epochs_done, 2);

    // The current attempt still overwrites its own rows and moves its checkpoint on; behind stays refused.
    assert.equal(await upsertEpochMetric(pool, metric(2, 'w-new'), fresh), true);
    assert.equal(await saveCheckpoint(pool, checkpoint(2, 3, 'w-new'), fresh), true);
    assert.equal(await saveCheckpoint(pool, checkpoint(2, 1, 'w-new'), fresh), false);
    // Writers outside a training attempt (no attempt given) are not fenced.
    assert.equal(await upsertEpochMetric(pool, metric(4, 'tool')), true);
  });
});
