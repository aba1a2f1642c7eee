import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { engineTestBackend } from '../helpers/backend';
import {
  type tf,
  initBackend,
  buildModel,
  trainModel,
  decodeCheckpoint,
  type TrainOptions,
  type EpochMetrics,
} from '../../services/engine';
import { CancelledError } from '../../services/errors';
import { tinyDataset } from '../helpers/tiny-dataset';
import { tinyVgg } from '../helpers/tiny-models';

const dataset = () => tinyDataset(1);
const model = (seed = 5) =>
  buildModel('small-cnn', {
    inputShape: [8, 8, 1],
    classes: 4,
    activation: { mode: 'proxy', backwardSlope: 0.3 },
    seed,
  });
const weightsOf = (m: tf.LayersModel) => m.getWeights().map((t) => Array.from(t.dataSync()));

describe('trainModel', () => {
  before(async () => {
    await initBackend(engineTestBackend());
  });

  test('learns a learnable task and reports every epoch', async () => {
    const m = model();
    const seen: EpochMetrics[] = [];
    const res = await trainModel(m, dataset(), {
      epochs: 4,
      batchSize: 16,
      learningRate: 0.01,
      optimizer: 'adam',
      seed: 1,
      onEpoch: (e) => void seen.push(e),
    });
    assert.deepEqual(
      res.epochs.map((e) => e.epoch),
      [1, 2, 3, 4],
    );
    assert.deepEqual(seen, res.epochs);
    const last = res.epochs[3];
    assert.ok(last.testAccuracy >= 0.9, `test accuracy ${last.testAccuracy}`);
    assert.ok(last.trainLoss < res.epochs[0].trainLoss);
    assert.ok(last.imagesPerSec > 0);
  });

  test('same seed ⇒ identical weights; another seed ⇒ different weights', async () => {
    const opts: TrainOptions = {
      epochs: 2,
      batchSize: 8,
      learningRate: 0.01,
      optimizer: 'adam',
      seed: 3,
      augment: { flip: true, crop: 1 },
    };
    const [a, b, c] = [model(), model(), model()];
    await trainModel(a, dataset(), opts);
    await trainModel(b, dataset(), opts);
    await trainModel(c, dataset(), { ...opts, seed: 4 });
    assert.deepEqual(weightsOf(a), weightsOf(b));
    assert.notDeepEqual(weightsOf(a), weightsOf(c));
  });

  for (const optimizer of ['adam', 'sgd'] as const) {
    test(`stop at epoch 2 + restore + continue = uninterrupted run (${optimizer}, cosine, augmentation, batch norm)`, async () => {
      const build = tinyVgg;
      const opts: TrainOptions = {
        epochs: 4,
        batchSize: 16,
        learningRate: 0.02,
        optimizer,
        seed: 8,
        schedule: 'cosine',
        augment: { flip: true, crop: 2 },
      };
      const full = build();
      const fullRun = await trainModel(full, dataset(), opts);

      const first = build();
      const controller = new AbortController();
      let saved: Buffer | undefined;
      await assert.rejects(
        trainModel(first, dataset(), {
          ...opts,
          signal: controller.signal,
          onEpoch: async (e, ctx) => {
            if (e.epoch === 2) {
              saved = await ctx.checkpoint();
              controller.abort(); // the process "dies" during epoch 3
            }
          },
        }),
        CancelledError,
      );
      assert.equal(decodeCheckpoint(saved!).epoch, 2);

      const resumed = build(); // fresh weights: everything must come from the checkpoint
      const rest = await trainModel(resumed, dataset(), { ...opts, resumeFrom: saved });
      assert.deepEqual(
        rest.epochs.map((e) => e.epoch),
        [3, 4],
      );
      assert.deepEqual(weightsOf(resumed), weightsOf(full));
      assert.deepEqual(
        rest.epochs,
        fullRun.epochs.slice(2).map((e) => ({ ...e, imagesPerSec: rest.epochs[e.epoch - 3].imagesPerSec })),
      );
    });
  }

  test('cancelled mid-epoch: the step-exact checkpoint from onCancel resumes to the uninterrupted weights', async () => {
    const opts: TrainOptions = {
      epochs: 2,
      batchSize: 8,
      learningRate: 0.01,
      optimizer: 'adam',
      seed: 2,
      augment: { flip: true, crop: 1 },
    };
    const full = model();
    const fullRun = await trainModel(full, dataset(), opts);

    const controller = new AbortController();
    let saved: Buffer | undefined;
    await assert.rejects(
      trainModel(model(), dataset(), {
        ...opts,
        signal: controller.signal,
        onStep: (s) => void (s.epoch === 2 && s.step === 5 && controller.abort()),
        onCancel: async (ctx) => void (saved = await ctx.checkpoint()),
      }),
      CancelledError,
    );
    const state = decodeCheckpoint(saved!);
    assert.deepEqual([state.epoch, state.partial.step, state.globalStep], [1, 5, 12 + 5]);
    const resumed = model();
    const rest = await trainModel(resumed, dataset(), { ...opts, resumeFrom: saved });
    assert.deepEqual(weightsOf(resumed), weightsOf(full));
    assert.equal(rest.epochs[0].trainLoss, fullRun.epochs[1].trainLoss);
  });

  test('a checkpoint taken from onStep mid-epoch (time cadence) resumes to the uninterrupted weights', async () => {
    const opts: TrainOptions = {
      epochs: 2,
      batchSize: 8,
      learningRate: 0.01,
      optimizer: 'sgd',
      seed: 4,
      momentum: 0.9,
    };
    const full = model();
    let saved: Buffer | undefined;
    // The same run goes on after the checkpoint: taking one must not disturb training.
    const fullRun = await trainModel(full, dataset(), {
      ...opts,
      onStep: async (s, ctx) => {
        if (s.epoch === 2 && s.step === 7) saved = await ctx.checkpoint();
      },
    });
    const state = decodeCheckpoint(saved!);
    assert.deepEqual([state.epoch, state.partial.step], [1, 7]);
    const resumed = model();
    const rest = await trainModel(resumed, dataset(), { ...opts, resumeFrom: saved });
    assert.deepEqual(weightsOf(resumed), weightsOf(full));
    assert.equal(rest.epochs[0].trainLoss, fullRun.epochs[1].trainLoss);
  });

  test('a checkpoint for another architecture is refused with a clear message', async () => {
    const m = model();
    let saved: Buffer | undefined;
    await trainModel(m, dataset(), {
      epochs: 1,
      batchSize: 32,
      learningRate: 0.01,
      optimizer: 'adam',
      seed: 1,
      onEpoch: async (_e, ctx) => void (saved = await ctx.checkpoint()),
    });
    const other = buildModel('vgg', {
      inputShape: [8, 8, 1],
      classes: 4,
      activation: { mode: 'relu' },
      seed: 1,
      depth: 1,
      convsPerStage: 1,
      width: 4,
    });
    await assert.rejects(
      trainModel(other, dataset(), {
        epochs: 2,
        batchSize: 32,
        learningRate: 0.01,
        optimizer: 'adam',
        seed: 1,
        resumeFrom: saved,
      }),
      /another architecture|shape/,
    );
  });

  test('rejects bad numeric options naming the field', async () => {
    await assert.rejects(
      trainModel(model(), dataset(), { epochs: 0, batchSize: 8, learningRate: 0.1, optimizer: 'adam', seed: 1 }),
      /train\.epochs must be a positive integer, got 0/,
    );
    await assert.rejects(
      trainModel(model(), dataset(), { epochs: 1, batchSize: 8, learningRate: -1, optimizer: 'adam', seed: 1 }),
      /learningRate/,
    );
  });
});
