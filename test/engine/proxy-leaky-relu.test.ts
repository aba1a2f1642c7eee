import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { engineTestBackend } from '../helpers/backend';
import {
  tf,
  initBackend,
  proxyLeakyRelu,
  ProxyLeakyReLU,
  setBackwardSlope,
  getBackwardSlopes,
  buildModel,
} from '../../services/engine';

const X = [-3, -1.5, -0.25, 0, 0.25, 1, 2.5];

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-6) {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('proxyLeakyRelu', () => {
  before(async () => {
    await initBackend(engineTestBackend());
  });

  for (const [forward, backward] of [
    [0, 0.3],
    [0, 1],
    [0.01, 0.5],
    [0.2, 0.05],
    [0, 0],
    [0.1, 0.1],
  ]) {
    test(`forward slope ${forward}, backward slope ${backward}`, () => {
      const x = tf.tensor1d(X);
      const value = proxyLeakyRelu(x, { forward, backward });
      // Value: tf.leakyRelu at the forward slope.
      close(value.dataSync(), tf.leakyRelu(x, forward).dataSync());
      // Gradient (with a non-uniform upstream gradient): tf.leakyRelu's at the backward slope.
      const dy = tf.tensor1d([1, 2, 3, 4, 5, 6, 7]);
      const g = tf.grad((t: tf.Tensor) => proxyLeakyRelu(t, { forward, backward }))(x, dy);
      const ref = tf.grad((t: tf.Tensor) => tf.leakyRelu(t, backward))(x, dy);
      close(g.dataSync(), ref.dataSync());
      // And by hand: dy where x > 0, backward·dy elsewhere.
      close(
        g.dataSync(),
        X.map((v, i) => (v > 0 ? 1 : backward) * (i + 1)),
      );
    });
  }

  test('rejects non-finite slopes', () => {
    assert.throws(() => proxyLeakyRelu(tf.scalar(1), { forward: 0, backward: NaN }), /finite/);
  });
});

describe('ProxyLeakyReLU layer', () => {
  before(async () => {
    await initBackend(engineTestBackend());
  });

  test('serialization round-trip keeps class, slopes and outputs', async () => {
    const model = tf.sequential();
    model.add(
      tf.layers.dense({ inputShape: [4], units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }) }),
    );
    model.add(new ProxyLeakyReLU({ forwardSlope: 0.05, backwardSlope: 0.7 }));
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    const layer = loaded.layers[1];
    assert.ok(layer instanceof ProxyLeakyReLU);
    assert.equal((layer as ProxyLeakyReLU).forwardSlope, 0.05);
    assert.equal((layer as ProxyLeakyReLU).backwardSlope, 0.7);
    const x = tf.tensor2d([[1, -2, 3, -4]]);
    close((loaded.predict(x) as tf.Tensor).dataSync(), (model.predict(x) as tf.Tensor).dataSync());
  });

  test('setBackwardSlope changes every rectifier of a model, and only the gradient', () => {
    const model = buildModel('vgg', {
      inputShape: [8, 8, 1],
      classes: 3,
      activation: { mode: 'relu' },
      seed: 3,
      depth: 2,
      convsPerStage: 1,
      width: 4,
    });
    assert.deepEqual(getBackwardSlopes(model), [0, 0]);
    const x = tf.randomUniform([2, 8, 8, 1], -1, 1, 'float32', 5);
    const before = (model.predict(x) as tf.Tensor).dataSync();
    assert.equal(setBackwardSlope(model, 0.4), 2);
    assert.deepEqual(getBackwardSlopes(model), [0.4, 0.4]);
    close((model.predict(x) as tf.Tensor).dataSync(), before);
  });
});
