import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type tf, initBackend, buildModel, trainModel, type TrainOptions } from '../../services/engine';
import { tinyDataset } from '../helpers/tiny-dataset';

const model = () =>
  buildModel('small-cnn', {
    inputShape: [8, 8, 1],
    classes: 4,
    activation: { mode: 'proxy', backwardSlope: 0.3 },
    seed: 5,
  });
const weightsOf = (m: tf.LayersModel) => m.getWeights().map((t) => Array.from(t.dataSync()));

describe('training to a rung, on a validation split', () => {
  before(async () => {
    await initBackend('wasm');
  });

  const opts: TrainOptions = {
    epochs: 4,
    batchSize: 16,
    learningRate: 0.01,
    optimizer: 'adam',
    schedule: 'cosine',
    seed: 2,
    validationFraction: 0.25,
  };

  test('a held-out quarter is not trained on and is scored every epoch', async () => {
    let stepsPerEpoch = 0;
    const res = await trainModel(model(), tinyDataset(1), {
      ...opts,
      onStep: (s) => void (stepsPerEpoch = s.stepsPerEpoch),
    });
    assert.equal(stepsPerEpoch, Math.ceil(72 / 16), '96 training examples less 24 held out');
    for (const e of res.epochs) {
      assert.ok(e.valAccuracy! >= 0 && e.valAccuracy! <= 1, String(e.valAccuracy));
      assert.ok(Number.isFinite(e.valLoss));
    }
    const plain = await trainModel(model(), tinyDataset(1), { ...opts, validationFraction: 0, epochs: 1 });
    assert.equal(plain.epochs[0].valAccuracy, undefined, 'no split, no validation metrics');
  });

  test('stopping at a rung and continuing gives the weights of an uninterrupted run', async () => {
    const whole = model();
    await trainModel(whole, tinyDataset(1), opts);
    const rung = model();
    let checkpoint: Buffer | undefined;
    const first = await trainModel(rung, tinyDataset(1), {
      ...opts,
      stopAfter: 2,
      onEpoch: async (_m, ctx) => void (checkpoint = await ctx.checkpoint()),
    });
    assert.deepEqual(
      first.epochs.map((e) => e.epoch),
      [1, 2],
    );
    const resumed = model();
    const rest = await trainModel(resumed, tinyDataset(1), { ...opts, resumeFrom: checkpoint });
    assert.deepEqual(
      rest.epochs.map((e) => e.epoch),
      [3, 4],
    );
    assert.deepEqual(weightsOf(resumed), weightsOf(whole));
  });
});
