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

/** f(x) = relu(x) + relu(-x - 0.5) (rectifiers of the given slope in both passes), x a 1×1×1 image. */
function twoUnitModel(slope: number): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.flatten({ inputShape: [1, 1, 1] }));
  model.add(
    tf.layers.dense({
      units: 2,
      kernelInitializer: tf.initializers.constant({ value: 0 }),
      weights: [tf.tensor2d([[1, -1]]), tf.tensor1d([0, -0.5])],
    }),
  );
  model.add(new ProxyLeakyReLU({ forwardSlope: slope, backwardSlope: slope }));
  model.add(tf.layers.dense({ units: 1, kernelInitializer: 'ones', biasInitializer: 'zeros' }));
  return model;
}

/** f(x) = w·x on a 2×2×1 image. */
function linearModel(w: number[]): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.flatten({ inputShape: [2, 2, 1] }));
  model.add(tf.layers.dense({ units: 1, weights: [tf.tensor2d(w, [4, 1]), tf.tensor1d([0])] }));
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
    // f(x) = relu(x) + relu(-x - 0.5) on [-1, 1]: the maximum is f(1) = 1, where the second unit is off
    // (pre-activation -1.5). The proxy network (slope 0.5 in both passes) values x = 1 at 1 - 0.75 = 0.25.
    const model = twoUnitModel(0);
    const res = await maximizeActivation(model, {
      unit: 0,
      steps: 20,
      learningRate: 0.2,
      seed: 2,
      init: Float32Array.from([0.2]),
      backwardSlope: 0.5,
    });
    assert.deepEqual(Array.from(res.input), [1]);
    const truth = (model.predict(tf.tensor(res.input, [1, 1, 1, 1])) as tf.Tensor).dataSync()[0];
    const proxyValue = (twoUnitModel(0.5).predict(tf.tensor(res.input, [1, 1, 1, 1])) as tf.Tensor).dataSync()[0];
    assert.ok(Math.abs(truth - 1) < 1e-6 && Math.abs(proxyValue - 0.25) < 1e-6, `${truth} / ${proxyValue}`);
    assert.ok(Math.abs(res.value - truth) < 1e-6, `reported ${res.value}, true value ${truth}`);
    assert.equal(res.value, Math.max(...res.trace));
    assert.deepEqual(res.shape, [1, 1, 1]);
    assert.deepEqual(getBackwardSlopes(model), [0]);
  });

  test('one ascent step is clip(x + lr·g) on the input; l2 divides g by its norm; adam steps by lr·sign(g)', async () => {
    // A linear unit: its input gradient is the kernel w everywhere, so the first step is known exactly.
    const w = [0.5, -2, 3, 0.25];
    const model = linearModel(w);
    const x0 = Float32Array.from([0.1, -0.3, 0.9, 0]);
    const common = { unit: 0, steps: 1, learningRate: 0.2, seed: 1, init: x0, backwardSlope: 0 };
    const clip = (v: number) => Math.min(1, Math.max(-1, v));

    const ascent = await maximizeActivation(model, common);
    assert.deepEqual(
      Array.from(ascent.input),
      w.map((g, i) => clip(Math.fround(x0[i] + 0.2 * g))),
    );
    const norm = Math.hypot(...w);
    const l2 = await maximizeActivation(model, { ...common, normalize: 'l2' });
    l2.input.forEach((v, i) => assert.ok(Math.abs(v - clip(x0[i] + (0.2 * w[i]) / norm)) < 1e-6, `l2 [${i}] ${v}`));
    const adam = await maximizeActivation(model, { ...common, optimizer: 'adam' });
    adam.input.forEach((v, i) =>
      assert.ok(Math.abs(v - clip(x0[i] + 0.2 * Math.sign(w[i]))) < 1e-5, `adam [${i}] ${v}`),
    );
    assert.equal(ascent.trace.length, 2);
    assert.equal(ascent.startGradient.zeroFraction, 0);
    assert.ok(Math.abs(ascent.startGradient.l2Norm - norm) < 1e-6);
  });

  test('the start gradient of a ReLU trap is all zeros; a backward slope makes it dense', async () => {
    const model = trapModel();
    const common = { unit: 0, steps: 5, learningRate: 0.05, seed: 1, init: 'zeros' as const };
    const relu = await maximizeActivation(model, { ...common, backwardSlope: 0 });
    assert.deepEqual(relu.startGradient, { zeroFraction: 1, l2Norm: 0 });
    const proxy = await maximizeActivation(model, { ...common, backwardSlope: 0.5 });
    assert.equal(proxy.startGradient.zeroFraction, 0);
    assert.ok(Math.abs(proxy.startGradient.l2Norm - 0.5) < 1e-6);
  });

  test('jitter and blur are seeded: the same seed gives the same result, another seed another', async () => {
    const model = buildModel('small-cnn', { inputShape: [8, 8, 1], classes: 3, activation: { mode: 'relu' }, seed: 5 });
    const opts = {
      units: [0, 2],
      steps: 8,
      learningRate: 0.1,
      init: 'uniform' as const,
      initScale: 0.5,
      backwardSlope: 0.3,
      jitter: 2,
      blurEvery: 3,
      blurSigma: 0.7,
    };
    const a = await maximizeActivations(model, { ...opts, seed: 7 });
    const b = await maximizeActivations(model, { ...opts, seed: 7 });
    const c = await maximizeActivations(model, { ...opts, seed: 8 });
    assert.deepEqual(
      a.map((r) => r.trace),
      b.map((r) => r.trace),
    );
    assert.deepEqual(Array.from(a[1].input), Array.from(b[1].input));
    assert.notDeepEqual(
      a.map((r) => r.trace),
      c.map((r) => r.trace),
    );
    const plain = await maximizeActivations(model, { ...opts, seed: 7, jitter: 0, blurEvery: 0 });
    assert.notDeepEqual(
      plain.map((r) => r.trace.slice(1)),
      a.map((r) => r.trace.slice(1)),
      'the regularizers change the path',
    );
    for (const r of [...a, ...c]) assert.ok(r.input.every((v) => v >= -1 && v <= 1));
    assert.ok(a[0].trace[0] !== undefined && Math.max(...Array.from(a[0].input).map(Math.abs)) > 0);
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
    const opts = { steps: 12, learningRate: 0.05, seed: 4, init: 'uniform' as const, backwardSlope: 0.3, jitter: 1 };
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
