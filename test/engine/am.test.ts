import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { engineTestBackend } from '../helpers/backend';
import {
  tf,
  initBackend,
  buildModel,
  maximizeActivation,
  maximizeActivations,
  getBackwardSlopes,
  ProxyLeakyReLU,
} from '../../services/engine';

/**
 * A provable trap: f(x) = relu(x - 0.5) + 0 on x ∈ [-1, 1], started at x = 0. The pre-activation is -0.5, so
 * the ReLU gradient is exactly 0 and plain AM can never move; the global maximum is f(1) = 0.5. With a
 * backward slope a_b > 0 the proxy gradient is a_b > 0, so ascent walks to x = 1.
 */
function trapModel(forwardSlope = 0): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.flatten({ inputShape: [1, 1, 1] }));
  model.add(
    tf.layers.dense({
      units: 1,
      kernelInitializer: 'ones',
      biasInitializer: tf.initializers.constant({ value: -0.5 }),
    }),
  );
  model.add(new ProxyLeakyReLU({ forwardSlope, backwardSlope: forwardSlope }));
  model.add(tf.layers.dense({ units: 1, kernelInitializer: 'ones', biasInitializer: 'zeros' }));
  return model;
}

describe('maximizeActivation', () => {
  before(async () => {
    await initBackend(engineTestBackend());
  });

  test('plain ReLU gradients are stuck in the trap; a large backward slope escapes to the global maximum', async () => {
    const model = trapModel();
    const common = { unit: 0, steps: 60, learningRate: 0.05, seed: 1, init: 'zeros' as const };
    const relu = await maximizeActivation(model, { ...common, backwardSlope: 0 });
    assert.equal(relu.value, 0);
    assert.ok(relu.trace.every((v) => v === 0));
    assert.deepEqual(Array.from(relu.input), [0]);

    const proxy = await maximizeActivation(model, { ...common, backwardSlope: 0.5 });
    assert.ok(Math.abs(proxy.value - 0.5) < 1e-6, `expected the global maximum 0.5, got ${proxy.value}`);
    assert.equal(proxy.input[0], 1);
    assert.equal(proxy.trace.length, common.steps + 1);
    assert.deepEqual(getBackwardSlopes(model), [0], 'slopes restored');
  });

  test("the value is the TRUE forward activation of the returned input, not the proxy network's", async () => {
    // Forward slope 0.1: the proxy (backward 1.0) network would be linear and report x - 0.5 everywhere.
    const model = trapModel(0.1);
    const res = await maximizeActivation(model, {
      unit: 0,
      steps: 30,
      learningRate: 0.1,
      seed: 2,
      init: 'uniform',
      backwardSlope: 1,
    });
    const truth = (model.predict(tf.tensor(res.input, [1, 1, 1, 1])) as tf.Tensor).dataSync()[0];
    assert.ok(Math.abs(res.value - truth) < 1e-6, `${res.value} vs ${truth}`);
    assert.equal(res.value, Math.max(...res.trace));
    assert.deepEqual(res.shape, [1, 1, 1]);
    assert.deepEqual(getBackwardSlopes(model), [0.1]);
  });

  test('restores the slopes even when it fails', async () => {
    const model = trapModel();
    await assert.rejects(
      maximizeActivation(model, { unit: 5, steps: 3, learningRate: 0.1, seed: 1, backwardSlope: 0.9 }),
      /unit must be an integer/,
    );
    await assert.rejects(
      maximizeActivation(model, {
        unit: 0,
        steps: 3,
        learningRate: 0.1,
        seed: 1,
        backwardSlope: 0.9,
        init: new Float32Array(3),
      }),
      /init has 3 values/,
    );
    assert.deepEqual(getBackwardSlopes(model), [0]);
  });

  test('batched AM over all class logits matches unit-by-unit AM and stays inside the range', async () => {
    const model = buildModel('small-cnn', { inputShape: [8, 8, 1], classes: 4, activation: { mode: 'relu' }, seed: 3 });
    const opts = { steps: 12, learningRate: 0.05, seed: 4, init: 'uniform' as const, backwardSlope: 0.3 };
    const batched = await maximizeActivations(model, { ...opts, units: [0, 1, 2, 3] });
    assert.equal(batched.length, 4);
    for (let unit = 0; unit < 4; unit++) {
      const single = await maximizeActivation(model, { ...opts, unit });
      assert.ok(
        Math.abs(single.value - batched[unit].value) < 1e-4,
        `unit ${unit}: ${single.value} vs ${batched[unit].value}`,
      );
      assert.ok(batched[unit].input.every((v) => v >= -1 && v <= 1));
      assert.ok(batched[unit].value > batched[unit].trace[0], 'ascent improved the activation');
    }
  });
});
