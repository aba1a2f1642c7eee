import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { engineTestBackend } from '../helpers/backend';
import { tf, initBackend, buildModel, ARCHITECTURES, proxyLayers } from '../../services/engine';
import { SpecError } from '../../services/errors';

describe('buildModel', () => {
  before(async () => {
    await initBackend(engineTestBackend());
  });

  for (const arch of ARCHITECTURES) {
    for (const inputShape of [
      [28, 28, 1],
      [32, 32, 3],
    ] as [number, number, number][]) {
      test(`${arch} on ${inputShape.join('x')} outputs logits of every class`, () => {
        const model = buildModel(arch, {
          inputShape,
          classes: 7,
          activation: { mode: 'proxy', backwardSlope: 0.3 },
          seed: 1,
        });
        const out = model.predict(tf.zeros([2, ...inputShape])) as tf.Tensor;
        assert.deepEqual(out.shape, [2, 7]);
        const layers = proxyLayers(model);
        assert.ok(layers.length >= 2);
        assert.ok(layers.every((l) => l.forwardSlope === 0 && l.backwardSlope === 0.3));
        // Logits, not probabilities: no softmax at the end.
        const config = model.layers[model.layers.length - 1].getConfig();
        assert.notEqual(config.activation, 'softmax');
      });
    }
  }

  test('small-cnn matches the PyTorch reference network layer for layer', () => {
    const model = buildModel('small-cnn', {
      inputShape: [28, 28, 1],
      classes: 10,
      activation: { mode: 'relu' },
      seed: 1,
    });
    const shapes = model.weights.map((w) => w.shape.join('x'));
    assert.deepEqual(shapes, ['3x3x1x32', '32', '3x3x32x64', '64', '3136x10', '10']);
  });

  test('the same seed gives the same weights, another seed other weights', () => {
    const opts = {
      inputShape: [8, 8, 3] as [number, number, number],
      classes: 4,
      activation: { mode: 'relu' as const },
    };
    const a = buildModel('resnet', { ...opts, seed: 11 })
      .getWeights()
      .map((t) => Array.from(t.dataSync()));
    const b = buildModel('resnet', { ...opts, seed: 11 })
      .getWeights()
      .map((t) => Array.from(t.dataSync()));
    const c = buildModel('resnet', { ...opts, seed: 12 })
      .getWeights()
      .map((t) => Array.from(t.dataSync()));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  test('vgg options: depth, width and batch norm', () => {
    const base = {
      inputShape: [16, 16, 1] as [number, number, number],
      classes: 2,
      activation: { mode: 'leaky' as const },
      seed: 2,
    };
    const withBn = buildModel('vgg', { ...base, depth: 2, convsPerStage: 1, width: 8, batchNorm: true });
    const noBn = buildModel('vgg', { ...base, depth: 2, convsPerStage: 1, width: 8, batchNorm: false });
    assert.equal(withBn.layers.filter((l) => l.getClassName() === 'BatchNormalization').length, 2);
    assert.equal(noBn.layers.filter((l) => l.getClassName() === 'BatchNormalization').length, 0);
    assert.deepEqual(
      noBn.weights.map((w) => w.shape[w.shape.length - 1]),
      [8, 8, 16, 16, 2, 2],
    );
  });

  test('unknown arch, unknown option and bad activation give SpecErrors naming the field', () => {
    const base = {
      inputShape: [8, 8, 1] as [number, number, number],
      classes: 2,
      activation: { mode: 'relu' as const },
      seed: 1,
    };
    assert.throws(
      () => buildModel('lenet', base),
      (e: unknown) => e instanceof SpecError && /unknown arch "lenet"/.test(e.message),
    );
    assert.throws(
      () => buildModel('small-cnn', { ...base, depth: 3 }),
      (e: unknown) => e instanceof SpecError && /no option "depth"/.test(e.message),
    );
    assert.throws(() => buildModel('small-cnn', { ...base, activation: { mode: 'proxy' } }), /needs a backwardSlope/);
    assert.throws(
      () => buildModel('small-cnn', { ...base, activation: { mode: 'leaky', forwardSlope: 0.1, backwardSlope: 0.5 } }),
      /one slope/,
    );
  });
});
