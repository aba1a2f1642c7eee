import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, initBackend, trainModel, proxyLeakyRelu, nativeStatus, type TrainOptions } from '../../services/engine';
import { loadedNative, TENSORFLOW_VERSION } from '../../services/engine/native';
import { maxPoolGradOnOneDnn } from '../../services/engine/kernels';
import { nativeSmokeCheck, SMOKE_TOLERANCE } from '../../services/engine/native/smoke';
import { packageRoot } from '../../services/paths';
import { tinyDataset } from '../helpers/tiny-dataset';
import { nativeSkip } from '../helpers/native';
import { tinyAm, tinyVgg } from '../helpers/tiny-models';

/**
 * Native TensorFlow against the other backends. The engine tests themselves (op values and gradients, AM,
 * training determinism, checkpoint-resume equality) run a second time on this backend (`npm test`'s native
 * pass) with exact equality within the backend; here the backends are compared with each other, which can only
 * hold to float32 round-off: XNNPACK (wasm) and oneDNN/Eigen (libtensorflow) sum in different orders.
 */
describe('native TensorFlow backend', { skip: nativeSkip() }, () => {
  before(async () => {
    const info = await initBackend('tensorflow');
    assert.equal(info.name, 'tensorflow');
  });

  test('is libtensorflow from the pinned PyPI wheel when setup native built it', () => {
    const native = loadedNative();
    assert.ok(native, 'loaded');
    assert.equal(tf.getBackend(), 'tensorflow');
    if (native.source === 'setup') {
      assert.equal(native.tfVersion, TENSORFLOW_VERSION);
      assert.equal(nativeStatus().setup?.tensorflow, TENSORFLOW_VERSION);
    }
  });

  test("ProxyGrad's gradient is one native LeakyReluGrad op, with the backward slope", async () => {
    const x = tf.tensor1d([-3, -0.5, 0, 0.5, 2]);
    const dy = tf.tensor1d([1, 2, 3, 4, 5]);
    let g: tf.Tensor | undefined;
    const profile = await tf.profile(() => {
      g = tf.grad((t: tf.Tensor) => proxyLeakyRelu(t, { forward: 0, backward: 0.3 }))(x, dy);
    });
    const kernels = profile.kernels.map((k) => k.name);
    assert.ok(kernels.includes('LeakyReluGrad'), kernels.join(','));
    assert.ok(!kernels.includes('Step'), 'no six-op Step kernel');
    // dy where x > 0, backward·dy elsewhere (x = 0 included), in float32.
    const slope = Math.fround(0.3);
    assert.deepEqual(Array.from(g!.dataSync()), [1, 2, 3].map((k) => Math.fround(slope * k)).concat([4, 5]));
  });

  test("MaxPoolGrad on oneDNN equals libtensorflow's own kernel bit for bit (ties, odd sizes, SAME)", () => {
    const b = tf.backend() as unknown as {
      binding: Record<string, number>;
      executeSingleOutput(op: string, attrs: unknown[], inputs: tf.Tensor[]): tf.TensorInfo;
    };
    const int = b.binding.TF_ATTR_INT;
    const str = b.binding.TF_ATTR_STRING;
    for (const [shape, size, stride, pad] of [
      [[8, 28, 28, 32], 2, 2, 'valid'],
      [[3, 9, 7, 5], 2, 2, 'same'],
      [[3, 9, 9, 4], 3, 3, 'valid'],
      [[2, 9, 9, 3], 3, 2, 'same'], // overlapping windows: the stock kernel, by design
    ] as [[number, number, number, number], number, number, 'valid' | 'same'][]) {
      tf.tidy(() => {
        const x: tf.Tensor4D = tf.relu(tf.randomUniform(shape, -1, 1, 'float32', 3)); // ~half zeros: ties in many windows
        const dy = tf.randomUniform(tf.maxPool(x, size, stride, pad).shape, -1, 1, 'float32', 4);
        const ours = tf.grad((t: tf.Tensor) => tf.maxPool(t as tf.Tensor4D, size, stride, pad))(x, dy);
        const stock = b.executeSingleOutput(
          'MaxPoolGrad',
          [
            { name: 'T', type: b.binding.TF_ATTR_TYPE, value: b.binding.TF_FLOAT },
            { name: 'ksize', type: int, value: [1, size, size, 1] },
            { name: 'strides', type: int, value: [1, stride, stride, 1] },
            { name: 'padding', type: str, value: pad.toUpperCase() },
            { name: 'data_format', type: str, value: 'NHWC' },
          ],
          [x, tf.maxPool(x, size, stride, pad), dy],
        );
        const want = tf.engine().makeTensorFromTensorInfo(stock).dataSync();
        assert.deepEqual(ours.dataSync(), want, `${shape.join('x')} ${size}/${stride} ${pad}`);
      });
    }
    if (loadedNative()?.source === 'setup') assert.equal(maxPoolGradOnOneDnn(), true, 'the oneDNN path is in use');
  });

  test(`conv + ProxyGrad gradients match the cpu backend within ${SMOKE_TOLERANCE.cpu} (relative)`, async () => {
    const report = await nativeSmokeCheck();
    assert.equal(report.maxDiff.value, 0, 'the forward conv is bit-exact on CPU');
    assert.ok(
      report.maxDiff.dx <= SMOKE_TOLERANCE.cpu && report.maxDiff.dw <= SMOKE_TOLERANCE.cpu,
      JSON.stringify(report),
    );
    assert.equal(tf.getBackend(), 'tensorflow', 'the check restores the backend');
  });

  // Measured: after 4 epochs (24 Adam steps) weights differ by ≤ 2.1e-6 and losses by ≤ 1.5e-7 relative; the bounds
  // leave 50–100× room for other CPUs' kernels (AVX2 vs AVX-512 change the summation order again).
  test('training and AM agree with wasm to float32 round-off (weights 1e-4, losses 1e-5 relative, AM 1e-4)', async () => {
    const opts: TrainOptions = {
      epochs: 4,
      batchSize: 16,
      learningRate: 0.01,
      optimizer: 'adam',
      seed: 1,
      augment: { flip: true, crop: 1 },
    };
    const runOn = async (backend: 'wasm' | 'tensorflow') => {
      await initBackend(backend);
      const model = tinyVgg();
      const { epochs } = await trainModel(model, tinyDataset(1), opts);
      const am = await tinyAm(model, 30);
      return { epochs, weights: model.getWeights().map((t) => Array.from(t.dataSync())), am: am.map((a) => a.value) };
    };
    const wasm = await runOn('wasm');
    const native = await runOn('tensorflow');
    let dw = 0;
    wasm.weights.forEach((w, i) => w.forEach((v, j) => (dw = Math.max(dw, Math.abs(v - native.weights[i][j])))));
    assert.ok(dw <= 1e-4, `weights differ by ${dw}`);
    wasm.epochs.forEach((e, i) => {
      const rel = Math.abs(e.trainLoss - native.epochs[i].trainLoss) / e.trainLoss;
      assert.ok(rel <= 1e-5, `epoch ${e.epoch} train loss ${e.trainLoss} vs ${native.epochs[i].trainLoss}`);
    });
    wasm.am.forEach((v, i) =>
      assert.ok(Math.abs(v - native.am[i]) <= 1e-4 * Math.abs(v), `AM unit ${i}: ${v} vs ${native.am[i]}`),
    );
  });
});

