import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DatasetCache } from '../../services/cells/dataset-cache';
import { buildModel, initBackend, tf, trainModel } from '../../services/engine';

describe('DatasetCache: one copy per process, never disposed while a cell holds it', () => {
  before(async () => {
    await initBackend('wasm');
  });

  test('slots share one dataset; a lent dataset survives eviction until its last lease is released', async () => {
    const cache = new DatasetCache(undefined, 1);
    const a = await cache.acquire('synthetic', 64, 16);
    const b = await cache.acquire('synthetic', 64, 16);
    assert.equal(a.dataset, b.dataset, 'the same object for both slots');
    assert.ok(a.dataset.host, 'host arrays shared with the trainer');
    // Another dataset beyond capacity: the first stays, because two cells hold it.
    const other = await cache.acquire('synthetic', 32, 16);
    other.release();
    a.release();
    await new Promise((r) => setImmediate(r));
    assert.equal(a.dataset.train.x.isDisposed, false, 'still lent to b');
    b.release();
    b.release(); // idempotent
    const third = await cache.acquire('digits', 16, 16);
    third.release();
    await new Promise((r) => setImmediate(r)); // disposal follows the load promise
    assert.equal(a.dataset.train.x.isDisposed, true, 'disposed once nobody held it and it was evicted');
    assert.equal(cache.size, 1);
    cache.clear();
    assert.equal(cache.size, 0);
  });

  test('a failed load is not cached', async () => {
    const cache = new DatasetCache('/nonexistent-dir');
    await assert.rejects(cache.acquire('mnist'), /mnist/);
    assert.equal(cache.size, 0);
  });

  test('training reads the shared host arrays, not a per-cell copy of the tensors', async () => {
    const cache = new DatasetCache(undefined);
    const lease = await cache.acquire('synthetic', 64, 16);
    const { dataset } = lease;
    // With its tensors gone, only the host arrays can feed the trainer.
    tf.dispose([dataset.train.x, dataset.train.y, dataset.test.x, dataset.test.y]);
    const model = buildModel('small-cnn', {
      inputShape: dataset.inputShape,
      classes: dataset.classes,
      activation: { mode: 'relu' },
      seed: 1,
    });
    const r = await trainModel(model, dataset, {
      epochs: 1,
      batchSize: 16,
      learningRate: 0.01,
      optimizer: 'adam',
      seed: 1,
    });
    assert.equal(r.epochs.length, 1);
    model.dispose();
    lease.release();
  });
});