describe('backend selection', () => {
  const pick = (env: NodeJS.ProcessEnv, preference = '') =>
    spawnSync(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(join(packageRoot(), 'dist/services/engine'))}).initBackend(${preference ? JSON.stringify(preference) : ''})` +
          '.then((b) => console.log(JSON.stringify(b)), (e) => { console.log(JSON.stringify({ error: e.message, code: e.exitCode })); })',
      ],
      { encoding: 'utf8', env: { ...process.env, PROXYSWEEP_BACKEND: '', ...env } },
    );
  const parse = (r: ReturnType<typeof pick>) =>
    JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;

  test('auto prefers native TensorFlow over wasm and notes why the GPU one was skipped', { skip: nativeSkip() }, () => {
    const chosen = parse(pick({}));
    assert.equal(chosen.name, 'tensorflow', JSON.stringify(chosen));
    const notes = (chosen.notes as string[]).join('\n');
    assert.match(notes, /tensorflow-gpu: /);
    assert.match(notes, /tensorflow: (TensorFlow \d+\.\d+\.\d+ via setup native|stock)/);
  });

  test('without native TensorFlow, auto falls back to wasm and says how to set it up', () => {
    const chosen = parse(pick({ PROXYSWEEP_NATIVE_DIR: mkdtempSync(join(tmpdir(), 'ps-no-native-')) }));
    assert.equal(chosen.name, 'wasm');
    assert.match(
      (chosen.notes as string[]).join('\n'),
      /tensorflow: native TensorFlow is not set up: run `proxysweep setup native`/,
    );
  });

  test('forcing tensorflow where it is not set up is a user error naming the fix', () => {
    const r = parse(pick({ PROXYSWEEP_NATIVE_DIR: mkdtempSync(join(tmpdir(), 'ps-no-native-')) }, 'tensorflow'));
    assert.equal(r.code, 2);
    assert.match(String(r.error), /backend "tensorflow" is unavailable .*run `proxysweep setup native`/);
  });
});
